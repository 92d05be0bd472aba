"""Optional LLM judge (advisory): grades an answer through any LangChain chat model.

Temperature 0 where the model allows it; every reply is cached on disk by (prompt version,
model, inputs), so a rerun costs nothing and gives the same grade; a reply that is not the
expected JSON is reported as an error, never turned into a score. The judge is advisory: its
grades appear in the run and the report but never gate a suite, until calibrated against
human labels. The prompt is prompts/eval-judge.md.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
from pathlib import Path
from typing import Any

from langchain_core.language_models import BaseChatModel
from langchain_core.messages import HumanMessage

from coach import prompts
from coach.evals.cases import Case
from coach.types import Answer

log = logging.getLogger(__name__)
PROMPT = "eval-judge.md"
SCORES = ("faithfulness", "relevance", "correctness")
_OBJECT = re.compile(r"\{.*\}", re.S)


def model_id(model: BaseChatModel) -> str:
    name = getattr(model, "model_name", None) or getattr(model, "model", None)
    return f"{model._llm_type}:{name or type(model).__name__}"


def parse_reply(text: str) -> tuple[dict[str, float], str]:
    """(scores, reason) from the judge's reply; ValueError says what is wrong with it."""
    found = _OBJECT.search(text)
    if not found:
        raise ValueError(f"the judge's reply holds no JSON object: {text[:200]!r}")
    try:
        data = json.loads(found.group(0))
    except json.JSONDecodeError as exc:
        raise ValueError(f"the judge's reply is not valid JSON ({exc.msg}): "
                         f"{found.group(0)[:200]!r}") from exc
    scores = {}
    for name in SCORES:
        value = data.get(name) if isinstance(data, dict) else None
        if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value <= 1:
            raise ValueError(f"the judge's {name!r} is missing or not a number from 0 to 1: "
                             f"{value!r}")
        scores[name] = float(value)
    return scores, str(data.get("reason", ""))


class LLMJudge:
    """Grades (question, passages, key points, answer) with a chat model; advisory."""

    def __init__(self, model: BaseChatModel, cache_dir: Path, prompt_name: str = PROMPT):
        fields = getattr(type(model), "model_fields", {})
        self.temperature_set = "temperature" in fields
        self.model = model.model_copy(update={"temperature": 0.0}) if self.temperature_set \
            else model
        self.cache_dir = Path(cache_dir)
        self.template = prompts.read(prompt_name)
        self.prompt_version = hashlib.sha256(self.template.encode()).hexdigest()[:12]
        self.model_id = model_id(model)

    def describe(self) -> dict[str, Any]:
        return {"model": self.model_id, "prompt_version": self.prompt_version,
                "temperature": 0.0 if self.temperature_set else "model default",
                "advisory": True}

    def render(self, question: str, answer: str, passages: list[str],
               key_points: list[str]) -> str:
        numbered = "\n\n".join(f"[{i}] {p}" for i, p in enumerate(passages, start=1))
        points = "\n".join(f"- {p}" for p in key_points) or "(none)"
        return prompts.render(self.template, question=question, answer=answer,
                              passages=numbered or "(none)", key_points=points)

    def _key(self, prompt: str) -> str:
        blob = json.dumps([self.prompt_version, self.model_id, prompt], ensure_ascii=False)
        return hashlib.sha256(blob.encode()).hexdigest()

    def grade(self, question: str, answer: str, passages: list[str],
              key_points: list[str]) -> dict[str, Any]:
        """{scores, reason, error, cached, advisory}: error is set (and scores empty) when the
        model fails or its reply cannot be parsed."""
        prompt = self.render(question, answer, passages, key_points)
        path = self.cache_dir / f"{self._key(prompt)}.json"
        cached = path.exists()
        try:
            if cached:
                raw = json.loads(path.read_text(encoding="utf-8"))["reply"]
            else:
                raw = str(self.model.invoke([HumanMessage(prompt)]).content)
                self.cache_dir.mkdir(parents=True, exist_ok=True)
                path.write_text(json.dumps({"model": self.model_id, "reply": raw,
                                            "prompt_version": self.prompt_version}),
                                encoding="utf-8")
            scores, reason = parse_reply(raw)
        except Exception as exc:  # a judge failure is reported, never fatal to the run
            error = str(exc) if isinstance(exc, ValueError) else \
                f"the judge model failed ({type(exc).__name__}: {exc})"
            log.warning("judge error: %s", error)
            return {"scores": {}, "reason": "", "error": error, "cached": cached,
                    "advisory": True}
        return {"scores": scores, "reason": reason, "error": None, "cached": cached,
                "advisory": True}

    def judge(self, case: Case, answer: Answer) -> dict[str, Any]:
        return self.grade(case.question, answer.text, [p.text for p in answer.passages],
                          list(case.expect.key_points))
