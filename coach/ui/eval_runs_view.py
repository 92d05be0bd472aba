"""The Evaluate tab's runs, not one report: the history of the chosen suite's runs (a table), the
trend of its headline metrics (a PNG chart with its numbers in words), and the compare view of
any two runs (each metric's paired difference with its interval, the cases that changed side by
side, and the reviewer's choice of the better answer).

The data is the evals feature's: coach/evals/history.py (the rows), trend.py (the series and
chart), sidebyside.py (the comparison, the changed cases and the preferences file). This module
renders it and wires the events; ``build`` places the components, ``connect`` wires them to the
tab's suite picker and its Run button (coach/ui/evaluate_tab.py). Every event is the Evaluate
tab's, so the role guard (coach/ui/guard.py) checks each one. The sentences are in
prompts/evaluate-tab.yaml.
"""

from __future__ import annotations

import base64
from html import escape as esc
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import gradio as gr

from coach import prompts
from coach.errors import CoachError
from coach.evals.history import RunRow, default_pair, list_runs, run_names
from coach.evals.kinds import load_any_suite
from coach.evals.sidebyside import (
    CHOICES,
    FAIL_TO_PASS,
    PASS_TO_FAIL,
    ChangedCase,
    RunPair,
    compare_pair,
    preferences,
    record_preference,
)
from coach.evals.trend import alt_text, trend, trend_png
from coach.ui.context import UIContext
from coach.ui.projects_render import TABLE_CSS, table

WORDS = "evaluate-tab.yaml"
Outputs = tuple[Any, ...]


def runs_text(key: str, **values: object) -> str:
    """Entry ``key`` of prompts/evaluate-tab.yaml, its {placeholders} filled."""
    return prompts.fill(WORDS, key, **values)


def _note(text: str, kind: str = "notice") -> str:
    role = "alert" if kind == "error" else "status"
    return f'<p class="{kind}" role="{role}">{esc(text)}</p>'


def _number(value: object) -> str:
    return "n/a" if value is None else f"{value:.3f}" if isinstance(value, float) else str(value)


# -- the history and the trend ---------------------------------------------------------------
def suite_name(ctx: UIContext, suite_rel: str | None) -> str:
    """The name of the suite file picked (its runs are named after it); a CoachError when it
    cannot be read."""
    evals_dir = Path(ctx.settings.evals_dir).resolve()
    path = (evals_dir / str(suite_rel or "")).resolve()
    if not suite_rel or not path.is_relative_to(evals_dir) or not path.is_file():
        raise CoachError(f"No suite called {suite_rel!r} in {evals_dir}.")
    return load_any_suite(path).name


def history_table(suite: str, rows: list[RunRow]) -> str:
    """The runs of a suite as a table: when, version, who, label, verdict, passed, metrics."""
    metrics: list[str] = []
    for row in rows:
        metrics += [n for n in row.metrics if n not in metrics]
    headers = ["When (UTC)", "Run", "Suite version", "Run by", "Label", "Verdict", "Passed",
               *(n.replace("_", " ") for n in metrics)]
    cells = [[r.started_at.replace("T", " ")[:16], r.name, r.version,
              r.run_by or runs_text("not-recorded"), r.label,
              runs_text("met") if r.ok else runs_text("failing"), f"{r.passed} of {r.cases}",
              *(_number(r.metrics.get(n)) for n in metrics)] for r in rows]
    split = runs_text("dev-split") if any(r.split for r in rows) else ""
    return table(runs_text("history-caption", suite=suite, split=split), headers, cells)


def trend_figure(suite: str, rows: list[RunRow]) -> str:
    """The trend chart as an image with its numbers in words, and a caption."""
    data = trend(rows)
    png = trend_png(data)
    if png is None:
        return ""
    src = "data:image/png;base64," + base64.b64encode(png).decode("ascii")
    return (f'<figure class="eval-trend" style="margin:0"><img src="{src}" '
            f'alt="{esc(alt_text(data))}" style="max-width:100%;height:auto">'
            f"<figcaption>{esc(runs_text('trend-caption', suite=suite))}</figcaption></figure>")


def show_runs(ctx: UIContext, suite_rel: str | None) -> Outputs:
    """(history table, trend chart, run A choices, run B choices) for the suite picked: the
    compare view starts on its latest run and the one before."""
    names = run_names(ctx.settings.home)
    if not suite_rel:
        return (_note(runs_text("no-suite")), "", gr.update(choices=names),
                gr.update(choices=names))
    try:
        suite = suite_name(ctx, suite_rel)
    except CoachError as exc:
        return (_note(runs_text("bad-suite", message=str(exc)), "error"), "",
                gr.update(choices=names), gr.update(choices=names))
    rows = list_runs(ctx.settings.home, suite)
    a, b = default_pair(rows)
    history = history_table(suite, rows) if rows else _note(runs_text("no-runs", suite=suite))
    return (history, trend_figure(suite, rows), gr.update(choices=names, value=a),
            gr.update(choices=names, value=b))


