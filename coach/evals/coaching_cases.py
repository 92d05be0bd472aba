"""Coaching suites: scripted multi-turn conversations with the chat coach, validated strictly.

A suite file that says ``kind: coaching`` names a YAML cases file (``conversations: [...]``;
not ``cases:``, so the file is never taken for a suite). Each case
is a conversation: an optional ``setup`` (steps already done or in place, the step the lead is
on) and ``turns``, each a user message with what the coach must do at that turn::

    - id: guided-board
      setup: {done: [1]}
      turns:
        - user: "coach me through step 2"
          expect: {journey: true, names_step: 2, asks_question: true, step: 2, question: 1}
        - user: "Board meetings spend most of their time on assurance."
          expect: {saves_note: "assurance", step: 2, cites: true}

Every error names the file and the line at fault, like the Q&A suites (coach/evals/cases.py).
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from coach.evals.cases import SuiteError, SuiteSpec
from coach.evals.coaching_metrics import AGGREGATES
from coach.yamlio import parse_model


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class TurnExpect(_Strict):
    """What the coach must do at one turn; every field is optional, at least one is set."""

    journey: bool | None = None            # a journey reply (True) or an ordinary answer
    refused: bool | None = None
    names_step: int | None = Field(None, ge=1)   # the reply names "Step N" with its title
    asks_question: bool | None = None      # the reply ends by asking a reflective question
    step: int | None = Field(None, ge=1)   # the step asks_question / saves_note / adds_action
    question: int | None = Field(None, ge=1)  # which of the step's questions (1-based)
    saves_note: str | bool | None = None   # a new note (holding this text) after the turn
    adds_action: str | bool | None = None  # a new action (holding this text) after the turn
    cites: bool | None = None              # [n] markers present, each pointing at a citation
    must_include: list[str] = Field(default_factory=list)
    must_not_include: list[str] = Field(default_factory=list)

    @model_validator(mode="after")
    def _meaningful(self) -> TurnExpect:
        if not self.model_dump(exclude_defaults=True, exclude={"step", "question"}):
            raise ValueError("a turn must expect something: journey, refused, names_step, "
                             "asks_question, saves_note, adds_action, cites or must_include")
        if self.question is not None and not (self.asks_question and self.step):
            raise ValueError("question: N needs asks_question: true and step: N")
        if isinstance(self.saves_note, str) and not self.saves_note.strip():
            raise ValueError("saves_note: give a text fragment, or true / false")
        return self


class Turn(_Strict):
    user: str = Field(min_length=1)
    expect: TurnExpect


class Setup(_Strict):
    """The lead's journey before the first turn (steps by number)."""

    done: list[int] = Field(default_factory=list)
    in_place: list[int] = Field(default_factory=list)
    current: int | None = None


class CoachingCase(_Strict):
    id: str = Field(min_length=1)
    description: str = ""
    tags: list[str] = Field(default_factory=list)
    setup: Setup = Field(default_factory=Setup)
    turns: list[Turn] = Field(min_length=1)


class CasesFile(_Strict):
    conversations: list[CoachingCase] = Field(min_length=1)

    @field_validator("conversations")
    @classmethod
    def _unique(cls, value: list[CoachingCase]) -> list[CoachingCase]:
        seen: set[str] = set()
        for case in value:
            if case.id in seen:
                raise ValueError(f"duplicate case id {case.id!r}")
            seen.add(case.id)
        return value


class CoachingSuite(SuiteSpec):
    METRICS = AGGREGATES
    AGGREGATES = AGGREGATES

    kind: Literal["coaching"]

    def selected_metrics(self) -> list[str]:
        """Aggregates this suite reports: its metric list (all when empty) plus thresholded."""
        chosen = list(self.metrics or AGGREGATES)
        return chosen + [m for m in self.thresholds if m not in chosen]


def _read(path: Path, what: str) -> str:
    try:
        return Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise SuiteError(f"{path}: cannot read the {what} ({exc})") from exc


def parse_coaching_suite(text: str, name: str = "suite.yaml") -> CoachingSuite:
    return parse_model(text, name, CoachingSuite, SuiteError,
                       mapping="a coaching suite is a mapping with name, kind, cases")


def parse_coaching_cases(text: str, name: str = "cases.yaml") -> list[CoachingCase]:
    parsed = parse_model(text, name, CasesFile, SuiteError,
                         mapping="a coaching cases file is a mapping with a list of "
                                 "conversations")
    return parsed.conversations


def load_coaching_suite(path: Path) -> tuple[CoachingSuite, list[CoachingCase]]:
    path = Path(path)
    suite = parse_coaching_suite(_read(path, "suite file"), str(path))
    cases_path = path.parent / suite.cases
    return suite, parse_coaching_cases(_read(cases_path, "cases file"), str(cases_path))
