"""The chart image (coach/workbench/chart.py): a PNG of the expected size for every kind of
chart, and a text alternative that names every signal."""

from __future__ import annotations

import struct
from datetime import date, timedelta

from coach.workbench.chart import DPI, SIZE, alt_text, envelope, render_png
from coach.workbench.reading import read
from coach.workbench.spc import ChartKind, Direction, Options, PointType, Series, chart

PNG = b"\x89PNG\r\n\x1a\n"


def monthly(values: list[float]) -> Series:
    return Series.of((date(2023 + i // 12, i % 12 + 1, 1), v) for i, v in enumerate(values))


def size(png: bytes) -> tuple[int, int]:
    assert png.startswith(PNG) and png[12:16] == b"IHDR"
    width, height = struct.unpack(">II", png[16:24])
    return width, height


# every rule fires: runs of 7 each side, a point below the lower limit, a rising trend of 9,
# two of three beyond 2 sigma; rebased after 14 points
VALUES = [11, 13, 11, 13, 11, 13, 11, 9, 7, 9, 7, 9, 7, 9, 2, 8, 9, 10, 11, 12, 13, 14, 15, 9, 8]
NOTES = [(date(2023, 5, 1), "PDSA 1: new falls bundle on ward 7"),
         (date(2023, 9, 1), "PDSA 2: adapt the bundle for night shifts")]


def test_the_png_has_the_expected_size_for_every_kind_of_chart():
    expected = (round(SIZE[0] * DPI), round(SIZE[1] * DPI))
    options = Options(direction=Direction.DOWN, target=5, rebase=(date(2024, 3, 1),))
    for kind in ChartKind:
        png = render_png(chart(monthly(VALUES), options, kind), title="Falls", notes=NOTES)
        assert size(png) == expected and len(png) > 10_000
    short = chart(monthly(VALUES[:5]), Options(direction=Direction.NEITHER), ChartKind.XMR)
    assert size(render_png(short)) == expected


def test_every_point_type_is_drawn():
    c = chart(monthly(VALUES), Options(direction=Direction.DOWN, rebase=(date(2024, 3, 1),)))
    assert {r.point_type for r in c.rows} == {PointType.COMMON, PointType.IMPROVEMENT,
                                              PointType.CONCERN}
    neutral = chart(monthly(VALUES))
    assert {PointType.NEUTRAL_HIGH, PointType.NEUTRAL_LOW} <= {r.point_type for r in neutral.rows}
    assert render_png(neutral).startswith(PNG)


def test_the_text_alternative_names_every_signal():
    c = chart(monthly(VALUES), Options(direction=Direction.DOWN, target=5,
                                       rebase=(date(2024, 3, 1),)))
    reading = read(c, measure="Falls")
    text = alt_text(reading, NOTES)
    assert len(c.signals) == 5
    assert text.startswith("Line chart: Falls: XmR chart (Making Data Count) of 25 points")
    assert "5 signals:" in text
    for n, row in enumerate(reading.table, start=1):
        span = row.first if row.first == row.last else f"{row.first} to {row.last}"
        points = "1 point" if row.points == 1 else f"{row.points} points"
        assert f"{n}. {row.rule}, {span}, {points}: {row.meaning}." in text
    for rule in ("Run (7 points in a row on one side of the mean)",
                 "Point beyond a process limit", "Trend (7 points in a row rising or falling)",
                 "2 of 3 points beyond two sigma"):
        assert rule in text
    assert "Limits recalculated from Mar 2024." in text
    assert "hit and miss" in text
    assert "2023-09-01 PDSA 2: adapt the bundle for night shifts" in text


def test_a_chart_without_signals_says_so():
    c = chart(monthly([11, 13, 11, 13, 11, 13, 9, 7, 9, 7, 9, 7]))
    assert "No signals." in alt_text(read(c))


def test_a_long_series_draws_its_envelope():
    ys = [float((i * 37) % 101) for i in range(10_000)]
    ys[5_000], ys[7_777] = -50.0, 500.0
    xs = [float(i) for i in range(10_000)]
    line_x, line_y = envelope(xs, ys, buckets=100)
    assert len(line_x) <= 400 and line_x == sorted(line_x)
    assert (line_x[0], line_x[-1]) == (0.0, 9_999.0)
    assert min(line_y) == -50.0 and max(line_y) == 500.0
    assert envelope(xs[:300], ys[:300], buckets=100) == (xs[:300], ys[:300])


def test_ten_thousand_points_chart():
    start = date(2000, 1, 1)
    series = Series.of((start + timedelta(days=i), (i * 7919) % 97) for i in range(10_000))
    png = render_png(chart(series, Options(direction=Direction.UP)))
    assert size(png) == (1000, 500)
