"""The composition root: the one place that wires settings to real components."""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from coach import prompts
from coach.answering.condense import Turn, condense
from coach.answering.extractive import ExtractiveAnswerer
from coach.answering.gate import decide, expects_figure
from coach.config import Settings
from coach.errors import BadInputError, IndexEmptyError
from coach.ingest.pipeline import Ingestor, IngestReport, Progress, scan
from coach.retrieval.retriever import RetrievalConfig, Retriever
from coach.store import GuidanceIndex
from coach.types import Answer

log = logging.getLogger(__name__)


class Coach:
    """Ingest guidance and answer questions about it. The UI, CLI and evals build on this."""

    def __init__(self, settings: Settings, *, embedder: Any, index: GuidanceIndex):
        self.settings = settings
        self.embedder = embedder
        self.index = index
        self.retriever = Retriever(
            index, embedder,
            RetrievalConfig(
                mode=settings.retrieval_mode, top_k=settings.top_k, fetch_k=settings.fetch_k,
                dense_weight=settings.dense_weight, lexical_weight=settings.lexical_weight,
                rrf_k=settings.rrf_k, mmr_lambda=settings.mmr_lambda,
            ),
            settings.lexical_path,
        )
        self.answerer = ExtractiveAnswerer(embedder, max_sentences=settings.answer_sentences)

    # -- ingest ----------------------------------------------------------------------------
    def ingest(self, paths: Sequence[Path] | None = None, *, rebuild: bool = False,
               progress: Progress | None = None, show_bar: bool = False) -> IngestReport:
        """Index files or folders (default: the knowledge folder), incrementally."""
        targets = [Path(p) for p in paths] if paths else [self.settings.knowledge_dir]
        if rebuild:
            scan(targets)  # a bad path must fail before the index is dropped, not after
            self.index.reset()
        ingestor = Ingestor(
            self.index, self.embedder, root=self.settings.knowledge_dir,
            lexical_path=self.settings.lexical_path, chunk_size=self.settings.chunk_size,
            chunk_overlap=self.settings.chunk_overlap,
        )
        report = ingestor.run(targets, progress=progress, show_bar=show_bar)
        self.retriever.refresh()
        return report

    # -- ask -------------------------------------------------------------------------------
    def validate_question(self, question: str) -> str:
        if not isinstance(question, str) or not question.strip():
            raise BadInputError("Please type a question: the message was empty.")
        question = " ".join(question.split())
        limit = self.settings.max_question_chars
        if len(question) > limit:
            raise BadInputError(
                f"The question is {len(question)} characters long; the limit is {limit}. "
                "Shorten it to the part you want answered."
            )
        return question

    def ask(self, question: str, history: Sequence[Turn] | None = None, *,
            step: int | None = None) -> Answer:
        """Answer a question with citations, or refuse when the guidance does not cover it."""
        start = time.perf_counter()
        question = self.validate_question(question)
        if self.index.count() == 0:
            raise IndexEmptyError(
                "The guidance index is empty: run `coach ingest` (or `make run`) first."
            )
        query = condense(question, history)
        timings: dict[str, float] = {}
        t0 = time.perf_counter()
        found = self.retriever.retrieve(query, step=step)
        timings["retrieve"] = (time.perf_counter() - t0) * 1000
        lexical = self.retriever.lexical()  # fetched once: each lookup checks the index size
        decision = decide(
            question if query == question else query, found.passages,
            min_relevance=self.settings.min_relevance, idf=lexical.idf,
            correct=lexical.correct,
        )
        text, citations = "", []
        if not decision.refuse:
            t0 = time.perf_counter()
            text, citations = self.answerer.answer(query, found.query_vector, found.passages)
            timings["answer"] = (time.perf_counter() - t0) * 1000
            if expects_figure(question) and not re.search(r"\d", _without_markers(text)):
                text, citations = "", []  # asked for a figure the guidance does not give
        refused = decision.refuse or not text
        if refused:
            name = "refuse-clinical" if decision.reason == "clinical" else "refuse"
            text, citations = prompts.read(name), []
        timings["total"] = (time.perf_counter() - start) * 1000
        log.info("ask refused=%s best=%.3f coverage=%.2f", refused, decision.best_similarity,
                 decision.coverage)
        return Answer(
            text=text, citations=tuple(citations), passages=tuple(found.passages),
            refused=refused, timings_ms={k: round(v, 2) for k, v in timings.items()},
            query=query,
        )


    def stream(self, question: str, history: Sequence[Turn] | None = None, *,
               step: int | None = None) -> Iterator[str | Answer]:
        """Yield the answer text as it grows (cumulative strings), then the final Answer.

        The extractive answerer has no tokens to stream, so it yields its text sentence by
        sentence; LLM answerers yield as the model produces tokens. The last item is always the
        verified ``Answer`` (whose text may differ from the streamed draft).
        """
        answer = self.ask(question, history, step=step)
        shown = ""
        for line in answer.text.splitlines(keepends=True):
            shown += line
            yield shown
        yield answer


def _without_markers(text: str) -> str:
    """Answer text without citation markers and group headings (which carry years)."""
    body = "\n".join(line for line in text.splitlines() if not line.startswith("**"))
    return re.sub(r"\[\d+\]", "", body)


def build_coach(settings: Settings, *, embedder: Any = None, client: Any = None) -> Coach:
    """Build a Coach from settings; pass ``embedder`` or ``client`` to reuse existing ones."""
    from coach.providers.chroma import make_client
    from coach.providers.embeddings import SentenceTransformerEmbeddings

    logging.getLogger("coach").setLevel(settings.log_level.upper())
    settings.home.mkdir(parents=True, exist_ok=True)
    if embedder is None:
        embedder = SentenceTransformerEmbeddings(
            settings.embedding_model, device=settings.embedding_device
        )
    if client is None:
        client = make_client(settings)
    index = GuidanceIndex(client, settings.collection, embedder.model_name, embedder.dimension)
    return Coach(settings, embedder=embedder, index=index)
