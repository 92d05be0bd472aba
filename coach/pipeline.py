"""The answer pipeline: ``Coach`` turns a question into a cited answer or a refusal.

It is built by the composition root (``app.build_coach``), which makes every part once and
hands it in; nothing here builds a provider or imports a feature. Chat requests reach the
``ports.JourneyRouter``s that ``build_coach`` supplies (the workbench's chat, then the journey
chat coaches, chained by ``routing.RouterChain``) before retrieval. Callers use ``Coach``'s
public methods, never its parts.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Generator, Iterator, Sequence
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from coach import prompts
from coach.answering.answered import evidence_of, plain_answer, unanswered
from coach.answering.citations import CitationChecker, Verification, sources_from_citations
from coach.answering.condense import condense, refers_back
from coach.answering.extractive import (
    Candidate,
    ExtractiveAnswerer,
    SentenceCache,
    split_more,
)
from coach.answering.gate import GateDecision, decide
from coach.answering.generative import GenerativeAnswerer, merge_rewrite, strip_echoes
from coach.answering.named_documents import library_names
from coach.answering.question import ask as ask_question
from coach.answering.question import validate
from coach.answering.ranking import load_weights
from coach.answering.screen import screen
from coach.answering.sections import (
    SectionMatch,
    leading,
    load_section_weights,
    match_sections,
    related,
)
from coach.config import BUNDLED_EMBEDDER, Settings
from coach.errors import IndexEmptyError
from coach.ingest.pipeline import Ingestor, IngestReport, scan
from coach.pii import Redaction
from coach.ports import ChatModel, Embedder, JourneyRouter, Reranker, Vectors
from coach.retrieval.lexical import BM25Index
from coach.retrieval.retriever import Retrieval, RetrievalConfig, Retriever
from coach.routing import RouterChain
from coach.store import GuidanceIndex
from coach.text import marker_numbers
from coach.types import (
    CLINICAL,
    MISSED_POINT,
    NOT_HELD,
    OFF_TOPIC,
    Answer,
    Asked,
    Citation,
    Exchange,
    Passage,
    ProgressCallback,
)

log = logging.getLogger(__name__)


class Coach:
    """Ingest guidance and answer questions about it. The UI, CLI and evals build on this."""

    def __init__(self, settings: Settings, *, embedder: Embedder, index: GuidanceIndex,
                 llm: ChatModel | None = None, reranker: Reranker | None = None,
                 router: JourneyRouter | None = None):
        self.settings = settings
        self._embedder = embedder
        self._index = index
        self._retriever = Retriever(
            index, embedder,
            RetrievalConfig.from_settings(settings), settings.lexical_path,
        )
        # the answerer ranks sentences by vectors pooled at ingest (no model run while the
        # user waits); the checker compares a draft's sentences with standalone vectors, the
        # kind its similarity threshold was set on
        weights = load_weights()
        if settings.answer_sentences is not None:
            weights = replace(weights, max_sentences=settings.answer_sentences)
        self._answerer = ExtractiveAnswerer(embedder, weights, stored=index.sentence_vectors)
        self._sections = load_section_weights()
        self._checker = CitationChecker(SentenceCache(embedder).vectors)
        self._llm = llm  # a LangChain BaseChatModel, or None for the extractive answerer
        self._generative = GenerativeAnswerer(llm) if llm is not None else None
        self._reranker = reranker  # a CrossEncoderReranker, or None
        self._routes: RouterChain | None = None  # chat requests, asked in turn
        self.route_journeys(router)
        self._titles: tuple[object, tuple[str, ...]] | None = None  # see library_titles
        # held around every write to the index (see guard_writes); none: writes unguarded
        self._write_lock: Callable[[], AbstractContextManager[None]] | None = None

    def route_journeys(self, *routers: JourneyRouter | None) -> None:
        """Offer every message to ``routers``, in turn, before answering it
        (``app.build_coach`` does this with the workbench's chat and the journey chat
        coaches); none (or only None) turns chat replies off."""
        chosen = [r for r in routers if r is not None]
        self._routes = RouterChain(chosen) if chosen else None

    def guard_writes(self, lock: Callable[[], AbstractContextManager[None]] | None) -> None:
        """Hold ``lock()`` around every ingest, so one process at a time writes the index
        (``app.build_coach`` passes the database's ``index`` lock: replicas sharing a
        database and a Chroma server never write the index, and its fingerprint, at once)."""
        self._write_lock = lock

    def use_generative(self, generative: GenerativeAnswerer | None) -> None:
        """Draft answers with ``generative`` (None: the extractive answerer)."""
        self._generative = generative

    # -- what the index holds, and the parts other features share ---------------------------
    @property
    def chat_model(self) -> ChatModel | None:
        """The configured LangChain chat model, or None (the extractive answerer)."""
        return self._llm

    def encode(self, texts: list[str]) -> Vectors:
        """Unit-length vectors for texts, from the index's own embedder (``ports.Encoder``)."""
        return self._embedder.encode(texts)

    @property
    def model_name(self) -> str:
        """The embedding model this Coach embeds with."""
        return self._embedder.model_name

    def is_empty(self) -> bool:
        return self._retriever.is_empty()

    def count(self) -> int:
        """Chunks in the index."""
        return self._index.count()

    def sources(self) -> dict[str, dict[str, Any]]:
        """Every indexed document by source id (title, file hash, chunk ids...)."""
        return self._index.sources()

    def source_ids(self) -> set[str]:
        return self._index.source_ids()

    def built_with(self) -> str | None:
        """The embedding model the index was built with (None for an index without one)."""
        return self._index.built_with()

    def search(self, query: str, *, k: int = 8, step: int | None = None,
               kinds: tuple[str, ...] | None = None) -> list[Passage]:
        """The passages retrieval finds for ``query`` (none for an empty index), without
        gating or answering (the chat coaches' step guides and searches)."""
        lexical = self._retriever.lexical()  # one read of the index's fingerprint
        if len(lexical) == 0:
            return []
        return self._retriever.retrieve(query, k=k, step=step, kinds=kinds,
                                        lexical=lexical).passages

    def verify(self, text: str, passages: Sequence[Passage]) -> Verification:
        """``text`` with every [n] citation checked against ``passages`` (n-1)."""
        return self._checker.verify(text, list(passages), None)

    # -- ingest ----------------------------------------------------------------------------
    def ingest(self, paths: Sequence[Path] | None = None, *, rebuild: bool = False,
               progress: ProgressCallback | None = None, show_bar: bool = False) -> IngestReport:
        """Index files or folders (default: the knowledge folder), incrementally."""
        targets = [Path(p) for p in paths] if paths else [self.settings.knowledge_dir]
        with self._write_lock() if self._write_lock is not None else nullcontext():
            return self._ingest(targets, rebuild=rebuild, progress=progress,
                                show_bar=show_bar)

    def _ingest(self, targets: list[Path], *, rebuild: bool,
                progress: ProgressCallback | None, show_bar: bool) -> IngestReport:
        if rebuild:
            scan(targets)  # a bad path must fail before the index is dropped, not after
            self._index.reset()
        ingestor = Ingestor(
            self._index, self._embedder, root=self.settings.knowledge_dir,
            lexical_path=self.settings.lexical_path, chunk_size=self.settings.chunk_size,
            chunk_overlap=self.settings.chunk_overlap,
        )
        report = ingestor.run(targets, progress=progress, show_bar=show_bar)
        self._retriever.refresh()
        return report

    def library_titles(self, lexical: BM25Index | None = None) -> tuple[str, ...]:
        """The titles and publishers of the indexed documents (for the gate's rule on named
        documents the library does not hold); read again whenever the lexical index changes,
        i.e. after an ingest by this or another replica. ``lexical``: the BM25 index the
        caller already read for this question."""
        lexical = lexical if lexical is not None else self._retriever.lexical()
        if self._titles is None or self._titles[0] is not lexical:
            self._titles = (lexical, library_names(self._index.sources()))
        return self._titles[1]

    # -- ask -------------------------------------------------------------------------------
    def validate_question(self, question: str) -> str:
        """The question as it would be asked (whitespace collapsed), or a BadInputError."""
        return validate(question, self.settings.max_question_chars)

    def ask(self, question: str, history: Sequence[Exchange] | None = None, *,
            step: int | None = None, user: str | None = None, journey: bool = True) -> Answer:
        """Answer a question with checked citations, or refuse when the guidance does not
        cover it (or it asks for clinical advice). Chat requests — the journey's ("what
        next?", "coach me through step 2") and the workbench's ("how is our falls measure
        doing?", "log a PDSA: …") — get replies for ``user`` (default ``local``) unless
        ``journey=False``; see coach/routing.py."""
        answer = None
        for item in self.stream(question, history, step=step, user=user, journey=journey):
            answer = item
        assert isinstance(answer, Answer)
        return answer

    def stream(self, question: str, history: Sequence[Exchange] | None = None, *,
               step: int | None = None, user: str | None = None,
               journey: bool = True) -> Iterator[str | Answer]:
        """THE ANSWER PIPELINE, one stage a line. Yields the answer text as it grows
        (cumulative strings), then the final, verified Answer.

        Each stage is a function of its own module: redact and validate (answering/
        question.py, pii.py) → a chat request? (routing.py: workbench/chat.py, then
        coaching/chat/router.py) → condense the follow-up (answering/condense.py) → retrieve
        (retrieval/retriever.py) → gate: clinical or out of scope (answering/gate.py) → draft
        (answering/extractive.py or generative.py) → screen (answering/screen.py) → verify
        citations (answering/citations.py) → does the draft answer the question?
        (answering/answered.py) → Answer. No language model is called before the gate.
        """
        start = time.perf_counter()
        asked = ask_question(question, history, self.settings.max_question_chars)
        query = condense(asked.text, list(asked.history))
        route = self._routes if journey and step is None else None
        vector = None  # without an intent form to embed, retrieval embeds the query itself
        if route is not None:
            forms = route.intent_texts(asked.text, user)
            intent_vectors: list[Vectors | None] = [None] * len(forms)
            if any(form is not None for form in forms):
                vector, intent_vectors = self._embed(query, forms)
            reply = route.reply(asked, user, intent_vectors)
            if reply is not None:
                yield reply
                return
        prepared = self._retrieve_and_gate(asked, query, vector, step, start)
        if prepared.refused:
            yield self._refusal(prepared, prepared.decision.reason)
            return
        t0 = time.perf_counter()
        sources: dict[int, int] | None  # marker -> passage index; None: [n] is passage n
        if self._generative is None:
            text, sources = self._extract(prepared)
        else:
            text, sources = yield from self._generate(prepared, t0)
        prepared.timings["answer"] = (time.perf_counter() - t0) * 1000
        text = screen(text, prepared.passages).text  # what no answer may say (screen.py)
        checked = self._verify(prepared, text, sources)
        if checked is None or self._misses_point(prepared, checked):
            yield self._refusal(prepared, MISSED_POINT)
            return
        answer = self._verified(prepared, checked)
        if self._generative is None:  # the extractive draft streams once it has passed
            yield from _growing(answer.text)
        yield answer

    # -- the stages of a question ------------------------------------------------------------
    def prepare(self, question: str, history: Sequence[Exchange] | None = None,
                step: int | None = None) -> Prepared:
        """Everything before an answer is written: redact, validate, condense, retrieve and
        gate (for tools that show what retrieval found, such as the Library tab)."""
        start = time.perf_counter()
        asked = ask_question(question, history, self.settings.max_question_chars)
        query = condense(asked.text, list(asked.history))
        return self._retrieve_and_gate(asked, query, None, step, start)

    def _embed(self, query: str, forms: Sequence[str | None]
               ) -> tuple[Vectors, list[Vectors | None]]:
        """The message embedded once, in one model call: the retrieval query's vector and,
        for each router, the vector of its intent form (None for a router that takes no
        messages; texts that are the same are embedded once)."""
        texts = list(dict.fromkeys([query, *(f for f in forms if f is not None)]))
        vectors = self._embedder.encode(texts)
        row = {text: vectors[i] for i, text in enumerate(texts)}
        return vectors[0], [None if f is None else row[f] for f in forms]

    def _retrieve_and_gate(self, asked: Asked, query: str, vector: Vectors | None,
                           step: int | None, start: float) -> Prepared:
        """Retrieve ``query`` (the condensed follow-up) and gate (a configured model is
        called only to rewrite a follow-up that passed)."""
        lexical = self._retriever.lexical()  # the index as it is now, for the whole question
        if len(lexical) == 0:
            raise IndexEmptyError(
                "The guidance index is empty: run `coach ingest` (or `make run`) first."
            )
        question, history = asked.text, list(asked.history)
        timings: dict[str, float] = {}
        context = history[-1][0] if history else None
        found, decision = self._search(question, query, step, timings, context, vector, lexical)
        if not decision.refuse and self._generative is not None and history:
            t0 = time.perf_counter()
            rewrite = self._generative.condense(question, history)
            timings["condense"] = (time.perf_counter() - t0) * 1000
            merged = merge_rewrite(question, rewrite, query, history)
            if merged != query:
                found2, decision2 = self._search(question, merged, step, timings, context,
                                                 None, lexical)
                if decision2.reason == "clinical" or not decision2.refuse:
                    query, found, decision = merged, found2, decision2
        log.info("ask refused=%s reason=%s best=%.3f coverage=%.2f redacted=%s",
                 decision.refuse, decision.reason, decision.best_similarity,
                 decision.coverage, ",".join(asked.redaction.kinds) or "-")
        return Prepared(question, query, found, decision, asked.redaction, timings, start)

    def _search(self, question: str, query: str, step: int | None,
                timings: dict[str, float], context: str | None, vector: Vectors | None,
                lexical: BM25Index) -> tuple[Retrieval, GateDecision]:
        """Retrieve and gate over ``lexical``, the BM25 index as it is for this question."""
        t0 = time.perf_counter()
        if self._reranker is None:
            found = self._retriever.retrieve(query, step=step, vector=vector, lexical=lexical)
        else:
            k = max(self.settings.rerank_candidates, self.settings.top_k)
            found = self._retriever.retrieve(query, k=k, step=step, vector=vector,
                                             lexical=lexical)
            found.passages = self._reranker.rerank(query, found.passages, self.settings.top_k)
        timings["retrieve"] = timings.get("retrieve", 0.0) + (time.perf_counter() - t0) * 1000
        decision = decide(
            query, found.passages, min_relevance=self.settings.min_relevance,
            idf=lexical.idf, correct=lexical.correct,
            follow_up=question if query != question else None,
            vector=found.query_vector if self.settings.embedding_model == BUNDLED_EMBEDDER
            else None,  # the clinical check's model was fitted on the bundled embedder
            library_titles=self.library_titles(lexical), context=context,
        )
        return found, decision

    def _matches(self, prepared: Prepared, scored: Sequence[Candidate] = ()
                 ) -> list[SectionMatch]:
        """The retrieved sections, most likely to answer the question first (once)."""
        if prepared.matches is None:
            prepared.matches = match_sections(
                prepared.query, prepared.found.query_vector, prepared.passages,
                self._answerer.cache.vectors, self._sections,
                [(c.passage, c.text, c.score) for c in scored],
                prepared.found.lexical.idf if prepared.found.lexical else None)
        return prepared.matches

    def _extract(self, prepared: Prepared) -> tuple[str, dict[int, int]]:
        """The extractive draft, and which passage each of its markers cites: a section
        whose answer-first paragraph answers the question confidently gives the direct
        answer (answering/sections.py), else sentence selection does."""
        qvec = prepared.found.query_vector
        scored = self._answerer.scored(prepared.query, qvec, prepared.passages)
        matches = self._matches(prepared, scored)
        # a short question condensed only for being short must still be about its own words;
        # one that points back ("why was it needed?") leans on the topic carried
        own = (prepared.question if prepared.query != prepared.question
               and not refers_back(prepared.question) else None)
        lead = leading(matches, prepared.query, self._sections, own)
        text, citations = self._answerer.answer(prepared.query, scored, prepared.passages,
                                               lead=lead, matches=matches,
                                               weights=self._sections)
        return text, sources_from_citations(citations, prepared.passages)

    def _related(self, prepared: Prepared, direct: Sequence[Citation],
                 floor: float | None = None) -> tuple[str, ...]:
        """Follow-up questions: the other retrieved sections' questions, closest first."""
        cited = {(c.source, c.heading) for c in direct}
        matches = self._matches(prepared)
        used = [m for m in matches
                if (prepared.passages[m.passage].source,
                    prepared.passages[m.passage].heading) in cited]
        return tuple(related(matches, [*used, prepared.question], self._sections, floor=floor))

    def _generate(self, prepared: Prepared, t0: float
                  ) -> Generator[str, None, tuple[str, None]]:
        """A language model's draft, streamed as it grows (its markers are checked later)."""
        assert self._generative is not None
        text, shown = "", ""
        for text in self._generative.stream(prepared.query, prepared.passages):
            prepared.timings.setdefault("first_token", (time.perf_counter() - t0) * 1000)
            # the reader sees the draft screened as it grows; a sentence the screen drops
            # later pauses the stream until the final answer replaces it
            screened = screen(text, prepared.passages).text
            if screened.startswith(shown) and len(screened) > len(shown):
                shown = screened
                yield shown
        return strip_echoes(text, prepared.passages), None

    def _verify(self, prepared: Prepared, text: str, sources: dict[int, int] | None
                ) -> Verification | None:
        """The draft with every citation checked (None for an empty draft)."""
        if not text.strip():
            return None
        t0 = time.perf_counter()
        checked = self._checker.verify(text, prepared.passages, sources)
        prepared.timings["verify"] = (time.perf_counter() - t0) * 1000
        if checked.removed_markers or checked.unsupported:
            log.info("citation check: %d marker(s) to no passage, %d unsupported sentence(s)",
                     len(checked.removed_markers), len(checked.unsupported))
        return checked

    def _answer(self, prepared: Prepared, text: str, citations: Sequence[Citation], *,
                refused: bool, unsupported: Sequence[str] = (), notice: str = "") -> Answer:
        prepared.timings["total"] = (time.perf_counter() - prepared.start) * 1000
        notice = " ".join(n for n in (prepared.redaction.notice(), notice) if n)
        return Answer(
            text=text, citations=tuple(citations), passages=tuple(prepared.passages),
            refused=refused, timings_ms={k: round(v, 2) for k, v in prepared.timings.items()},
            query=prepared.query, notice=notice, unsupported=tuple(unsupported),
        )

    def _misses_point(self, prepared: Prepared, checked: Verification) -> bool:
        """Close passages can still miss the point of the question: what the citations
        support must answer it (see answering/answered.py)."""
        lexical = prepared.found.lexical
        assert lexical is not None  # _search sets it, in dense mode too
        supported = _without_sentences(checked.text, checked.unsupported)
        gap = unanswered(prepared.question, plain_answer(supported),
                         evidence_of(checked.citations), share=lexical.share)
        if gap:
            log.info("draft answer dropped: %s", gap)
        return bool(gap)

    def _refusal(self, prepared: Prepared, reason: str) -> Answer:
        """The refusal reply; ``reason`` (types.CLINICAL, OUT_OF_SCOPE or MISSED_POINT) goes
        in ``Answer.refusal`` for the question log."""
        name = {CLINICAL: "refuse-clinical", OFF_TOPIC: "refuse-off-topic",
                NOT_HELD: "refuse-not-held"}.get(reason, "refuse")
        offered = () if reason == CLINICAL or not prepared.passages else self._related(
            prepared, (), self._sections.suggest_floor)
        if len(offered) < 2:  # questions it can answer, if retrieval found none close
            starters = prompts.read_yaml("starter-questions.yaml")["starters"]
            offered = tuple(dict.fromkeys([*offered, *starters]))[:3]
        text = prompts.render(prompts.read(name), document=prepared.decision.document
                              or "that document") if reason == NOT_HELD else prompts.read(name)
        return replace(self._answer(prepared, text, (), refused=True),
                       refusal=reason, related=offered)

    def _verified(self, prepared: Prepared, checked: Verification) -> Answer:
        notice = ""
        if checked.unsupported and not checked.citations:
            notice = prompts.fill("notices.yaml", "unchecked")
        direct, supporting = split_more(checked.text)
        in_direct = set(marker_numbers(direct))
        answer = self._answer(prepared, direct, checked.citations, refused=False,
                              unsupported=checked.unsupported, notice=notice)
        return replace(answer, supporting=supporting, related=self._related(
            prepared, [c for c in checked.citations if c.number in in_direct]))


@dataclass
class Prepared:
    """What the gate decided for one question, before any answer is written."""

    question: str  # validated and redacted
    query: str  # the standalone query retrieval used
    found: Retrieval
    decision: GateDecision
    redaction: Redaction
    timings: dict[str, float]
    start: float
    matches: list[SectionMatch] | None = None  # see Coach._matches

    @property
    def refused(self) -> bool:
        return self.decision.refuse

    @property
    def passages(self) -> list[Passage]:
        return self.found.passages


def _growing(text: str) -> Iterator[str]:
    """``text`` line by line, each yield the text so far (how the extractive answer streams)."""
    shown = ""
    for line in text.splitlines(keepends=True):
        shown += line
        yield shown


def _without_sentences(text: str, sentences: Sequence[str]) -> str:
    """``text`` with the given sentences (the citation check's unsupported ones) taken out."""
    for sentence in sentences:
        text = text.replace(sentence, " ")
    return text
