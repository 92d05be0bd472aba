"""The run file, whatever kind of suite ran: its format tag, the suite header and fingerprints
every run records (the suite's name and version, the suite and cases files, the knowledge
folder, the settings with secrets blanked), and writing it (run.json beside its report.html).

Format 2 adds the suite's ``version`` and, for Q&A runs, each case's ``split`` and the
per-split figures (``splits``). Format 1 runs are still read: their suite is version 1 and
their cases are dev cases. A run saved by ``coach eval run`` or the Evaluate tab also records
who ran it (``run_by``, set by its caller; older runs have none).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Protocol

from coach.config import Settings

RUN_FORMAT = "coach-eval-run/2"
READABLE_FORMATS = ("coach-eval-run/1", RUN_FORMAT)
_SECRET = ("key", "token", "password", "secret")


def sha256_file(path: Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


class _Suite(Protocol):
    @property
    def name(self) -> str: ...
    @property
    def version(self) -> int | str: ...
    @property
    def cases(self) -> str: ...
    @property
    def thresholds(self) -> dict[str, float]: ...
    def selected_metrics(self) -> Sequence[str]: ...


def suite_header(suite: _Suite, suite_path: Path) -> dict[str, Any]:
    """What a run records of its suite: name, version, path, metrics, thresholds and the
    SHA-256 of the suite and cases files."""
    suite_path = Path(suite_path)
    return {"name": suite.name, "version": suite.version, "path": str(suite_path),
            "metrics": list(suite.selected_metrics()), "thresholds": suite.thresholds,
            "sha256": sha256_file(suite_path),
            "cases_sha256": sha256_file(suite_path.parent / suite.cases)}


def suite_version(run: dict[str, Any]) -> int | str:
    """The version of the suite a run used (1 for a run written before suites had one)."""
    version: int | str = run.get("suite", {}).get("version", 1)
    return version


def knowledge_hash(folder: Path) -> dict[str, Any]:
    """A fingerprint of every (non-hidden) file under the knowledge folder."""
    digest = hashlib.sha256()
    files = sorted(p for p in Path(folder).rglob("*") if p.is_file()
                   and not any(part.startswith(".") for part in p.relative_to(folder).parts))
    for path in files:
        digest.update(f"{path.relative_to(folder).as_posix()}\0{sha256_file(path)}\n".encode())
    return {"dir": str(folder), "files": len(files), "sha256": digest.hexdigest()}


def public_config(settings: Settings) -> dict[str, Any]:
    """Settings as JSON, with anything secret-looking blanked."""
    data = settings.model_dump(mode="json")
    return {k: ("***" if v and any(s in k for s in _SECRET) else v) for k, v in data.items()}


def write_files(run: dict[str, Any], out_dir: Path, html: str) -> tuple[Path, Path]:
    """Write run.json and ``html`` (the run's report) as report.html into ``out_dir``
    (created); return both paths."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    json_path, html_path = out_dir / "run.json", out_dir / "report.html"
    json_path.write_text(json.dumps(run, indent=1, ensure_ascii=False), encoding="utf-8")
    html_path.write_text(html, encoding="utf-8")
    return json_path, html_path
