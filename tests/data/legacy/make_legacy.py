"""How coaching.sqlite3 and feedback.sqlite3 in this folder were made: by the stores of
Improvement Coach as they were before the database seam (commit 8e0ecd8), so the import test
starts from files written by that code, not by a copy of its schema.

    git show 8e0ecd8:coach/coaching/store.py > /tmp/old_store.py
    git show 8e0ecd8:coach/coaching/chat_store.py > /tmp/old_chat_store.py
    git show 8e0ecd8:coach/ui/feedback.py > /tmp/old_feedback.py
    .venv/bin/python tests/data/legacy/make_legacy.py
"""

from __future__ import annotations

import datetime as dt
import importlib.util
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parents[2]))

from coach.coaching import machine as m  # noqa: E402
from coach.coaching.chat.dialogue import Dialogue  # noqa: E402
from coach.coaching.journey import load_journey  # noqa: E402


def old(name: str, path: str):  # type: ignore[no-untyped-def]
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)  # type: ignore[arg-type]
    spec.loader.exec_module(module)  # type: ignore[union-attr]
    return module


def main() -> None:
    store_mod = old("old_store", "/tmp/old_store.py")
    chat_mod = old("old_chat_store", "/tmp/old_chat_store.py")
    feedback_mod = old("old_feedback", "/tmp/old_feedback.py")
    for name in ("coaching.sqlite3", "feedback.sqlite3"):
        (HERE / name).unlink(missing_ok=True)
    journey = load_journey(HERE.parents[2] / "knowledge" / "journey.yaml")
    store = store_mod.ProgressStore(HERE / "coaching.sqlite3")
    p = m.start(journey, m.Progress())
    p = m.tick(journey, p, ["1", "3"])
    p = m.add_note(journey, p, "Staff survey closes in May")
    p = m.add_action(journey, p, "Book board session", "Chief nurse", dt.date(2026, 12, 1),
                     step=2)
    store.save("alex", p)
    store.save("bo", m.start(journey, m.Progress()))
    store.reset("bo")  # an archived record
    store.save("bo", m.add_note(journey, m.start(journey, m.Progress()), "Bo's own note"))
    scores = {item.id: n % 4 for n, item in enumerate(journey.assessment.items)}
    store.add_assessment("alex", scores)
    store.add_assessment("alex", {k: min(3, v + 1) for k, v in scores.items()})
    chat_mod.DialogueStore(HERE / "coaching.sqlite3").save("alex", Dialogue())
    feedback = feedback_mod.FeedbackStore(HERE / "feedback.sqlite3")
    turn = {"question": "What is a run chart? Call me on 07700 900123",
            "text": "A run chart plots data over time [1].", "refused": False,
            "citations": [{"number": 1, "source": "qi-methods.md", "title": "QI methods",
                           "section": "Run charts", "page": None, "score": 0.8}]}
    row = feedback.record("alex", turn, "up", "Clear")
    feedback.update(row, "alex", comment="Clear and short")
    feedback.record("bo", {"question": "Dose of X?", "text": "I cannot advise on that.",
                           "refused": True, "citations": []}, "down")


if __name__ == "__main__":
    main()
