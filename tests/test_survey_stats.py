"""Team survey statistics on six respondents, against figures worked out by hand.

The six (role, level; scores per enabler of journey.yaml's 20 items, five per enabler):

    R1 Nurse   Front line  LG 1 1 1 1 1   IR 1 1 1 0 1   SW 0 0 0 0 0   CE 2 2 2 2 2
    R2 Nurse   Front line  LG 1 1 1 1 1   IR 1 1 1 0 1   SW 0 0 0 0 0   CE 2 2 2 2 2
    R3 nurse   Front line  LG 2 2 2 2 2   IR 1 1 1 0 1   SW 0 0 0 0 0   CE 2 2 2 2 2
    R4 Doctor  Front line  LG 2 2 2 2 2   IR 1 1 1 3 1   SW 0 0 0 0 0   CE 2 2 2 2 2
    R5 Doctor  Manager     LG 3 3 3 3 3   IR 1 1 1 3 1   SW 0 0 0 0 0   CE 2 2 2 2 2
    R6 Doctor  Manager     LG 3 3 3 3 3   IR 1 1 1 3 1   SW 3 3 3 3 3   CE 2 2 2 2 2

(IR's fourth item is multi-year-funding.) Worked by hand, SD with n - 1 = 5, σ²E = 1.25:

- an LG item: 1,1,2,2,3,3: mean 12/6 = 2; squared deviations 1+1+0+0+1+1 = 4, variance 0.8,
  SD √0.8 = 0.894427; rwg 1 - 0.8/1.25 = 0.36. LG enabler: each person's enabler mean is the
  same list, so mean 2, SD 0.894427; rwg(j) with J = 5: 5·0.36 / (5·0.36 + 0.64) = 1.8/2.44
  = 0.737705.
- multi-year-funding: 0,0,0,3,3,3: mean 1.5, squared deviations 6 · 2.25 = 13.5, variance 2.7,
  SD 1.643168, rwg 1 - 2.16 < 0 -> 0. Its other IR items: all 1, SD 0, rwg 1. IR enabler: each
  person's mean 0.8 (nurses, 4/5) or 1.4 (doctors, 7/5): mean 1.1, variance 6 · 0.09 / 5 = 0.108,
  SD 0.328634, range 0.8-1.4; mean item variance 2.7/5 = 0.54, ratio 0.432, rwg(j) =
  5·0.568 / (5·0.568 + 0.432) = 2.84/3.272 = 0.867971.
- an SW item: five 0s and a 3: mean 0.5, squared deviations 5 · 0.25 + 6.25 = 7.5, variance 1.5,
  SD 1.224745; rwg 0 (1.5 > 1.25), and rwg(j) 0 too.
- CE: all 2: mean 2, SD 0, rwg 1, rwg(j) 1.
- overall: each person's mean of 20 items: 19/20, 19/20, 24/20, 27/20, 32/20, 47/20 = 0.95, 0.95,
  1.2, 1.35, 1.6, 2.35; mean 8.4/6 = 1.4; squared deviations .2025 + .2025 + .04 + .0025 + .04
  + .9025 = 1.39, variance 0.278, SD 0.527257.
- by role (3 nurses, 3 doctors): nurses LG 4/3, IR 0.8, SW 0, CE 2, overall 3.1/3 = 1.033333;
  doctors LG 8/3, IR 1.4, SW 1, CE 2, overall 5.3/3 = 1.766667. Largest gaps: multi-year-funding
  3 (doctors 3, nurses 0), then the first four LG items, 4/3 each, in journey order.
- by level: front line 4, managers 2. Managers are too few to show, and showing the front line
  would give the managers' figures by subtraction from the overall, so no level is shown.
- adopted: item means rounded half up: LG 2, IR 1 1 1 2 1 (1.5 -> 2), SW 1 (0.5 -> 1), CE 2;
  overall 31/20 = 1.55, enablers 2.0, 1.2, 1.0, 2.0.
"""

from __future__ import annotations

import pytest
from survey_helpers import CE, FUNDING, IR, ITEMS, LG, SIX, SW, J

from coach.coaching import assessment
from coach.coaching.survey.stats import as_dict, as_rows, compute, shown_groups


def approx(x):
    return pytest.approx(x, abs=5e-7)


def test_the_six_respondents_give_the_hand_computed_means_and_spreads():
    stats = compute(J, SIX)
    assert stats.shown and stats.n == 6
    items = {i.id: i.spread for i in stats.items}
    lg_item = items[ITEMS[LG][0]]
    assert (lg_item.n, lg_item.mean, lg_item.sd) == (6, 2.0, approx(0.894427))
    assert (lg_item.low, lg_item.high, lg_item.agreement) == (1, 3, approx(0.36))
    funding = items[FUNDING]
    assert (funding.mean, funding.sd, funding.low, funding.high, funding.agreement) == (
        1.5, approx(1.643168), 0, 3, 0.0)
    assert (items["single-method-agreed"].sd, items["single-method-agreed"].agreement) == (0, 1)
    sw_item = items[ITEMS[SW][2]]
    assert (sw_item.mean, sw_item.sd, sw_item.agreement) == (0.5, approx(1.224745), 0.0)

    enablers = {e.id: e.spread for e in stats.enablers}
    assert (enablers[LG].mean, enablers[LG].sd, enablers[LG].agreement) == (
        2.0, approx(0.894427), approx(0.737705))
    assert (enablers[IR].mean, enablers[IR].sd) == (approx(1.1), approx(0.328634))
    assert (enablers[IR].low, enablers[IR].high, enablers[IR].agreement) == (
        approx(0.8), approx(1.4), approx(0.867971))
    assert (enablers[SW].mean, enablers[SW].sd, enablers[SW].agreement) == (
        0.5, approx(1.224745), 0.0)
    assert (enablers[CE].mean, enablers[CE].sd, enablers[CE].agreement) == (2.0, 0.0, 1.0)
    assert enablers[IR].agreed and not enablers[SW].agreed

    o = stats.overall
    assert (o.n, o.mean, o.sd, o.low, o.high) == (6, approx(1.4), approx(0.527257),
                                                  approx(0.95), approx(2.35))