# -- the compare view --------------------------------------------------------------------------
def differences(pair: RunPair) -> str:
    """The warnings, each metric's paired difference with its interval, and the verdict."""
    result = pair.comparison
    parts = [_note(runs_text("compared", a=pair.a, b=pair.b))]
    parts += [_note(runs_text("warning", message=w), "warning") for w in result["warnings"]]
    a, b = result["a"], result["b"]
    if a["suite_sha256"] != b["suite_sha256"] or a["knowledge_sha256"] != b["knowledge_sha256"]:
        parts.append(_note(runs_text("different-files")))
    rows = [[m["metric"].replace("_", " "), m["n"], f"{m['a']:.3f}", f"{m['b']:.3f}",
             f"{m['delta']:+.3f}", f"[{m['low']:+.3f}, {m['high']:+.3f}]",
             runs_text("regression") if m["regression"] else runs_text("improved")
             if m["improvement"] else runs_text("no-change")] for m in result["metrics"]]
    paired = max((m["n"] for m in result["metrics"]), default=0)
    parts.append(table(runs_text("metrics-caption", cases=paired),
                       ["Metric", "Cases", "A", "B", "B − A", "95% interval", "Reading"], rows))
    if result["only_in_a"] or result["only_in_b"]:
        parts.append(_note(runs_text("unpaired", a=len(result["only_in_a"]),
                                 b=len(result["only_in_b"]))))
    parts.append(_note(runs_text("verdict-regression") if result["regression"]
                       else runs_text("verdict-fine"), "warning" if result["regression"]
                       else "notice"))
    return "".join(parts)


def _change(case: ChangedCase) -> str:
    return {PASS_TO_FAIL: runs_text("pass_to_fail"),
            FAIL_TO_PASS: runs_text("fail_to_pass")}.get(case.change) or runs_text("scores")


def _side(heading: str, text: str, failures: tuple[str, ...]) -> str:
    reasons = "".join(f"<li>{esc(f)}</li>" for f in failures)
    return (f'<div class="eval-side" style="min-width:0"><h5>{esc(heading)}</h5>'
            f'<div style="white-space:pre-wrap;overflow-wrap:anywhere">{esc(text)}</div>'
            f"{f'<ul>{reasons}</ul>' if reasons else ''}</div>")


def case_html(pair: RunPair, case: ChangedCase, chosen: dict[str, str]) -> str:
    """One changed case: its question, answer A beside answer B, the score changes, and the
    better answer as each reviewer recorded it."""
    verdict = {True: runs_text("passed"), False: runs_text("failed")}
    sides = (_side(runs_text("answer-a", run=pair.a, verdict=verdict[case.a.passed]), case.a.text,
                   case.a.failures)
             + _side(runs_text("answer-b", run=pair.b, verdict=verdict[case.b.passed]),
                     case.b.text, case.b.failures))
    deltas = "; ".join(f"{k.replace('_', ' ')} {_number(a)} → {_number(b)}"
                       for k, (a, b) in case.deltas.items())
    extra = [runs_text("score-changes", changes=deltas)] if deltas else []
    if chosen:
        extra.append(runs_text("preferred", choices=", ".join(f"{u}: {c}"
                                                          for u, c in chosen.items())))
    return ('<section class="eval-case" style="overflow-wrap:anywhere">'
            f"<h4>{esc(case.id)}: {esc(_change(case))}</h4>"
            f"<p><strong>{esc(runs_text('question'))}:</strong> {esc(case.question)}</p>"
            '<div style="display:grid;gap:1rem;'
            f'grid-template-columns:repeat(auto-fit,minmax(min(16rem,100%),1fr))">{sides}</div>'
            + "".join(f"<p>{esc(line)}</p>" for line in extra) + "</section>")


def changed_html(pair: RunPair) -> str:
    """Every changed case of the pair, side by side, with the preferences recorded."""
    if not pair.changed:
        return _note(runs_text("no-changes"))
    chosen = preferences(pair.folder_b, pair.a)
    return (f"<p><strong>{esc(runs_text('changes-heading', count=len(pair.changed)))}"
            "</strong></p>"
            + "".join(case_html(pair, c, chosen.get(c.id, {})) for c in pair.changed))


