"""The web app: ``build_ui(coach, settings) -> gr.Blocks`` and ``launch`` for `coach serve`.

Each tab is a module with ``build(ctx: UIContext) -> None``, listed in ``TABS`` and called
inside ``gr.Tab(label)``. Tabs for other features add one line to ``TABS``.
"""

from __future__ import annotations

import importlib
import logging
import os
from typing import TYPE_CHECKING

from coach.app import Coach
from coach.config import Settings
from coach.ui.context import UIContext

if TYPE_CHECKING:
    import gradio as gr
    from fastapi import FastAPI

log = logging.getLogger(__name__)

TITLE = "Improvement Coach"
TAGLINE = (
    "Answers for NHS staff and QI leads about <em>The improvement journey</em> (Health "
    "Foundation, 2019) and everyday quality-improvement methods — every sentence cited to the "
    "guidance it came from. Not clinical advice."
)

# (tab label, module with build(ctx)). The coaching and evaluation tabs add their own lines
# here (e.g. ("Coach", "coach.ui.coach_tab"), ("Evaluate", "coach.ui.evaluate_tab")).
TABS: list[tuple[str, str]] = [
    ("Ask", "coach.ui.ask_tab"),
    ("Coach", "coach.ui.coach_tab"),
    ("Evaluate", "coach.ui.evaluate_tab"),
    # -- other feature tabs go here --
    ("Library", "coach.ui.library_tab"),
]

CSS = """
.gradio-container { max-width: 1280px !important; margin: 0 auto; }
#app-header h1 { margin: 0 0 .2rem 0; font-size: 1.6rem; }
#app-header p { margin: 0; opacity: .85; }
.cite { font-size: .8em; font-weight: 600; color: var(--color-accent); white-space: nowrap; }
.unsupported { background: #fff4d6; border-bottom: 2px dotted #b7791f; color: #5c3d00; }
.warning, .refused, .notice, .error { border-radius: 6px; padding: .45rem .7rem; margin: .3rem 0; }
.warning { background: #fff4d6; color: #5c3d00; border-left: 4px solid #b7791f; }
.refused { background: #e8f0fe; color: #1a3d7c; border-left: 4px solid #3b6fd8; }
.notice { background: #eef6ee; color: #1e4620; border-left: 4px solid #3c8d40; }
.error { background: #fdecea; color: #7a1c12; border-left: 4px solid #c0392b; }
.sources { margin-top: .6rem; border-top: 1px solid var(--border-color-primary); }
.sources-head { font-size: .8em; opacity: .75; margin: .4rem 0; }
details.source-card { border: 1px solid var(--border-color-primary); border-radius: 6px;
  margin: .3rem 0; padding: .3rem .6rem; background: var(--background-fill-secondary); }
details.source-card summary { cursor: pointer; }
.source-card .where, .source-card .origin { opacity: .8; font-size: .9em; }
.source-card .relevance, .source-card .kind { font-size: .75em; border-radius: 9px;
  padding: 0 .45rem; margin-left: .3rem; border: 1px solid var(--border-color-primary); }
.source-card .passage { margin: .5rem 0; line-height: 1.5; font-size: .92em; }
.source-card mark { background: #fde68a; color: inherit; padding: 0 1px; }
#library-table table { font-family: var(--font); }
"""


def header_html() -> str:
    return (f'<div id="app-header"><h1>{TITLE}</h1><p>{TAGLINE}</p></div>')


def build_ui(coach: Coach, settings: Settings) -> gr.Blocks:
    """The whole app as a queued ``gr.Blocks`` (not launched)."""
    os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
    import gradio as gr

    ctx = UIContext(coach, settings)
    demo = gr.Blocks(title=TITLE, analytics_enabled=False)
    with demo:
        gr.HTML(header_html(), elem_id="app-header", label="About")
        with gr.Tabs():
            for label, module in TABS:
                with gr.Tab(label, id=label.lower()):
                    importlib.import_module(module).build(ctx)
    demo.queue(default_concurrency_limit=settings.concurrency_limit)
    return demo


def launch(demo: gr.Blocks, settings: Settings, *, prevent_thread_lock: bool = False,
           quiet: bool = False) -> tuple[FastAPI, str, str]:
    """Start the server on settings.host:settings.port (sign-in when COACH_AUTH_FILE is set)."""
    import gradio as gr

    from coach.ui.auth import authenticator

    auth = authenticator(settings.auth_file) if settings.auth_file else None
    if settings.host not in ("127.0.0.1", "localhost", "::1") and auth is None:
        log.warning("listening on %s without sign-in: set COACH_AUTH_FILE", settings.host)
    return demo.launch(
        server_name=settings.host, server_port=settings.port, auth=auth,
        auth_message="Sign in with the user name and password you were given.",
        max_file_size=f"{settings.max_upload_mb}mb", prevent_thread_lock=prevent_thread_lock,
        quiet=quiet, ssr_mode=False, show_error=False, css=CSS,
        theme=gr.themes.Soft(primary_hue="blue"), footer_links=["api"],
    )
