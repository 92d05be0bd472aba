"""Score one case's Answer against its expectations, decide pass/fail, aggregate a run.

Pass/fail per case is separate from the suite's aggregate thresholds: an answerable case passes
when it is answered (not refused), its evidence is in the top k passages, every must-include
pattern is present and no must-not-include pattern is; an out-of-scope case passes when it is
refused (and says nothing it must not).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from coach.evals import metrics as m
from coach.evals.cases import Case
from coach.evals.grounding import Similarity, ground
from coach.evals.splits import DEV, HELD_OUT
from coach.types import Answer

PASSAGE_PREVIEW = 400
CASE_METRICS = ("hit_at_k", "mrr_at_k", "ndcg_at_k", "context_recall", "context_precision",
                "groundedness", "citation_validity", "citation_precision", "citation_recall",
                "key_point_recall", "must_include", "must_not_include", "lead_must_include",
                "top_passage_lead_must_include", "top3_must_include")


def _retrieval(case: Case, answer: Answer, k: int) -> tuple[dict[str, Any], dict[str, Any]]:
    pairs = [(p.source, p.text) for p in answer.passages]
    evidence = [(e.doc, e.quote) for e in case.expect.evidence]
    rel = m.relevance(pairs, evidence)
    ranks = m.quote_ranks(pairs, evidence)
    scores: dict[str, Any] = {}
    if evidence:
        scores = {"hit_at_k": m.hit_at_k(rel, k), "mrr_at_k": m.mrr_at_k(rel, k),
                  "ndcg_at_k": m.ndcg_at_k(rel, k), "context_recall": m.context_recall(ranks, k),
                  "context_precision": m.context_precision(rel, k)}
    quotes = [{"doc": d, "quote": q, "rank": r} for (d, q), r in zip(evidence, ranks, strict=True)]
    passages = [{"rank": i, "source": p.source, "heading": p.heading, "score": round(p.score, 4),
                 "relevant": r, "text": p.text[:PASSAGE_PREVIEW]}
                for i, (p, r) in enumerate(zip(answer.passages, rel, strict=True), start=1)]
    return scores, {"quotes": quotes, "passages": passages}


def _correctness(case: Case, text: str) -> tuple[dict[str, Any], dict[str, Any]]:
    exp = case.expect
    scores = {"key_point_recall": m.key_point_recall(text, exp.key_points),
              "must_include": m.must_include(text, exp.must_include),
              "must_not_include": m.must_not_include(text, exp.must_not_include)}
    evidence = {
        "key_points": [{"point": p, "covered": m.key_point_covered(text, p)}
                       for p in exp.key_points],
        "must_include": [{"pattern": p, "found": m.pattern_found(text, p)}
                         for p in exp.must_include],
        "must_not_include": [{"pattern": p, "found": m.pattern_found(text, p)}
                             for p in exp.must_not_include],
    }
    return scores, evidence


def _reader(case: Case, answer: Answer, lead_chars: int) -> dict[str, Any]:
    """What a reader sees: the required terms in the first ``lead_chars`` plain characters
    of the direct answer, its plain length; and, for comparison, the same terms in the top
    passage's first ``lead_chars`` characters and in the top three passages."""
    patterns = case.expect.must_include
    passages = [p.text for p in answer.passages]
    return {
        "lead_must_include": m.lead_must_include(answer.text, patterns, lead_chars),
        "reply_chars": len(m.plain_reply(answer.text)),
        "top_passage_lead_must_include": m.lead_must_include(
            passages[0], patterns, lead_chars) if passages else (0.0 if patterns else None),
        "top3_must_include": m.must_include("\n".join(passages[:3]), patterns),
    }


def score_case(case: Case, answer: Answer, k: int,
               similarity: Similarity | None = None,
               lead_chars: int = m.LEAD_CHARS) -> dict[str, Any]:
    """The case record: the answer, every score (None = not applicable) and its evidence.
    Correctness and groundedness read the whole reply (the direct answer and the supporting
    material); what a reader sees first is scored on the direct answer alone."""
    scores, evidence = _retrieval(case, answer, k)
    text = "" if answer.refused else answer.full_text
    correct, correct_ev = _correctness(case, text)
    if case.expect.answerable:
        scores.update(correct)
        reader = _reader(case, answer, lead_chars)
        if answer.refused:  # a refusal shows the reader nothing of the answer
            reader.update(lead_must_include=0.0 if case.expect.must_include else None,
                          reply_chars=None)
        scores.update(reader)
    elif case.expect.must_not_include:
        scores["must_not_include"] = correct["must_not_include"]
    cited = {c.number: c.text for c in answer.citations}
    grounding = ground(text, [p.text for p in answer.passages], cited, similarity)
    if case.expect.answerable:
        scores.update(grounding.scores)
    evidence.update(correct_ev, sentences=grounding.evidence(), citations=grounding.citations)
    record = {
        "id": case.id, "question": case.question, "history": [list(t) for t in case.history],
        "tags": case.tags, "split": case.split, "answerable": case.expect.answerable,
        "answer": answer.text,
        "supporting": answer.supporting, "related": list(answer.related),
        "refused": answer.refused, "query": answer.query, "error": None,
        "timings_ms": dict(answer.timings_ms),
        "scores": {key: (None if v is None else round(float(v), 4)) for key, v in scores.items()},
        "evidence": evidence,
    }
    record["failures"] = failures(record, k)
    record["passed"] = not record["failures"]
    return record


