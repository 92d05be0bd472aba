"""The app's database seam: every store (progress, feedback, and what later features add)
goes through one SQLAlchemy engine, migrated by Alembic. SQLite under COACH_HOME by default,
PostgreSQL when COACH_DATABASE_URL names one."""

from coach.db.engine import Database, DatabaseError, close_all, migrate, open_database

__all__ = ["Database", "DatabaseError", "close_all", "migrate", "open_database"]
