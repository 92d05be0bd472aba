"""The app's database seam: every store (progress, feedback, and what later features add)
goes through one SQLAlchemy engine, migrated by Alembic. SQLite under COACH_HOME by default,
PostgreSQL when COACH_DATABASE_URL names one. The helpers every store shares (the clock, the
local user, the user-name check) are in ``common.py``."""

from coach.db.common import LOCAL_USER, check_user, now, stamp, utc_now
from coach.db.engine import Database, DatabaseError, migrate
from coach.db.opened import close_all, open_database

__all__ = ["LOCAL_USER", "Database", "DatabaseError", "check_user", "close_all", "migrate",
           "now", "open_database", "stamp", "utc_now"]
