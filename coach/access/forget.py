"""`coach users forget NAME`: delete what the app keeps about one person, in one transaction,
and say what was deleted.

Their rows in every table keyed by a user name (the question log, feedback, journey progress,
assessments, the progress archive, the step dialogue, saved conversations, survey responses
they gave under their name, their role, their QI workbench projects with the projects'
measures, data, PDSA cycles and progress scores, the questions counted towards their limit,
the MCP server's tokens issued to them, their answers in the review queue with the reviews of
them, and the reviews they wrote) and the folder of their exported action plans; their name is
taken out of the evaluation runs they made and the compare view's choices (evals/runs.py).
Surveys they opened are kept: the responses in them are other people's (the count is reported
so an admin can close them). Nobody else's rows are touched.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass, field
from pathlib import Path

import sqlalchemy as sa

from coach.db import Database
from coach.db import schema as s

# (table, its user column): every table that holds rows about one person
PERSONAL: tuple[tuple[sa.Table, str], ...] = (
    (s.question_log, "user_name"), (s.feedback, "user_name"), (s.progress, "user_name"),
    (s.assessments, "user_name"), (s.progress_archive, "user_name"),
    (s.chat_dialogue, "user_name"), (s.conversations, "user_name"),
    (s.survey_responses, "user_name"), (s.user_roles, "user_name"),
    (s.workbench_points, "user_name"), (s.workbench_measures, "user_name"),
    (s.workbench_cycles, "user_name"), (s.workbench_scores, "user_name"),
    (s.workbench_projects, "user_name"), (s.rate_events, "user_name"),
    (s.mcp_tokens, "owner"), (s.review_items, "user_name"), (s.reviews, "user_name"),
)


@dataclass(frozen=True)
class Forgotten:
    user: str
    rows: dict[str, int]  # table -> rows deleted
    export_files: int = 0  # files of their exported action plans deleted
    surveys_kept: int = 0  # surveys they opened (other people's responses): kept
    notes: tuple[str, ...] = field(default=())

    @property
    def total(self) -> int:
        return sum(self.rows.values()) + self.export_files

    def summary(self) -> str:
        lines = [f"Deleted everything stored about {self.user}:" if self.total else
                 f"Nothing was stored about {self.user}; nothing was deleted."]
        if self.total:
            lines += [f"  {table:<18} {n} row(s)" for table, n in self.rows.items()]
            lines.append(f"  {'exported plans':<18} {self.export_files} file(s)")
        if self.surveys_kept:
            lines.append(f"Kept {self.surveys_kept} survey(s) {self.user} opened: the "
                         "responses in them are other people's (close them in the Coach tab).")
        lines.extend(self.notes)
        return "\n".join(lines)


def forget_rows(db: Database, user: str) -> tuple[dict[str, int], int]:
    """Delete ``user``'s rows from every personal table (one transaction); returns the rows
    deleted per table and the surveys they own (kept)."""
    deleted: dict[str, int] = {}
    with db.begin() as conn:
        # reviews of their answers, whoever wrote them (a review quotes the answer it judges)
        theirs = sa.select(s.review_items.c.id).where(s.review_items.c.user_name == user)
        of_theirs = int(conn.execute(s.reviews.delete().where(
            s.reviews.c.item_id.in_(theirs))).rowcount)
        for table, column in PERSONAL:
            result = conn.execute(table.delete().where(table.c[column] == user))
            deleted[table.name] = int(result.rowcount)
        deleted[s.reviews.name] += of_theirs
        owned = conn.execute(sa.select(sa.func.count()).select_from(s.surveys).where(
            s.surveys.c.owner == user)).scalar_one()
    return deleted, int(owned)


def forget_exports(home: Path, user: str) -> int:
    """Delete the folder of ``user``'s exported charts and action plans; files deleted."""
    from coach.coaching.session import exports_root

    root = exports_root(home)
    if not root.is_dir():
        return 0
    from coach.coaching.session import exports_dir

    folder = exports_dir(home, user)  # the keyed-hash name (made when absent, then removed)
    files = sum(1 for p in folder.rglob("*") if p.is_file())
    shutil.rmtree(folder, ignore_errors=True)
    return files


def forget(db: Database, home: Path, user: str) -> Forgotten:
    from coach.evals.runs import forget_user as forget_in_runs

    rows, owned = forget_rows(db, user)
    files = forget_exports(home, user)
    notes: tuple[str, ...] = ()
    if rows.get("user_roles"):
        notes = (f"{user}'s role was deleted too: if they still sign in they are staff "
                 f"(remove the account with `coach users remove {user}`).",)
    runs = forget_in_runs(home, user)
    if runs:
        notes += (f"Evaluation runs: {user}'s name taken out of {runs} file(s) (who ran a "
                  "run, choices in the compare view).",)
    return Forgotten(user, rows, files, owned, notes)
