"""One user's coaching session: load progress, apply one machine function, save.

The CLI and the Coach tab both hold a ``JourneySession`` and call it; neither branches on the
journey itself. The Coach (retrieval and answers) is optional: ticking, notes and actions work
without it; cited recommendations, step explanations and the step chat need it.

Journey objects are built here and nowhere else: ``shared(settings)`` is the process's one
``JourneySessions`` (the journey parsed once, the store opened once) for a journey file and
database, used by the composition root's chat coaches, the web app, the CLI and the coaching
evals; journey.yaml is parsed again only after the file changes on disk.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Concatenate, ParamSpec

from coach.coaching import assessment, machine
from coach.coaching.journey import Journey, Step, load_journey
from coach.coaching.machine import Progress
from coach.coaching.store import ProgressStore
from coach.coaching.survey.store import (
    Report,
    SurveyError,
    SurveyStore,
    adopted_code,
    adoption_labels,
    adoption_note,
)
from coach.config import Settings
from coach.db import check_user, now
from coach.errors import CoachError
from coach.types import Answer

if TYPE_CHECKING:
    from coach.pipeline import Coach

P = ParamSpec("P")

log = logging.getLogger(__name__)

JOURNEY_FILE = "journey.yaml"


def journey_path(settings: Settings) -> Path:
    return Path(settings.knowledge_dir) / JOURNEY_FILE


def progress_store(settings: Settings) -> ProgressStore:
    """The progress store in the database the settings name."""
    from coach.db import open_database

    return ProgressStore(open_database(settings))


EXPORTS = "exports"


def exports_root(home: Path) -> Path:
    """Where the tabs write each user's charts, plans and exports (served to their owner
    only, by coach/ui/downloads.py)."""
    return Path(home) / EXPORTS


def exports_dir(home: Path, user: str) -> Path:
    """One folder per user under COACH_HOME/exports, rewritten on each export (never a new
    temporary folder per click). Its name is a keyed hash of the user name (the key is made
    once, at random, and kept outside the served folder), so one user cannot guess another's
    folder."""
    import hashlib
    import hmac
    import secrets

    root = exports_root(Path(home))
    root.mkdir(parents=True, exist_ok=True)
    key_file = root.parent / "exports.key"
    if not key_file.exists():
        key_file.write_text(secrets.token_hex(32), encoding="utf-8")
    key = key_file.read_text(encoding="utf-8").strip().encode()
    folder = root / hmac.new(key, user.encode(), hashlib.sha256).hexdigest()[:32]
    folder.mkdir(exist_ok=True)
    return folder


@dataclass(frozen=True)
class Plan:
    """Everything an action plan export needs, gathered at one moment."""

    user: str
    journey: Journey
    progress: Progress
    history: tuple[assessment.Result, ...]
    latest: assessment.Result | None   # the last result, with cited recommendations
    generated_at: str
    warnings: tuple[str, ...] = ()
    team_survey: Report | None = None   # the team survey adopted last, if any


class JourneySession:
    def __init__(self, journey: Journey, store: ProgressStore, user: str,
                 coach: Coach | None = None, home: Path | None = None):
        self.journey = journey
        self.store = store
        self.user = check_user(user)
        self.coach = coach
        self.home = home if home is not None else (
            Path(coach.settings.home) if coach is not None else None)

    def exports_dir(self) -> Path:
        """This user's folder for charts and action plans (see ``exports_dir``)."""
        if self.home is None:
            raise CoachError("This coaching session has no data folder to write exports to.")
        return exports_dir(self.home, self.user)

    @classmethod
    def open(cls, settings: Settings, user: str, coach: Coach | None = None) -> JourneySession:
        """A session over the process's shared journey and store (``shared``)."""
        return shared(settings).open(user, coach)

    # -- progress --------------------------------------------------------------------------
    def progress(self) -> Progress:
        return self.store.load(self.user, self.journey)

    def apply(self, fn: Callable[Concatenate[Journey, Progress, P], Progress],
              *args: P.args, **kwargs: P.kwargs) -> Progress:
        """Run one machine function on the saved progress and save the result."""
        before = self.progress()
        after = fn(self.journey, before, *args, **kwargs)
        self.store.save(self.user, after)
        log.info("journey %s: %s -> %s", self.user, fn.__name__, after.stage)
        return after  # carries the warnings found when loading

    def work(self, fn: Callable[Concatenate[Journey, Progress, P], Progress],
             *args: P.args, **kwargs: P.kwargs) -> Progress:
        """Like ``apply``, but opens the journey first when it has not started yet.

        The web form shows a step's checklist before the lead presses Start; a tick or a note
        there starts the journey instead of being refused.
        """
        before = self.progress()
        if before.stage in (machine.Stage.NEW, machine.Stage.ASSESSED):
            before = machine.start(self.journey, before)
        after = fn(self.journey, before, *args, **kwargs)
        self.store.save(self.user, after)
        return after

    def reset(self) -> bool:
        machine.reset(self.progress())
        return self.store.reset(self.user)

    def current_step(self, progress: Progress | None = None) -> Step:
        progress = progress or self.progress()
        if progress.current:
            return machine.find_step(self.journey, progress.current)
        return machine.suggested_step(self.journey, progress)

    # -- assessment ------------------------------------------------------------------------
    def assess(self, scores: Mapping[str, object]) -> assessment.Result:
        """Validate, store and score an assessment; recommendations carry citations."""
        clean = assessment.validate(self.journey, scores)
        taken = self.store.add_assessment(self.user, clean)
        progress = self.progress()
        self.store.save(self.user, machine.assessed(progress))
        return self.cite(assessment.score(self.journey, clean, taken))

    def history(self) -> tuple[list[assessment.Result], list[str]]:
        """Every assessment, oldest first; one adopted from a team survey says so (source)."""
        results, warnings = self.store.assessments(self.user, self.journey)
        labels = adoption_labels(self.journey, self.progress()) if results else {}
        labelled = []
        for r in reversed(results):  # the last one taken at a time is the adopted one
            labelled.append(replace(r, source=labels.pop(r.taken_at[:19], r.source)))
        return labelled[::-1], warnings

    def latest(self) -> assessment.Result | None:
        results, _ = self.history()
        return self.cite(results[-1]) if results else None

    def surveys(self) -> SurveyStore:
        """Team readiness surveys, in the same database as the progress."""
        return SurveyStore(self.store.db)

    def adopt_survey(self, code: str) -> tuple[Report, assessment.Result]:
        """Adopt the results of a team survey this user opened as their journey's assessment.

        The item means, rounded half up to whole scores, are stored as an assessment; the
        survey is closed (so the plan's figures stay the adopted ones) and a note on step 1
        records which survey it was and how many answered (the assessment record itself has
        no place for a label).
        """
        surveys = self.surveys()
        report = surveys.results(code, self.user, self.journey)
        if not report.stats.shown:
            raise SurveyError(
                f"Survey {report.survey.code} cannot be adopted yet: {report.stats.n} "
                f"answered, and results count from {report.stats.min_group}.")
        scores = report.stats.rounded_scores()
        taken = self.store.add_assessment(self.user, scores)
        surveys.close(report.survey.code, self.user, at=taken)
        self.work(machine.add_note, adoption_note(report, taken), step=self.journey.steps[0].id)
        result = replace(assessment.score(self.journey, scores, taken),
                         source=f"team survey {report.survey.code}, {report.stats.n} respondents")
        return report, self.cite(result)

    def cite(self, result: assessment.Result) -> assessment.Result:
        """The result with cited passages on its recommendations (unchanged without a Coach)."""
        return assessment.cite(self.coach, result) if self.coach is not None else result

    # -- answers ---------------------------------------------------------------------------
    def explain(self, step: Step) -> Answer:
        """A cited explanation of what the step is for, from retrieval focused on the step."""
        question = f"What is {step.title.lower()} for, and how does a team do it well?"
        return self._coach().ask(question, [], step=step.number)

    def ask(self, step: Step, question: str, history: Sequence[tuple[str, str]] = ()) -> Answer:
        return self._coach().ask(question, list(history), step=step.number)

    def _coach(self) -> Coach:
        if self.coach is None:
            raise CoachError("This needs the guidance index: open the session with a Coach.")
        return self.coach

    # -- export ----------------------------------------------------------------------------
    def plan(self) -> Plan:
        progress = self.progress()
        results, warnings = self.history()
        latest = self.cite(results[-1]) if results else None
        team, code = None, adopted_code(self.journey, progress)
        if code is not None:
            try:
                team = self.surveys().results(code, self.user, self.journey)
            except SurveyError as exc:
                warnings.append(f"The adopted team survey {code} could not be read: {exc}")
        return Plan(self.user, self.journey, progress, tuple(results), latest, now(),
                    tuple(progress.warnings) + tuple(warnings), team)


