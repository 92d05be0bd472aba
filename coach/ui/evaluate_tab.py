"""The Evaluate tab: pick a suite from the evals folder, run it through this app's Coach with a
progress bar, read the HTML report, and see what changed since the previous run of that suite;
below, the suite's runs, their trend and the compare view of any two (coach/ui/eval_runs_view.py).

The run itself (run, write, compare with the previous run) is ``coach.evals.runs.run_and_save``;
runs are written where `coach eval run` writes them (COACH_HOME/evals/<suite>-<time>/), so the
command line and the web app share one history. The report is offered as a link that
coach/ui/downloads.py serves in place, to editors only. Below the runs, the review queue
(coach/ui/review_section.py).
"""

from __future__ import annotations

import html
import logging
from pathlib import Path
from typing import Any

import gradio as gr

from coach.db import LOCAL_USER
from coach.errors import CoachError
from coach.evals.cli import summary_text
from coach.evals.compare import render_text
from coach.evals.runs import list_suites, run_and_save
from coach.types import ProgressCallback
from coach.ui import downloads, eval_runs_view, review_section
from coach.ui.context import UIContext

log = logging.getLogger(__name__)


def report_frame(report_html: str) -> str:
    """The self-contained report shown in an iframe, so its styles stay its own."""
    return (f'<iframe title="Eval report" srcdoc="{html.escape(report_html, quote=True)}" '
            'style="width:100%;height:820px;border:1px solid #ccd;border-radius:6px"></iframe>')


def run_and_report(ctx: UIContext, suite_rel: str | None,
                   progress: ProgressCallback | None = None, user: str = LOCAL_USER
                   ) -> tuple[str, str, str | None, str]:
    """Run one suite through ``run_and_save`` (recording ``user`` as who ran it); return
    (summary Markdown, report iframe, report path, comparison with the previous run)."""
    if not suite_rel:
        return "Pick a suite first.", "", None, ""
    evals_dir = Path(ctx.settings.evals_dir)
    path = (evals_dir / suite_rel).resolve()
    if not path.is_relative_to(evals_dir.resolve()) or not path.is_file():
        return f"No suite called {suite_rel!r} in {evals_dir}.", "", None, ""
    step = (lambda d, t, i: progress(d / t, f"case {d} of {t}: {i}")) if progress else None
    try:
        saved = run_and_save(ctx.coach, path, progress=step, label="web", user=user)
    except CoachError as exc:
        return f"**The suite could not run:** {html.escape(str(exc))}", "", None, ""
    report = saved.report_path
    comparison = ("No earlier run of this suite to compare with." if saved.previous is None
                  or saved.comparison is None else f"Compared with {saved.previous.name}:\n\n"
                  + render_text(saved.comparison))
    summary = f"```\n{summary_text(saved.run)}\n```\nReport: `{report}`"
    return summary, report_frame(report.read_text(encoding="utf-8")), str(report), comparison


def build(ctx: UIContext) -> None:
    """The Evaluate tab's components and events (called inside ``gr.Tab``)."""
    evals_dir = Path(ctx.settings.evals_dir)
    gr.Markdown("Run an answer-quality suite against the guidance this app serves. Scores, "
                "evidence and failures appear in the report; each run is compared with the "
                "previous run of the same suite.")
    with gr.Row():
        choices = list_suites(evals_dir) if evals_dir.is_dir() else []
        suite = gr.Dropdown(choices, value=choices[0] if choices else None,
                            label=f"Suite (from {evals_dir})", elem_id="eval-suite", scale=3)
        run = gr.Button("Run suite", variant="primary", scale=1)
    summary = gr.Markdown(elem_id="eval-summary", label="Summary")
    compare = gr.Markdown(elem_id="eval-compare", label="Compared with the previous run")
    runs_view = eval_runs_view.build(ctx)  # the suite's runs, their trend, any two compared
    download = downloads.component("Report (HTML)", "eval-download")
    report = gr.HTML(elem_id="eval-report", label="Report")

    def on_run(picked: str | None, request: gr.Request,
               progress: gr.Progress = gr.Progress()  # noqa: B008
               ) -> tuple[str, str, Any, str]:
        text, frame, path, diff = run_and_report(ctx, picked, lambda f, d: progress(f, desc=d),
                                                 ctx.user_of(request))
        return text, diff, downloads.shown(ctx.settings.home, [path] if path else []), frame

    ran = run.click(on_run, [suite], [summary, compare, download, report], api_name="evaluate",
                    concurrency_limit=1, concurrency_id="evaluate")
    eval_runs_view.connect(ctx, runs_view, suite, ran)
    review_section.build(ctx)  # the review queue: real answers to judge and save as cases
