"""The tables of everything the app stores (not the guidance index, which lives in Chroma).

One MetaData for SQLite and PostgreSQL alike. Times are ISO 8601 text in UTC, as the stores
have always written them, so a row reads the same whichever database holds it. A change here
needs a new migration in coach/db/migrations/versions/ (a test compares the two).
"""

from __future__ import annotations

from sqlalchemy import (
    CheckConstraint,
    Column,
    Float,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
)

metadata = MetaData()

USER = 100  # longest user name a store accepts (coach.coaching.store.check_user)
STAMP = 40  # an ISO timestamp with offset

progress = Table(
    "progress", metadata,
    Column("user_name", String(USER), primary_key=True),
    Column("data", Text, nullable=False),
    Column("updated_at", String(STAMP), nullable=False),
)

assessments = Table(
    "assessments", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("user_name", String(USER), nullable=False),
    Column("taken_at", String(STAMP), nullable=False),
    Column("scores", Text, nullable=False),
    Index("assessments_user", "user_name", "id"),
)

progress_archive = Table(
    "progress_archive", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("user_name", String(USER), nullable=False),
    Column("archived_at", String(STAMP), nullable=False),
    Column("reason", Text, nullable=False),
    Column("data", Text, nullable=False),
    Index("progress_archive_user", "user_name", "id"),
)

chat_dialogue = Table(
    "chat_dialogue", metadata,
    Column("user_name", String(USER), primary_key=True),
    Column("data", Text, nullable=False),
    Column("updated_at", String(STAMP), nullable=False),
)

feedback = Table(
    "feedback", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("created", String(STAMP), nullable=False),
    Column("updated", String(STAMP), nullable=False),
    Column("user_name", String(USER), nullable=False),
    Column("rating", String(8), nullable=False),
    Column("comment", Text, nullable=False, default=""),
    Column("question", Text, nullable=False),
    Column("answer", Text, nullable=False),
    Column("sources", Text, nullable=False),
    Column("refused", Integer, nullable=False),
    Column("redacted", Text, nullable=False, default=""),
    CheckConstraint("rating IN ('up', 'down')", name="feedback_rating"),
    Index("feedback_user", "user_name", "id"),
)

legacy_imports = Table(
    "legacy_imports", metadata,
    Column("digest", String(64), primary_key=True),
    Column("source", Text, nullable=False),
    Column("imported_at", String(STAMP), nullable=False),
    Column("rows", Integer, nullable=False),
)

ROLE = 16

user_roles = Table(
    "user_roles", metadata,
    Column("user_name", String(USER), primary_key=True),
    Column("role", String(ROLE), nullable=False),
    Column("updated_at", String(STAMP), nullable=False),
    Column("updated_by", String(USER), nullable=False),
    CheckConstraint("role IN ('staff', 'editor', 'admin')", name="user_roles_role"),
)

library_changes = Table(
    "library_changes", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("at", String(STAMP), nullable=False),
    Column("user_name", String(USER), nullable=False),
    Column("action", String(16), nullable=False),
    Column("document", Text, nullable=False),
    Column("chunks_before", Integer, nullable=False),
    Column("chunks_after", Integer, nullable=False),
    Column("detail", Text, nullable=False, default=""),
    Index("library_changes_at", "id"),
)

# -- insights, history and team surveys (issue #17) ------------------------------------------
question_log = Table(
    "question_log", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("at", String(STAMP), nullable=False),
    Column("user_name", String(USER), nullable=False),
    Column("question", Text, nullable=False),  # after personal-data redaction
    Column("refused", Integer, nullable=False),
    Column("reason", String(32), nullable=False, default=""),  # why refused, or ""
    Column("cited", Text, nullable=False, default="[]"),  # JSON list of source ids
    Column("answerer", String(32), nullable=False, default=""),
    Column("latency_ms", Integer, nullable=False, default=0),
    Column("step", String(64), nullable=False, default=""),  # journey step, if any
    Column("conversation", String(40), nullable=False, default=""),
    Index("question_log_at", "at"),
    Index("question_log_user", "user_name", "id"),
)

conversations = Table(
    "conversations", metadata,
    Column("id", String(40), primary_key=True),
    Column("user_name", String(USER), nullable=False),
    Column("title", Text, nullable=False),
    Column("created_at", String(STAMP), nullable=False),
    Column("updated_at", String(STAMP), nullable=False),
    Column("turns", Text, nullable=False),  # JSON: the chat session's turns with citations
    Index("conversations_user", "user_name", "updated_at"),
)

surveys = Table(
    "surveys", metadata,
    Column("code", String(16), primary_key=True),
    Column("owner", String(USER), nullable=False),
    Column("title", Text, nullable=False),
    Column("created_at", String(STAMP), nullable=False),
    Column("closed_at", String(STAMP), nullable=True),
    Index("surveys_owner", "owner"),
)

