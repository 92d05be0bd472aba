"""`coach eval run SUITE`, `coach eval compare RUN_A RUN_B`, `coach eval propose` (candidate
cases for the sections of the knowledge no case covers: coach/evals/propose.py); `coach eval
review` is the review queue's (coach/review/cli.py).

Exit codes: 0 ok, 1 a threshold is not met, 2 a regression the bootstrap interval confirms,
3 a bad suite file (the message names the line).
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from pathlib import Path
from typing import Any

from coach.errors import CoachError

log = logging.getLogger(__name__)


def register(subparsers: Any) -> dict[str, Any]:
    p = subparsers.add_parser("eval", help="run answer-quality eval suites and compare runs")
    sub = p.add_subparsers(dest="eval_command", required=True)
    r = sub.add_parser("run", help="run every case of a suite through the coach")
    r.add_argument("suite", type=Path, help="suite file, e.g. evals/dev/suite.yaml")
    r.add_argument("--answerer", default=None,
                   help="answerer to evaluate (a COACH_LLM value); default: the configured one")
    r.add_argument("--out", type=Path, default=None,
                   help="folder for run.json and report.html (default: COACH_HOME/evals/...)")
    r.add_argument("--top-k", type=int, default=None,
                   help="passages retrieved per question (overrides COACH_TOP_K for this run)")
    r.add_argument("--set", action="append", default=[], metavar="NAME=VALUE",
                   help="override any setting for this run, e.g. --set retrieval_mode=dense")
    r.add_argument("--label", default="", help="a name for this run, shown in reports")
    r.add_argument("--judge", default=None, metavar="LLM",
                   help="also grade each answer with this language model (ollama, openai or "
                        "llamacpp, configured by the COACH_LLM_* settings); advisory, cached")
    r.add_argument("--no-ingest", action="store_true",
                   help="do not bring the index up to date with the knowledge folder first")
    r.add_argument("--update-known-failures", action="store_true",
                   help="write the ids of the cases failing now to the suite's known-failures "
                        "file (the pytest plugin marks those xfail)")
    c = sub.add_parser("compare", help="compare two runs; exit 2 on a confirmed regression")
    c.add_argument("run_a", type=Path, help="the baseline run (folder or run.json)")
    c.add_argument("run_b", type=Path, help="the new run (folder or run.json)")
    c.add_argument("--json", action="store_true", help="print the comparison as JSON")
    c.add_argument("--seed", type=int, default=0, help="bootstrap seed (default 0)")
    _register_propose(sub)
    from coach.review.cli import add_monitor_parser, add_parser

    add_parser(sub)  # `coach eval review ...`: the review queue (coach/review/cli.py)
    add_monitor_parser(sub)  # `coach eval monitor`: the answers in use, scored
    return {"eval": _dispatch}


def _register_propose(sub: Any) -> None:
    p = sub.add_parser("propose", help="propose candidate cases for the sections of the "
                       "knowledge that no case covers (for review, never into a suite)")
    p.add_argument("--knowledge", type=Path, default=None, metavar="DIR",
                   help="guidance folder to read (default: COACH_KNOWLEDGE_DIR)")
    p.add_argument("--suite", type=Path, action="append", default=None,
                   help="a Q&A suite whose cases count as coverage (repeat it; default: every "
                        "Q&A suite under COACH_EVALS_DIR)")
    p.add_argument("--seed", type=int, default=0,
                   help="seed for the wording choices (default 0; the same seed, the same "
                        "candidates)")
    p.add_argument("--coverage", action="store_true",
                   help="print covered/total sections per document and the uncovered sections")
    p.add_argument("--out", type=Path, default=None, metavar="FILE.jsonl",
                   help="write the candidates here, one JSON object per line ('-': print them)")
    p.add_argument("--queue", action="store_true",
                   help="put the candidates in the review queue (Evaluate tab, `coach eval "
                        "review`), each with the answer the coach gives it today")


def _dispatch(args: argparse.Namespace) -> int:
    if args.eval_command == "review":
        from coach.review.cli import dispatch

        return dispatch(args)
    if args.eval_command == "monitor":
        from coach.review.cli import monitor_command

        return monitor_command(args)
    return {"run": cmd_run, "compare": cmd_compare,
            "propose": cmd_propose}[args.eval_command](args)


def overrides(args: argparse.Namespace) -> dict[str, Any]:
    from coach.config import Settings

    values: dict[str, Any] = {}
    for item in args.set:
        name, sep, value = item.partition("=")
        name = name.strip().lower().removeprefix("coach_")
        if not sep or not name:
            raise CoachError(f"--set {item!r}: write it as NAME=VALUE, e.g. --set top_k=3")
        if name not in Settings.model_fields:
            raise CoachError(f"--set {item!r}: there is no setting called {name!r} "
                             "(`coach settings` lists them)")
        values[name] = value
    if args.answerer:
        values["llm"] = args.answerer
    if args.top_k is not None:
        values["top_k"] = args.top_k
    return values


def _progress(done: int, total: int, case_id: str) -> None:
    if sys.stderr.isatty():
        print(f"\r{done}/{total} {case_id:<30}", end="" if done < total else "\n",
              file=sys.stderr, flush=True)


def summary_text(run: dict[str, Any]) -> str:
    """The run's figures as text: each aggregate with its threshold; with dev and held-out
    cases, each split's figure side by side (the thresholds read the dev split's)."""
    from coach.evals.qa_report import GATE, split_runs
    from coach.evals.runfile import suite_version
    from coach.evals.scoring import bound

    took = f" in {run['duration_s']:.0f} s" if run.get("duration_s") else ""
    splits = split_runs(run)
    each = ", ".join(f"{name} {s['counts']['passed']}/{s['counts']['cases']}"
                     for name, s in splits.items())
    lines = [f"suite {run['suite']['name']}: {run['counts']['passed']}/"
             f"{run['counts']['cases']} cases passed{f' ({each})' if each else ''}{took}; "
             f"suite version {suite_version(run)}"]
    if splits:
        lines.append(f"  {'':<22} " + " ".join(f"{name:>9}" for name in splits))
    limits = {t["metric"]: t for t in run["thresholds"]}
    for name, value in run["aggregate"].items():
        values = [s["aggregate"].get(name) for s in splits.values()] if splits else [value]
        shown = " ".join(f"{'n/a' if v is None else f'{v:.3f}':>9}" for v in values)
        t = limits.get(name)
        gate = "" if t is None else f"  ({bound(t)}: {'ok' if t['ok'] else 'NOT MET'})"
        lines.append(f"  {name:<22} {shown.strip() if not splits else shown}{gate}")
    for stage, stats in run.get("latency", {}).items():
        lines.append(f"  latency {stage:<14} p50 {stats['p50']:.0f} ms, p95 {stats['p95']:.0f} ms")
    if splits:
        lines.append(f"{GATE}; the held-out split is measured, never gated.")
    if run["new_failures"]:
        lines.append("new failures: " + ", ".join(run["new_failures"]))
    if run["fixed"]:
        lines.append("known failures now passing: " + ", ".join(run["fixed"]))
    lines.append("thresholds: " + ("all met" if run["ok"] else "NOT met"))
    return "\n".join(lines)


def _judge(settings: Any, name: str) -> Any:
    """The LLM judge: the chat model COACH_LLM=name would build, with these settings."""
    from coach.evals.judge import LLMJudge
    from coach.providers.chat import make_chat_model

    if name == "extractive":
        raise CoachError("--judge needs a language model: ollama, openai or llamacpp")
    model = make_chat_model(settings.model_copy(update={"llm": name}))
    if model is None:
        raise CoachError(f"--judge {name}: no chat model could be built")
    return LLMJudge(model, cache_dir=settings.home / "judge-cache")


def cmd_run(args: argparse.Namespace) -> int:
    from coach import build_coach, load_settings
    from coach.db import LOCAL_USER
    from coach.evals.cases import known_failures_path, write_known_failures
    from coach.evals.kinds import load_any_suite
    from coach.evals.runner import run_suite, write_run
    from coach.evals.runs import run_folder

    suite = load_any_suite(args.suite)  # a bad suite fails (exit 3) before any model loads
    settings = load_settings(**overrides(args))
    coach = build_coach(settings)
    if not args.no_ingest:
        coach.ingest()
    run = run_suite(coach, args.suite, progress=_progress, label=args.label,
                    judge=_judge(settings, args.judge) if args.judge else None)
    run["run_by"] = LOCAL_USER  # who ran it, as the web app records its signed-in user
    json_path, html_path = write_run(run, args.out or run_folder(settings.home, suite.name))
    print(summary_text(run))
    print(f"wrote {json_path} and {html_path}")
    if args.update_known_failures:
        path = known_failures_path(args.suite, suite)
        if path is None:
            raise CoachError(f"{args.suite}: add a line `known_failures: known_failures.yaml` "
                             "to the suite to name the file to write")
        reasons = {c["id"]: c.get("known_failure") or "; ".join(c["failures"])
                   for c in run["cases"] if not c["passed"]}
        write_known_failures(path, reasons, suite.name)
        print(f"wrote {len(reasons)} known failure(s) to {path}")
    return 0 if run["ok"] else 1


def cmd_compare(args: argparse.Namespace) -> int:
    from coach.evals.compare import compare_runs, render_text
    from coach.evals.runner import load_run

    result = compare_runs(load_run(args.run_a), load_run(args.run_b), seed=args.seed)
    print(json.dumps(result, indent=1) if args.json else render_text(result))
    return 2 if result["regression"] else 0


def cmd_propose(args: argparse.Namespace) -> int:
    from coach import load_settings
    from coach.evals.coverage import read_sections, render_coverage, section_coverage
    from coach.evals.propose import default_suites, load_cases, propose, write_candidates

    settings = load_settings()
    suites = args.suite if args.suite is not None else default_suites(settings.evals_dir)
    cases = load_cases(suites)  # a bad suite fails (exit 3) before the knowledge is read
    sections = read_sections(args.knowledge or settings.knowledge_dir,
                             size=settings.chunk_size, overlap=settings.chunk_overlap)
    if not sections:
        raise CoachError(f"{args.knowledge or settings.knowledge_dir}: no guidance documents "
                         "to propose cases from")
    to_stdout = args.out is not None and str(args.out) == "-"
    if args.coverage:  # beside candidates printed as JSON lines, on stderr
        print(render_coverage(section_coverage(sections, cases)),
              file=sys.stderr if to_stdout else sys.stdout)
    candidates = propose(sections, cases, seed=args.seed)
    if to_stdout:
        for candidate in candidates:
            print(json.dumps(candidate, ensure_ascii=False))
        return 0
    uncovered = len({c["section"]["label"] for c in candidates})
    line = f"{len(candidates)} candidate case(s) for {uncovered} section(s) without a case"
    if args.queue:
        from coach import build_coach
        from coach.review.queue import offer_candidates

        coach = build_coach(settings)
        queued, already = offer_candidates(
            settings, lambda q, h: coach.ask(q, h, journey=False), candidates)
        print(f"{line}: {queued} put in the review queue ({already} were there already)")
        if args.out is None:
            return 0
    if args.out is not None:
        write_candidates(args.out, candidates)
        print(f"{line}: wrote {args.out} (review them before adding any to a suite)")
    else:
        print(f"{line}; write them with --out FILE.jsonl")
    return 0
