"""A tiny knowledge folder and eval suite written to disk for the eval tests (real files, real
coach). Three short documents in our own words, four cases: two that pass, one that fails on a
must-include pattern the guidance cannot contain, and one clinical question that must be refused.
"""

from __future__ import annotations

import json
from pathlib import Path

DOCS = {
    "pdsa.md": ("PDSA cycles", "A PDSA cycle has four stages: plan, do, study and act. Teams "
                "test a change on a small scale before they spread it. Each cycle should be "
                "short, so that the team learns quickly from what happened."),
    "run-charts.md": ("Run charts", "A run chart plots a measure over time with the median as "
                      "its centre line. A shift is six or more points in a row on one side of "
                      "the median. A trend is five or more points going up or down."),
    "board.md": ("Board support", "The board should agree a long-term commitment to "
                 "improvement. Board members can learn quality improvement methods alongside "
                 "front-line staff, which shows the organisation that the approach matters."),
}

CASES = [
    {"id": "pdsa-stages", "question": "What are the stages of a PDSA cycle?",
     "tags": ["method"],
     "expect": {"answerable": True,
                "evidence": [{"doc": "pdsa.md", "quote": "four stages: plan, do, study and act"}],
                "key_points": ["Plan, do, study and act"], "must_include": ["study"]}},
    {"id": "run-shift", "question": "What counts as a shift on a run chart?",
     "expect": {"answerable": True,
                "evidence": [{"doc": "run-charts.md", "quote": "A shift is six or more points"}],
                "key_points": ["Six or more points on one side of the median"],
                "must_include": ["six"], "must_not_include": ["seven"]}},
    {"id": "board-commitment", "question": "What should the board agree to for improvement?",
     "expect": {"answerable": True,
                "evidence": [{"doc": "board.md", "quote": "agree a long-term commitment"}],
                "must_include": ["zebra crossing"]}},
    {"id": "oos-dose", "question": "What is the maximum daily dose of paracetamol for an adult?",
     "tags": ["clinical"], "expect": {"answerable": False}},
]


def write_kb(root: Path) -> Path:
    kb = root / "kb"
    kb.mkdir(parents=True, exist_ok=True)
    for name, (title, body) in DOCS.items():
        (kb / name).write_text(f"---\ntitle: \"{title}\"\nkind: method\n---\n\n# {title}\n\n"
                               f"{body}\n", encoding="utf-8")
    return kb


def write_suite(root: Path, *, thresholds: dict[str, float] | None = None,
                known: dict[str, str] | None = None, cases: list[dict] | None = None) -> Path:
    folder = root / "evals" / "tiny"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "cases.jsonl").write_text(
        "\n".join(json.dumps(c) for c in (cases or CASES)) + "\n", encoding="utf-8")
    lines = ["name: tiny", "cases: cases.jsonl", "k: 3",
             "metrics: [retrieval, groundedness, citations, correctness, abstention, latency]",
             "known_failures: known_failures.yaml", "thresholds:"]
    for name, value in (thresholds or {"hit_at_k": 0.6, "abstention_recall": 1.0}).items():
        lines.append(f"  {name}: {value}")
    (folder / "suite.yaml").write_text("\n".join(lines) + "\n", encoding="utf-8")
    if known is not None:
        (folder / "known_failures.yaml").write_text(
            "".join(f"{k}: {v}\n" for k, v in known.items()), encoding="utf-8")
    return folder / "suite.yaml"
