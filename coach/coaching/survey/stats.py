"""Team readiness survey statistics (pure): many people's answers to the self-assessment items.

Everyone answers every item of ``journey.assessment`` with a whole score 0-3, and gives a role
and a level. What a lead sees is aggregates only:

- **per item**: n, mean, and the spread: the sample standard deviation (n - 1 in the
  denominator, as ``statistics.stdev``), the lowest and highest score given, and rwg, the
  within-group agreement index of James, Demaree and Wolf (1984): ``1 - s² / σ²E`` with
  ``σ²E = (A² - 1) / 12 = 1.25`` for the A = 4 points of the scale, 0 when the answers vary
  more than random answering would. 0.70 or more is the usual rule of thumb for treating the
  mean as the team's shared view; below it, the spread is the finding.
- **per enabler**: each respondent's enabler score is the mean of their scores on its items;
  n, mean, standard deviation and lowest/highest are taken over those respondent scores, and
  agreement is rwg(j) over the enabler's J items, ``J(1 - s̄²/σ²E) / (J(1 - s̄²/σ²E) + s̄²/σ²E)``
  with s̄² the mean of the items' variances (0 when s̄² > σ²E). The enabler mean equals the
  mean of its item means.
- **overall**: the same over each respondent's mean of all items.
- **by role and by level**: n and the mean per item, per enabler and overall, for groups of
  at least ``min_group`` respondents; and the items where the groups disagree most (the
  largest gap between the highest and the lowest group mean).

Privacy: nothing is shown until ``min_group`` people have answered (3 by default: with two,
either could work out the other's answers from the mean). A group smaller than that is counted
but not shown; and when the groups too small to show hold between 1 and ``min_group - 1``
people in all, the smallest shown group is hidden too (and so on), since the overall figures
minus the shown groups would otherwise give the small groups' answers by subtraction.
Role and level names are grouped ignoring case and repeated spaces.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from coach.coaching.journey import Journey

MIN_GROUP = 3          # fewest respondents whose figures are shown (overall and per group)
AGREEMENT = 0.70       # rwg at or above which the mean can stand for the team's view
TOP_GAPS = 5           # items listed where groups disagree most
KINDS = ("role", "level")


@dataclass(frozen=True)
class Response:
    """One person's answers, as the statistics see them: no name, no time."""

    role: str
    level: str
    scores: Mapping[str, int]


@dataclass(frozen=True)
class Spread:
    n: int
    mean: float
    sd: float          # sample standard deviation (n - 1); 0.0 for one value
    low: float
    high: float
    agreement: float | None = None   # rwg (an item) or rwg(j) (an enabler); None overall

    @property
    def agreed(self) -> bool | None:
        return None if self.agreement is None else self.agreement >= AGREEMENT


@dataclass(frozen=True)
class ItemStat:
    id: str
    enabler: str
    statement: str
    spread: Spread


@dataclass(frozen=True)
class EnablerStat:
    id: str
    title: str
    spread: Spread


@dataclass(frozen=True)
class Group:
    kind: str          # "role" or "level"
    name: str
    n: int
    items: dict[str, float]
    enablers: dict[str, float]
    overall: float


@dataclass(frozen=True)
class Gap:
    """An item on which groups' means differ: the highest and the lowest group."""

    kind: str
    item: str
    statement: str
    gap: float
    high: str
    high_mean: float
    low: str
    low_mean: float


@dataclass(frozen=True)
class SurveyStats:
    n: int
    min_group: int
    counts: dict[str, dict[str, int]]     # kind -> group name -> respondents
    shown: bool                           # n >= min_group: figures are given
    overall: Spread | None = None
    enablers: tuple[EnablerStat, ...] = ()
    items: tuple[ItemStat, ...] = ()
    groups: dict[str, tuple[Group, ...]] = field(default_factory=dict)   # kind -> shown groups
    gaps: dict[str, tuple[Gap, ...]] = field(default_factory=dict)       # kind -> top gaps
    notes: tuple[str, ...] = ()

    def item_means(self) -> dict[str, float]:
        return {i.id: i.spread.mean for i in self.items}

    def rounded_scores(self) -> dict[str, int]:
        """Item means rounded half up to whole scores (1.5 -> 2, 0.5 -> 1), for adoption."""
        return {i.id: math.floor(i.spread.mean + 0.5) for i in self.items}


def name_key(text: str) -> str:
    return " ".join(str(text).split()).casefold()


