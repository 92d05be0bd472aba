"""The web app: ``build_ui(coach, settings) -> gr.Blocks`` and ``launch`` for `coach serve`.

Each tab is a module with ``build(ctx: UIContext) -> None``, listed in ``TABS`` and called
inside ``gr.Tab(label)``. Tabs for other features add one line to ``TABS``. Beside Gradio's
own routes the server has ``/source/<source id>``, which opens a cited document
(coach/ui/sources_route.py).
"""

from __future__ import annotations

import importlib
import logging
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

from coach.config import Settings
from coach.errors import ConfigError
from coach.pipeline import Coach
from coach.ui.context import UIContext
from coach.ui.theme import CSS, HEAD, accessible_theme

if TYPE_CHECKING:
    import gradio as gr
    from fastapi import FastAPI

    from coach.access.audit import AuditLog
    from coach.access.roles import Access

log = logging.getLogger(__name__)

TITLE = "Improvement Coach"
TAGLINE = (
    "Answers for NHS staff and QI leads about <em>The improvement journey</em> (Health "
    "Foundation, 2019) and everyday quality-improvement methods — every sentence cited to the "
    "guidance it came from. Not clinical advice."
)

# (tab label, module with build(ctx)). The coaching and evaluation tabs add their own lines
# here (e.g. ("Coach", "coach.ui.coach_tab"), ("Evaluate", "coach.ui.evaluate_tab")).
# (tab label, module with build(ctx), the role every event of the tab needs; see
# coach/access/roles.py)
TABS: list[tuple[str, str, str]] = [
    ("Ask", "coach.ui.ask_tab", "staff"),
    ("Coach", "coach.ui.coach_tab", "staff"),
    ("Projects", "coach.ui.projects_tab", "staff"),
    ("Evaluate", "coach.ui.evaluate_tab", "editor"),
    # -- other feature tabs go here --
    ("Library", "coach.ui.library_tab", "editor"),
    ("Insights", "coach.ui.insights_tab", "admin"),
    ("Admin", "coach.ui.admin_tab", "admin"),
]


# the attribute of a built app holding its server routes beside Gradio's (``build_ui`` sets
# it, ``launch`` serves them): /source/<source id>, coach/ui/sources_route.py
ROUTES = "coach_routes"

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
    from coach.access.proxy import from_settings, sign_in_on

    from_settings(settings)  # a proxy configuration that cannot work fails here
    if is_loopback(settings.host) or sign_in_on(settings) or no_auth:
        return
    raise ConfigError(
        f"coach serve would listen on {settings.host} without sign-in, so anyone who can reach "
        "it could use every tab, uploads included. Set COACH_AUTH_FILE (add accounts with "
        "`coach users add NAME`), listen on 127.0.0.1 (COACH_HOST), or pass --no-auth if "
        "this network is trusted."
    )


# Gradio's queue keeps a summary of its last events for its monitoring page (which the app
# does not enable) and, by default, rebuilds it with pandas after every event, over up to
# 10,000 events: 1 ms an event after 400 events, 6 ms once it holds 10,000 (1% of a busy
# server's CPU after 400 answers, growing with its uptime).
# Read by ``demo.queue()``; an operator's own values win.
GRADIO_QUEUE_ENV = {"GRADIO_ANALYTICS_CACHE_FREQUENCY": "1000000",
                    "GRADIO_ANALYTICS_MAX_EVENTS": "1000"}


def header_html(*, open_access: bool = False) -> str:
    warning = f'<p class="open-access" role="note">{OPEN_ACCESS}</p>' if open_access else ""
    return f'<div id="app-header"><h1>{TITLE}</h1><p>{TAGLINE}</p>{warning}</div>'


def build_ui(coach: Coach, settings: Settings, *, open_access: bool = False,
             access: Access | None = None) -> gr.Blocks:
    """The whole app as a queued ``gr.Blocks`` (not launched). ``open_access``: served beyond
    this machine without sign-in (--no-auth), which the header says."""
    os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
    for name, value in GRADIO_QUEUE_ENV.items():
        os.environ.setdefault(name, value)
    import gradio as gr

    from coach.ui import session_state

    session_state.install()  # a new session's state costs no configuration up front

    from coach.access.roles import ROLES, allows
    from coach.ui.guard import guard

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
                    # each tab opens with its name as a heading (visually hidden: the tab
                    # shows it), so the page's headings go h1 > h2 tab > h3 sections
                    gr.HTML(f'<h2 class="sr-only">{label}</h2>', padding=False,
                            container=False, elem_classes=["sr-only"])
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
    demo.queue(default_concurrency_limit=settings.answer_concurrency)
    # the server routes beside Gradio's (``launch`` adds them): opening a cited source, and
    # downloading a file the app made, each behind a role
    from coach.ui.downloads import file_routes
    from coach.ui.sources_route import source_routes

    setattr(demo, ROUTES, source_routes(coach, access, knowledge_dir=settings.knowledge_dir)
            + file_routes(Path(settings.home), access))
    return demo


def security_log(settings: Settings) -> AuditLog:
    """The app's audit log of security events (sign-ins, exports…), with its retention."""
    from coach.access.audit import AuditLog
    from coach.db import open_database

    return AuditLog(open_database(settings), settings.audit_retention_days)


def default_access(settings: Settings) -> Access:
    """Roles from the app's database when sign-in is on; one admin when it is off."""
    from coach.access.proxy import from_settings, sign_in_on
    from coach.access.roles import Access, RoleStore
    from coach.db import open_database

    sign_in = sign_in_on(settings)
    proxy = from_settings(settings)
    return Access(RoleStore(open_database(settings)) if sign_in else None, sign_in=sign_in,
                  identify=proxy.identify if proxy is not None else None)


def launch(demo: gr.Blocks, settings: Settings, *, prevent_thread_lock: bool = False,
           quiet: bool = False, no_auth: bool = False) -> tuple[FastAPI, str, str]:
    """Start the server on settings.host:settings.port (sign-in when COACH_AUTH_FILE is set;
    beyond this machine only with sign-in or ``no_auth``)."""
    from coach.access.auth import authenticator
    from coach.access.proxy import from_settings

    check_exposure(settings, no_auth=no_auth)
    audit = security_log(settings)
    auth = authenticator(settings.auth_file, audit) if settings.auth_file else None
    proxy = from_settings(settings, audit)
    if not is_loopback(settings.host) and auth is None and proxy is None:
        log.warning("listening on %s without sign-in (--no-auth)", settings.host)
    return demo.launch(
        app_kwargs={"routes": list(getattr(demo, ROUTES, []))},
        server_name=settings.host, server_port=settings.port, auth=auth,
        auth_dependency=proxy.user if proxy is not None else None,
        auth_message="Sign in with the user name and password you were given.",
        max_file_size=f"{settings.max_upload_mb}mb", prevent_thread_lock=prevent_thread_lock,
        quiet=quiet, ssr_mode=False, show_error=False, css=CSS, head=HEAD,
        theme=accessible_theme(), footer_links=["api"],
    )