survey_responses = Table(
    "survey_responses", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("code", String(16), nullable=False),
    Column("at", String(STAMP), nullable=False),
    Column("user_name", String(USER), nullable=True),  # None: answered anonymously
    Column("role", String(64), nullable=False),
    Column("level", String(64), nullable=False),
    Column("scores", Text, nullable=False),  # JSON: item id -> score
    Index("survey_responses_code", "code"),
)

# -- the lead's QI workbench (issue #25) -----------------------------------------------------
# Every table carries the owner's user name, so that each read and write is keyed by it and
# `coach users forget` deletes a person's projects table by table. Dates are ISO text.
DAY = 10  # an ISO date, 2026-03-31

workbench_projects = Table(
    "workbench_projects", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("user_name", String(USER), nullable=False),
    Column("title", Text, nullable=False),
    Column("aim", Text, nullable=False),
    Column("team", Text, nullable=False),
    Column("sponsor", Text, nullable=False),
    Column("created_at", String(STAMP), nullable=False),
    Column("updated_at", String(STAMP), nullable=False),
    Index("workbench_projects_user", "user_name", "updated_at"),
)

workbench_measures = Table(
    "workbench_measures", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("user_name", String(USER), nullable=False),
    Column("project_id", Integer, nullable=False),
    Column("kind", String(16), nullable=False),
    Column("name", Text, nullable=False),
    Column("direction", String(8), nullable=False),
    Column("chart", String(8), nullable=False),
    Column("definition", Text, nullable=False),
    Column("source", Text, nullable=False),
    Column("frequency", Text, nullable=False),
    Column("owner", Text, nullable=False),  # who collects it (free text)
    Column("target", Float, nullable=True),
    Column("rebase", Text, nullable=False),  # JSON list of ISO dates
    Column("created_at", String(STAMP), nullable=False),
    Column("updated_at", String(STAMP), nullable=False),
    CheckConstraint("kind IN ('outcome', 'process', 'balancing')", name="workbench_measure_kind"),
    CheckConstraint("direction IN ('up', 'down', 'neither')", name="workbench_measure_direction"),
    CheckConstraint("chart IN ('run', 'xmr')", name="workbench_measure_chart"),
    Index("workbench_measures_project", "project_id", "id"),
    Index("workbench_measures_user", "user_name"),
)

workbench_points = Table(
    "workbench_points", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("user_name", String(USER), nullable=False),
    Column("measure_id", Integer, nullable=False),
    Column("point_date", String(DAY), nullable=False),
    Column("value", Float, nullable=False),
    Column("note", Text, nullable=False),
    Index("workbench_points_measure", "measure_id", "point_date", unique=True),
    Index("workbench_points_user", "user_name"),
)

workbench_cycles = Table(
    "workbench_cycles", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("user_name", String(USER), nullable=False),
    Column("project_id", Integer, nullable=False),
    Column("measure_id", Integer, nullable=True),
    Column("follows", Integer, nullable=True),  # the cycle this one builds on (a ramp)
    Column("title", Text, nullable=False),
    Column("plan", Text, nullable=False),
    Column("prediction", Text, nullable=False),
    Column("do_text", Text, nullable=False),
    Column("study", Text, nullable=False),
    Column("act", String(8), nullable=False),
    Column("act_note", Text, nullable=False),
    Column("planned", String(DAY), nullable=True),
    Column("done", String(DAY), nullable=True),
    Column("studied", String(DAY), nullable=True),
    Column("acted", String(DAY), nullable=True),
    Column("created_at", String(STAMP), nullable=False),
    Column("updated_at", String(STAMP), nullable=False),
    CheckConstraint("act IN ('', 'adopt', 'adapt', 'abandon')", name="workbench_cycle_act"),
    Index("workbench_cycles_project", "project_id", "id"),
    Index("workbench_cycles_user", "user_name"),
)

workbench_scores = Table(
    "workbench_scores", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("user_name", String(USER), nullable=False),
    Column("project_id", Integer, nullable=False),
    Column("scored_on", String(DAY), nullable=False),
    Column("score", Float, nullable=False),
    Column("note", Text, nullable=False),
    Column("recorded_at", String(STAMP), nullable=False),
    CheckConstraint("score >= 0.5 AND score <= 5", name="workbench_score_scale"),
    Index("workbench_scores_project", "project_id", "scored_on", "id"),
    Index("workbench_scores_user", "user_name"),
)

# -- limits that hold across replicas (issue #28) ----------------------------------------------
# one row per question a user asked through the web app, while it counts towards a limit
# (coach/access/limits.py); rows older than the longest window are deleted as users ask
rate_events = Table(
    "rate_events", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("user_name", String(USER), nullable=False),
    Column("at", Float, nullable=False),  # seconds since the epoch
    Index("rate_events_user", "user_name", "at"),
)

