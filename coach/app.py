"""The composition root: the one place that wires settings to real components.

``build_coach`` builds every part once — the embedder, the vector client and index, the chat
model, the reranker, the lock held around index writes (the database's ``index`` lock), the
journey sessions, and the chat's routers: the workbench's
(``workbench.chat.WorkbenchChat``) chained before the journey chat coaches
(``coaching.chat.router.JourneyChat``) by ``routing.RouterChain`` — and hands them to the
answer pipeline (``pipeline.Coach``). Features above the pipeline (coaching, the library
workflows, the workbench, insights, evals, the web app) take the built ``Coach`` and use its
public methods.
"""

from __future__ import annotations

import contextlib
import logging
import threading
from collections.abc import Callable, Iterator

from coach.config import Settings
from coach.pipeline import Coach
from coach.ports import ChatModel, Embedder, JourneyRouter, Reranker, VectorClient, Vectors
from coach.store import GuidanceIndex
from coach.types import Answer, Asked

log = logging.getLogger(__name__)

__all__ = ["Coach", "build_coach"]


def build_coach(settings: Settings, *, embedder: Embedder | None = None,
                client: VectorClient | None = None, llm: ChatModel | None = None) -> Coach:
    """Build a Coach from settings; pass ``embedder``, ``client`` or ``llm`` (a LangChain
    chat model) to reuse existing ones. Otherwise the chat model named by COACH_LLM is built
    by ``coach.providers.chat`` (none for the extractive answerer)."""
    from coach.providers.chroma import make_client
    from coach.providers.embeddings import make_embedder

    logging.getLogger("coach").setLevel(settings.log_level.upper())
    settings.home.mkdir(parents=True, exist_ok=True)
    if embedder is None:
        embedder = make_embedder(settings)
    if client is None:
        client = make_client(settings)
    if llm is None and settings.llm != "extractive":
        from coach.providers.chat import make_chat_model

        llm = make_chat_model(settings)
    reranker: Reranker | None = None
    if settings.rerank_model is not None:
        from coach.providers.rerank import CrossEncoderReranker

        reranker = CrossEncoderReranker(settings.rerank_model, settings.embedding_device)
    index = GuidanceIndex(client, settings.collection, embedder.model_name, embedder.dimension)
    coach = Coach(settings, embedder=embedder, index=index, llm=llm, reranker=reranker)
    coach.guard_writes(lambda: _index_lock(settings))
    coach.route_journeys(
        RouterOnDemand(lambda: _workbench_chat(coach)) if settings.chat_workbench else None,
        RouterOnDemand(lambda: _journey_chat(coach)) if settings.chat_journey else None)
    return coach


INDEX_LOCK = "index"


@contextlib.contextmanager
def _index_lock(settings: Settings) -> Iterator[None]:
    """The database's ``index`` lock (coach/db/locks.py), held while this process writes the
    index; a writer that finds another at work is told who, and waits for it."""
    from coach.db import open_database
    from coach.db.locks import hold

    def waiting(who: str) -> None:
        log.warning("%s is writing the guidance index; waiting for it to finish", who)

    with hold(open_database(settings), INDEX_LOCK, waiting):
        yield


def _workbench_chat(coach: Coach) -> JourneyRouter:
    """The workbench in the chat: the user's chart read, a PDSA cycle logged."""
    from coach.workbench.chat import WorkbenchChat

    return WorkbenchChat(coach)


def _journey_chat(coach: Coach) -> JourneyRouter | None:
    """The chat coaches over the process's shared journey sessions, or None (no journey.yaml
    in the knowledge folder, or it does not load)."""
    from coach.coaching.chat.router import JourneyChat
    from coach.coaching.session import shared

    return JourneyChat.maybe(coach, shared(coach.settings))


class RouterOnDemand:
    """A ``ports.JourneyRouter`` built on the first message (its modules are imported and
    the database is opened then, not when the app starts), or that routes nothing when the
    build gives None (no journey)."""

    def __init__(self, build: Callable[[], JourneyRouter | None]):
        self._build = build
        self._chat: JourneyRouter | None = None
        self._built = False
        self._lock = threading.Lock()

    def _router(self) -> JourneyRouter | None:
        with self._lock:
            if not self._built:
                self._chat, self._built = self._build(), True
            return self._chat

    def intent_text(self, text: str, user: str | None) -> str | None:
        chat = self._router()
        return chat.intent_text(text, user) if chat is not None else None

    def reply(self, asked: Asked, user: str | None, vector: Vectors | None) -> Answer | None:
        chat = self._router()
        return chat.reply(asked, user, vector) if chat is not None else None