def test_roles_are_compared_and_their_largest_gaps_listed():
    stats = compute(J, SIX)
    assert stats.counts["role"] == {"Nurse": 3, "Doctor": 3}  # " nurse " is a nurse
    nurse, doctor = stats.groups["role"]
    assert (nurse.name, nurse.n, doctor.name, doctor.n) == ("Nurse", 3, "Doctor", 3)
    assert nurse.enablers == {LG: approx(4 / 3), IR: approx(0.8), SW: 0.0, CE: 2.0}
    assert doctor.enablers == {LG: approx(8 / 3), IR: approx(1.4), SW: 1.0, CE: 2.0}
    assert (nurse.overall, doctor.overall) == (approx(1.033333), approx(1.766667))
    gaps = stats.gaps["role"]
    assert [g.item for g in gaps] == [FUNDING, *ITEMS[LG][:4]]
    assert (gaps[0].gap, gaps[0].high, gaps[0].high_mean, gaps[0].low, gaps[0].low_mean) == (
        3.0, "Doctor", 3.0, "Nurse", 0.0)
    assert gaps[1].gap == approx(4 / 3)


def test_a_small_group_is_not_shown_and_cannot_be_had_by_subtraction():
    stats = compute(J, SIX)
    assert stats.counts["level"] == {"Front line": 4, "Manager": 2}
    assert stats.groups["level"] == () and stats.gaps["level"] == ()
    assert any("Front line (4), Manager (2)" in n for n in stats.notes)
    assert any("No levels are compared" in n for n in stats.notes)
    # with a floor of 2 both levels show: managers LG 3, SW 1.5; front line LG 1.5, IR 0.95
    two = compute(J, SIX, min_group=2)
    front, manager = two.groups["level"]
    assert manager.enablers == {LG: 3.0, IR: approx(1.4), SW: 1.5, CE: 2.0}
    assert front.enablers == {LG: 1.5, IR: approx(0.95), SW: 0.0, CE: 2.0}
    assert [g.item for g in two.gaps["level"]] == [FUNDING, *ITEMS[LG][:4]]
    assert two.gaps["level"][0].gap == 2.25


@pytest.mark.parametrize(("counts", "shown"), [
    ({"Nurse": 3, "Doctor": 3}, ["Nurse", "Doctor"]),
    ({"Nurse": 3, "Doctor": 3, "Manager": 1}, ["Nurse"]),   # the manager = all - the others
    ({"Nurse": 3, "Doctor": 4, "Manager": 1, "Porter": 2}, ["Nurse", "Doctor"]),
    ({"Nurse": 3, "Manager": 1}, []),
    ({"Nurse": 5}, ["Nurse"]),
])
def test_groups_are_hidden_until_the_rest_is_empty_or_big_enough(counts, shown):
    assert shown_groups(counts, 3) == shown


def test_nothing_is_shown_until_enough_have_answered():
    stats = compute(J, SIX[:2])
    assert not stats.shown and stats.items == () and stats.overall is None
    assert stats.notes == ("2 people have answered: figures are shown once 3 have, so that "
                           "no one's answers can be picked out.",)
    assert as_rows(stats) == []


def test_adopting_rounds_the_item_means_half_up():
    scores = compute(J, SIX).rounded_scores()
    assert [scores[i] for i in ITEMS[IR]] == [1, 1, 1, 2, 1]
    assert {scores[i] for i in ITEMS[LG]} == {2} and {scores[i] for i in ITEMS[SW]} == {1}
    result = assessment.score(J, scores)
    assert result.overall == 1.55
    assert [c.mean for c in result.categories] == [2.0, 1.2, 1.0, 2.0]


def test_the_data_holds_aggregates_only():
    stats = compute(J, SIX)
    data = as_dict(stats)
    assert set(data) == {"respondents", "min_group", "shown", "counts", "overall", "enablers",
                         "items", "groups", "disagreements", "notes"}
    assert data["enablers"][1] == {"id": IR, "title": "Infrastructure and resources", "n": 6,
                                   "mean": 1.1, "sd": 0.3286, "min": 0.8, "max": 1.4,
                                   "agreement": 0.868}
    rows = as_rows(stats)
    assert rows[0] == ("overall", "overall", "All items", "all", 6, 1.4, 0.5273, 0.95, 2.35, "")
    assert len(rows) == 1 + 4 + 20 + 2 * (1 + 4 + 20)  # everyone, then the two roles
    assert {r[3] for r in rows} == {"all", "role:Nurse", "role:Doctor"}
    assert all(r[4] >= 3 for r in rows)   # no row stands for fewer than three people
