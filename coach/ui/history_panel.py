"""The Ask tab's history panel: the user's own saved conversations listed, reopened in the chat,
deleted (after a confirmation, with their exported files) and exported as Markdown and Word.

Plain functions of (store, inputs..., user), wired to components by ``ask_tab.build``; every
read and change goes through ``ConversationStore``, keyed by the owner.
"""

from __future__ import annotations

import html
from typing import Any

import gradio as gr

from coach.conversations.export import export, remove_exports
from coach.conversations.store import ConversationStore
from coach.errors import CoachError
from coach.ui import downloads, render
from coach.ui.chat_session import ChatSession, Messages, messages, new_session, session_for
from coach.ui.context import UIContext

HistoryOutputs = tuple[Messages, ChatSession, str, str | None, str, str]


def history_list(store: ConversationStore, user: str, selected: str | None = None
                 ) -> dict[str, Any]:
    """The user's conversations for the list, newest first (``selected`` stays chosen)."""
    found = store.list_for(user)
    keep = selected if any(s.id == selected for s in found) else None
    return gr.update(choices=[(s.label(), s.id) for s in found], value=keep)


def _note(message: str) -> str:
    return f'<p class="notice">{html.escape(message)}</p>'


def open_conversation(store: ConversationStore, conversation: str | None,
                      session: ChatSession | None, user: str) -> HistoryOutputs:
    """Restore a saved conversation in the chat, citations and all, to read or continue:
    (chat, session, status, feedback choice, feedback note, history note)."""
    session = session_for(session, user)
    if not conversation:
        return (messages(session), session, "", None, "",
                render.error_html("Choose a conversation from the list first."))
    try:
        found = store.open(conversation, user)
    except CoachError as exc:
        return messages(session), session, "", None, "", render.error_html(str(exc))
    restored: ChatSession = {**new_session(user), "turns": found.turns,
                             "conversation": found.id}
    return (messages(restored), restored, "", None, "",
            _note(f"Opened “{found.title}”: ask a question to continue it."))


def ask_to_delete(store: ConversationStore, conversation: str | None, user: str
                  ) -> tuple[str | None, dict[str, Any], str]:
    """The first step of deleting: (pending id, confirmation row, history note)."""
    hidden = gr.update(visible=False)
    if not conversation:
        return None, hidden, render.error_html("Choose a conversation from the list first.")
    try:
        found = store.open(conversation, user)
    except CoachError as exc:
        return None, hidden, render.error_html(str(exc))
    return (found.id, gr.update(visible=True),
            _note(f"Delete “{found.title}” for good? Press “Yes, delete it” to confirm."))


def confirm_delete(ctx: UIContext, store: ConversationStore, pending: str | None,
                   session: ChatSession | None, user: str
                   ) -> tuple[dict[str, Any], None, dict[str, Any], str, Messages, ChatSession]:
    """Delete the conversation waiting for confirmation (the user's own only), with its
    exported files: (list, pending, confirmation row, history note, chat, session). The
    chat is cleared when it showed the deleted conversation."""
    session = session_for(session, user)
    hidden = gr.update(visible=False)
    if not pending:
        return (history_list(store, user), None, hidden,
                render.error_html("Nothing to delete: choose a conversation and press Delete."),
                messages(session), session)
    try:
        store.delete(pending, user)
    except CoachError as exc:
        return (history_list(store, user), None, hidden, render.error_html(str(exc)),
                messages(session), session)
    remove_exports(pending, user, ctx.settings.home)
    if session.get("conversation") == pending:
        session = new_session(user)
    return (history_list(store, user, session.get("conversation")), None, hidden,
            _note("The conversation was deleted."), messages(session), session)


def export_conversation(ctx: UIContext, store: ConversationStore, conversation: str | None,
                        user: str) -> tuple[dict[str, Any], str]:
    """The conversation as Markdown and Word files listing each answer's sources."""
    hidden = downloads.hidden()  # no links left from an earlier export
    if not conversation:
        return hidden, render.error_html("Choose a conversation from the list first.")
    try:
        paths = export(store.open(conversation, user), ctx.settings.home)
    except CoachError as exc:
        return hidden, render.error_html(str(exc))
    return (downloads.shown(ctx.settings.home, paths),
            _note("Your conversation is ready to download below (Markdown and Word)."))
