"""Team readiness surveys, kept in the app's database (tables ``surveys``, ``survey_responses``).

A lead opens a survey and shares its code; colleagues answer the self-assessment items with
their role and level, signed in or anonymously. Only the lead who opened a survey sees its
results, and only as aggregates (``survey.stats``); a respondent gets a receipt, never anyone
else's answers. A signed-in respondent has one response per survey (answering again replaces
it); anonymous responses carry no name, so they cannot be replaced or told apart, and the
results say how many there are. A closed survey takes no more answers.

Codes are 8 characters drawn with ``secrets`` from 31 letters and digits that cannot be
mistaken for one another (no 0/O, 1/I/L): 31⁸ ≈ 8.5 × 10¹¹ codes, not guessable in practice.
"""

from __future__ import annotations

import json
import re
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from coach.coaching import assessment
from coach.coaching.journey import Journey
from coach.coaching.machine import Progress
from coach.coaching.survey.stats import MIN_GROUP, Response, SurveyStats, as_dict, compute
from coach.db import Database, check_user, now
from coach.db.schema import survey_responses as RESPONSES
from coach.db.schema import surveys as SURVEYS
from coach.errors import BadInputError

ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
CODE_LENGTH = 8
MAX_TITLE = 120
MAX_LABEL = 64   # role and level (the column width)
ROLES = ("Board member", "Executive", "Clinical lead", "Doctor", "Nurse or midwife",
         "Allied health professional", "Manager", "Improvement team", "Administrative or support",
         "Patient or carer partner", "Other")
LEVELS = ("Front line", "Team leader", "Middle manager", "Senior manager", "Executive or board")
NOTE = ("Team readiness survey {code} (\"{title}\") adopted as the readiness assessment of "
        "{taken} UTC: {n} respondents{who}; item means rounded to whole scores.")
_NOTE_CODE = re.compile(rf"^Team readiness survey ([{ALPHABET}]{{{CODE_LENGTH}}}) ")
_NOTE_TAKEN = re.compile(r"adopted as the readiness assessment of "
                         r"(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d) UTC: (\d+) respondents")


class SurveyError(BadInputError):
    """A survey code, an answer or a request about a survey that cannot be used."""


class SurveyAccessError(SurveyError):
    """Someone other than the survey's owner asked for its results, to close or adopt it."""


@dataclass(frozen=True)
class Survey:
    code: str
    owner: str
    title: str
    created_at: str
    closed_at: str | None = None
    responses: int = 0

    @property
    def is_open(self) -> bool:
        return self.closed_at is None


@dataclass(frozen=True)
class Receipt:
    """What a respondent is told: nothing about anyone else's answers."""

    code: str
    title: str
    anonymous: bool
    replaced: bool

    @property
    def message(self) -> str:
        done = (f"Thank you: your answers to \"{self.title}\" ({self.code}) are saved")
        if self.anonymous:
            return (done + " without your name. Anonymous answers cannot be changed or "
                    "withdrawn later, and each one counts as a separate response.")
        if self.replaced:
            return done + ", replacing the answers you gave before."
        return done + ". Answer again with the same code to change them."


@dataclass(frozen=True)
class Report:
    """A survey's results as its owner sees them."""

    survey: Survey
    stats: SurveyStats
    anonymous: int      # responses without a name
    unreadable: int     # responses that no longer match journey.yaml (kept, not counted)

    def as_dict(self) -> dict[str, Any]:
        s = self.survey
        return {"code": s.code, "title": s.title, "owner": s.owner,
                "created_at": s.created_at, "closed_at": s.closed_at,
                "anonymous": self.anonymous, "unreadable": self.unreadable,
                **as_dict(self.stats)}


def normalise_code(text: object) -> str:
    """A code as typed (any case, spaces or dashes) in its stored form; a clear error else."""
    code = re.sub(r"[\s-]+", "", str(text or "")).upper()
    if len(code) != CODE_LENGTH or any(c not in ALPHABET for c in code):
        raise SurveyError(f"{str(text or '').strip()!r} is not a survey code: codes are "
                          f"{CODE_LENGTH} letters and digits, like K7M2PQ9X. Check it with "
                          "the person who shared it.")
    return code


