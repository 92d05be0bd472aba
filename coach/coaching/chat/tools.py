"""The chat coaches' operations as LangChain tools, for a chat model that can call tools.

Deterministic journey replies (coaching/chat/router.py) need no model. When the configured chat
model supports tool calling, ``answer_with_tools`` lets it use the same operations — journey
status, step guide, search guidance, add note, add action — through the same state machine
and store; its reply is citation-checked against the passages its searches returned, like
every answer.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import TYPE_CHECKING

from langchain_core.messages import BaseMessage, HumanMessage, SystemMessage, ToolMessage
from langchain_core.tools import BaseTool, StructuredTool

from coach import prompts
from coach.coaching import machine
from coach.coaching.render import render_progress
from coach.ports import ChatModel
from coach.types import Answer, Passage

if TYPE_CHECKING:
    from coach.coaching.chat.context import ChatContext

log = logging.getLogger(__name__)
MAX_ROUNDS = 6  # model turns; a model still calling tools after these gets the fixed reply


def supports_tools(llm: ChatModel) -> bool:
    """Does this LangChain chat model implement ``bind_tools``?"""
    try:
        llm.bind_tools([])
    except (NotImplementedError, AttributeError, TypeError):
        return False
    return True


def journey_tools(chat: ChatContext, user: str | None, found: list[Passage]
                  ) -> list[BaseTool]:
    """The tools for one user; passages returned by searches are collected in ``found``."""
    session = chat.session(user)

    def journey_status() -> str:
        """Where the user is in the improvement journey: each step's status."""
        return render_progress(chat.journey, session.progress())

    def step_guide(step: int) -> str:
        """A step's title, purpose, checklist and reflective questions (1-6)."""
        s = machine.find_step(chat.journey, step)
        return "\n".join([f"Step {s.number}: {s.title}", s.purpose, "Checklist:",
                          *[f"- {c.text}" for c in s.checklist], "Questions:",
                          *[f"- {q}" for q in s.questions]])

    def search_guidance(query: str) -> str:
        """Search the guidance; cite a passage in the reply by its number, e.g. [1]."""
        out = []
        for p in chat.search(query, k=4):
            if p.id not in {f.id for f in found}:
                found.append(p)
            n = next(i for i, f in enumerate(found, 1) if f.id == p.id)
            out.append(f"[{n}] {p.title}: {p.text}")
        return "\n\n".join(out) or "Nothing in the guidance matches."

    def add_note(text: str, step: int) -> str:
        """Save a note on a step of the user's journey."""
        session.work(machine.add_note, text, step=step)
        return "Note saved."

    def add_action(what: str, owner: str, due: str, step: int) -> str:
        """Add an action (owner, due date YYYY-MM-DD) to a step of the user's plan."""
        session.work(machine.add_action, what, owner, due, step=step)
        return "Action added."

    fns = (journey_status, step_guide, search_guidance, add_note, add_action)
    return [StructuredTool.from_function(fn) for fn in fns]


def answer_with_tools(chat: ChatContext, llm: ChatModel, question: str, user: str | None,
                      history: Sequence[tuple[str, str]] = ()) -> Answer:
    """Let the model answer with the tools; the reply is citation-checked."""
    found: list[Passage] = []
    tools = {t.name: t for t in journey_tools(chat, user, found)}
    bound = llm.bind_tools(list(tools.values()))
    messages: list[BaseMessage] = [SystemMessage(prompts.read("journey-tools"))]
    for q, a in history:
        messages += [HumanMessage(q), SystemMessage(f"(your earlier reply) {a}")]
    messages.append(HumanMessage(question))
    reply = None
    for _ in range(MAX_ROUNDS):
        reply = bound.invoke(messages)
        messages.append(reply)
        if not getattr(reply, "tool_calls", None):
            break
        for call in reply.tool_calls:
            tool = tools.get(call["name"])
            try:
                result = tool.invoke(call["args"]) if tool else f"No tool {call['name']}."
            except Exception as exc:  # a bad argument goes back to the model as text
                result = f"Error: {exc}"
            messages.append(ToolMessage(str(result), tool_call_id=call["id"]))
    text = str(getattr(reply, "content", "") or "")
    checked = chat.coach.verify(text, found)
    return Answer(text=checked.text, citations=tuple(checked.citations), passages=tuple(found),
                  refused=False, timings_ms={}, query="journey:tools",
                  unsupported=tuple(checked.unsupported))