class JourneySessions:
    """Opens ``JourneySession``s over a journey loaded once and a store opened once."""

    def __init__(self, settings: Settings,
                 loader: Callable[[Path], Journey] = load_journey) -> None:
        self.settings = settings
        self._loader = loader
        self._lock = threading.Lock()
        self._journey: Journey | None = None
        self._store: ProgressStore | None = None
        self.journey_loads = 0  # times journey.yaml was read (1 once it has loaded)
        self.stores_opened = 0

    def journey(self) -> Journey:
        """The journey, parsed on first use; a JourneyError is raised again on the next call."""
        with self._lock:
            if self._journey is None:
                self.journey_loads += 1
                self._journey = self._loader(journey_path(self.settings))
            return self._journey

    def store(self) -> ProgressStore:
        with self._lock:
            if self._store is None:
                self.stores_opened += 1
                self._store = progress_store(self.settings)
            return self._store

    def open(self, user: str, coach: Coach | None = None) -> JourneySession:
        """A session for ``user`` (validated) over the shared journey and store."""
        return JourneySession(self.journey(), self.store(), user, coach, self.settings.home)


_SHARED: dict[tuple[object, ...], JourneySessions] = {}
_SHARED_LOCK = threading.Lock()


def shared(settings: Settings) -> JourneySessions:
    """The process's one ``JourneySessions`` for these settings' journey file and database (a
    new one once journey.yaml has changed on disk)."""
    path = journey_path(settings).resolve()
    try:
        stat = path.stat()
        version: tuple[int, int] | None = (stat.st_mtime_ns, stat.st_size)
    except OSError:
        version = None
    key = (str(path), version, str(Path(settings.home).resolve()), settings.database_url)
    with _SHARED_LOCK:
        sessions = _SHARED.get(key)
        if sessions is None:
            sessions = _SHARED[key] = JourneySessions(settings)
        return sessions