def new_code() -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(CODE_LENGTH))


def _label(text: object, what: str, examples: tuple[str, ...]) -> str:
    value = " ".join(str(text or "").split())
    if not value:
        raise SurveyError(f"Give your {what}, for example {examples[0]!r} or {examples[1]!r}.")
    if len(value) > MAX_LABEL:
        raise SurveyError(f"The {what} is {len(value)} characters; the limit is {MAX_LABEL}.")
    return value


def _survey(row: Any, responses: int = 0) -> Survey:
    return Survey(str(row.code), str(row.owner), str(row.title), str(row.created_at),
                  None if row.closed_at is None else str(row.closed_at), responses)


class SurveyStore:
    def __init__(self, db: Database, min_group: int = MIN_GROUP):
        self.db = db
        self.min_group = min_group

    # -- the lead --------------------------------------------------------------------------
    def open(self, owner: str, title: str) -> Survey:
        owner = check_user(owner)
        title = " ".join(str(title or "").split()) or "Team readiness survey"
        if len(title) > MAX_TITLE:
            raise SurveyError(f"The survey title is {len(title)} characters; the limit is "
                              f"{MAX_TITLE}.")
        with self.db.begin() as conn:
            while True:  # a clash is a 1-in-10¹¹ event; try another code
                code = new_code()
                if conn.execute(sa.select(SURVEYS.c.code).where(
                        SURVEYS.c.code == code)).first() is None:
                    break
            created = now()
            conn.execute(SURVEYS.insert().values(code=code, owner=owner, title=title,
                                                 created_at=created, closed_at=None))
        return Survey(code, owner, title, created)

    def mine(self, owner: str) -> list[Survey]:
        """The surveys ``owner`` opened, newest first, with how many have answered each."""
        count = sa.select(sa.func.count()).where(
            RESPONSES.c.code == SURVEYS.c.code).scalar_subquery()
        with self.db.connect() as conn:
            rows = conn.execute(sa.select(SURVEYS, count.label("n")).where(
                SURVEYS.c.owner == check_user(owner)).order_by(
                    SURVEYS.c.created_at.desc(), SURVEYS.c.code)).all()
        return [_survey(r, int(r.n)) for r in rows]

    def owned(self, code: object, user: str) -> Survey:
        """The survey, if ``user`` opened it; the same refusal whether it exists or not."""
        code = normalise_code(code)
        with self.db.connect() as conn:
            row = conn.execute(sa.select(SURVEYS).where(SURVEYS.c.code == code)).first()
            if row is None or str(row.owner) != check_user(user):
                raise SurveyAccessError(
                    f"Survey {code} is not one of yours: only the person who opened a survey "
                    "can see its results, close it or adopt it.")
            n = conn.execute(sa.select(sa.func.count()).where(
                RESPONSES.c.code == code)).scalar_one()
        return _survey(row, int(n))

    def close(self, code: object, user: str, at: str | None = None) -> Survey:
        survey = self.owned(code, user)
        if survey.closed_at is not None:
            return survey
        closed = at or now()
        with self.db.begin() as conn:
            conn.execute(SURVEYS.update().where(SURVEYS.c.code == survey.code).values(
                closed_at=closed))
        return Survey(survey.code, survey.owner, survey.title, survey.created_at, closed,
                      survey.responses)

    def results(self, code: object, user: str, journey: Journey) -> Report:
        survey = self.owned(code, user)
        with self.db.connect() as conn:
            rows = conn.execute(sa.select(
                RESPONSES.c.user_name, RESPONSES.c.role, RESPONSES.c.level,
                RESPONSES.c.scores).where(RESPONSES.c.code == survey.code).order_by(
                    RESPONSES.c.id)).all()
        latest: dict[str, Any] = {}   # a named respondent counts once (their last answer)
        anonymous: list[Any] = []
        for row in rows:
            if row.user_name is None:
                anonymous.append(row)
            else:
                latest[str(row.user_name)] = row
        responses, unreadable, anon = [], 0, 0
        for row in [*latest.values(), *anonymous]:
            try:
                scores = assessment.validate(journey, json.loads(row.scores))
            except (ValueError, TypeError, AttributeError, BadInputError):
                unreadable += 1
                continue
            responses.append(Response(str(row.role), str(row.level), scores))
            anon += row.user_name is None
        counted = Survey(survey.code, survey.owner, survey.title, survey.created_at,
                         survey.closed_at, len(responses))
        return Report(counted, compute(journey, responses, self.min_group), anon, unreadable)

    # -- respondents -----------------------------------------------------------------------
    def find(self, code: object) -> Survey:
        """What a respondent may know about a survey: its code, title, owner and whether it
        is open (never its answers)."""
        code = normalise_code(code)
        with self.db.connect() as conn:
            row = conn.execute(sa.select(SURVEYS).where(SURVEYS.c.code == code)).first()
        if row is None:
            raise SurveyError(f"No survey has the code {code}: check it with the person who "
                              "shared it.")
        return _survey(row)

    def respond(self, code: object, journey: Journey, scores: Mapping[str, object], *,
                role: object, level: object, user: str | None) -> Receipt:
        """Store one person's answers. ``user`` None: anonymous (no name is stored)."""
        survey = self.find(code)
        role = _label(role, "role", ROLES)
        level = _label(level, "level", LEVELS)
        clean = assessment.validate(journey, scores)
        name = None if user is None else check_user(user)
        with self.db.begin() as conn:
            state = conn.execute(sa.select(SURVEYS.c.closed_at).where(
                SURVEYS.c.code == survey.code).with_for_update()).scalar_one()
            if state is not None:
                raise SurveyError(f"Survey {survey.code} (\"{survey.title}\") closed on "
                                  f"{str(state)[:10]} and takes no more answers; ask "
                                  f"{survey.owner} whether there is a new one.")
            replaced = False
            if name is not None:
                gone = conn.execute(RESPONSES.delete().where(
                    RESPONSES.c.code == survey.code, RESPONSES.c.user_name == name))
                replaced = bool(gone.rowcount)
            conn.execute(RESPONSES.insert().values(
                code=survey.code, at=now(), user_name=name, role=role, level=level,
                scores=json.dumps(clean, sort_keys=True)))
        return Receipt(survey.code, survey.title, name is None, replaced)


