"""The worker's lanes: each feature registers its own, so jobs/ never imports the features.

A lane is a function `run(clock, stop) -> int` (how much it did), run again after `interval`
seconds; `order` is the order of a single pass (`worker --once`). A lane that keeps state
between passes registers a factory instead (`make`), called once per worker.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

Clock = Callable[[], datetime]
LaneRun = Callable[[Clock, threading.Event | None], int]


@dataclass
class Lane:
    name: str
    run: LaneRun
    interval: float  # seconds to wait after a pass


@dataclass(frozen=True)
class _Registered:
    make: Callable[[], LaneRun]
    interval: float
    order: int


_LANES: dict[str, _Registered] = {}


def lane(name: str, *, interval: float, order: int) -> Callable[[LaneRun], LaneRun]:
    """Register the decorated function as the lane `name`."""

    def register(run: LaneRun) -> LaneRun:
        _LANES[name] = _Registered(lambda: run, interval, order)
        return run

    return register


def lane_factory(name: str, make: Callable[[], LaneRun], *, interval: float, order: int) -> None:
    """Register a lane whose runner each worker makes afresh (it keeps state between passes)."""
    _LANES[name] = _Registered(make, interval, order)


def names() -> list[str]:
    """Return the registered lanes' names, in the order of a single pass."""
    return [name for name, _ in sorted(_LANES.items(), key=lambda item: item[1].order)]


def lanes(intervals: dict[str, float] | None = None) -> list[Lane]:
    """Make the registered lanes, in the order of a single pass; `intervals` overrides some."""
    intervals = intervals or {}
    return [
        Lane(name, _LANES[name].make(), intervals.get(name, _LANES[name].interval))
        for name in names()
    ]
