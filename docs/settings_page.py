"""Write docs/administrators/settings.md from coach.config.Settings, so the settings page
cannot drift from the code: every field's variable name, default, accepted values and
description. `make docs-settings` runs it (and `make docs` before building the site);
tests/test_docs.py fails when the committed page differs from what this script writes.

    python docs/settings_page.py           # write the page
    python docs/settings_page.py --check   # exit 1 if the committed page is stale
"""

from __future__ import annotations

import sys
import types
import typing
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
PAGE = ROOT / "docs" / "administrators" / "settings.md"
sys.path.insert(0, str(ROOT))  # this tree's coach, whatever is installed

from coach.config import Settings  # noqa: E402

INTRO = """\
# Settings

This page lists every setting of Improvement Coach with its default, the values it accepts and
what it does, for whoever installs or runs it. It is written from `coach.config.Settings` by
`docs/settings_page.py` (`make docs-settings`), and a test fails when it is out of date, so it
always matches the code.

Settings come from environment variables (prefix `COACH_`) or a `.env` file in the working
directory; `coach settings` prints the current values. Every replica of a shared installation
gets the same values (see [Running for many users](many-users.md)).

<!-- Written by docs/settings_page.py from coach.config.Settings: do not edit by hand. -->
"""

# The page's sections, in order; a field named in none of them is listed under "Other".
GROUPS: dict[str, tuple[str, ...]] = {
    "Where things live": ("home", "knowledge_dir", "evals_dir", "collection"),
    "The embedder and the index": (
        "embedding_model", "embedding_device", "embedding_backend", "embedding_cache",
        "chroma_url", "chroma_timeout", "chunk_size", "chunk_overlap"),
    "The app's database": ("database_url",),
    "Retrieval": (
        "top_k", "fetch_k", "retrieval_mode", "dense_weight", "lexical_weight",
        "question_weight", "rrf_k", "mmr_lambda", "min_relevance", "rerank_model",
        "rerank_candidates"),
    "Answers and language models": (
        "answer_sentences", "max_question_chars", "llm", "llm_model", "llm_base_url",
        "llm_api_key", "llm_timeout", "llm_model_path", "llm_context_tokens", "llm_max_tokens",
        "llm_temperature"),
    "The chat": ("chat_journey", "chat_workbench", "intent_threshold"),
    "The web app, sign-in and limits": (
        "host", "port", "auth_file", "trusted_user_header", "trusted_role_header", "role_map",
        "trusted_proxies", "concurrency_limit", "max_upload_mb", "rate_limit_per_minute",
        "rate_limit_per_day"),
    "Sources that sync": ("sources", "sync_minutes", "sync_timeout_s"),
    "Retention, review and logging": (
        "log_retention_days", "survey_retention_days", "audit_retention_days",
        "review_sample", "log_level"),
}

# Where the documentation says more about a setting (links relative to the settings page).
SEE: dict[str, tuple[str, str]] = {
    "knowledge_dir": ("Adding guidance documents", "../contributors/adding-a-document.md"),
    "evals_dir": ("Suites", "../evaluators/suites.md"),
    "embedding_backend": ("Performance", "../contributors/performance.md"),
    "chroma_url": ("PostgreSQL and a Chroma server", "postgres-and-chroma.md"),
    "database_url": ("PostgreSQL and a Chroma server", "postgres-and-chroma.md"),
    "question_weight": ("How answers are made", "../contributors/how-answers-are-made.md"),
    "rerank_model": ("Re-ranking", "language-models.md#re-ranking"),
    "llm": ("Answerers and language models", "language-models.md"),
    "chat_journey": ("Coaching in the chat", "../qi-leads/coaching-in-the-chat.md"),
    "chat_workbench": ("Your own charts and PDSA cycles",
                       "../qi-leads/coaching-in-the-chat.md#your-own-charts-and-pdsa-cycles"),
    "auth_file": ("Sign-in and roles", "sign-in-and-roles.md"),
    "trusted_user_header": ("Single sign-on", "sign-in-and-roles.md#single-sign-on"),
    "rate_limit_per_minute": ("Running for many users", "many-users.md"),
    "sources": ("Sources that sync", "library.md#sources-that-sync"),
    "log_retention_days": ("Privacy and retention",
                           "privacy.md#the-question-log-retention-and-forgetting"),
    "survey_retention_days": ("Team readiness surveys", "../qi-leads/surveys.md"),
    "audit_retention_days": ("The security audit log", "audit-log.md"),
    "review_sample": ("The review queue", "../evaluators/review-queue.md"),
}


