"""The web app: ``build_ui(coach, settings) -> gr.Blocks`` and ``launch`` for `coach serve`.

Each tab is a module with ``build(ctx: UIContext) -> None``, listed in ``TABS`` and called
inside ``gr.Tab(label)``. Tabs for other features add one line to ``TABS``.
"""

from __future__ import annotations

import importlib
import logging
import os
from typing import TYPE_CHECKING, Any

from coach.app import Coach
from coach.config import Settings
from coach.errors import ConfigError
from coach.ui.context import UIContext

if TYPE_CHECKING:
    import gradio as gr
    from fastapi import FastAPI

    from coach.ui.roles import Access

log = logging.getLogger(__name__)

TITLE = "Improvement Coach"
TAGLINE = (
    "Answers for NHS staff and QI leads about <em>The improvement journey</em> (Health "
    "Foundation, 2019) and everyday quality-improvement methods — every sentence cited to the "
    "guidance it came from. Not clinical advice."
)

# (tab label, module with build(ctx)). The coaching and evaluation tabs add their own lines
# here (e.g. ("Coach", "coach.ui.coach_tab"), ("Evaluate", "coach.ui.evaluate_tab")).
# (tab label, module with build(ctx), the role every event of the tab needs; see roles.py)
TABS: list[tuple[str, str, str]] = [
    ("Ask", "coach.ui.ask_tab", "staff"),
    ("Coach", "coach.ui.coach_tab", "staff"),
    ("Evaluate", "coach.ui.evaluate_tab", "editor"),
    # -- other feature tabs go here --
    ("Library", "coach.ui.library_tab", "editor"),
    ("Insights", "coach.ui.insights_tab", "admin"),
    ("Admin", "coach.ui.admin_tab", "admin"),
]

CSS = """
.gradio-container { max-width: 1280px !important; margin: 0 auto; }
#app-header h1 { margin: 0 0 .2rem 0; font-size: 1.6rem; }
#app-header p { margin: 0; opacity: .85; }
#app-header .open-access { margin-top: .3rem; opacity: 1; font-weight: 600; color: #8a3b00; }
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


OPEN_ACCESS = ("Sign-in is off (coach serve --no-auth): anyone who can reach this address can "
               "use every tab, including adding documents to the library.")


def is_loopback(host: str) -> bool:
    """Is ``host`` this machine only (127.0.0.0/8, ::1, localhost)?"""
    import ipaddress

    if host.strip().lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip().strip("[]")).is_loopback
    except ValueError:
        return False


def check_exposure(settings: Settings, *, no_auth: bool = False) -> None:
    """Refuse to serve beyond this machine without sign-in, unless --no-auth says the network
    is trusted: anyone who can reach the port could otherwise change the guidance."""
    from coach.ui.proxy import from_settings, sign_in_on

    from_settings(settings)  # a proxy configuration that cannot work fails here
    if is_loopback(settings.host) or sign_in_on(settings) or no_auth:
        return
    raise ConfigError(
        f"coach serve would listen on {settings.host} without sign-in, so anyone who can reach "
        "it could use every tab, uploads included. Set COACH_AUTH_FILE (add accounts with "
        "`coach users add NAME`), listen on 127.0.0.1 (COACH_HOST), or pass --no-auth if "
        "this network is trusted."
    )


def header_html(*, open_access: bool = False) -> str:
    warning = f'<p class="open-access" role="note">{OPEN_ACCESS}</p>' if open_access else ""
    return f'<div id="app-header"><h1>{TITLE}</h1><p>{TAGLINE}</p>{warning}</div>'


def build_ui(coach: Coach, settings: Settings, *, open_access: bool = False,
             access: Access | None = None) -> gr.Blocks:
    """The whole app as a queued ``gr.Blocks`` (not launched). ``open_access``: served beyond
    this machine without sign-in (--no-auth), which the header says."""
    os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
    import gradio as gr

    from coach.ui.roles import ROLES, allows, guard

    ctx = UIContext(coach, settings)
    access = access or default_access(settings)
    demo = gr.Blocks(title=TITLE, analytics_enabled=False)
    declared: dict[int, str] = {}
    owner: dict[int, str] = {}  # component id -> role of the tab it is in
    tabs: list[tuple[gr.Tab, str]] = []
    with demo:
        gr.HTML(header_html(open_access=open_access), elem_id="app-header", label="About")
        with gr.Tabs():
            for label, module, role in TABS:
                before, blocks = set(demo.fns), set(demo.blocks)
                # signed in: only staff tabs at first; the page load shows the rest by role
                with gr.Tab(label, id=label.lower(),
                            visible=role == "staff" or not access.sign_in) as tab:
                    importlib.import_module(module).build(ctx)
                tabs.append((tab, role))
                declared.update(dict.fromkeys(set(demo.fns) - before, role))
                owner.update(dict.fromkeys(set(demo.blocks) - blocks, role))

        def show_tabs(request: gr.Request) -> list[Any]:
            mine = access.role_for(request)
            return [gr.Tab(visible=allows(mine, role)) for _, role in tabs]

        show_tabs.__annotations__["request"] = gr.Request  # resolvable for Gradio
        before = set(demo.fns)
        demo.load(show_tabs, None, [tab for tab, _ in tabs], api_visibility="private")
        declared.update(dict.fromkeys(set(demo.fns) - before, "staff"))
    # components' callable values get load events as the Blocks closes: their tab's role,
    # and no public API name (the page's own refresh, not an endpoint for clients)
    for key, fn in demo.fns.items():
        found = {owner[b._id] for b in fn.outputs if b._id in owner}
        if key not in declared and found:
            declared[key] = max(found, key=ROLES.index)
            fn.api_visibility = "private"
    guard(demo, declared, access)
    demo.queue(default_concurrency_limit=settings.concurrency_limit)
    return demo


def default_access(settings: Settings) -> Access:
    """Roles from the app's database when sign-in is on; one admin when it is off."""
    from coach.db import open_database
    from coach.ui.proxy import from_settings, sign_in_on
    from coach.ui.roles import Access, RoleStore

    sign_in = sign_in_on(settings)
    proxy = from_settings(settings)
    return Access(RoleStore(open_database(settings)) if sign_in else None, sign_in=sign_in,
                  identify=proxy.identify if proxy is not None else None)


def launch(demo: gr.Blocks, settings: Settings, *, prevent_thread_lock: bool = False,
           quiet: bool = False, no_auth: bool = False) -> tuple[FastAPI, str, str]:
    """Start the server on settings.host:settings.port (sign-in when COACH_AUTH_FILE is set;
    beyond this machine only with sign-in or ``no_auth``)."""
    import gradio as gr

    from coach.ui.auth import authenticator
    from coach.ui.proxy import from_settings

    check_exposure(settings, no_auth=no_auth)
    auth = authenticator(settings.auth_file) if settings.auth_file else None
    proxy = from_settings(settings)
    if not is_loopback(settings.host) and auth is None and proxy is None:
        log.warning("listening on %s without sign-in (--no-auth)", settings.host)
    return demo.launch(
        server_name=settings.host, server_port=settings.port, auth=auth,
        auth_dependency=proxy.user if proxy is not None else None,
        auth_message="Sign in with the user name and password you were given.",
        max_file_size=f"{settings.max_upload_mb}mb", prevent_thread_lock=prevent_thread_lock,
        quiet=quiet, ssr_mode=False, show_error=False, css=CSS,
        theme=gr.themes.Soft(primary_hue="blue"), footer_links=["api"],
    )
