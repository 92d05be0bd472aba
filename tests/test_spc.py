"""The chart arithmetic (coach/workbench): hand-computed golden tests for every rule, each
present and absent at its threshold; properties (hypothesis); and a cross-check of the Making
Data Count and run-chart rules against a deliberately naive re-implementation written here
from the rule text (windows over every point, not the runs the module finds)."""

from __future__ import annotations

import math
from datetime import date, timedelta
from fractions import Fraction

import pytest
from conftest import fuzz_budget
from hypothesis import given, settings
from hypothesis import strategies as st

from coach import prompts
from coach.workbench import rules
from coach.workbench.export import to_csv
from coach.workbench.reading import Formats, icon_labels, read
from coach.workbench.runs import (
    count_runs,
    exact_limits,
    expected_runs,
    float_limits,
    run_counts,
    run_distribution,
    runs_limits,
)
from coach.workbench.series import Point, SeriesError
from coach.workbench.spc import (
    Assurance,
    CaveatKind,
    ChartKind,
    Direction,
    Meaning,
    Options,
    PointType,
    Rule,
    Series,
    Side,
    Variation,
    chart,
    run_chart,
    xmr_chart,
)

UP, DOWN, NEITHER = Direction.UP, Direction.DOWN, Direction.NEITHER


def monthly(values: list[float], start: date = date(2024, 1, 1)) -> Series:
    return Series.of((month(i, start), v) for i, v in enumerate(values))


