"""The Ask tab: a streaming chat with cited answers, source cards and answer feedback.

Handlers are plain functions of (ctx, inputs..., user) so tests call them with a real Coach;
``build`` wires them to Gradio components. Conversation state lives in a per-session
``gr.State`` dict (chat_session.py), stamped with the user it belongs to and carrying the id
its turns are saved under after each answer (coach/conversations/): the history panel
(history_panel.py) lists, reopens, deletes and exports the user's own saved conversations.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable, Iterator
from typing import Any

import gradio as gr

from coach import prompts
from coach.access.audit import EXPORT
from coach.conversations.store import conversation_store, new_id
from coach.errors import CoachError, IndexEmptyError
from coach.insights.feedback import FeedbackStore, feedback_store
from coach.insights.store import record_answer
from coach.review.queue import offer_answer, offer_rating
from coach.types import Answer, ChatTurn
from coach.ui import downloads, render
from coach.ui.chat_session import (
    ChatSession,
    Messages,
    Outputs,
    messages,
    new_session,
    session_for,
)
from coach.ui.context import UIContext
from coach.ui.history_panel import (
    HistoryOutputs,
    ask_to_delete,
    confirm_delete,
    export_conversation,
    history_list,
    open_conversation,
)
from coach.ui.render import turn_from

log = logging.getLogger(__name__)

STARTERS: list[str] = list(prompts.read_yaml("starter-questions.yaml")["starters"])
RELATED_BUTTONS = 3  # follow-up questions offered under the latest answer
# A growing answer is sent to the page at most this often: a language model's tokens still
# stream smoothly, while the extractive answer (written whole, streamed line by line) goes as
# one update instead of one per line, each of which re-sent the whole conversation.
UPDATE_EVERY_S = 0.1
# buttons of the guided step dialogue: label -> what pressing it says in the chat
COACH_BUTTONS = {"Coach me through my step": "coach me through my current step",
                 "Yes, add it": "yes, add it", "Skip": "skip", "Back": "back", "Stop": "stop"}
HELPFUL, UNHELPFUL = "Helpful", "Not helpful"
PLACEHOLDER = (
    "**Ask about quality improvement in the NHS.** Answers come only from the guidance in the "
    "Library, with every sentence cited — open a source card to check it."
)



def respond(ctx: UIContext, question: str, session: ChatSession | None, user: str,
            request: gr.Request | None = None) -> Iterator[Outputs]:
    """Stream one answer: yields (chat messages, session, status, question box) as it grows.
    A question past the asker's rate limit (``ctx.admit``) gets a message saying when they
    can ask again, and stays in the box."""
    session = session_for(session, user)
    started = time.perf_counter()
    try:
        clean = ctx.admit(question, request)
    except CoachError as exc:
        yield messages(session), session, render.error_html(str(exc)), question or ""
        return
    conversation = session.get("conversation") or new_id()  # the id its history is saved as
    session = {**session, "conversation": conversation}
    history = [(t["question"], t["text"]) for t in session["turns"]]
    yield messages(session, (clean, "")), session, "", ""
    shown = time.perf_counter()
    try:
        for item in ctx.coach.stream(clean, history, user=user):  # journey-aware for user
            if isinstance(item, Answer):
                session = {**session, "turns": [*session["turns"], turn_from(clean, item)]}
                logged = record_answer(ctx.settings, user=user, question=clean, answer=item,
                                       started=started, step=journey_step(ctx, user),
                                       conversation=conversation)
                if logged is not None:  # the review queue takes a sample and the flagged
                    turn = str(len(session["turns"]) - 1)
                    session = {**session, "logged": {**session.get("logged", {}),
                                                     turn: logged}}
                    offer_answer(ctx.settings, log_id=logged, user=user, question=clean,
                                 history=history, answer=item)
            elif time.perf_counter() - shown >= UPDATE_EVERY_S:
                shown = time.perf_counter()
                yield messages(session, (clean, item)), session, "", ""
    except IndexEmptyError:
        msg = "No guidance is indexed yet: open the Library tab and press “Re-index”."
        yield messages(session), session, render.error_html(msg), question
        return
    except CoachError as exc:
        yield messages(session), session, render.error_html(str(exc)), question
        return
    except Exception:  # keep the app usable; the details go to the log, not the screen
        log.exception("answering failed")
        msg = "Something went wrong while answering; please try again."
        yield messages(session), session, render.error_html(msg), question
        return
    yield messages(session), session, remember(ctx, conversation, user, session["turns"]), ""


def remember(ctx: UIContext, conversation: str, user: str, turns: list[ChatTurn]) -> str:
    """Save the conversation to the user's history; a failure is reported, the answer kept."""
    try:
        conversation_store(ctx.settings).save(conversation, user, turns)
    except Exception:  # the answer is on screen already; the details go to the log
        log.exception("saving the conversation failed")
        return render.error_html("The answer could not be saved to your conversation history; "
                                 "it is shown here but will not be listed.")
    return ""


