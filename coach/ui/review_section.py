"""The Evaluate tab's "Review queue" section (editors and admins, like the whole tab): the
answers waiting for review, one answer's question, earlier turns, reply and passages, the
rubric, the must-include terms, the evidence passage, "Save review" and "Save as case".

Layout and thin handlers; the work is done by ``coach.review`` (``store.py``, ``cases.py``).
Sentences are in prompts/review-queue.yaml; what people asked and the coach replied is
escaped before it is shown.
"""

from __future__ import annotations

import html
from pathlib import Path
from typing import Any

import gradio as gr

from coach import prompts
from coach.errors import CoachError
from coach.evals.cases import suite_kind
from coach.evals.runs import list_suites
from coach.review.cases import save_case
from coach.review.store import Item, ReviewStore, Rubric, review_store
from coach.ui.context import UIContext

YES, NO = "Yes", "No"
RUBRIC = (("correct", "Was the answer (or the refusal) right?"),
          ("grounded", "Is every sentence backed by its passages?"),
          ("right_source", "Did it use the right guidance?"),
          ("should_refuse", "Should it have refused?"))
Outputs = tuple[Any, ...]


def sentence(key: str, **values: object) -> str:
    return prompts.fill("review-queue.yaml", key, **values)


def _status(text: str, *, error: bool = False) -> str:
    role = "alert" if error else "status"
    return f'<p class="notice" role="{role}">{html.escape(text)}</p>'


def _text(text: str) -> str:
    return f'<p style="white-space:pre-wrap">{html.escape(text)}</p>'


def qa_suites(evals_dir: Path) -> list[str]:
    """The Q&A suites of the evals folder (cases are saved to those only)."""
    if not evals_dir.is_dir():
        return []
    return [s for s in list_suites(evals_dir) if suite_kind(evals_dir / s) == "qa"]


# -- handlers -------------------------------------------------------------------------------
def queue_list(store: ReviewStore, selected: int | None = None) -> dict[str, Any]:
    """The queue for the dropdown, oldest first (``selected`` stays chosen while queued)."""
    items = store.pending()
    choices = [(f"#{i.id} · {', '.join(i.kinds)} · {i.question[:80]}", i.id) for i in items]
    keep = selected if any(i.id == selected for i in items) else None
    return gr.update(choices=choices, value=keep,
                     info=sentence("waiting", count=len(items)) if items else sentence("empty"))


def item_html(item: Item) -> str:
    """One item: why it is queued, the question, earlier turns, the reply and the passages."""
    parts = [f"<h4>Answer #{item.id}</h4>",
             _text(sentence("why", why=item.why, user=item.user, day=item.created[:10])),
             "<h5>Question</h5>", _text(item.question)]
    if item.history:
        turns = "".join(f"<li><strong>Asked:</strong> {html.escape(q)}<br><strong>Reply:"
                        f"</strong> {html.escape(a)}</li>" for q, a in item.history)
        parts += ["<h5>Earlier in the conversation</h5>", f"<ol>{turns}</ol>"]
    label = "Reply (refused)" if item.refused else "Reply"
    parts += [f"<h5>{label}</h5>", _text(item.reply), "<h5>Passages</h5>"]
    if item.passages:
        rows = "".join(f"<li><p><strong>{html.escape(p['source'])}</strong> — "
                       f"{html.escape(p['heading'] or p['title'])}</p>{_text(p['text'])}</li>"
                       for p in item.passages)
        parts.append(f"<ol>{rows}</ol>")
    else:
        parts.append(_text(sentence("no-passages")))
    return f'<div class="review-item">{"".join(parts)}</div>'


def _yes(value: bool) -> str:
    return YES if value else NO


def show_item(store: ReviewStore, item_id: int | None) -> Outputs:
    """(item, evidence choices, the four rubric answers, must include, note, status)."""
    if item_id is None:
        return ("", gr.update(choices=[], value=None), *([None] * len(RUBRIC)), "", "",
                _status(sentence("choose-item")))
    try:
        item = store.get(int(item_id))
    except CoachError as exc:
        return ("", gr.update(choices=[], value=None), *([None] * len(RUBRIC)), "", "",
                _status(str(exc), error=True))
    evidence = [(f"{n}. {p['source']} — {p['heading'] or p['title']}", n)
                for n, p in enumerate(item.passages, 1)]
    rubric = item.review.rubric if item.review else None
    answers = ([_yes(getattr(rubric, name)) for name, _ in RUBRIC] if rubric
               else [None] * len(RUBRIC))
    return (item_html(item), gr.update(choices=evidence, value=1 if evidence else None),
            *answers, "\n".join(rubric.must_include) if rubric else "",
            rubric.note if rubric else "", "")


def rubric_from(answers: list[str | None], must: str, note: str) -> Rubric | None:
    if any(a not in (YES, NO) for a in answers):
        return None
    correct, grounded, right_source, should_refuse = (a == YES for a in answers)
    terms = tuple(t.strip() for t in (must or "").splitlines() if t.strip())
    return Rubric(correct=correct, grounded=grounded, right_source=right_source,
                  should_refuse=should_refuse, must_include=terms, note=note or "")