# -- adoption: the note that records it ----------------------------------------------------
def adoption_note(report: Report, taken: str) -> str:
    roles = report.stats.counts.get("role", {})
    listed = ", ".join(f"{k} {v}" for k, v in sorted(roles.items()))
    who = f" ({listed[:600]})" if listed else ""
    return NOTE.format(code=report.survey.code, title=report.survey.title,
                       taken=taken[:19].replace("T", " "), n=report.stats.n, who=who)


def adoption_labels(journey: Journey, progress: Progress) -> dict[str, str]:
    """Assessment time (as stored, ``taken_at[:19]``) -> "team survey CODE, N respondents",
    from the notes adoption leaves on step 1, so the history can say where scores came from."""
    labels = {}
    for note in progress.step(journey.steps[0].id).notes:
        code, taken = _NOTE_CODE.match(note), _NOTE_TAKEN.search(note)
        if code and taken:
            labels[taken.group(1).replace(" ", "T")] = (
                f"team survey {code.group(1)}, {taken.group(2)} respondents")
    return labels


def adopted_code(journey: Journey, progress: Progress) -> str | None:
    """The code of the survey adopted last, from the note adoption leaves on step 1."""
    for note in reversed(progress.step(journey.steps[0].id).notes):
        found = _NOTE_CODE.match(note)
        if found:
            return found.group(1)
    return None