def journey_step(ctx: UIContext, user: str) -> str:
    """The step the asker's saved journey is on ('' when they have none), for the log."""
    try:
        raw = ctx.sessions.store().raw(user)
        current = json.loads(raw).get("current") if raw else None
    except (CoachError, ValueError, AttributeError):
        return ""
    return current if isinstance(current, str) else ""


def _turn_index(index: int | list[int] | tuple[int, ...] | None) -> int | None:
    """Chatbot message index -> turn index (messages alternate user, assistant)."""
    if isinstance(index, (list, tuple)):
        index = index[0] if index else None
    return int(index) // 2 if isinstance(index, int) else None


def related_buttons(session: ChatSession | None) -> list[dict[str, Any]]:
    """The follow-up buttons for the latest answer: its related questions (for a refusal,
    questions the guidance answers), the rest hidden."""
    turns = session["turns"] if session else []
    asked = list(turns[-1].get("related") or ()) if turns else []
    return [gr.update(value=asked[i], visible=True) if i < len(asked)
            else gr.update(value="", visible=False) for i in range(RELATED_BUTTONS)]


def rate(ctx: UIContext, store: FeedbackStore, session: ChatSession | None,
         message_index: int | list[int] | tuple[int, ...] | None, liked: bool | str | None,
         user: str) -> tuple[ChatSession, str, str | None]:
    """A thumbs up/down on an answer: stored at once; a comment may follow."""
    session = session_for(session, user)
    turn = _turn_index(message_index)
    if turn is None or not 0 <= turn < len(session["turns"]) or liked not in (True, False):
        return session, "", None
    rating = "up" if liked else "down"
    rated = dict(session["rated"])
    if str(turn) in rated:
        store.update(rated[str(turn)], user, rating=rating)
    else:
        rated[str(turn)] = store.record(user, session["turns"][turn], rating)
    session = {**session, "rated": rated, "target": turn}
    if rating == "down":
        review(ctx, session, turn, rated[str(turn)], user)
    note = (f"Thanks — your rating of answer {turn + 1} is saved. "
            "Add a comment below if you like.")
    return session, note, HELPFUL if liked else UNHELPFUL


def review(ctx: UIContext, session: ChatSession, turn: int, feedback_id: int, user: str
           ) -> None:
    """Queue an answer rated not helpful for review (once: the queue keys it by its rows)."""
    turns = session["turns"]
    offer_rating(ctx.settings, feedback_id=feedback_id,
                 log_id=session.get("logged", {}).get(str(turn)), user=user, turn=turns[turn],
                 history=[(t["question"], t["text"]) for t in turns[:turn]])


def send_feedback(ctx: UIContext, store: FeedbackStore, session: ChatSession | None,
                  choice: str | None, comment: str, user: str
                  ) -> tuple[ChatSession, str, str]:
    """Save a rating and/or comment for the answer last rated (or the latest answer)."""
    session = session_for(session, user)
    if not session["turns"]:
        return session, render.error_html("Ask a question first: feedback is about an answer."), \
            comment
    turn = session["target"] if session["target"] is not None else len(session["turns"]) - 1
    rating = {HELPFUL: "up", UNHELPFUL: "down"}.get(choice or "")
    comment = (comment or "").strip()
    row = session["rated"].get(str(turn))
    if row is None and rating is None:
        return session, render.error_html("Choose Helpful or Not helpful first."), comment
    if row is None:
        row = store.record(user, session["turns"][turn], rating or "up", comment)
    else:
        store.update(row, user, rating=rating, comment=comment or None)
    session = {**session, "rated": {**session["rated"], str(turn): row}, "target": turn}
    if rating == "down":
        review(ctx, session, turn, row, user)
    return session, f"Thanks — feedback on answer {turn + 1} saved.", ""


def announce(session: ChatSession | None, seen: str | None) -> tuple[Any, str | None]:
    """The live region's words for the latest answer, once: (region, what it has read).
    An event that added no answer (an error, a question over the rate limit) says nothing
    new; errors are read out by their own alert."""
    if not session or not session.get("turns"):
        return gr.update(), seen
    turns = session["turns"]
    key = f"{session.get('conversation')}:{len(turns)}"
    if key == seen:
        return gr.update(), seen
    return render.announcement(turns[-1], len(turns)), key