def month(i: int, start: date = date(2024, 1, 1)) -> date:
    return date(start.year + (start.month - 1 + i) // 12, (start.month - 1 + i) % 12 + 1, 1)


def found(c, rule: Rule) -> list[tuple[Side, list[int]]]:
    """(side, point numbers) of each signal of ``rule``."""
    index = {d: i for i, d in enumerate(c.series.dates)}
    return [(s.side, [index[d] for d in s.dates]) for s in c.signals if s.rule == rule]


# Data A: 7 points above the mean of 10, then 7 below; moving ranges all 2.
# Mean (11*4 + 13*3 + 9*4 + 7*3) / 14 = 140 / 14 = 10; 13 ranges of 2: mean MR 2.
# Limits 10 +/- 2.66 * 2 = 4.68 .. 15.32; 2 sigma 10 +/- 2 * (2.66/3) * 2 = 10 +/- 3.54667.
A = [11, 13, 11, 13, 11, 13, 11, 9, 7, 9, 7, 9, 7, 9]


# -- the series ----------------------------------------------------------------------------
def test_a_series_is_sorted_and_refuses_duplicates_and_non_numbers():
    s = Series.of([(date(2024, 2, 1), 2), (date(2024, 1, 1), 1, "PDSA 1")])
    assert s.dates == (date(2024, 1, 1), date(2024, 2, 1))
    assert s.points[0] == Point(date(2024, 1, 1), 1.0, "PDSA 1")
    with pytest.raises(SeriesError, match="2024-01-01 appears twice"):
        Series.of([(date(2024, 1, 1), 1), (date(2024, 1, 1), 2)])
    with pytest.raises(SeriesError, match="2024-01-01 is not a number"):
        Series.of([(date(2024, 1, 1), math.nan)])
    with pytest.raises(SeriesError, match="date order"):
        Series((Point(date(2024, 2, 1), 1), Point(date(2024, 1, 1), 1)))
    with pytest.raises(SeriesError, match="at least 3 points; this series has 2"):
        chart(monthly([1, 2]))


# -- the runs table ------------------------------------------------------------------------
def test_the_run_count_distribution_for_five_and_five():
    # R=2: 2 C(4,0)C(4,0) = 2; R=3: C(4,1)C(4,0) + C(4,0)C(4,1) = 8; R=4: 2 C(4,1)^2 = 32;
    # R=5: 2 C(4,2)C(4,1) = 48; R=6: 2 C(4,2)^2 = 72; then symmetric; total C(10,5) = 252
    assert run_counts(5, 5) == {2: 2, 3: 8, 4: 32, 5: 48, 6: 72, 7: 48, 8: 32, 9: 8, 10: 2}
    assert run_distribution(5, 5)[2] == Fraction(1, 126)
    assert sum(run_distribution(6, 9).values()) == 1
    assert expected_runs(5, 5) == 6  # 1 + 2 * 5 * 5 / 10


def test_the_runs_limits_golden_values():
    # 10 useful points: P(R <= 2) = 2/252 = 0.8% <= 2.5%, P(R <= 3) = 10/252 = 4.0% > 2.5%:
    # fewer than 3 runs is too few; by symmetry more than 9 is too many.
    assert (runs_limits(10).lower, runs_limits(10).upper) == (3, 9)
    # Swed and Eisenhart's 5% critical values (two-sided) for equal halves: 10+10: 6 and 16,
    # 15+15: 10 and 22, 20+20: 14 and 28 (a signal at or beyond them)
    for useful, (low, high) in {20: (6, 16), 30: (10, 22), 40: (14, 28)}.items():
        limits = runs_limits(useful)
        assert (limits.lower - 1, limits.upper + 1) == (low, high)
    assert runs_limits(9) is None


def test_the_long_series_formula_agrees_with_the_exact_one():
    for useful in [*range(10, 121), 301, 640, 999, 1000]:
        assert float_limits(useful) == exact_limits(useful), useful
    assert runs_limits(10_000) == float_limits(10_000)


def test_runs_are_counted_without_the_points_on_the_median():
    assert count_runs([1, 1, 0, 1, -1, 0, -1, 1]) == 3
    assert count_runs([0, 0]) == 0


# -- run chart: shift ----------------------------------------------------------------------
def test_a_shift_of_six_signals_and_five_does_not():
    # 2 x4, 5 x4, 8 x6: median of 14 = (5 + 5) / 2 = 5; six 8s above, the 2s below with the
    # 5s on the median between them: four below.
    c = run_chart(monthly([8, 8, 8, 8, 8, 8, 2, 5, 2, 5, 2, 5, 2, 5]), Options(direction=UP))
    assert c.segments[0].centre == 5
    assert found(c, Rule.SHIFT) == [(Side.HIGH, [0, 1, 2, 3, 4, 5])]
    assert c.signals[0].meaning == Meaning.IMPROVEMENT
    # five 8s: median of 13 is the 7th value, 5; five above, four below
    c = run_chart(monthly([8, 8, 8, 8, 8, 2, 5, 2, 5, 2, 5, 2, 5]))
    assert found(c, Rule.SHIFT) == []


def test_points_on_the_median_neither_count_nor_break_a_shift():
    # 2 x6, 5 x2, 8 x6: median 5. Above: 3, one on the median, 3 = six that count.
    c = run_chart(monthly([8, 8, 8, 5, 8, 8, 8, 2, 2, 2, 5, 2, 2, 2]), Options(direction=DOWN))
    assert found(c, Rule.SHIFT) == [(Side.HIGH, [0, 1, 2, 4, 5, 6]),
                                    (Side.LOW, [7, 8, 9, 11, 12, 13])]
    assert [s.meaning for s in c.signals if s.rule == Rule.SHIFT] == \
        [Meaning.CONCERN, Meaning.IMPROVEMENT]
    assert c.rows[3].point_type == PointType.COMMON  # on the median: not part of it
    # 2 x5, 5 x2, 8 x5: median 5; 3 + 2 = five each side: no shift
    c = run_chart(monthly([8, 8, 8, 5, 8, 8, 2, 2, 2, 5, 2, 2]))
    assert found(c, Rule.SHIFT) == []


# -- run chart: trend ----------------------------------------------------------------------
def test_a_trend_of_five_signals_and_four_does_not():
    c = run_chart(monthly([5, 1, 2, 3, 4, 5, 1]), Options(direction=UP))
    assert found(c, Rule.TREND) == [(Side.HIGH, [1, 2, 3, 4, 5])]
    assert c.signals[0].meaning == Meaning.IMPROVEMENT
    assert found(run_chart(monthly([5, 1, 2, 3, 4, 1])), Rule.TREND) == []
    c = run_chart(monthly([1, 5, 4, 3, 2, 1, 5]), Options(direction=UP))
    assert found(c, Rule.TREND) == [(Side.LOW, [1, 2, 3, 4, 5])]
    assert c.signals[0].meaning == Meaning.CONCERN


def test_a_repeated_value_neither_counts_nor_breaks_a_trend():
    # 1, 2, 2, 3, 4, 5: the second 2 is skipped; five rising points remain
    c = run_chart(monthly([3, 1, 2, 2, 3, 4, 5, 0]))
    assert found(c, Rule.TREND) == [(Side.HIGH, [1, 2, 4, 5, 6])]
    assert found(run_chart(monthly([3, 1, 2, 2, 3, 4, 0])), Rule.TREND) == []


def test_a_turning_point_belongs_to_both_trends_and_takes_the_later_direction():
    c = run_chart(monthly([1, 2, 3, 4, 5, 4, 3, 2, 1]), Options(direction=UP))
    assert found(c, Rule.TREND) == [(Side.HIGH, [0, 1, 2, 3, 4]), (Side.LOW, [4, 5, 6, 7, 8])]
    assert c.rows[4].point_type == PointType.CONCERN


# -- run chart: runs and astronomical points -----------------------------------------------
def test_too_many_runs_signals_above_the_table_and_not_at_it():
    c = run_chart(monthly([1, 9] * 5))  # median 5, ten runs for ten points: more than 9
    assert [s.rule for s in c.signals] == [Rule.MANY_RUNS]
    assert c.signals[0].meaning == Meaning.NEUTRAL
    assert (c.segments[0].runs, c.segments[0].runs_limits.upper) == (10, 9)
    c = run_chart(monthly([1, 9, 1, 9, 1, 9, 1, 9, 9, 1]))  # nine runs
    assert c.segments[0].runs == 9 and c.signals == ()


def test_too_few_runs_signals_below_the_table_and_not_at_it():
    c = run_chart(monthly([1] * 5 + [9] * 5))  # two runs: fewer than 3
    assert [s.rule for s in c.signals] == [Rule.FEW_RUNS]
    assert len(c.signals[0].dates) == 10
    c = run_chart(monthly([1, 1, 1, 9, 9, 9, 9, 9, 1, 1]))  # three runs
    assert c.segments[0].runs == 3 and c.signals == ()


def test_runs_are_not_judged_below_ten_useful_points():
    c = run_chart(monthly([1, 9] * 4 + [5]))  # median 5: eight points off it
    assert c.signals == ()
    assert [(k.kind, k.count) for k in c.caveats] == [(CaveatKind.TOO_FEW_FOR_LIMITS, 9),
                                                     (CaveatKind.RUNS_NOT_JUDGED, 8)]


def test_astronomical_points_are_the_ones_the_lead_flags():
    values = [5, 6, 5, 6, 30, 6, 5, 6, 5, 6]
    c = run_chart(monthly(values), Options(direction=DOWN, astronomical=(month(4),)))
    assert found(c, Rule.ASTRONOMICAL) == [(Side.HIGH, [4])]
    assert c.signals[0].meaning == Meaning.CONCERN
    assert c.rows[4].point_type == PointType.CONCERN
    assert found(run_chart(monthly(values)), Rule.ASTRONOMICAL) == []
    c = run_chart(monthly(values), Options(astronomical=(date(2024, 5, 2),)))
    assert (CaveatKind.NOT_A_POINT, date(2024, 5, 2)) in [(k.kind, k.when) for k in c.caveats]


# -- XmR: centre and limits ----------------------------------------------------------------
def test_mean_moving_range_limits_and_sigma_lines():
    c = xmr_chart(monthly(A))
    segment = c.segments[0]
    assert (segment.centre, segment.mean_mr) == (10, 2)
    assert segment.limits == pytest.approx((4.68, 15.32))
    assert segment.line(2) == pytest.approx((10 - 4 * 2.66 / 3, 10 + 4 * 2.66 / 3))
    assert segment.line(1) == pytest.approx((10 - 2 * 2.66 / 3, 10 + 2 * 2.66 / 3))


def test_large_moving_ranges_are_screened_out_of_the_mean_moving_range():
    # 9, 11 six times, then 30: mean 150/13; ranges: eleven of 2 and one of 19, mean 41/12 =
    # 3.4167; 19 >= 3.267 x 3.4167 = 11.16, so it is left out: mean MR 22/11 = 2.
    values = [9, 11] * 6 + [30]
    c = xmr_chart(monthly(values))
    assert c.segments[0].centre == pytest.approx(150 / 13)
    assert c.segments[0].mean_mr == 2
    assert xmr_chart(monthly(values), Options(screen_outliers=False)).segments[0].mean_mr == \
        pytest.approx(41 / 12)
    assert found(c, Rule.BEYOND_LIMIT) == [(Side.HIGH, [12])]


# -- XmR: the four rules -------------------------------------------------------------------
def test_a_point_beyond_a_limit_signals_and_one_on_it_does_not():
    assert rules.beyond_limits([4, 5, 16, 15.5, 4.5], 4.5, 15.5) == [-1, 0, 1, 0, 0]
    c = xmr_chart(monthly([9, 11] * 6 + [-10]), Options(direction=UP))
    # mean 110/13 = 8.46; ranges 2 x11 and 21 (screened): mean MR 2; lower limit 3.14
    assert found(c, Rule.BEYOND_LIMIT) == [(Side.LOW, [12])]
    assert c.signals[-1].meaning == Meaning.CONCERN
    assert found(xmr_chart(monthly(A)), Rule.BEYOND_LIMIT) == []


def test_seven_in_a_row_on_one_side_signals_and_six_do_not():
    c = xmr_chart(monthly(A), Options(direction=DOWN))
    assert found(c, Rule.RUN_OF_7) == [(Side.HIGH, list(range(7))),
                                       (Side.LOW, list(range(7, 14)))]
    assert [s.meaning for s in c.signals] == [Meaning.CONCERN, Meaning.IMPROVEMENT]
    # six and six: mean 120/12 = 10; no run of seven, and nothing else
    assert xmr_chart(monthly([11, 13, 11, 13, 11, 13, 9, 7, 9, 7, 9, 7])).signals == ()


def test_a_point_on_the_mean_breaks_a_run_of_seven():
    # sums 93 + 67 = 160 over 16: mean 10, with a 10 in each block of eight
    on_mean = [11, 13, 11, 10, 13, 11, 13, 11, 9, 7, 9, 10, 7, 9, 7, 9]
    c = xmr_chart(monthly(on_mean))
    assert c.segments[0].centre == 10 and c.signals == ()
    off_mean = [11, 13, 11, 11, 13, 11, 13, 11, 9, 7, 9, 9, 7, 9, 7, 9]  # 94 + 66: mean 10
    assert found(xmr_chart(monthly(off_mean)), Rule.RUN_OF_7) == \
        [(Side.HIGH, list(range(8))), (Side.LOW, list(range(8, 16)))]


def test_seven_rising_or_falling_signal_and_six_do_not():
    rising = [10, 14, 10, 14, 10, 7, 8, 9, 10, 11, 12, 13, 10, 14]
    c = xmr_chart(monthly(rising), Options(direction=UP))
    assert found(c, Rule.TREND_OF_7) == [(Side.HIGH, list(range(5, 12)))]
    assert [s.meaning for s in c.signals if s.rule == Rule.TREND_OF_7] == [Meaning.IMPROVEMENT]
    six = [10, 14, 10, 14, 10, 7, 8, 9, 10, 11, 12, 10, 14, 10]
    assert found(xmr_chart(monthly(six)), Rule.TREND_OF_7) == []
    falling = [10, 14, 10, 14, 10, 13, 12, 11, 10, 9, 8, 7, 10, 14]
    c = xmr_chart(monthly(falling), Options(direction=UP))
    assert found(c, Rule.TREND_OF_7) == [(Side.LOW, list(range(5, 12)))]
    assert [s.meaning for s in c.signals if s.rule == Rule.TREND_OF_7] == [Meaning.CONCERN]


def test_an_equal_value_breaks_a_trend_of_seven():
    # 7, 8, 9, 9, 10, 11, 12, 13: runs of 3 and 5 rising points, not 8
    tied = [10, 14, 10, 14, 10, 7, 8, 9, 9, 10, 11, 12, 13, 10]
    assert found(xmr_chart(monthly(tied)), Rule.TREND_OF_7) == []


# Two of three beyond 2 sigma. Nine and eleven alternating, with H = 10 + d and L = 10 - d
# placed as H, 11, H and L, 9, L: the sum stays 160 over 16 (mean 10) and the moving ranges
# are seven 2s, six |d - 1| and two d + 1: mean MR (10 + 8d) / 15.
def two_in_three(d: float, middle: tuple[float, float] = (11, 9)) -> list[float]:
    h, low = 10 + d, 10 - d
    return [9, 11, 9, 11, h, middle[0], h, 9, 11, 9, low, middle[1], low, 11, 9, 11]


def test_two_of_three_beyond_two_sigma_flags_the_two_not_the_third():
    # d = 35: mean MR 290/15 = 19.333; 2 sigma 2 x (2.66/3) x 19.333 = 34.28 < 35 <= 51.43
    c = xmr_chart(monthly(two_in_three(35)), Options(direction=UP))
    assert c.segments[0].mean_mr == pytest.approx(290 / 15)
    assert found(c, Rule.TWO_OF_THREE) == [(Side.HIGH, [4, 6]), (Side.LOW, [10, 12])]
    assert [s.meaning for s in c.signals] == [Meaning.IMPROVEMENT, Meaning.CONCERN]
    assert c.rows[5].point_type == PointType.COMMON  # the third point, within 2 sigma
    assert c.signals[0].rule == Rule.TWO_OF_THREE and len(c.signals) == 2


def test_one_of_three_beyond_two_sigma_does_not_signal():
    # H, 11, 11 and L, 9, 9 with d = 6 (sum 160, mean 10): ranges nine 2s, four 5s, two 0s:
    # mean MR 38/15 = 2.533; 2 sigma 4.49 < 6 <= 6.74 (close to the limit), but one in three
    values = [9, 11, 9, 11, 16, 11, 11, 9, 11, 9, 4, 9, 9, 11, 9, 11]
    c = xmr_chart(monthly(values))
    assert c.segments[0].mean_mr == pytest.approx(38 / 15)
    assert c.segments[0].line(2)[1] < 16 <= c.segments[0].limits[1]
    assert c.signals == ()


def test_a_point_on_the_mean_breaks_two_of_three():
    # H, 10, H: ranges seven 2s and 34, 35, 35, 36 twice: mean MR 294/15 = 19.6;
    # 2 sigma 34.76 < 35, yet the middle point lies on the mean
    c = xmr_chart(monthly(two_in_three(35, middle=(10, 10))))
    assert c.segments[0].mean_mr == pytest.approx(294 / 15)
    assert found(c, Rule.TWO_OF_THREE) == []


def test_a_point_beyond_the_limit_is_not_close_to_it():
    # near (2 sigma) at 4, limits at 5.2: 5 is close, 5.5 beyond; at limits of 6 both close
    assert rules.two_of_three([5, 1, 5.5], [1, 1, 1], (-4, 4), (-5.2, 5.2)) == [False] * 3
    assert rules.two_of_three([5, 1, 5.5], [1, 1, 1], (-4, 4), (-6, 6)) == [True, False, True]


# -- XmR: rebasing, direction, icons -------------------------------------------------------
def test_rebasing_recomputes_the_limits_for_each_segment():
    c = xmr_chart(monthly(A), Options(rebase=(date(2024, 7, 15),)))  # first point on or after
    first, second = c.segments
    assert (first.first, first.count, second.first, second.count) == (0, 7, 7, 7)
    # 83 / 7 and 57 / 7; each has six ranges of 2 (the 11 -> 9 across the cut is not one)
    assert (first.centre, second.centre) == pytest.approx((83 / 7, 57 / 7))
    assert (first.mean_mr, second.mean_mr) == (2, 2)
    assert c.signals == ()  # the runs of seven each side of 10 are gone
    assert [(k.kind, k.when) for k in c.caveats] == [
        (CaveatKind.SHORT_SEGMENT, date(2024, 1, 1)), (CaveatKind.SHORT_SEGMENT, month(7))]
    assert {r.segment for r in c.rows[:7]} == {0} and {r.segment for r in c.rows[7:]} == {1}


def test_a_rebase_date_outside_the_data_changes_nothing():
    c = xmr_chart(monthly(A), Options(rebase=(date(2030, 1, 1), date(2020, 1, 1))))
    assert len(c.segments) == 1
    assert [k.kind for k in c.caveats] == [CaveatKind.REBASE_IGNORED] * 2


def test_a_signal_does_not_run_across_a_rebase():
    # cut after 11 points: the first segment's mean is 115/11 = 10.45, still below the 11s and
    # 13s; the seven low points are split four and three
    c = xmr_chart(monthly(A), Options(rebase=(month(11),)))
    assert found(c, Rule.RUN_OF_7) == [(Side.HIGH, list(range(7)))]


def test_direction_neither_gives_neutral_points_and_no_assurance():
    c = xmr_chart(monthly(A), Options(target=10))
    assert [s.meaning for s in c.signals] == [Meaning.NEUTRAL, Meaning.NEUTRAL]
    assert (c.rows[0].point_type, c.rows[-1].point_type) == (PointType.NEUTRAL_HIGH,
                                                             PointType.NEUTRAL_LOW)
    assert (c.variation, c.assurance) == (Variation.NEUTRAL_LOW, None)


@pytest.mark.parametrize(("direction", "variation"), [
    (UP, Variation.CONCERN_LOW), (DOWN, Variation.IMPROVEMENT_LOW)])
def test_the_variation_icon_reads_the_latest_point(direction, variation):
    assert xmr_chart(monthly(A), Options(direction=direction)).variation == variation
    flat = xmr_chart(monthly([11, 13, 11, 13, 11, 13, 9, 7, 9, 7, 9, 7]),
                     Options(direction=direction))
    assert flat.variation == Variation.COMMON


@pytest.mark.parametrize(("direction", "target", "assurance"), [
    (UP, 16, Assurance.FAIL), (DOWN, 16, Assurance.PASS),  # above the upper limit, 15.32
    (UP, 4, Assurance.PASS), (DOWN, 4, Assurance.FAIL),  # below the lower limit, 4.68
    (UP, 10, Assurance.HIT_AND_MISS), (DOWN, 15, Assurance.HIT_AND_MISS),
    (NEITHER, 16, None), (UP, None, None)])
def test_the_assurance_icon_from_the_target_and_the_limits(direction, target, assurance):
    c = xmr_chart(monthly(A), Options(direction=direction, target=target))
    assert c.assurance == assurance


def test_a_target_on_a_limit_is_hit_and_miss_and_the_latest_segment_decides():
    upper = xmr_chart(monthly(A)).segments[0].limits[1]
    assert xmr_chart(monthly(A), Options(direction=UP, target=upper)).assurance == \
        Assurance.HIT_AND_MISS
    # rebased: the second segment's limits are 57/7 +/- 5.32 = 2.82 .. 13.46
    c = xmr_chart(monthly(A), Options(direction=UP, target=14, rebase=(month(7),)))
    assert c.assurance == Assurance.FAIL


# -- fewer than 12 points ------------------------------------------------------------------
def test_fewer_than_twelve_points_give_a_run_chart_that_says_so():
    c = chart(monthly(A[:11]), Options(direction=UP), ChartKind.XMR)
    assert (c.kind, c.requested) == (ChartKind.RUN, ChartKind.XMR)
    assert c.caveats[0].kind == CaveatKind.TOO_FEW_FOR_LIMITS and c.caveats[0].count == 11
    assert c.segments[0].limits is None and c.variation is None
    assert "You asked for an XmR chart" in read(c).text
    c = chart(monthly(A[:12]), kind=ChartKind.XMR)
    assert c.kind == ChartKind.XMR and not c.caveats


# -- the reading, the table and the CSV ----------------------------------------------------
def test_the_reading_of_a_fixed_chart():
    c = xmr_chart(monthly(A), Options(direction=DOWN, target=5))
    reading = read(c, measure="Falls per 1,000 bed days")
    assert reading.lines == (
        "Falls per 1,000 bed days: XmR chart (Making Data Count) of 14 points, Jan 2024 to "
        "Feb 2025.",
        "Mean 10; process limits 4.68 to 15.32.",
        "From Jan 2024 to Jul 2024, 7 points in a row above the mean: special-cause concern.",
        "Since Aug 2024, 7 points in a row below the mean: special-cause improvement.",
        "Latest point (Feb 2025): special-cause variation of an improving nature, from lower "
        "values.",
        "The target of 5 lies within the process limits (4.68 to 15.32), so it will be met some "
        "months and not others (hit and miss) until the process changes.",
    )
    assert [(r.rule, r.first, r.last, r.points, r.meaning) for r in reading.table] == [
        ("Run (7 points in a row on one side of the mean)", "Jan 2024", "Jul 2024", 7,
         "special-cause concern"),
        ("Run (7 points in a row on one side of the mean)", "Aug 2024", "Feb 2025", 7,
         "special-cause improvement")]


def test_the_icons_as_short_labels():
    c = xmr_chart(monthly(A), Options(direction=DOWN, target=16))
    assert icon_labels(c) == ("Special cause: improvement, lower values",
                              "Target consistently met")
    assert icon_labels(run_chart(monthly(A))) == ("", "")


def test_the_reading_names_every_rule_and_rebase_in_words():
    c = run_chart(monthly([8, 8, 8, 8, 8, 8, 2, 5, 2, 5, 2, 5, 2, 5]), Options(
        direction=UP, target=3, rebase=(date(2019, 1, 1),)))
    assert read(c).lines[2:] == (  # the runs: the points off the median, to Jan 2025
        "From Jan 2024 to Jun 2024, 6 points in a row above the median: special-cause "
        "improvement.",
        "From Jan 2024 to Jan 2025, 2 runs about the median, where 3 or more are expected with "
        "10 points off it (too few runs): a non-random pattern.",
        "Target 3: a run chart does not judge whether it will be met; an XmR chart does.",
        "The rebase date 1 Jan 2019 is not inside the data, so it changes nothing.",
    )
    text = read(xmr_chart(monthly(two_in_three(35)), Options(rebase=(month(8),)))).text
    assert "Limits recalculated from Sep 2024." in text


def test_every_rule_and_caveat_has_its_words():
    w = prompts.read_yaml("chart-reading.yaml")
    assert set(w["what"]) == set(w["rule"]) == {r.value for r in Rule}
    assert set(w["variation"]) == set(w["icon"]["variation"]) == {v.value for v in Variation}
    assert set(w["icon"]["assurance"]) == {a.value for a in Assurance}
    assert {a.value for a in Assurance} <= set(w["assurance"])
    keys = {k.value for k in CaveatKind if k != CaveatKind.TOO_FEW_FOR_LIMITS}
    assert keys | {"too-few-for-limits-xmr", "too-few-for-limits-run"} == set(w["caveat"])


def test_dates_read_as_months_for_monthly_data_and_days_otherwise():
    monthly_dates = [month(i) for i in range(3)]
    assert Formats.of(monthly_dates).day(month(1)) == "Feb 2024"
    assert Formats.of(monthly_dates).period == "month"
    weekly = [date(2024, 1, 1) + timedelta(weeks=i) for i in range(3)]
    assert (Formats.of(weekly).day(weekly[1]), Formats.of(weekly).period) == \
        ("8 Jan 2024", "week")


def test_the_caveats_in_words():
    c = chart(monthly(A), Options(astronomical=(month(2),)))
    assert read(c).caveats == ("Points flagged as astronomical are marked on run charts; on an "
                               "XmR chart the process limits decide.",)
    c = run_chart(monthly(A[:10]))
    assert read(c).caveats[0] == ("With 10 points process limits are not yet meaningful; a run "
                                  "chart is the right chart until there are 12.")


def test_the_csv_of_the_computed_series():
    s = Series.of([(month(i), v, "PDSA 1" if i == 1 else "") for i, v in enumerate(A)])
    lines = to_csv(xmr_chart(s, Options(direction=DOWN))).splitlines()
    assert lines[0] == ("date,value,note,segment,centre,lower_limit,upper_limit,lower_2sigma,"
                        "upper_2sigma,lower_1sigma,upper_1sigma,point_type,beyond_limit,"
                        "trend_of_7,two_of_three,run_of_7")
    cells = lines[2].split(",")
    assert cells[:5] == ["2024-02-01", "13", "PDSA 1", "1", "10"]
    assert [float(x) for x in cells[5:11]] == pytest.approx(
        [4.68, 15.32, 10 - 4 * 2.66 / 3, 10 + 4 * 2.66 / 3, 10 - 2 * 2.66 / 3, 10 + 2 * 2.66 / 3])
    assert cells[11:] == ["special_cause_concern", "0", "0", "0", "1"]
    assert len(lines) == 15
    run = to_csv(run_chart(monthly([1] * 5 + [9] * 5))).splitlines()
    assert run[0].endswith("point_type,astronomical,trend,shift,runs,runs_lower,runs_upper")
    assert run[1] == "2024-01-01,1,,1,5,,,,,,,common_cause,0,0,0,2,3,9"


# -- properties ----------------------------------------------------------------------------
def blocks() -> st.SearchStrategy[list[int]]:
    """Series built from pieces that make the rules fire: ramps, levels, noise, spikes."""
    ramp = st.builds(lambda a, step, n: [a + step * i for i in range(n)],
                     st.integers(-5, 15), st.sampled_from([-3, -2, -1, 1, 2, 3]),
                     st.integers(3, 10))
    level = st.builds(lambda v, n: [v] * n, st.integers(0, 10), st.integers(1, 8))
    noise = st.lists(st.integers(0, 10), min_size=1, max_size=8)
    spike = st.lists(st.sampled_from([-30, 40, 25, -15]), min_size=1, max_size=2)
    pieces = st.lists(st.one_of(ramp, level, noise, noise, spike), min_size=1, max_size=12)
    return pieces.map(lambda ps: [v for p in ps for v in p]).filter(lambda v: len(v) >= 3)


def charted(values: list[int], direction: Direction = UP, cuts: tuple[int, ...] = (),
            kind: ChartKind = ChartKind.XMR):
    return chart(monthly(values), Options(direction=direction,
                                          rebase=tuple(month(c) for c in cuts)), kind)


def summary(c) -> list[tuple[Rule, tuple[date, ...], Side]]:
    return [(s.rule, s.dates, s.side) for s in c.signals]


@settings(max_examples=fuzz_budget(200))
@given(blocks(), st.sampled_from(list(ChartKind)))
def test_limits_lie_symmetrically_around_the_centre(values, kind):
    for segment in charted(values, kind=kind).segments:
        for sigmas in (1, 2, 3):
            line = segment.line(sigmas)
            if line is not None:
                assert line[1] - segment.centre == pytest.approx(segment.centre - line[0])
                assert line[0] <= segment.centre <= line[1]


@settings(max_examples=fuzz_budget(200))
@given(blocks(), st.integers(-1000, 1000), st.sampled_from(list(ChartKind)))
def test_adding_a_constant_moves_centre_and_limits_and_keeps_the_signals(values, shift, kind):
    before, after = charted(values, kind=kind), charted([v + shift for v in values], kind=kind)
    assert summary(after) == summary(before)
    for a, b in zip(after.segments, before.segments, strict=True):
        assert a.centre == pytest.approx(b.centre + shift)
        if b.limits is not None:
            assert a.limits == pytest.approx((b.limits[0] + shift, b.limits[1] + shift))


@settings(max_examples=fuzz_budget(200))
@given(blocks(), st.sampled_from(list(ChartKind)))
def test_reversing_the_direction_swaps_improvement_and_concern(values, kind):
    up, down = charted(values, UP, kind=kind), charted(values, DOWN, kind=kind)
    neither = charted(values, NEITHER, kind=kind)
    swap = {Meaning.IMPROVEMENT: Meaning.CONCERN, Meaning.CONCERN: Meaning.IMPROVEMENT,
            Meaning.NEUTRAL: Meaning.NEUTRAL}
    assert [swap[s.meaning] for s in up.signals] == [s.meaning for s in down.signals]
    assert summary(up) == summary(down) == summary(neither)
    assert {s.meaning for s in neither.signals} <= {Meaning.NEUTRAL}
    flip = {PointType.IMPROVEMENT: PointType.CONCERN, PointType.CONCERN: PointType.IMPROVEMENT,
            PointType.COMMON: PointType.COMMON}
    assert [flip[r.point_type] for r in up.rows] == [r.point_type for r in down.rows]


@settings(max_examples=fuzz_budget(200))
@given(blocks(), st.sampled_from(list(ChartKind)))
def test_mirroring_the_values_swaps_high_and_low(values, kind):
    mirror = {Side.HIGH: Side.LOW, Side.LOW: Side.HIGH, Side.NONE: Side.NONE}
    before, after = charted(values, kind=kind), charted([-v for v in values], kind=kind)
    assert [(r, d, mirror[s]) for r, d, s in summary(before)] == summary(after)


# -- the cross-check: a naive implementation, straight from the rule text -------------------
def naive_mdc(values: list[float], direction: int) -> list[tuple[set[str], str]]:
    """Per point: the MDC rules that flag it and its type, by looking at every window of 7
    (or 3) points that contains it. Arithmetic as NHSRplotthedots: mean, mean moving range
    screened at 3.267 x, limits at 2.66 x, "close" between 2 sigma and the limit."""
    n = len(values)
    mean = math.fsum(values) / n
    ranges = [abs(values[i] - values[i - 1]) for i in range(1, n)]
    mr = math.fsum(ranges) / len(ranges) if ranges else 0.0  # a segment of one point
    if mr > 0:
        kept = [r for r in ranges if r < 3.267 * mr]
        mr = math.fsum(kept) / len(kept)
    upper, lower = mean + 2.66 * mr, mean - 2.66 * mr
    upper2, lower2 = mean + 2 * (2.66 / 3) * mr, mean - 2 * (2.66 / 3) * mr

    def side(v: float) -> int:
        return 1 if v > mean else -1 if v < mean else 0

    flags: list[set[str]] = [set() for _ in values]
    for i, v in enumerate(values):
        if v > upper or v < lower:
            flags[i].add("beyond")
    close = [not (v > upper or v < lower) and (v > upper2 or v < lower2) for v in values]
    for start in range(n - 6):
        window = range(start, start + 7)
        if all(side(values[j]) == 1 for j in window) or \
                all(side(values[j]) == -1 for j in window):
            for j in window:
                flags[j].add("run")
        for name, sign in (("rise", 1), ("fall", -1)):
            if all((values[j] - values[j - 1]) * sign > 0 for j in range(start + 1, start + 7)):
                for j in window:
                    flags[j].add(name)
    for start in range(n - 2):
        window = list(range(start, start + 3))
        sides = {side(values[j]) for j in window}
        if len(sides) == 1 and 0 not in sides and sum(close[j] for j in window) >= 2:
            for j in window:
                if close[j]:
                    flags[j].add("two")
    out = []
    for i, f in enumerate(flags):
        if "beyond" in f:
            s = side(values[i])
        elif "rise" in f and "fall" in f:
            s = 1 if values[i + 1] > values[i] else -1
        elif "rise" in f or "fall" in f:
            s = 1 if "rise" in f else -1
        elif "two" in f or "run" in f:
            s = side(values[i])
        else:
            s = 0
        kind = ("common" if s == 0 else "neutral" if direction == 0 else
                "improvement" if s * direction > 0 else "concern")
        out.append((f, kind))
    return out


NAIVE_NAMES = {Rule.BEYOND_LIMIT: {"beyond"}, Rule.RUN_OF_7: {"run"},
               Rule.TREND_OF_7: {"rise", "fall"}, Rule.TWO_OF_THREE: {"two"}}
TYPE_NAMES = {PointType.COMMON: "common", PointType.IMPROVEMENT: "improvement",
              PointType.CONCERN: "concern", PointType.NEUTRAL_HIGH: "neutral",
              PointType.NEUTRAL_LOW: "neutral"}


@settings(max_examples=fuzz_budget(400))
@given(blocks().filter(lambda v: len(v) >= 12), st.sampled_from(list(Direction)),
       st.lists(st.integers(1, 80), max_size=2))
def test_the_mdc_rules_agree_with_a_naive_implementation(values, direction, cuts):
    c = charted(values, direction, tuple(cuts))
    assert c.kind == ChartKind.XMR
    expected: list[tuple[set[str], str]] = []
    for segment in c.segments:
        part = values[segment.first:segment.first + segment.count]
        expected += naive_mdc(part, direction.sign)
    got = [({name for rule in row.rules for name in NAIVE_NAMES[rule]}, TYPE_NAMES[row.point_type])
           for row in c.rows]
    # the module marks a trend point rising or falling by the trend, the naive by windows
    assert [(f - {"rise", "fall"}, k) for f, k in got] == \
        [(f - {"rise", "fall"}, k) for f, k in expected]
    assert [bool(f & {"rise", "fall"}) for f, _ in got] == \
        [bool(f & {"rise", "fall"}) for f, _ in expected]


def naive_run_rules(values: list[float]) -> tuple[set[int], set[int]]:
    """Points in a shift (six useful points in a row one side of the median, points on it
    skipped) and in a trend (five points each higher or lower than the last, repeats
    skipped), by looking at every window."""
    median = sorted(values)[len(values) // 2] if len(values) % 2 else \
        (sorted(values)[len(values) // 2 - 1] + sorted(values)[len(values) // 2]) / 2
    useful = [i for i, v in enumerate(values) if v != median]
    shift = set()
    for start in range(len(useful) - 5):
        window = useful[start:start + 6]
        if len({values[i] > median for i in window}) == 1:
            shift.update(window)
    kept = [i for i, v in enumerate(values) if i == 0 or v != values[i - 1]]
    trend = set()
    for start in range(len(kept) - 4):
        window = kept[start:start + 5]
        steps = {values[b] > values[a] for a, b in zip(window, window[1:], strict=False)}
        if len(steps) == 1:
            trend.update(window)
    return shift, trend


@settings(max_examples=fuzz_budget(300))
@given(blocks())
def test_the_run_chart_rules_agree_with_a_naive_implementation(values):
    c = run_chart(monthly(values))
    shift, trend = naive_run_rules(values)
    assert {i for i, row in enumerate(c.rows) if Rule.SHIFT in row.rules} == shift
    assert {i for i, row in enumerate(c.rows) if Rule.TREND in row.rules} == trend
