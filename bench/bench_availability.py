"""Time compute_slots on a busy month and compare it with merely sorting the busy list.

Run as ``python bench/bench_availability.py`` (``make bench``). Exits 1 if a target is missed:
the engine's median must be at most 2 ms and at most 5 times the median of ``sorted(busy)``.
"""

import gc
import random
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bwm.domain.availability import Availability, Rules, compute_slots  # noqa: E402

UTC = UTC
TZ = ZoneInfo("Europe/Stockholm")  # 2027-03-28 springs forward inside the month
MONTH_START = datetime(2027, 3, 1, tzinfo=TZ)
MONTH_END = datetime(2027, 4, 1, tzinfo=TZ)
BUSY_COUNT = 2000
REPEATS = 400
TARGET_MS = 2.0
TARGET_RATIO = 5.0


def make_busy(rng: random.Random) -> list[tuple[datetime, datetime]]:
    """Draw busy intervals of 15-120 minutes starting anywhere in the month, in UTC."""
    first = int(MONTH_START.timestamp()) // 60
    last = int(MONTH_END.timestamp()) // 60
    busy = []
    for _ in range(BUSY_COUNT):
        begin = datetime.fromtimestamp(rng.randrange(first, last) * 60, UTC)
        busy.append((begin, begin + timedelta(minutes=rng.randint(15, 120))))
    return busy


def median_ms(*funcs, repeats: int = REPEATS) -> list[float]:
    """Return each function's median wall time per call, in milliseconds.

    The calls alternate, so a busy neighbour on a shared machine slows them alike, and the
    garbage collector is off while timing, as timeit does.
    """
    for func in funcs:
        func()  # warm up
    times: list[list[float]] = [[] for _ in funcs]
    gc_was_enabled = gc.isenabled()
    gc.disable()
    try:
        for _ in range(repeats):
            for func, samples in zip(funcs, times, strict=True):
                began = time.perf_counter()
                func()
                samples.append(time.perf_counter() - began)
    finally:
        if gc_was_enabled:
            gc.enable()
    return [statistics.median(samples) * 1000 for samples in times]


def main() -> int:
    busy = make_busy(random.Random(42))
    availability = Availability(tz=TZ, weekly={day: [(9 * 60, 17 * 60)] for day in range(5)})
    rules = Rules(duration_minutes=30, step_minutes=15, max_days_ahead=365)
    now = datetime(2027, 2, 20, tzinfo=UTC)

    def engine() -> list[datetime]:
        return compute_slots(availability, busy, rules, start=MONTH_START, end=MONTH_END, now=now)

    slots = engine()
    engine_ms, sort_ms = median_ms(engine, lambda: sorted(busy))
    ratio = engine_ms / sort_ms

    print(f"month 2027-03 in {TZ.key}, {BUSY_COUNT} busy intervals, {len(slots)} free slots")
    print(f"compute_slots median: {engine_ms:.3f} ms")
    print(f"sorted(busy) median:  {sort_ms:.3f} ms")
    print(f"ratio: {ratio:.2f}x")
    ok_time = engine_ms <= TARGET_MS
    ok_ratio = ratio <= TARGET_RATIO
    print(f"{'PASS' if ok_time else 'FAIL'}: engine median {engine_ms:.3f} ms <= {TARGET_MS} ms")
    print(f"{'PASS' if ok_ratio else 'FAIL'}: engine/sort ratio {ratio:.2f} <= {TARGET_RATIO}")
    return 0 if ok_time and ok_ratio else 1


if __name__ == "__main__":
    sys.exit(main())
