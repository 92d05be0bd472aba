"""Load and validate knowledge/journey.yaml, the machine-readable improvement journey.

Validation is strict (unknown keys are errors) and every error names the line of the YAML
file at fault, so a hand edit that breaks the journey fails loudly and precisely.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from coach.errors import CoachError
from coach.yamlio import parse_model

EnablerId = Literal[
    "leadership-governance", "infrastructure-resources", "skills-workforce", "culture-environment"
]
Text = Annotated[str, Field(min_length=3)]
Panel = Literal["project-register"]


class JourneyError(CoachError):
    """journey.yaml is missing, not YAML, or does not match the schema."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Enabler(_Strict):
    id: EnablerId
    title: Text
    description: Text


class ChecklistItem(_Strict):
    id: Text
    text: Text


class Step(_Strict):
    id: Text
    number: int = Field(ge=1, le=6)
    title: Text
    purpose: Text
    guide: Text
    enablers: list[EnablerId] = Field(min_length=1)
    checklist: list[ChecklistItem] = Field(min_length=1)
    questions: list[Text] = Field(min_length=1)
    evidence: list[Text] = Field(min_length=1)
    documents: list[Text] = Field(default_factory=list)
    # panels of the Coach tab shown on this step's page ("project-register": the lead's QI
    # projects with their progress scores, from the workbench)
    shows: list[Panel] = Field(default_factory=list)

    @property
    def labelled_purpose(self) -> str:
        """The purpose as shown to people: it is our coaching guidance, and says so."""
        from coach import prompts

        return f"{prompts.read_yaml('answer-labels.yaml')['journey']} {self.purpose}"


class Band(_Strict):
    name: Text
    up_to: float = Field(ge=0, le=3)
    description: Text


class AssessmentItem(_Strict):
    id: Text
    enabler: EnablerId
    statement: Text
    step: Text
    recommendation: Text
    documents: list[Text] = Field(min_length=1)


class Assessment(_Strict):
    title: Text
    scale: dict[int, Text]
    bands: list[Band] = Field(min_length=1)
    low_score: int = Field(ge=0, le=3)
    items: list[AssessmentItem] = Field(min_length=1)

    @model_validator(mode="after")
    def _check(self) -> Assessment:
        if sorted(self.scale) != [0, 1, 2, 3]:
            raise ValueError("scale must define exactly the scores 0, 1, 2 and 3")
        bounds = [b.up_to for b in self.bands]
        if bounds != sorted(bounds) or bounds[-1] != 3:
            raise ValueError("bands must ascend by up_to and the last must reach 3")
        return self


class Journey(_Strict):
    version: Literal[1]
    title: Text
    source: Text
    note: Text
    enablers: list[Enabler] = Field(min_length=4, max_length=4)
    steps: list[Step] = Field(min_length=6, max_length=6)
    assessment: Assessment

    @model_validator(mode="after")
    def _cross_check(self) -> Journey:
        if [s.number for s in self.steps] != [1, 2, 3, 4, 5, 6]:
            raise ValueError("steps must be numbered 1 to 6 in order")
        step_ids = [s.id for s in self.steps]
        ids = step_ids + [c.id for s in self.steps for c in s.checklist] + [
            i.id for i in self.assessment.items
        ]
        dupes = sorted({i for i in ids if ids.count(i) > 1})
        if dupes:
            raise ValueError(f"ids must be unique; repeated: {', '.join(dupes)}")
        for item in self.assessment.items:
            if item.step not in step_ids:
                raise ValueError(f"assessment item {item.id} names unknown step {item.step!r}")
        covered = {i.enabler for i in self.assessment.items}
        if len(covered) != 4:
            raise ValueError("the assessment needs items for all four enablers")
        return self

    def step(self, step_id: str) -> Step:
        for s in self.steps:
            if s.id == step_id:
                return s
        raise KeyError(step_id)

    def documents(self) -> set[str]:
        docs = {s.guide for s in self.steps}
        for s in self.steps:
            docs.update(s.documents)
        for i in self.assessment.items:
            docs.update(i.documents)
        return docs


def parse_journey(text: str, name: str = "journey.yaml") -> Journey:
    return parse_model(text, name, Journey, JourneyError)


def load_journey(path: Path) -> Journey:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise JourneyError(f"{path}: cannot read the journey file ({exc.strerror}).") from exc
    return parse_journey(text, path.name)
