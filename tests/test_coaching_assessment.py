"""Readiness self-assessment: scoring against hand-computed examples, bad scores, citations."""

from __future__ import annotations

import pytest
from coaching_helpers import indexed_home, journey, scores_list

from coach.app import build_coach
from coach.coaching import assessment as a
from coach.coaching.assessment import ScoreError

# journey.yaml item order: 5 leadership, 5 infrastructure, 5 skills, 5 culture items
EXAMPLE = [3, 2, 1, 0, 2,  3, 3, 3, 3, 3,  0, 0, 1, 1, 1,  2, 2, 2, 2, 3]


@pytest.fixture(scope="module")
def j():
    return journey()


def by_order(j, values):
    return {i.id: v for i, v in zip(j.assessment.items, values, strict=True)}


def test_scores_per_category_and_overall_match_hand_computed_values(j):
    r = a.score(j, by_order(j, EXAMPLE))
    # leadership 8/5, infrastructure 15/5, skills 3/5, culture 11/5; overall 37/20
    assert [(c.title, c.mean, c.total, c.band) for c in r.categories] == [
        ("Leadership and governance", 1.6, 8, "Developing"),
        ("Infrastructure and resources", 3.0, 15, "Established"),
        ("Skills and workforce", 0.6, 3, "Emerging"),
        ("Culture and environment", 2.2, 11, "Established"),
    ]
    assert r.overall == 1.85
    assert r.band == "Developing"
    assert r.weakest_categories == ("Skills and workforce",)


def test_weakest_items_lowest_score_first_then_weakest_category_then_yaml_order(j):
    r = a.score(j, by_order(j, EXAMPLE))
    # score 0: two skills items (category 0.6) before board-development (category 1.6);
    # then score 1 items of the skills category, capped at five
    assert [x.item for x in r.recommendations] == [
        "intro-training-for-all", "in-house-experts", "board-development",
        "training-on-live-projects", "coaching-capacity",
    ]
    first = r.recommendations[0]
    assert first.score == 0 and first.step == "skills-and-infrastructure"
    assert first.step_number == 4 and first.enabler == "Skills and workforce"
    assert first.text.startswith("Following the NHS IMPACT dosing advice")


def test_band_edges_are_inclusive(j):
    assert a.score(j, by_order(j, [1] * 20)).band == "Emerging"        # 1.0 <= 1.0
    assert a.score(j, by_order(j, [2] * 20)).band == "Developing"      # 2.0 <= 2.0
    assert a.score(j, by_order(j, [0] * 20)).overall == 0.0
    assert a.score(j, by_order(j, [3] * 20)).band == "Established"


def test_with_nothing_below_the_low_score_the_lowest_items_are_named(j):
    r = a.score(j, by_order(j, [2] * 20))
    assert [x.item for x in r.recommendations] == [i.id for i in j.assessment.items[:5]]
    assert len(r.weakest_categories) == 4
    assert a.score(j, by_order(j, [3] * 20)).recommendations == ()


def test_change_between_two_results(j):
    before = a.score(j, by_order(j, EXAMPLE))
    after = a.score(j, by_order(j, [2] * 20))
    assert a.change(before, after) == {
        "Leadership and governance": 0.4, "Infrastructure and resources": -1.0,
        "Skills and workforce": 1.4, "Culture and environment": -0.2, "overall": 0.15,
    }


def test_a_score_list_in_yaml_order_and_whole_number_floats_are_accepted(j):
    assert a.parse_list(j, scores_list(EXAMPLE)) == by_order(j, EXAMPLE)
    assert a.parse_list(j, " 2 " + " 2" * 19) == by_order(j, [2] * 20)
    assert a.validate(j, by_order(j, [2.0] * 20)) == by_order(j, [2] * 20)


@pytest.mark.parametrize(("change", "message"), [
    ({"board-priority": 4}, "board-priority: 4 is outside 0-3"),
    ({"board-priority": -1}, "board-priority: -1 is outside 0-3"),
    ({"board-priority": "two"}, "board-priority: 'two' is not a whole number"),
    ({"board-priority": 2.5}, "board-priority: 2.5 is not a whole number"),
    ({"board-priority": None}, "board-priority has no score"),
    ({"no-such-item": 1}, "unknown item 'no-such-item'"),
])
def test_bad_scores_are_refused_with_the_item_named(j, change, message):
    scores = {**by_order(j, EXAMPLE), **change}
    with pytest.raises(ScoreError, match=message.replace("(", r"\(").replace(")", r"\)")):
        a.score(j, scores)


def test_a_missing_item_and_a_wrong_count_are_refused(j):
    scores = by_order(j, EXAMPLE)
    del scores["culture-measured"]
    with pytest.raises(ScoreError, match="culture-measured has no score"):
        a.validate(j, scores)
    with pytest.raises(ScoreError, match="Give 20 scores .* got 3"):
        a.parse_list(j, "1,2,3")
    with pytest.raises(ScoreError, match="outside 0-3"):
        a.parse_list(j, scores_list([9] + EXAMPLE[1:]))


@pytest.fixture(scope="module")
def coach(tmp_path_factory, embedder):
    return build_coach(indexed_home(tmp_path_factory, embedder, "assessment"),
                       embedder=embedder)


@pytest.mark.slow  # indexes the knowledge folder
def test_recommendations_cite_passages_from_the_documents_journey_yaml_names(j, coach):
    r = a.cite(coach, a.score(j, by_order(j, EXAMPLE)))
    numbers = [c.number for rec in r.recommendations for c in rec.citations]
    assert numbers == list(range(1, len(numbers) + 1))
    for rec in r.recommendations:
        assert 1 <= len(rec.citations) <= a.CITATIONS_PER_RECOMMENDATION
        for c in rec.citations:
            assert c.source in rec.documents, (rec.item, c.source)
            assert c.text.strip() and c.title
    sources = {c.source for rec in r.recommendations for c in rec.citations}
    assert "steps/step-4-skills-and-infrastructure.md" in sources


def test_with_an_empty_index_recommendations_come_without_citations(j, make_coach):
    r = a.cite(make_coach(), a.score(j, by_order(j, EXAMPLE)))
    assert len(r.recommendations) == 5
    assert all(rec.citations == () for rec in r.recommendations)


def test_the_charts_text_alternative_gives_every_number_it_draws(j):
    """The chart's alt text (coach/coaching/chart.py): the overall score and band, and each
    result drawn (the first and the latest two) with each enabler's mean as on its bar."""
    from coach.coaching.chart import alt_text

    first = a.score(j, by_order(j, EXAMPLE), taken_at="2026-01-05T10:00")
    assert alt_text([first]) == (
        "Bar chart: readiness by enabler, mean score 0 to 3. Overall 1.85 (Developing). "
        "Latest (2026-01-05): Leadership and governance 1.6, Infrastructure and resources 3.0, "
        "Skills and workforce 0.6, Culture and environment 2.2.")
    later = [a.score(j, by_order(j, [3] * 20), taken_at=f"2026-0{m}-01") for m in (2, 3, 4)]
    said = alt_text([first, *later])
    assert said.startswith("Bar chart: readiness by enabler, mean score 0 to 3. Overall 3.00 (")
    assert [w for w in ("First (2026-01-05)", "Previous (2026-03-01)", "Latest (2026-04-01)",
                        "(2026-02-01)") if w in said] == ["First (2026-01-05)",
                                                          "Previous (2026-03-01)",
                                                          "Latest (2026-04-01)"]
