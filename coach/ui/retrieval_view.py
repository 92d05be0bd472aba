"""Test retrieval (in the Library tab): what the coach would find for a question, and why.

For a question it shows whether the coach would answer or refuse (and on what grounds), then
the passages it would answer from, in order, with where each stood in the dense (meaning) and
BM25 (word) rankings before fusion. Leads adding documents and evaluators chasing a miss can
see which passage a question reaches without reading an answer. Nothing is written or logged
beyond what asking does.
"""

from __future__ import annotations

import html

import gradio as gr

from coach.errors import CoachError
from coach.pipeline import Prepared
from coach.ui.context import UIContext
from coach.ui.render import KIND_LABELS

HEADERS = ["#", "Document", "Section", "Kind", "Similarity", "Dense rank", "BM25 rank",
           "Passage"]
SNIPPET = 160


# a table row: n, title, section, kind, similarity, dense rank, lexical rank, snippet
Row = list[str | int | float]


def _rank(ranks: dict[str, int], pid: str) -> str:
    return str(ranks[pid]) if pid in ranks else "—"


def rows(prepared: Prepared) -> list[Row]:
    """One row per retrieved passage, in the order the answer would use them."""
    ranks = prepared.found.channel_ranks
    out: list[Row] = []
    for n, p in enumerate(prepared.passages, start=1):
        text = " ".join(p.text.split())
        out.append([
            n, p.title or p.source, p.heading or p.section or "—",
            KIND_LABELS.get(p.kind, p.kind) or "—", round(p.dense_score or 0.0, 3),
            _rank(ranks.get("dense", {}), p.id), _rank(ranks.get("lexical", {}), p.id),
            text if len(text) <= SNIPPET else text[:SNIPPET].rsplit(" ", 1)[0] + " …",
        ])
    return out


def verdict(prepared: Prepared) -> str:
    d = prepared.decision
    where = f"Searched for: *{html.escape(prepared.query, quote=False)}*"
    if prepared.redaction.kinds:
        where += f" (personal data removed: {', '.join(prepared.redaction.kinds)})"
    if d.reason == "clinical":
        return (f"**Would refuse: a clinical question.** The coach gives no clinical advice, "
                f"whatever the passages say.\n\n{where}")
    if d.refuse:
        return (f"**Would refuse: not covered by the guidance.** Closest passage similarity "
                f"{d.best_similarity:.2f}, share of the question's words found "
                f"{d.coverage:.0%}.\n\n{where}")
    return (f"**Would answer from these passages** (closest similarity {d.best_similarity:.2f}, "
            f"question words found {d.coverage:.0%}). The answer itself can still be "
            f"withheld if its sentences miss the point of the question.\n\n{where}")


def test_retrieval(ctx: UIContext, question: str) -> tuple[str, list[Row]]:
    """The verdict and the passage rows for ``question``; a bad question gets a message."""
    try:
        prepared = ctx.coach.prepare(question)
    except CoachError as exc:
        return f"**{html.escape(str(exc), quote=False)}**", []
    return verdict(prepared), [] if prepared.decision.reason == "clinical" else rows(prepared)


def build(ctx: UIContext) -> None:
    """The Test retrieval panel (called inside the Library tab)."""
    with gr.Accordion("Test retrieval: which passages does a question reach?", open=False,
                      elem_id="retrieval-test"):
        with gr.Row():
            question = gr.Textbox(label="Question", scale=4, elem_id="retrieval-question",
                                  placeholder="e.g. What are the four enablers?")
            go = gr.Button("Search", scale=1)
        result = gr.Markdown(elem_id="retrieval-verdict")
        table = gr.Dataframe(headers=HEADERS, interactive=False, wrap=True,
                             elem_id="retrieval-table",
                             datatype=["number", "str", "str", "str", "number", "str", "str",
                                       "str"])

    def on_search(q: str) -> tuple[str, list[Row]]:
        return test_retrieval(ctx, q)

    go.click(on_search, [question], [result, table], api_name="test_retrieval")
    question.submit(on_search, [question], [result, table])
