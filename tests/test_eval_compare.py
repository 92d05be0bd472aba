"""The paired bootstrap (golden degenerate cases and seeded determinism) and run comparison."""

from __future__ import annotations

import copy

import pytest

from coach.evals.compare import case_value, compare_runs, paired_bootstrap, render_text


def test_bootstrap_identical_samples_give_zero_interval():
    assert paired_bootstrap([1, 0, 1, 0.5], [1, 0, 1, 0.5]) == (0.0, 0.0, 0.0)


def test_bootstrap_constant_shift_is_exact():
    # every pair differs by -0.25: every resample mean is -0.25
    delta, low, high = paired_bootstrap([1.0, 0.5, 0.75], [0.75, 0.25, 0.5])
    assert (delta, low, high) == pytest.approx((-0.25, -0.25, -0.25))


def test_bootstrap_empty_and_unpaired():
    assert paired_bootstrap([], []) is None
    with pytest.raises(ValueError):
        paired_bootstrap([1.0], [1.0, 0.0])


def test_bootstrap_is_seeded_and_brackets_the_mean():
    a = [1, 1, 1, 0, 1, 1, 0, 1, 1, 1] * 3
    b = [1, 0, 1, 0, 1, 1, 0, 0, 1, 1] * 3
    first = paired_bootstrap(a, b, seed=7)
    assert first == paired_bootstrap(a, b, seed=7)  # same seed, same interval
    delta, low, high = first
    assert delta == pytest.approx(-0.2)  # 6 of 30 pairs drop by 1
    assert low <= delta <= high < 0  # a consistent drop: the interval excludes zero
    # one drop in 30 pairs: the interval reaches zero, so it is not a confirmed regression
    _, _, high = paired_bootstrap([1] * 30, [0] + [1] * 29)
    assert high == 0.0


def _case(cid, passed, refused=False, answerable=True, hit=1.0):
    return {"id": cid, "passed": passed, "refused": refused, "answerable": answerable,
            "scores": {"hit_at_k": hit} if answerable else {}, "failures": []}


def _run(cases):
    return {"format": "coach-eval-run/1", "label": "", "started_at": "t",
            "suite": {"name": "s", "sha256": "a"}, "knowledge": {"sha256": "k"},
            "config": {"top_k": 5}, "cases": cases}


def test_case_values():
    assert case_value(_case("a", True), "pass_rate") == 1.0
    assert case_value(_case("a", True, refused=True), "answered_rate") == 0.0
    assert case_value(_case("o", True, refused=True, answerable=False), "abstention_recall") == 1
    assert case_value(_case("o", True, answerable=False), "hit_at_k") is None
    assert case_value(_case("a", True), "abstention_recall") is None


def test_compare_flags_a_consistent_drop_and_lists_pass_to_fail():
    a = _run([_case(f"c{i}", True) for i in range(20)])
    b = copy.deepcopy(a)
    for case in b["cases"][:8]:
        case.update(passed=False, scores={"hit_at_k": 0.0})
    b["config"]["top_k"] = 1
    result = compare_runs(a, b)
    assert result["regression"]
    assert result["pass_to_fail"] == [f"c{i}" for i in range(8)]
    hit = next(m for m in result["metrics"] if m["metric"] == "hit_at_k")
    assert hit["delta"] == pytest.approx(-0.4) and hit["high"] < 0 and hit["regression"]
    assert result["config_changes"] == {"top_k": [5, 1]}
    text = render_text(result)
    assert "REGRESSION" in text and "c0" in text and "config top_k: 5 -> 1" in text


def test_compare_identical_runs_flags_nothing():
    a = _run([_case("c1", True), _case("c2", False, hit=0.0),
              _case("o1", True, refused=True, answerable=False)])
    result = compare_runs(a, copy.deepcopy(a))
    assert not result["regression"] and result["pass_to_fail"] == [] and result["changed"] == []
    assert all(m["delta"] == 0 and m["low"] == 0 and m["high"] == 0 for m in result["metrics"])
    assert "no confirmed regression" in render_text(result)


def test_compare_reports_unpaired_cases():
    a = _run([_case("c1", True), _case("c2", True)])
    b = _run([_case("c1", True), _case("c3", True)])
    result = compare_runs(a, b)
    assert result["only_in_a"] == ["c2"] and result["only_in_b"] == ["c3"]
