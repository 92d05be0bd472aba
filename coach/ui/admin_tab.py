"""The Admin tab (admin role only): who may do what, and what was done. Lists every known user
with their role and sets a role (the same as `coach users set-role NAME ROLE` on the command
line), and shows the security audit log (coach/access/audit.py) with filters and a CSV
download."""

from __future__ import annotations

import html
import secrets
import shutil
from pathlib import Path

import gradio as gr

from coach.access.audit import EVENTS_KNOWN, EXPORT, HEADERS, AuditLog, Event, as_csv, rows
from coach.access.auth import check_name
from coach.access.roles import ROLES, RoleStore, known_users
from coach.db import open_database
from coach.errors import CoachError
from coach.ui import downloads, render
from coach.ui.context import UIContext


def build(ctx: UIContext) -> None:
    roles = RoleStore(open_database(ctx.settings))
    gr.Markdown("### Users and roles\n**staff** ask and use the Coach tab; **editor** also "
                "changes the library and runs evaluations; **admin** also manages roles. "
                "A signed-in user with no role set is staff.")
    # a callable value is read at every page load: users and roles added elsewhere (the
    # command line, another replica sharing the database) show without pressing Refresh
    table = gr.Dataframe(lambda: known_users(ctx.settings.auth_file, roles),
                         headers=["User", "Role"],
                         interactive=False, elem_id="users-table", label="Users")
    with gr.Row():
        name = gr.Textbox(label="User name", elem_id="role-user", scale=2)
        role = gr.Radio(list(ROLES), value="staff", label="Role", elem_id="role-choice",
                        scale=2)
        apply = gr.Button("Set role", variant="primary", scale=1)
        refresh = gr.Button("Refresh", scale=1)
    note = gr.HTML("", elem_id="role-note", label="Role status")

    def on_set(user: str, picked: str, request: gr.Request) -> tuple[list[list[str]], str]:
        user = (user or "").strip()
        try:
            roles.set(check_name(user), picked, by=ctx.user_of(request))
        except CoachError as exc:
            return known_users(ctx.settings.auth_file, roles), render.error_html(str(exc))
        return (known_users(ctx.settings.auth_file, roles),
                f'<p class="notice">{html.escape(user)} is now {picked}.</p>')

    def on_show() -> list[list[str]]:
        return known_users(ctx.settings.auth_file, roles)

    apply.click(on_set, [name, role], [table, note], api_name="set_role")
    refresh.click(on_show, None, [table], api_name="list_users")

    _audit_section(ctx)


def _audit_section(ctx: UIContext) -> None:
    audit = AuditLog(open_database(ctx.settings), ctx.settings.audit_retention_days)
    gr.Markdown("### Security audit log\nSign-ins (and failed ones), role changes, accounts "
                "added or removed, people forgotten, exports and MCP tokens: who, when, from "
                f"where. Kept {ctx.settings.audit_retention_days or 'for ever'} days "
                "(COACH_AUDIT_RETENTION_DAYS).")
    with gr.Row():
        kind = gr.Dropdown(["", *EVENTS_KNOWN], value="", label="Event (blank: all)",
                           elem_id="audit-event", scale=2)
        who = gr.Textbox(label="User (who did it or whom it concerns)", elem_id="audit-user",
                         scale=2)
        days = gr.Number(value=30, precision=0, minimum=0, label="Last N days (0: all)",
                         elem_id="audit-days", scale=1)
        show = gr.Button("Show", scale=1)
        get_csv = gr.Button("Download CSV", scale=1)
    table = gr.Dataframe(headers=HEADERS, interactive=False, elem_id="audit-table",
                         label="Audit events")
    files = downloads.component("Audit log (CSV)", "audit-files")
    root = Path(ctx.settings.home) / downloads.AUDIT_DIR  # served by /files, to admins
    root.mkdir(parents=True, exist_ok=True)

    def chosen(event: str | None, user: str | None, last: float | None) -> list[Event]:
        return audit.events(event=event or "", user=(user or "").strip(),
                            days=max(0, int(last or 0)))

    def on_show(event: str | None, user: str | None, last: float | None) -> list[list[str]]:
        return rows(chosen(event, user, last))

    def on_csv(event: str | None, user: str | None, last: float | None,
               request: gr.Request) -> object:
        for old in root.glob("*"):
            shutil.rmtree(old, ignore_errors=True)
        folder = root / secrets.token_hex(16)
        folder.mkdir(parents=True)
        path = folder / "audit-log.csv"
        path.write_text(as_csv(chosen(event, user, last)), encoding="utf-8")
        ctx.audit(request, EXPORT, "security audit log (CSV)")
        return downloads.shown(ctx.settings.home, [path])

    inputs = [kind, who, days]
    show.click(on_show, inputs, [table], api_name="audit_events")
    get_csv.click(on_csv, inputs, [files], api_name="audit_export")
