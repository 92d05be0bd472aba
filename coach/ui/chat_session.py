"""One browser session's conversation in the Ask tab (a ``gr.State`` dict): its turns, the user
it is stamped with, the id its turns are saved under, and the chat messages it shows. Shared
by the Ask tab's handlers (ask_tab.py) and its history panel (history_panel.py).
"""

from __future__ import annotations

from typing import NotRequired, TypedDict

from coach.types import ChatTurn
from coach.ui import render


class ChatSession(TypedDict):
    """One browser session's conversation (a ``gr.State``), stamped with its user."""

    user: str | None
    turns: list[ChatTurn]
    rated: dict[str, int]  # turn index (as text) -> feedback row id
    target: int | None  # the turn the feedback panel is about
    conversation: str | None  # the id its turns are saved under (given at the first question)
    logged: NotRequired[dict[str, int]]  # turn index (as text) -> question log row id


Messages = list[dict[str, str]]
Outputs = tuple[Messages, ChatSession, str, str]


def new_session(user: str | None = None) -> ChatSession:
    return {"user": user, "turns": [], "rated": {}, "target": None, "conversation": None,
            "logged": {}}


def session_for(session: ChatSession | None, user: str) -> ChatSession:
    """The caller's session; a missing one, or one stamped with another user, starts fresh."""
    if not session or session.get("user") != user:
        return new_session(user)
    return session


def messages(session: ChatSession, pending: tuple[str, str] | None = None) -> Messages:
    """Chat messages for the Chatbot: always user, assistant, user, assistant..."""
    out: list[dict[str, str]] = []
    for turn in session["turns"]:
        out.append({"role": "user", "content": render.escape_question(turn["question"])})
        out.append({"role": "assistant", "content": render.answer_html(turn)})
    if pending is not None:
        question, draft = pending
        out.append({"role": "user", "content": render.escape_question(question)})
        out.append({"role": "assistant",
                    "content": render.answer_body(draft) if draft else "*Searching the guidance…*"})
    return out
