"""The report's charts (pure SVG builders); the whole report is checked in test_eval_runner."""

import re

from coach.evals.report_parts import latency_chart, metric_bars


def _num(pattern: str, svg: str) -> list[float]:
    return [float(x) for x in re.findall(pattern, svg)]


def test_metric_bars_colour_by_threshold_and_mark_it():
    svg = metric_bars({"hit_at_k": 0.9, "mrr_at_k": 0.5, "groundedness": None},
                      {"hit_at_k": 0.85, "mrr_at_k": 0.6})
    assert svg.count("<rect") == 6  # a track and a bar per metric
    assert 'fill="#2e9e5b"><title>hit_at_k = 0.900' in svg  # met: green
    assert 'fill="#d1495b"><title>mrr_at_k = 0.500' in svg  # missed: red
    assert 'width="0.0" height="16" fill="#4c78a8"><title>groundedness = —' in svg
    assert svg.count("<title>threshold") == 2
    # each bar is its value's share of the track, and each tick sits at its threshold
    x0, track = _num(r'<rect x="([\d.]+)"', svg)[0], _num(r'width="([\d.]+)"', svg)[1]
    bars = _num(r'width="([\d.]+)" height="16" fill="#(?!eef0f4)', svg)
    assert bars[:2] == [0.9 * track, 0.5 * track]
    ticks = _num(r'<line x1="([\d.]+)"', svg)
    assert ticks == [x0 + 0.85 * track, x0 + 0.6 * track]


def test_latency_chart_keeps_outliers_from_squashing_the_rest():
    values = [10.0, 11.0, 12.0, 13.0, 14.0, 15.0, 16.0, 17.0, 18.0, 19.0, 20.0, 5000.0]
    svg = latency_chart("retrieve", values)
    assert "or more" in svg and ">p50<" in svg and ">p95<" in svg
    assert latency_chart("retrieve", []) == ""
    assert "or more" not in latency_chart("retrieve", [5.0, 5.0, 6.0])