def spread(values: Sequence[float], agreement: float | None = None) -> Spread:
    return Spread(n=len(values), mean=statistics.fmean(values),
                  sd=statistics.stdev(values) if len(values) > 1 else 0.0,
                  low=min(values), high=max(values), agreement=agreement)


def null_variance(points: int) -> float:
    """Variance of uniform random answering over ``points`` scale points: (A² - 1) / 12."""
    return (points ** 2 - 1) / 12


def rwg(variance: float, expected: float) -> float:
    return max(0.0, 1 - variance / expected)


def rwg_j(variances: Sequence[float], expected: float) -> float:
    mean_var = statistics.fmean(variances)
    if mean_var > expected:
        return 0.0
    j = len(variances)
    ratio = mean_var / expected
    return j * (1 - ratio) / (j * (1 - ratio) + ratio)


def _variance(values: Sequence[float]) -> float:
    return statistics.variance(values) if len(values) > 1 else 0.0


def _counts(responses: Sequence[Response], kind: str) -> dict[str, int]:
    """Respondents per group, named by the first spelling seen."""
    names: dict[str, str] = {}
    counts: dict[str, int] = {}
    for r in responses:
        key = name_key(getattr(r, kind))
        name = names.setdefault(key, " ".join(getattr(r, kind).split()))
        counts[name] = counts.get(name, 0) + 1
    return counts


def shown_groups(counts: Mapping[str, int], min_group: int) -> list[str]:
    """Groups whose figures may be shown (see the module's note on privacy)."""
    shown = [g for g, n in counts.items() if n >= min_group]
    while shown:
        hidden = sum(n for g, n in counts.items() if g not in shown)
        if hidden == 0 or hidden >= min_group:
            break
        smallest = min(shown, key=lambda g: (counts[g], name_key(g)))
        shown.remove(smallest)
    return shown


def _group(journey: Journey, kind: str, name: str, members: Sequence[Response]) -> Group:
    items = {i.id: statistics.fmean(r.scores[i.id] for r in members)
             for i in journey.assessment.items}
    enablers: dict[str, float] = {
        e.id: statistics.fmean(items[i.id] for i in journey.assessment.items
                               if i.enabler == e.id) for e in journey.enablers}
    return Group(kind, name, len(members), items, enablers, statistics.fmean(items.values()))


def _gaps(journey: Journey, kind: str, groups: Sequence[Group]) -> tuple[Gap, ...]:
    if len(groups) < 2:
        return ()
    found = []
    for order, item in enumerate(journey.assessment.items):
        ranked = sorted(groups, key=lambda g: (-g.items[item.id], name_key(g.name)))
        high, low = ranked[0], ranked[-1]
        gap = high.items[item.id] - low.items[item.id]
        if gap > 1e-9:
            found.append((-round(gap, 9), order, Gap(kind, item.id, item.statement, gap,
                                                    high.name, high.items[item.id], low.name,
                                                    low.items[item.id])))
    return tuple(g for *_, g in sorted(found, key=lambda t: (t[0], t[1])))[:TOP_GAPS]


def _kind_notes(kind: str, counts: Mapping[str, int], shown: Sequence[str],
                min_group: int) -> list[str]:
    small = [g for g in counts if g not in shown]
    notes = []
    if small:
        notes.append(f"Not shown by {kind} (fewer than {min_group} respondents, or they could "
                     f"be worked out from the rest): " + ", ".join(
                         f"{g} ({counts[g]})" for g in small) + ".")
    if len(shown) < 2:
        notes.append(f"No {kind}s are compared: at least two {kind}s need {min_group} or more "
                     "respondents each.")
    return notes


