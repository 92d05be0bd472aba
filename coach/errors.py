"""A small exception hierarchy whose messages are written for the person at the keyboard."""

from __future__ import annotations


class CoachError(Exception):
    """Base class: the message says what went wrong and what to do about it."""

    exit_code = 2


class BadInputError(CoachError):
    """The user's input (a question, a path, a file) cannot be used as given."""


class LoaderError(CoachError):
    """A document could not be read; the rest of an ingest run carries on."""


class UnsupportedFileError(LoaderError):
    """The file type is not one we read."""


class EmbeddingMismatchError(CoachError):
    """The index was built with a different embedding model than the one configured."""


class IndexEmptyError(CoachError):
    """Nothing has been indexed yet."""


class ConfigError(CoachError):
    """A setting has a value that cannot work."""


class UnavailableError(CoachError):
    """A server the app depends on (its database, the Chroma server) cannot be reached or did
    not answer in time; nothing was changed, and the same action can be tried again once it is
    back (the message, from prompts/unavailable.yaml, says so)."""


class ModelError(CoachError):
    """The configured language model could not be reached or failed to answer."""


class RateLimitedError(CoachError):
    """A user asked more questions in a minute than the web app answers per person."""

    def __init__(self, message: str, *, retry_after: float):
        super().__init__(message)
        self.retry_after = retry_after  # seconds until the next question is accepted


class ConversationNotFoundError(CoachError):
    """No saved conversation with that id belongs to the user asking (another user's id
    reads the same as one that does not exist)."""


class NotAllowedError(CoachError):
    """The user's role does not include what they asked to do (the message names the role
    needed and the one they have)."""


class SourceNotFoundError(CoachError):
    """A source asked for by id is not a document in the library's index, or its file has
    gone from the library folder (the web app answers 404)."""


class OutsideLibraryError(CoachError):
    """A source's file lies outside the library folders (an absolute id, ``..``, a symbolic
    link pointing out): it is never served (the web app answers 403)."""
