"""Readable brand colours (bwm/domain/colors.py): WCAG AA on light and dark, hue kept."""

import colorsys

import pytest

from bwm.domain.colors import (
    AA,
    DARK_BACKGROUND,
    LIGHT_BACKGROUND,
    contrast,
    palette,
    readable,
    rgb,
    text_on,
)


@pytest.mark.parametrize(
    ("a", "b", "ratio"),
    [("#000000", "#ffffff", 21.0), ("#ffffff", "#ffffff", 1.0), ("#777777", "#ffffff", 4.48)],
)
def test_contrast_is_wcags(a, b, ratio):
    assert contrast(a, b) == pytest.approx(ratio, abs=0.01)


@pytest.mark.parametrize(
    ("fill", "text"),
    [("#ffeb3b", "#000000"), ("#0b5cad", "#ffffff"), ("#e91e63", "#000000"), ("#222", "#ffffff")],
)
def test_text_on_a_fill_is_black_or_white_whichever_reads(fill, text):
    assert text_on(fill) == text
    assert contrast(text_on(fill), fill) >= AA


@pytest.mark.parametrize(
    "brand", ["#ffeb3b", "#00bcd4", "#0b5cad", "#e91e63", "#000000", "#ffffff", "#7f7f7f"]
)
def test_every_brand_colour_gives_readable_links_in_both_schemes(brand):
    colours = palette(brand)
    assert contrast(colours["accent"], LIGHT_BACKGROUND) >= AA
    assert contrast(colours["dark-accent"], DARK_BACKGROUND) >= AA
    assert contrast(colours["accent-fg"], colours["accent"]) >= AA
    assert contrast(colours["dark-accent-fg"], colours["dark-accent"]) >= AA


def test_a_colour_that_reads_is_kept_and_one_that_does_not_keeps_its_hue():
    assert readable("#0b5cad", LIGHT_BACKGROUND) == "#0b5cad"
    adjusted = readable("#ffeb3b", LIGHT_BACKGROUND)  # yellow on white: darkened
    assert adjusted != "#ffeb3b" and contrast(adjusted, LIGHT_BACKGROUND) >= AA
    hue = colorsys.rgb_to_hls(*(c / 255 for c in rgb("#ffeb3b")))[0]
    assert colorsys.rgb_to_hls(*(c / 255 for c in rgb(adjusted)))[0] == pytest.approx(hue, abs=0.02)
    # Just enough: one step lighter would not read.
    assert contrast(adjusted, LIGHT_BACKGROUND) < AA + 0.3