def error_record(case: Case, message: str) -> dict[str, Any]:
    """A case the coach could not answer at all (a CoachError): it fails with the message."""
    return {"id": case.id, "question": case.question, "history": [list(t) for t in case.history],
            "tags": case.tags, "split": case.split, "answerable": case.expect.answerable,
            "answer": "",
            "refused": False, "query": "", "error": message, "timings_ms": {}, "scores": {},
            "evidence": {}, "failures": [f"error: {message}"], "passed": False}


def failures(record: dict[str, Any], k: int) -> list[str]:
    """Why a case fails (empty when it passes)."""
    out: list[str] = []
    scores, ev = record["scores"], record["evidence"]
    if not record["answerable"]:
        if not record["refused"]:
            out.append("answered an out-of-scope question (should refuse)")
    else:
        if record["refused"]:
            out.append("refused an answerable question")
        if scores.get("hit_at_k") == 0.0:
            out.append(f"no evidence quote in the top {k} passages")
        missing = [i["pattern"] for i in ev.get("must_include", []) if not i["found"]]
        if missing:
            out.append("must_include missing: " + ", ".join(repr(p) for p in missing))
    present = [i["pattern"] for i in ev.get("must_not_include", []) if i["found"]]
    if present and not record["refused"]:
        out.append("must_not_include present: " + ", ".join(repr(p) for p in present))
    return out


def aggregate(records: Sequence[dict[str, Any]], names: Sequence[str]) -> dict[str, Any]:
    """Suite-level value of each named metric (None when no case measures it)."""
    answerable = [r for r in records if r["answerable"]]
    values: dict[str, Any] = {"pass_rate": m.mean(float(r["passed"]) for r in records)}
    for name in CASE_METRICS:
        values[name] = m.mean(r["scores"].get(name) for r in answerable)
    judged = [r for r in records if not r["error"]]
    precision, recall = m.abstention([(not r["answerable"], r["refused"]) for r in judged])
    values["abstention_precision"], values["abstention_recall"] = precision, recall
    values["answered_rate"] = m.mean(float(not r["refused"]) for r in answerable)
    lengths = [float(r["scores"]["reply_chars"]) for r in answerable
               if r["scores"].get("reply_chars") is not None]
    values["reply_chars_median"] = m.percentile(lengths, 50)
    values["reply_chars_p90"] = m.percentile(lengths, 90)
    return {n: (None if values.get(n) is None else round(values[n], 4)) for n in names}


def by_split(records: Sequence[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    """The case records of each split, dev first (a record of an older run, which names no
    split, is a dev case)."""
    groups: dict[str, list[dict[str, Any]]] = {DEV: [], HELD_OUT: []}
    for r in records:
        groups.setdefault(r.get("split") or DEV, []).append(r)
    return {name: rs for name, rs in groups.items() if rs}


def split_figures(records: Sequence[dict[str, Any]], names: Sequence[str]
                  ) -> dict[str, dict[str, Any]]:
    """Each split's case counts and aggregates (``names``), dev first."""
    return {name: {"counts": {"cases": len(rs), "passed": sum(bool(r["passed"]) for r in rs),
                              "answerable": sum(bool(r["answerable"]) for r in rs)},
                   "aggregate": aggregate(rs, names)}
            for name, rs in by_split(records).items()}


def run_verdict(records: list[dict[str, Any]], values: dict[str, Any],
                thresholds: dict[str, float], known: dict[str, str],
                gated: dict[str, Any] | None = None) -> dict[str, Any]:
    """What every run summary holds: the aggregates, the thresholds checked (on ``gated``,
    the dev split's aggregates, when given; else on ``values``), whether all hold, and the
    failing / newly failing / fixed case ids (each record learns its known failure reason,
    if any)."""
    for r in records:
        r["known_failure"] = known.get(r["id"])
    checked = check_thresholds(values if gated is None else gated, thresholds)
    failing = [r["id"] for r in records if not r["passed"]]
    return {
        "aggregate": values, "thresholds": checked, "ok": all(t["ok"] for t in checked),
        "failing": failing,
        "new_failures": [i for i in failing if i not in known],
        "fixed": [i for i in known if i not in failing and any(r["id"] == i for r in records)],
    }


def bound(row: dict[str, Any]) -> str:
    """A threshold row's limit as a reader reads it: "≥ 0.9", or "≤ 600" for a length."""
    return f"≤ {row['max']}" if "max" in row else f"≥ {row['min']}"


def check_thresholds(values: dict[str, Any], thresholds: dict[str, float]
                     ) -> list[dict[str, Any]]:
    """One row per threshold; a metric no case measured fails its threshold. A length
    (``metrics.MAXIMA``) is a most, every other threshold a least."""
    rows = []
    for name, limit in thresholds.items():
        value = values.get(name)
        if name in m.MAXIMA:
            rows.append({"metric": name, "max": limit, "value": value,
                         "ok": value is not None and value <= limit})
        else:
            rows.append({"metric": name, "min": limit, "value": value,
                         "ok": value is not None and value >= limit})
    return rows
