"""The six respondents of the team survey tests (hand-computed figures: test_survey_stats.py)."""

from __future__ import annotations

from coaching_helpers import journey

from coach.coaching.survey.stats import Response

J = journey()
LG, IR, SW, CE = (e.id for e in J.enablers)
ITEMS = {e.id: [i.id for i in J.assessment.items if i.enabler == e.id] for e in J.enablers}
FUNDING = "multi-year-funding"


def person(role: str, level: str, lg: int, ir: tuple[int, ...], sw: int, ce: int
           ) -> Response:
    values = [lg] * 5 + list(ir) + [sw] * 5 + [ce] * 5
    return Response(role, level, dict(zip([i.id for i in J.assessment.items], values,
                                          strict=True)))


SIX = [
    person("Nurse", "Front line", 1, (1, 1, 1, 0, 1), 0, 2),
    person("Nurse", "Front line", 1, (1, 1, 1, 0, 1), 0, 2),
    person(" nurse ", "front  line", 2, (1, 1, 1, 0, 1), 0, 2),
    person("Doctor", "Front line", 2, (1, 1, 1, 3, 1), 0, 2),
    person("Doctor", "Manager", 3, (1, 1, 1, 3, 1), 0, 2),
    person("Doctor", "Manager", 3, (1, 1, 1, 3, 1), 3, 2),
]