def compute(journey: Journey, responses: Sequence[Response],
            min_group: int = MIN_GROUP) -> SurveyStats:
    """The survey's figures from complete, validated responses (see the module docstring)."""
    if min_group < 1:
        raise ValueError("min_group must be at least 1")
    counts = {kind: _counts(responses, kind) for kind in KINDS}
    n = len(responses)
    if n < min_group:
        return SurveyStats(n=n, min_group=min_group, counts=counts, shown=False, notes=(
            f"{n} {'person has' if n == 1 else 'people have'} answered: figures are shown "
            f"once {min_group} have, so that no one's answers can be picked out.",))
    expected = null_variance(len(journey.assessment.scale))
    items = tuple(
        ItemStat(i.id, i.enabler, i.statement,
                 spread(values, rwg(_variance(values), expected)))
        for i in journey.assessment.items
        for values in [[float(r.scores[i.id]) for r in responses]])
    enablers = []
    for e in journey.enablers:
        mine = [i for i in journey.assessment.items if i.enabler == e.id]
        per_person = [statistics.fmean(r.scores[i.id] for i in mine) for r in responses]
        variances = [_variance([r.scores[i.id] for r in responses]) for i in mine]
        enablers.append(EnablerStat(e.id, e.title,
                                    spread(per_person, rwg_j(variances, expected))))
    overall = spread([statistics.fmean(r.scores.values()) for r in responses])
    groups: dict[str, tuple[Group, ...]] = {}
    gaps: dict[str, tuple[Gap, ...]] = {}
    notes: list[str] = []
    for kind in KINDS:
        shown = shown_groups(counts[kind], min_group)
        members = {g: [r for r in responses if name_key(getattr(r, kind)) == name_key(g)]
                   for g in shown}
        groups[kind] = tuple(_group(journey, kind, g, members[g]) for g in shown)
        gaps[kind] = _gaps(journey, kind, groups[kind])
        notes += _kind_notes(kind, counts[kind], shown, min_group)
    return SurveyStats(n=n, min_group=min_group, counts=counts, shown=True, overall=overall,
                       enablers=tuple(enablers), items=items, groups=groups, gaps=gaps,
                       notes=tuple(notes))


# -- as data -------------------------------------------------------------------------------
def _num(x: float | None) -> float | None:
    return None if x is None else round(x, 4)


def _spread_dict(s: Spread) -> dict[str, Any]:
    return {"n": s.n, "mean": _num(s.mean), "sd": _num(s.sd), "min": _num(s.low),
            "max": _num(s.high), "agreement": _num(s.agreement)}


def as_dict(stats: SurveyStats) -> dict[str, Any]:
    """Everything a lead may see, as JSON-ready data (numbers rounded to 4 places)."""
    return {
        "respondents": stats.n, "min_group": stats.min_group, "shown": stats.shown,
        "counts": stats.counts,
        "overall": _spread_dict(stats.overall) if stats.overall else None,
        "enablers": [{"id": e.id, "title": e.title, **_spread_dict(e.spread)}
                     for e in stats.enablers],
        "items": [{"id": i.id, "enabler": i.enabler, "statement": i.statement,
                   **_spread_dict(i.spread)} for i in stats.items],
        "groups": {kind: [{"name": g.name, "n": g.n, "overall": _num(g.overall),
                           "enablers": {k: _num(v) for k, v in g.enablers.items()},
                           "items": {k: _num(v) for k, v in g.items.items()}}
                          for g in groups] for kind, groups in stats.groups.items()},
        "disagreements": {kind: [{"item": g.item, "statement": g.statement, "gap": _num(g.gap),
                                  "high": g.high, "high_mean": _num(g.high_mean),
                                  "low": g.low, "low_mean": _num(g.low_mean)} for g in gaps]
                          for kind, gaps in stats.gaps.items()},
        "notes": list(stats.notes),
    }


ROW_HEADER = ("scope", "id", "title", "group", "n", "mean", "sd", "min", "max", "agreement")


def as_rows(stats: SurveyStats) -> list[tuple[object, ...]]:
    """One row per figure, for CSV: overall, each enabler and item for everyone, then each
    shown group's means (group ``role:NAME`` or ``level:NAME``; no spread for groups)."""
    def row(scope: str, id_: str, title: str, group: str, s: Spread) -> tuple[object, ...]:
        return (scope, id_, title, group, s.n, _num(s.mean), _num(s.sd), _num(s.low),
                _num(s.high), "" if s.agreement is None else _num(s.agreement))

    rows: list[tuple[object, ...]] = []
    if stats.overall is None:
        return rows
    rows.append(row("overall", "overall", "All items", "all", stats.overall))
    rows += [row("enabler", e.id, e.title, "all", e.spread) for e in stats.enablers]
    rows += [row("item", i.id, i.statement, "all", i.spread) for i in stats.items]
    titles = {e.id: e.title for e in stats.enablers}
    statements = {i.id: i.statement for i in stats.items}
    for kind, groups in stats.groups.items():
        for g in groups:
            label = f"{kind}:{g.name}"
            rows.append(("overall", "overall", "All items", label, g.n, _num(g.overall),
                         "", "", "", ""))
            rows += [("enabler", k, titles[k], label, g.n, _num(v), "", "", "", "")
                     for k, v in g.enablers.items()]
            rows += [("item", k, statements[k], label, g.n, _num(v), "", "", "", "")
                     for k, v in g.items.items()]
    return rows
