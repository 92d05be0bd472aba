"""The Admin tab (admin role only): who may do what. Lists every known user with their role
and sets a role; the same as `coach users set-role NAME ROLE` on the command line."""

from __future__ import annotations

import html

import gradio as gr

from coach.access.auth import check_name
from coach.access.roles import ROLES, RoleStore, known_users
from coach.db import open_database
from coach.errors import CoachError
from coach.ui import render
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