def _plain(annotation: Any) -> tuple[Any, bool]:
    """The annotation without ``| None``, and whether None is allowed."""
    args = typing.get_args(annotation)
    if typing.get_origin(annotation) in (typing.Union, types.UnionType) and type(None) in args:
        (rest,) = (a for a in args if a is not type(None))  # every optional one is X | None
        return rest, True
    return annotation, False


def default_text(name: str) -> str:
    field = Settings.model_fields[name]
    value = field.default
    kind, _ = _plain(field.annotation)
    if value is None or value == "":
        return "(empty)" if kind in (str, Path) or "Secret" in str(kind) else "(unset)"
    if isinstance(value, bool):
        return f"`{str(value).lower()}`"
    return f"`{value}`"


def accepts_text(name: str) -> str:
    field = Settings.model_fields[name]
    kind, optional = _plain(field.annotation)
    if typing.get_origin(kind) is typing.Literal:
        return ", ".join(f"`{v}`" for v in typing.get_args(kind))
    if kind is bool:
        return "`true`, `false`"
    words = {int: "a whole number", float: "a number", Path: "a path", str: "text"}
    text = words.get(kind, "a secret" if "Secret" in str(kind) else "text")
    bound = {attr: getattr(rule, attr) for rule in field.metadata
             for attr in ("ge", "gt", "le") if getattr(rule, attr, None) is not None}
    if "ge" in bound and "le" in bound:
        bounds = f"{bound['ge']} to {bound['le']}"
    else:
        bounds = ", ".join(f"{word} {bound[attr]}" for attr, word in
                           (("ge", "at least"), ("gt", "above"), ("le", "at most"))
                           if attr in bound)
    return text + (f" ({bounds})" if bounds else "") + (", or empty" if optional else "")


def row(name: str) -> str:
    description = (Settings.model_fields[name].description or "").replace("|", "\\|")
    if name in SEE:
        title, link = SEE[name]
        description += f" See [{title}]({link})."
    return (f"| `COACH_{name.upper()}` | {default_text(name)} | {accepts_text(name)} "
            f"| {description} |")


def render() -> str:
    listed = [n for names in GROUPS.values() for n in names]
    unknown = sorted(set(listed) - set(Settings.model_fields))
    if unknown:
        raise SystemExit(f"docs/settings_page.py names settings that do not exist: {unknown}")
    groups = dict(GROUPS)
    other = tuple(n for n in Settings.model_fields if n not in listed)
    if other:
        groups["Other"] = other
    parts = [INTRO]
    for title, names in groups.items():
        parts.append(f"## {title}\n\n| Variable | Default | Accepts | What it does |\n"
                     "|---|---|---|---|\n" + "\n".join(row(n) for n in names) + "\n")
    return "\n".join(parts)


def main(argv: list[str]) -> int:
    text = render()
    if "--check" in argv:
        if not PAGE.exists() or PAGE.read_text(encoding="utf-8") != text:
            print(f"{PAGE.relative_to(ROOT)} is out of date: run `make docs-settings`")
            return 1
        return 0
    PAGE.parent.mkdir(parents=True, exist_ok=True)
    PAGE.write_text(text, encoding="utf-8")
    print(f"wrote {PAGE.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
