"""Charting time (coach/workbench): the arithmetic and rules alone, with the reading, and with
the PNG, for an XmR and a run chart of 1,000 and 10,000 daily points (seeded noise with a
step up after 60% of the series, rebased there, so every rule has work). The baseline, run in
the same process, is the same measure at 1,000 points; the floor is an empty matplotlib
figure of the same size saved as PNG (the fixed cost of any chart image).

Runs are interleaved (every measure at every size, then again) so a busy machine slows them
alike. The first call, which imports matplotlib and reads the wording, is timed on its own.
Prints median and p95 in milliseconds and the ratio to the 1,000-point baseline. Never run
by the tests. Target: compute + PNG of 10,000 points well under a second.
    .venv/bin/python benchmarks/bench_chart.py [--sizes 1000 10000] [--repeats 7]
"""

from __future__ import annotations

import argparse
import io
import random
import statistics
import sys
import time
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from coach.workbench.chart import DPI, SIZE, render_png  # noqa: E402
from coach.workbench.reading import read  # noqa: E402
from coach.workbench.spc import ChartKind, Direction, Options, Series, chart  # noqa: E402

START = date(2000, 1, 1)
BASELINE = 1_000


def series(n: int, seed: int = 25) -> tuple[Series, Options]:
    rng = random.Random(seed)
    step = int(n * 0.6)
    points = [(START + timedelta(days=i), rng.gauss(50, 5) + (6 if i >= step else 0))
              for i in range(n)]
    return Series.of(points), Options(direction=Direction.DOWN, target=45,
                                      rebase=(START + timedelta(days=step),))


def empty_png() -> bytes:
    from matplotlib.figure import Figure

    fig = Figure(figsize=SIZE, dpi=DPI)
    fig.subplots()
    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    return buf.getvalue()


def measures(s: Series, options: Options) -> dict[str, Callable[[], object]]:
    return {
        "XmR: compute": lambda: chart(s, options, ChartKind.XMR),
        "XmR: compute + reading": lambda: read(chart(s, options, ChartKind.XMR)),
        "XmR: compute + PNG": lambda: render_png(chart(s, options, ChartKind.XMR)),
        "run chart: compute": lambda: chart(s, options, ChartKind.RUN),
        "run chart: compute + PNG": lambda: render_png(chart(s, options, ChartKind.RUN)),
        "floor: empty figure as PNG": empty_png,
    }


def ms(fn: Callable[[], object]) -> float:
    t0 = time.perf_counter()
    fn()
    return (time.perf_counter() - t0) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[BASELINE, 10_000])
    parser.add_argument("--repeats", type=int, default=7)
    args = parser.parse_args()
    sizes = sorted({BASELINE, *args.sizes})
    data = {n: series(n) for n in sizes}
    first = ms(lambda: render_png(chart(*data[BASELINE])))
    print(f"first call (imports matplotlib, reads the wording) {first:.0f} ms")
    times: dict[tuple[str, int], list[float]] = {}
    for _ in range(args.repeats):
        for n in sizes:
            for name, fn in measures(*data[n]).items():
                times.setdefault((name, n), []).append(ms(fn))
    print(f"{'measure':<28}{'points':>8}{'median ms':>11}{'p95 ms':>9}{'vs 1,000':>10}")
    for name in measures(*data[BASELINE]):
        base = statistics.median(times[(name, BASELINE)])
        for n in sizes:
            got = times[(name, n)]
            p95 = statistics.quantiles(got, n=20)[-1] if len(got) > 1 else got[0]
            print(f"{name:<28}{n:>8,}{statistics.median(got):>11.1f}{p95:>9.1f}"
                  f"{statistics.median(got) / base:>10.2f}")
    worst = statistics.median(times[("XmR: compute + PNG", max(sizes))])
    print(f"Target: compute + PNG of {max(sizes):,} points well under 1,000 ms: "
          f"median {worst:.0f} ms.")


if __name__ == "__main__":
    main()
