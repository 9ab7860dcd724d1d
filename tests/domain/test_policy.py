"""The policy tables: every combination of the organization's switches and a user's standing."""

import itertools

import pytest

from bwm.domain.policy import (
    DETAILS,
    OrgPolicy,
    UserStanding,
    blocked_reasons,
    may_publish,
    may_share_at,
    set_user_bookings,
    share_level,
)

BOOLS = (True, False)


@pytest.mark.parametrize(
    ("enabled", "mode", "anonymous", "licensed", "allow_listed", "block_listed"),
    list(itertools.product(BOOLS, ("none", "allow", "block"), BOOLS, BOOLS, BOOLS, BOOLS)),
)
def test_may_publish_over_every_combination(
    enabled, mode, anonymous, licensed, allow_listed, block_listed
):
    org = OrgPolicy(bookings_enabled=enabled, user_policy=mode, anonymous_sharing=anonymous)
    user = UserStanding(licensed=licensed, allow_listed=allow_listed, block_listed=block_listed)
    listed_ok = {"none": True, "allow": allow_listed, "block": not block_listed}[mode]
    expected = enabled and anonymous and licensed and listed_ok
    assert may_publish(org, user) is expected
    assert (blocked_reasons(org, user) == []) is expected


@pytest.mark.parametrize(
    ("org", "user", "reasons"),
    [
        (OrgPolicy(), UserStanding(), []),
        (OrgPolicy(bookings_enabled=False), UserStanding(), ["organization_off"]),
        (OrgPolicy(anonymous_sharing=False), UserStanding(), ["anonymous_sharing_off"]),
        (OrgPolicy(), UserStanding(licensed=False), ["not_licensed"]),
        (OrgPolicy(user_policy="allow"), UserStanding(), ["not_on_allow_list"]),
        (OrgPolicy(user_policy="block"), UserStanding(block_listed=True), ["on_block_list"]),
        # A list only counts under its own mode.
        (OrgPolicy(user_policy="none"), UserStanding(block_listed=True), []),
        (OrgPolicy(user_policy="block"), UserStanding(allow_listed=False), []),
    ],
)
def test_blocked_reasons(org, user, reasons):
    assert blocked_reasons(org, user) == reasons


@pytest.mark.parametrize(
    ("sharing", "anonymous", "maximum", "requested", "shown"),
    [
        (s, a, m, r, (None if not (s and a) else DETAILS[min(DETAILS.index(m), DETAILS.index(r))]))
        for s, a, m, r in itertools.product(BOOLS, BOOLS, DETAILS, DETAILS)
    ],
)
def test_share_level_over_every_combination(sharing, anonymous, maximum, requested, shown):
    org = OrgPolicy(external_sharing=sharing, anonymous_sharing=anonymous, max_detail=maximum)
    assert share_level(org, requested) == shown
    assert may_share_at(org, requested) is (shown == requested)


def test_share_level_examples():
    assert share_level(OrgPolicy(max_detail="limited"), "full") == "limited"
    assert share_level(OrgPolicy(max_detail="full"), "free_busy") == "free_busy"
    assert share_level(OrgPolicy(external_sharing=False, max_detail="full"), "full") is None


@pytest.mark.parametrize(
    ("mode", "before", "on", "mode_after", "after"),
    [
        ("none", UserStanding(), False, "block", UserStanding(block_listed=True)),
        ("none", UserStanding(), True, "none", UserStanding()),
        ("block", UserStanding(), False, "block", UserStanding(block_listed=True)),
        ("block", UserStanding(block_listed=True), True, "block", UserStanding()),
        ("allow", UserStanding(), True, "allow", UserStanding(allow_listed=True)),
        ("allow", UserStanding(allow_listed=True), False, "allow", UserStanding()),
    ],
)
def test_set_user_bookings_as_the_cli_does(mode, before, on, mode_after, after):
    org, user = set_user_bookings(OrgPolicy(user_policy=mode), before, on)
    assert org.user_policy == mode_after
    assert user == after
    assert may_publish(org, user) is on


def test_bad_values_are_refused():
    with pytest.raises(ValueError):
        OrgPolicy(user_policy="everyone")
    with pytest.raises(ValueError):
        OrgPolicy(max_detail="everything")
    with pytest.raises(ValueError):
        share_level(OrgPolicy(), "secret")
