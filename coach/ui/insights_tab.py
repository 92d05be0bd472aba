"""The Insights tab (admin role only): what people ask and how often it is refused, content
gaps grouped by topic, feedback, the documents answers cite, where people are on the
journey, and the share of reviewed answers judged good per month. The same report as `coach
insights`; the download holds the question log, the feedback and every chart's data as CSV,
with the report as JSON."""

from __future__ import annotations

import secrets
import shutil
from pathlib import Path
from typing import Any

import gradio as gr

from coach.access.audit import EXPORT
from coach.insights import export, views
from coach.insights.report import Report, gather, indexed_documents
from coach.ui import downloads
from coach.ui.context import UIContext

PERIODS = [("Last 7 days", 7), ("Last 30 days", 30), ("Last 90 days", 90),
           ("Last year", 365), ("Everything logged", 0)]
DEFAULT_PERIOD = 30


def report_for(ctx: UIContext, days: int | float | None) -> Report:
    period = int(days or 0)
    return gather(ctx.settings, ctx.coach,
                  indexed_documents(ctx.coach.sources()), days=period or None)


def _plot(fig: Any) -> Any:
    return gr.Plot(value=fig, visible=fig is not None)


def show(ctx: UIContext, days: int | float | None) -> tuple[Any, ...]:
    """(summary, questions chart, gaps chart, gaps, feedback chart, feedback, documents
    chart, documents, steps chart, readiness chart, journeys, review chart, reviewed, answers
    scored) for the period."""
    report = report_for(ctx, days)
    figs = export.figures(report)
    return (views.summary(report), _plot(figs["questions_per_day"]),
            _plot(figs["content_gaps"]), views.gaps(report),
            _plot(figs["feedback_helpful_rate"]), views.feedback(report),
            _plot(figs["documents_cited"]), views.documents(report),
            _plot(figs["journey_steps"]), _plot(figs["readiness_by_enabler"]),
            views.journeys(report), _plot(figs["review_good_share"]),
            views.reviewed(report), views.monitored(report))


def download(ctx: UIContext, days: int | float | None, root: Path) -> Any:
    """Write the report's files into a new folder under ``root`` with an unguessable name
    (the previous download's folder is removed first); links to them, for admins only."""
    for old in root.glob("*"):
        shutil.rmtree(old, ignore_errors=True)
    folder = root / secrets.token_hex(16)
    files = export.write(report_for(ctx, days), folder, pictures=False)
    return downloads.shown(ctx.settings.home, files)


def build(ctx: UIContext) -> None:
    root = Path(ctx.settings.home) / downloads.INSIGHTS_DIR  # served by /files, to admins
    root.mkdir(parents=True, exist_ok=True)
    gr.Markdown("What people ask the coach and how well it answers: questions and refusals "
                "per day, content gaps (questions the guidance could not answer, grouped by "
                "topic, so you know what guidance to add), feedback, the documents answers "
                "cite, and where people are on the journey. Questions are stored after "
                "personal data is removed.")
    with gr.Row():
        period = gr.Dropdown(PERIODS, value=DEFAULT_PERIOD, label="Period", scale=2,
                             elem_id="insights-period")
        refresh = gr.Button("Refresh", variant="primary", scale=1)
        get_csv = gr.Button("Download CSV and JSON", scale=1)
    files = downloads.component("Question log, feedback and chart data", "insights-files")
    summary = gr.Markdown(elem_id="insights-summary", label="Summary")
    per_day = gr.Plot(label="Questions per day and refusal rate", format="png", show_label=False)
    gr.Markdown("### Content gaps")
    gaps_plot = gr.Plot(label="Content gaps", format="png", show_label=False)
    gaps = gr.Markdown(elem_id="insights-gaps", label="Content gaps")
    gr.Markdown("### Feedback")
    helpful = gr.Plot(label="Helpful rate", format="png", show_label=False)
    feedback = gr.Markdown(elem_id="insights-feedback", label="Feedback")
    gr.Markdown("### Documents")
    docs_plot = gr.Plot(label="Documents most cited", format="png", show_label=False)
    docs = gr.Markdown(elem_id="insights-documents", label="Documents")
    gr.Markdown("### Journeys")
    with gr.Row():
        steps = gr.Plot(label="Where people are", format="png", show_label=False)
        readiness = gr.Plot(label="Median readiness by enabler", format="png", show_label=False)
    journeys = gr.Markdown(elem_id="insights-journeys", label="Journeys")
    gr.Markdown("### Reviewed answers")
    good_plot = gr.Plot(label="Share of reviewed answers judged good", format="png",
                        show_label=False)
    reviewed = gr.Markdown(elem_id="insights-reviewed", label="Reviewed answers")
    gr.Markdown("### Answers in use, scored")
    scored = gr.Markdown(elem_id="insights-monitored", label="Answers in use, scored")
    outputs = [summary, per_day, gaps_plot, gaps, helpful, feedback, docs_plot, docs, steps,
               readiness, journeys, good_plot, reviewed, scored]

    def on_show(days: int | None) -> tuple[Any, ...]:
        return show(ctx, days)

    def on_download(days: int | None, request: gr.Request) -> Any:
        files = download(ctx, days, root)
        ctx.audit(request, EXPORT, f"insights CSV ({days or 'all'} days)")
        return files

    refresh.click(on_show, [period], outputs, api_name="insights")
    period.input(on_show, [period], outputs, api_visibility="private")
    get_csv.click(on_download, [period], [files], api_name="insights_export")
    # when the page loads (no inputs, so on load only; skipped quietly for anyone not an
    # admin): the default period, which the dropdown shows then
    gr.on(None, lambda: show(ctx, DEFAULT_PERIOD), None, outputs, api_visibility="private",
          show_progress="minimal")