def _saying(ctx: UIContext, said: str
            ) -> Callable[[ChatSession, gr.Request], Iterator[Outputs]]:
    """A button handler that sends ``said`` to the chat as if typed."""
    def handler(state: ChatSession, request: gr.Request) -> Iterator[Outputs]:
        yield from respond(ctx, said, state, ctx.user_of(request), request)
    return handler


def build(ctx: UIContext) -> None:
    """The Ask tab's components and events (called inside ``gr.Tab``)."""
    store = feedback_store(ctx.settings)
    saved = conversation_store(ctx.settings)
    session = gr.State(new_session())
    pending = gr.State(None)  # the conversation waiting for "Yes, delete it"
    announced = gr.State(None)  # the answer the live region last read out
    with gr.Row(equal_height=False):
        with gr.Column(scale=3, min_width=480):
            chat = gr.Chatbot(
                label="Conversation", elem_id="chat", height=560, placeholder=PLACEHOLDER,
                feedback_options=("Like", "Dislike"), buttons=["copy"], layout="panel",
                latex_delimiters=[],
            )
            with gr.Row():
                question = gr.Textbox(
                    label="Your question", placeholder="Type a question and press Enter",
                    elem_id="question", lines=1, max_lines=6, scale=5, autofocus=True,
                    max_length=ctx.settings.max_question_chars + 500,
                )
                send = gr.Button("Ask", variant="primary", scale=1, min_width=90,
                                 elem_id="ask-button")
            # a polite live region (coach-live, see theme.py): each answer, once complete
            live = gr.HTML("", elem_id="ask-announce", elem_classes=["coach-live", "sr-only"],
                           label="Answer read aloud", padding=False, container=False)
            status = gr.HTML("", elem_id="ask-status", label="Messages", padding=False,
                             container=False)
            with gr.Row(elem_id="related-row"):  # press one to ask it (related_buttons)
                follow_ups = [gr.Button("", size="sm", visible=False, elem_id=f"related-{i}",
                                        elem_classes=["related-question"])
                              for i in range(RELATED_BUTTONS)]
            with gr.Row():  # the chat coaches (coach/coaching/chat/router.py): same as typing these
                coach_btns = [gr.Button(label, size="sm", elem_id=f"chat-{i}")
                              for i, label in enumerate(COACH_BUTTONS)]
            gr.Examples(STARTERS, inputs=[question], label="Starter questions")
        with gr.Column(scale=1, min_width=240):
            new = gr.Button("New conversation", elem_id="new-conversation")
            with gr.Group(elem_id="history-panel"):
                gr.Markdown("### Your conversations\nSaved after every answer, newest first; "
                            "only you can see yours.")
                history = gr.Dropdown(choices=[], value=None, label="Saved conversations",
                                      allow_custom_value=True, elem_id="history-list")
                with gr.Row():
                    open_btn = gr.Button("Open", size="sm", min_width=60, elem_id="history-open")
                    export_btn = gr.Button("Export", size="sm", min_width=60,
                                           elem_id="history-export")
                    delete_btn = gr.Button("Delete", size="sm", variant="stop", min_width=60,
                                           elem_id="history-delete")
                    refresh = gr.Button("Refresh", size="sm", min_width=60,
                                        elem_id="history-refresh")
                with gr.Row(visible=False) as confirm_row:
                    confirm = gr.Button("Yes, delete it", size="sm", variant="stop",
                                        elem_id="history-confirm")
                    cancel = gr.Button("Cancel", size="sm", elem_id="history-cancel")
                history_note = gr.HTML("", elem_id="history-note", label="History status",
                                       padding=False, container=False)
                # links to the exported files, served to their owner only (downloads.py)
                files = downloads.component("Download", "history-files")
            with gr.Group(elem_id="feedback-panel"):
                gr.Markdown("### Rate an answer\nUse the thumbs under an answer, or rate the "
                            "latest answer here. Personal data is removed before saving.")
                choice = gr.Radio([HELPFUL, UNHELPFUL], label="Was the answer helpful?",
                                  elem_id="feedback-choice")
                comment = gr.Textbox(label="Comment (optional)", lines=3, max_lines=8,
                                     elem_id="feedback-comment", max_length=4000)
                submit = gr.Button("Send feedback", size="sm")
                note = gr.Markdown("", elem_id="feedback-note", label="Feedback status")

    def on_ask(text: str, state: ChatSession, request: gr.Request) -> Iterator[Outputs]:
        yield from respond(ctx, text, state, ctx.user_of(request), request)

    def on_like(state: ChatSession, data: gr.LikeData, request: gr.Request
                ) -> tuple[ChatSession, str, str | None]:
        return rate(ctx, store, state, data.index, data.liked, ctx.user_of(request))

    def on_feedback(state: ChatSession, picked: str | None, text: str, request: gr.Request
                    ) -> tuple[ChatSession, str, str]:
        return send_feedback(ctx, store, state, picked, text, ctx.user_of(request))

    def on_new(request: gr.Request) -> tuple[Messages, ChatSession, str, str, None, str]:
        return [], new_session(ctx.user_of(request)), "", "", None, ""

    def on_list(state: ChatSession | None, request: gr.Request) -> dict[str, Any]:
        return history_list(saved, ctx.user_of(request),
                            state.get("conversation") if state else None)

    def on_load(request: gr.Request) -> dict[str, Any]:
        return history_list(saved, ctx.user_of(request))

    def on_open(picked: str | None, state: ChatSession, request: gr.Request
                ) -> HistoryOutputs:
        return open_conversation(saved, picked, state, ctx.user_of(request))

    def on_delete(picked: str | None, request: gr.Request
                  ) -> tuple[str | None, dict[str, Any], str]:
        return ask_to_delete(saved, picked, ctx.user_of(request))

    def on_confirm(waiting: str | None, state: ChatSession, request: gr.Request
                   ) -> tuple[dict[str, Any], None, dict[str, Any], str, Messages, ChatSession]:
        return confirm_delete(ctx, saved, waiting, state, ctx.user_of(request))

    def on_cancel() -> tuple[None, dict[str, Any], str]:
        return None, gr.update(visible=False), ""

    def on_export(picked: str | None, request: gr.Request) -> tuple[dict[str, Any], str]:
        done = export_conversation(ctx, saved, picked, ctx.user_of(request))
        ctx.audit(request, EXPORT, f"saved conversation {picked or ''}".strip())
        return done

    outputs = [chat, session, status, question]
    listed = {"fn": on_list, "inputs": [session], "outputs": [history],
              "api_visibility": "private"}  # after an answer: the list shows it, chosen
    spoken = {"fn": announce, "inputs": [session, announced], "outputs": [live, announced],
            "api_visibility": "private", "show_progress": "hidden"}  # read the answer out
    offered = {"fn": related_buttons, "inputs": [session], "outputs": follow_ups,
               "api_visibility": "private", "show_progress": "hidden"}  # the follow-ups
    question.submit(on_ask, [question, session], outputs, api_name="ask").then(**spoken).then(
        **offered).then(**listed)
    for said, btn in zip(COACH_BUTTONS.values(), coach_btns, strict=True):
        btn.click(_saying(ctx, said), [session], outputs,
                  api_visibility="private").then(**spoken).then(**offered).then(**listed)
    send.click(on_ask, [question, session], outputs, api_visibility="private").then(
        **spoken).then(**offered).then(**listed)
    for btn in follow_ups:  # a follow-up button asks its own label
        btn.click(on_ask, [btn, session], outputs, api_visibility="private").then(
            **spoken).then(**offered).then(**listed)
    chat.like(on_like, [session], [session, note, choice], api_visibility="private")
    submit.click(on_feedback, [session, choice, comment], [session, note, comment],
                 api_name="feedback")
    new.click(on_new, None, [chat, session, status, question, choice, note],
              api_name="new_conversation").then(**offered)
    # the chat window's own bin icon must forget the conversation too, not just hide it
    chat.clear(on_new, None, [chat, session, status, question, choice, note],
               api_visibility="private").then(**offered)
    gr.on(None, on_load, None, [history], api_visibility="private")  # at page load
    refresh.click(on_list, [session], [history], api_name="history")
    open_btn.click(on_open, [history, session],
                   [chat, session, status, choice, note, history_note], api_name="history_open")
    delete_btn.click(on_delete, [history], [pending, confirm_row, history_note],
                     api_name="history_delete")
    confirm.click(on_confirm, [pending, session],
                  [history, pending, confirm_row, history_note, chat, session],
                  api_name="history_confirm_delete")
    cancel.click(on_cancel, None, [pending, confirm_row, history_note],
                 api_visibility="private")
    export_btn.click(on_export, [history], [files, history_note], api_name="history_export")
