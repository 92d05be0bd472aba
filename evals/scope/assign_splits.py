"""Give each row of evals/scope/questions.jsonl that has no ``split`` one at random.

About a quarter of each label goes to "held-out", the rest to "fit", drawn with a fixed seed so
the draw can be repeated; rows that already have a split keep it, so adding questions later
never moves an old one across. Run it before any fitting, never after looking at results:

    .venv/bin/python evals/scope/assign_splits.py
"""

from __future__ import annotations

import json
import random
from pathlib import Path

QUESTIONS = Path(__file__).resolve().parent / "questions.jsonl"
SEED = 2326
HELD_OUT_SHARE = 0.25


def main() -> None:
    rows = [json.loads(line) for line in QUESTIONS.read_text(encoding="utf-8").splitlines()
            if line.strip()]
    rng = random.Random(SEED)
    for label in (True, False):
        new = [r for r in rows if r["off_topic"] is label and "split" not in r]
        rng.shuffle(new)
        cut = round(len(new) * HELD_OUT_SHARE)
        for n, row in enumerate(new):
            row["split"] = "held-out" if n < cut else "fit"
    QUESTIONS.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows),
                         encoding="utf-8")
    for split in ("fit", "held-out"):
        chosen = [r for r in rows if r["split"] == split]
        print(f"{split:8s} {len(chosen)} rows, {sum(r['off_topic'] for r in chosen)} off-topic")


if __name__ == "__main__":
    main()
