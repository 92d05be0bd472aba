"""The vectorised BM25 search gives the scores and order of the plain Okapi loop it replaced."""

from __future__ import annotations

import math
import random
from collections import Counter

import pytest

from coach.retrieval.lexical import BM25Index
from coach.text import tokens

WORDS = ["board", "vision", "measure", "cycle", "team", "patient", "flow", "data", "spread",
         "sustain", "leader", "culture", "quality", "improve", "staff", "learn"]


def reference(docs: dict[str, list[str]], terms: list[str], allowed: set[str] | None,
              k1: float = 1.5, b: float = 0.75) -> list[tuple[str, float]]:
    """The loop over every chunk that BM25Index.search used to be (kept here, not in coach/)."""
    n = len(docs)
    tfs = {pid: Counter(toks) for pid, toks in docs.items()}
    df: Counter[str] = Counter()
    for tf in tfs.values():
        df.update(tf.keys())
    idf = {t: math.log(1 + (n - f + 0.5) / (f + 0.5)) for t, f in df.items()}
    avg = sum(len(t) for t in docs.values()) / n
    scores = []
    for pid, toks in docs.items():
        if allowed is not None and pid not in allowed:
            continue
        score = 0.0
        norm = k1 * (1 - b + b * len(toks) / (avg or 1))
        for term in terms:
            f = tfs[pid].get(term)
            if f:
                score += idf[term] * f * (k1 + 1) / (f + norm)
        if score > 0:
            scores.append((pid, score))
    scores.sort(key=lambda x: -x[1])
    return scores


def random_corpus(rng: random.Random) -> dict[str, list[str]]:
    docs: dict[str, list[str]] = {}
    for i in range(rng.randint(1, 30)):
        docs[f"c{i}"] = tokens(" ".join(rng.choice(WORDS) for _ in range(rng.randint(0, 25))))
    if rng.random() < 0.5 and docs:  # exact duplicates make ties, which must keep their order
        first = next(iter(docs.values()))
        for j in range(rng.randint(1, 4)):
            docs[f"dup{j}"] = list(first)
    return docs


@pytest.mark.parametrize("seed", range(300))
def test_vectorised_scores_equal_the_okapi_loop(seed: int) -> None:
    rng = random.Random(seed)
    docs = random_corpus(rng)
    index = BM25Index(docs)
    # repeated query terms count twice, as they did; words outside the corpus score nothing
    query = [rng.choice(WORDS + ["absent"]) for _ in range(rng.randint(1, 6))]
    allowed = ({pid for pid in docs if rng.random() < 0.5} | {"not-a-chunk"}
               if rng.random() < 0.3 else None)
    n = rng.randint(1, len(docs) + 2)
    # typo correction is the index's own (unchanged) step; the scoring is what is compared
    terms = [index.correct(t) for t in tokens(" ".join(query))]
    want = reference(docs, terms, allowed)[:n]
    got = index.search(" ".join(query), n, allowed)
    assert [pid for pid, _ in got] == [pid for pid, _ in want]
    for (_, g), (_, w) in zip(got, want, strict=True):
        assert g == pytest.approx(w, abs=1e-9)


def test_search_corrects_typos_and_reports_nothing_for_unknown_words() -> None:
    index = BM25Index.build([("a", "Measurement for improvement"), ("b", "Board vision")])
    assert [pid for pid, _ in index.search("measurment", 5)] == ["a"]
    assert index.search("zzz", 5) == []
    assert BM25Index({}).search("board", 5) == []


@pytest.mark.parametrize("seed", range(60))
def test_a_saved_index_loads_with_the_same_searches(seed: int, tmp_path) -> None:
    rng = random.Random(seed)
    docs = random_corpus(rng)
    built = BM25Index(docs, k1=rng.choice([1.2, 1.5]), b=rng.choice([0.5, 0.75]))
    path = tmp_path / "lexical-index.npz"
    built.save(path, f"fingerprint-{seed}")

    loaded = BM25Index.load(path)

    assert loaded is not None
    index, label = loaded
    assert label == f"fingerprint-{seed}"
    assert index.ids == built.ids == list(docs) and len(index) == len(built)
    for _ in range(10):
        query = " ".join(rng.choice(WORDS + ["absent", "mesure"]) for _ in range(3))
        allowed = {pid for pid in docs if rng.random() < 0.5} if rng.random() < 0.3 else None
        assert index.search(query, 50, allowed) == built.search(query, 50, allowed)  # exactly
    for word in WORDS + ["absent"]:
        assert (index.idf(word), index.share(word)) == (built.idf(word), built.share(word))


def test_an_empty_index_saves_and_loads(tmp_path) -> None:
    BM25Index({}).save(tmp_path / "empty.npz", "none")
    loaded = BM25Index.load(tmp_path / "empty.npz")
    assert loaded is not None and len(loaded[0]) == 0 and loaded[0].search("board", 5) == []


@pytest.mark.parametrize("content", [b"", b"not an index", b'{"fingerprint": "x", "docs": {}}'])
def test_an_unreadable_or_old_file_is_no_index(content: bytes, tmp_path) -> None:
    path = tmp_path / "lexical-index.npz"
    path.write_bytes(content)  # the last is the JSON format of earlier versions
    assert BM25Index.load(path) is None
    assert BM25Index.load(tmp_path / "missing.npz") is None


def test_a_file_of_another_format_version_is_no_index(tmp_path) -> None:
    import numpy as np

    path = tmp_path / "lexical-index.npz"
    BM25Index.build([("a", "Board vision")]).save(path, "x")
    with np.load(path) as data:
        arrays = {k: data[k] for k in data.files}
    with path.open("wb") as out:
        np.savez(out, **{**arrays, "version": np.array(99)})
    assert BM25Index.load(path) is None