# -- the security audit log (issue #28; coach/access/audit.py) -----------------------------------
audit_events = Table(
    "audit_events", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("at", String(STAMP), nullable=False),
    Column("event", String(32), nullable=False),
    Column("actor", String(USER), nullable=False),  # who did it
    Column("subject", String(USER), nullable=False, default=""),  # whom it concerns
    Column("peer", String(64), nullable=False, default=""),
    Column("how", String(16), nullable=False, default=""),
    Column("detail", Text, nullable=False, default=""),
    Index("audit_events_at", "at"),
)

# -- access tokens of the read-only MCP server (issue #27) -----------------------------------
# A token is shown once when issued; only its SHA-256 digest is kept. A revoked token keeps its
# row (and its name), so the list shows it and a request with it is told it was revoked.
mcp_tokens = Table(
    "mcp_tokens", metadata,
    Column("name", String(64), primary_key=True),
    Column("token_hash", String(64), nullable=False),  # sha256 hex of the token
    Column("role", String(ROLE), nullable=False),
    Column("owner", String(USER), nullable=False),  # the calls are logged as this user
    Column("created_at", String(STAMP), nullable=False),
    Column("created_by", String(USER), nullable=False),
    Column("revoked_at", String(STAMP), nullable=True),
    CheckConstraint("role IN ('staff', 'editor', 'admin')", name="mcp_tokens_role"),
    Index("mcp_tokens_hash", "token_hash", unique=True),
    Index("mcp_tokens_owner", "owner"),
)

# -- the review queue (issue #26): answers to review, and the reviewers' verdicts -------------
# ``user_name`` of an item is who asked (its question, history and reply redacted); of a
# review, who reviewed it. `coach users forget` deletes both, and the reviews of a person's
# items with them.
review_items = Table(
    "review_items", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("created", String(STAMP), nullable=False),
    Column("user_name", String(USER), nullable=False),
    Column("kinds", String(64), nullable=False),  # why it is queued: thumbs-down,sample,flagged
    Column("detail", Text, nullable=False, default=""),  # what the pipeline flagged
    Column("log_id", Integer, nullable=True),  # the question_log row of the answer
    Column("feedback_id", Integer, nullable=True),  # the feedback row that rated it down
    Column("question", Text, nullable=False),  # after personal-data redaction
    Column("history", Text, nullable=False),  # JSON [[question, reply], ...], redacted
    Column("reply", Text, nullable=False),
    Column("refused", Integer, nullable=False),
    Column("refusal", String(32), nullable=False, default=""),
    Column("passages", Text, nullable=False),  # JSON [{source, title, heading, text}]
    Index("review_items_log", "log_id", unique=True),
    Index("review_items_feedback", "feedback_id", unique=True),
    Index("review_items_user", "user_name", "id"),
)

reviews = Table(
    "reviews", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("item_id", Integer, nullable=False),
    Column("user_name", String(USER), nullable=False),  # the reviewer
    Column("at", String(STAMP), nullable=False),
    Column("correct", Integer, nullable=False),  # the answer was right
    Column("grounded", Integer, nullable=False),  # every sentence backed by its passages
    Column("right_source", Integer, nullable=False),  # it cited the right guidance
    Column("should_refuse", Integer, nullable=False),  # refusing was the right answer
    Column("must_include", Text, nullable=False),  # JSON list of terms a right answer holds
    Column("note", Text, nullable=False, default=""),  # redacted
    Column("case_id", String(64), nullable=False, default=""),  # the case saved from it
    Column("case_suite", Text, nullable=False, default=""),
    Index("reviews_item", "item_id", unique=True),
    Index("reviews_user", "user_name"),
    Index("reviews_at", "at"),
)

# -- answers in use, scored (issue #26; coach/review/monitor.py) ----------------------------------
# one row per queued answer the monitor scored with the metrics that need no expected answer
monitor_scores = Table(
    "monitor_scores", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("item_id", Integer, nullable=False),  # the review_items row it scored
    Column("scored_at", String(STAMP), nullable=False),
    Column("answered_at", String(STAMP), nullable=False),  # when the answer was given
    Column("groundedness", Float, nullable=True),  # None: no sentence to check (a refusal)
    Column("citation_validity", Float, nullable=True),  # None: no citation marker
    Column("reply_chars", Integer, nullable=False),
    Column("refused", Integer, nullable=False),
    Column("refusal", String(32), nullable=False, default=""),
    Column("low", Integer, nullable=False),  # below the monitor's floor: flagged for review
    Index("monitor_scores_item", "item_id", unique=True),
    Index("monitor_scores_answered", "answered_at"),
)