def save_review(store: ReviewStore, item_id: int | None, answers: list[str | None], must: str,
                note: str, reviewer: str) -> tuple[str, dict[str, Any]]:
    """Record the rubric: (status, queue)."""
    if item_id is None:
        return _status(sentence("choose-item"), error=True), queue_list(store)
    rubric = rubric_from(answers, must, note)
    if rubric is None:
        return _status(sentence("answer-all"), error=True), queue_list(store, int(item_id))
    try:
        store.record(int(item_id), reviewer, rubric)
    except CoachError as exc:
        return _status(str(exc), error=True), queue_list(store)
    return _status(sentence("reviewed", item=item_id)), queue_list(store)


def save_as_case(store: ReviewStore, evals_dir: Path, item_id: int | None,
                 answers: list[str | None], must: str, note: str, evidence: int | None,
                 suite_rel: str | None, reviewer: str) -> tuple[str, dict[str, Any]]:
    """Record the rubric and write the case to the chosen suite: (status, queue)."""
    if item_id is None:
        return _status(sentence("choose-item"), error=True), queue_list(store)
    if not suite_rel:
        return _status(sentence("choose-suite"), error=True), queue_list(store, int(item_id))
    path = (evals_dir / suite_rel).resolve()
    if not path.is_relative_to(evals_dir.resolve()) or not path.is_file():
        return (_status(sentence("no-suite", suite=suite_rel), error=True),
                queue_list(store, int(item_id)))
    rubric = rubric_from(answers, must, note)
    if rubric is None:
        return _status(sentence("answer-all"), error=True), queue_list(store, int(item_id))
    try:
        store.record(int(item_id), reviewer, rubric)
        saved = save_case(store, int(item_id), path,
                          evidence=None if rubric.should_refuse else evidence)
    except CoachError as exc:
        return (_status(sentence("not-saved", message=str(exc)), error=True),
                queue_list(store, int(item_id)))
    return _status(sentence("saved-case", case=saved.case_id, suite=suite_rel)), queue_list(store)


# -- layout and wiring ----------------------------------------------------------------------
def build(ctx: UIContext) -> None:
    """The section's components and events (inside the Evaluate tab)."""
    store = review_store(ctx.settings)
    evals_dir = Path(ctx.settings.evals_dir)
    with gr.Group(elem_id="review-queue"):
        gr.HTML('<h3 id="review-queue-heading">Review queue</h3>', padding=False,
                container=False)
        gr.Markdown(sentence("intro"))
        with gr.Row():
            queue = gr.Dropdown(choices=[], value=None, label="Answers waiting for review",
                                elem_id="review-list", scale=4)
            refresh = gr.Button("Refresh", size="sm", scale=1, elem_id="review-refresh")
        shown = gr.HTML("", elem_id="review-item", label="The answer under review",
                        padding=False, container=False)
        evidence = gr.Radio([], label="Evidence: the passage that holds the right answer",
                            elem_id="review-evidence")
        with gr.Row():
            answers = [gr.Radio([YES, NO], label=label, elem_id=f"review-{name}",
                                min_width=160) for name, label in RUBRIC]
        must = gr.Textbox(label="Must include (one term per line)", lines=2, max_lines=8,
                          elem_id="review-must", max_length=2000)
        note = gr.Textbox(label="Note (optional)", lines=1, max_lines=4, elem_id="review-note",
                          max_length=2000)
        with gr.Row():
            save = gr.Button("Save review", variant="primary", elem_id="review-save")
            suites = qa_suites(evals_dir)
            suite = gr.Dropdown(suites, value=suites[0] if suites else None,
                                label="Suite to save the case to", elem_id="review-suite")
            as_case = gr.Button("Save as case", elem_id="review-save-case")
        status = gr.HTML("", elem_id="review-status", label="Review status", padding=False,
                         container=False)

    def on_list(picked: int | None) -> dict[str, Any]:
        return queue_list(store, picked)

    def on_show(picked: int | None) -> Outputs:
        return show_item(store, picked)

    def on_save(picked: int | None, a: str | None, b: str | None, c: str | None,
                d: str | None, terms: str, text: str, request: gr.Request
                ) -> tuple[str, dict[str, Any]]:
        return save_review(store, picked, [a, b, c, d], terms, text, ctx.user_of(request))

    def on_case(picked: int | None, a: str | None, b: str | None, c: str | None,
                d: str | None, terms: str, text: str, ticked: int | None,
                chosen: str | None, request: gr.Request) -> tuple[str, dict[str, Any]]:
        return save_as_case(store, evals_dir, picked, [a, b, c, d], terms, text, ticked,
                            chosen, ctx.user_of(request))

    rubric = [queue, *answers, must, note]
    refresh.click(on_list, [queue], [queue], api_name="review_queue")
    queue.input(on_show, [queue], [shown, evidence, *answers, must, note, status],
                api_name="review_item")
    save.click(on_save, rubric, [status, queue], api_name="review_save")
    as_case.click(on_case, [*rubric, evidence, suite], [status, queue],
                  api_name="review_save_case")
    gr.on(None, on_list, [queue], [queue], api_visibility="private")  # at page load