def compare(ctx: UIContext, a: str | None, b: str | None) -> Outputs:
    """(differences, changed cases, case choices) for runs A and B."""
    if not a or not b:
        return _note(runs_text("pick-two")), "", gr.update(choices=[], value=None)
    try:
        pair = compare_pair(ctx.settings.home, a, b)
    except CoachError as exc:
        return _note(str(exc), "error"), "", gr.update(choices=[], value=None)
    ids = [c.id for c in pair.changed]
    return (differences(pair), changed_html(pair),
            gr.update(choices=ids, value=ids[0] if ids else None))


def prefer(ctx: UIContext, a: str | None, b: str | None, case: str | None,
           choice: str | None, user: str) -> Outputs:
    """Record ``user``'s choice of the better answer to ``case``; (notice, changed cases)."""
    try:
        record_preference(ctx.settings.home, a, b, case, choice, user)
        pair = compare_pair(ctx.settings.home, a, b)
    except CoachError as exc:
        return _note(str(exc), "error"), gr.skip()
    said = (runs_text("saved-same", case=case, user=user) if choice == "same"
            else runs_text("saved", case=case, user=user, choice=choice))
    return _note(said), changed_html(pair)


# -- the components and their events ---------------------------------------------------------
def build(ctx: UIContext) -> SimpleNamespace:
    """The history, trend and compare view's components (inside the Evaluate tab)."""
    ui = SimpleNamespace()
    gr.Markdown("### Runs of this suite")
    gr.Markdown(runs_text("runs-intro"))
    ui.history = gr.HTML(elem_id="eval-history", label="Runs of this suite",
                         css_template=TABLE_CSS)
    ui.trend = gr.HTML(elem_id="eval-trend", label="Trend of the headline metrics")
    gr.Markdown("### Compare two runs")
    gr.Markdown(runs_text("compare-intro"))
    names = run_names(ctx.settings.home)
    with gr.Row():
        # any run name is taken (and checked by the handler): runs made since the page
        # loaded, and clients of the API, name runs that are not among the first choices
        ui.run_a = gr.Dropdown(names, value=None, label="Run A (the baseline)",
                               elem_id="eval-run-a", scale=2, allow_custom_value=True)
        ui.run_b = gr.Dropdown(names, value=None, label="Run B (judged against A)",
                               elem_id="eval-run-b", scale=2, allow_custom_value=True)
        ui.compare = gr.Button("Compare", scale=1)
    ui.diffs = gr.HTML(elem_id="eval-diffs", label="Paired differences", css_template=TABLE_CSS)
    ui.changed = gr.HTML(elem_id="eval-changed", label="Cases that changed")
    with gr.Row():
        ui.case = gr.Dropdown([], value=None, label="Changed case", elem_id="eval-pref-case",
                              scale=2, allow_custom_value=True)
        ui.choice = gr.Radio(list(CHOICES), value=None, label="Which answer is better?",
                             elem_id="eval-pref-choice", scale=2)
        ui.prefer = gr.Button("Save my choice", scale=1)
    ui.saved = gr.HTML(elem_id="eval-pref-saved", label="Choice saved")
    return ui


def connect(ctx: UIContext, ui: SimpleNamespace, suite: gr.Dropdown, ran: Any) -> None:
    """Wire the view: the runs redraw when the page loads, when another suite is picked and
    after each run (``ran``, the Run button's event); Compare and Save my choice."""
    def on_runs(picked: str | None) -> Outputs:
        return show_runs(ctx, picked)

    def on_compare(a: str | None, b: str | None) -> Outputs:
        return compare(ctx, a, b)

    def on_prefer(a: str | None, b: str | None, case: str | None, choice: str | None,
                  request: gr.Request) -> Outputs:
        return prefer(ctx, a, b, case, choice, ctx.user_of(request))

    runs_out = [ui.history, ui.trend, ui.run_a, ui.run_b]
    suite.change(on_runs, [suite], runs_out, api_name="eval_runs")
    gr.on(None, on_runs, [suite], runs_out, api_visibility="private")  # at page load
    ran.then(on_runs, [suite], runs_out, api_visibility="private")
    ui.compare.click(on_compare, [ui.run_a, ui.run_b], [ui.diffs, ui.changed, ui.case],
                     api_name="eval_compare")
    ui.prefer.click(on_prefer, [ui.run_a, ui.run_b, ui.case, ui.choice],
                    [ui.saved, ui.changed], api_name="eval_prefer")
