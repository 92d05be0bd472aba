"""How far can the retrieval signals we can compute offline go on the dev suite?

Ranks every chunk for each answerable dev case by each signal alone, by the shipped hybrid
(RRF of dense and BM25), and by a logistic-regression ranker learnt on all the signals at once
with 5-fold cross-validation over the cases (each fold is scored by a ranker that never saw
it). The learnt ranker is not a product feature: it estimates what fusing or weighting these
signals can reach, so a target it misses by far needs a stronger signal, not retuning.

Signals, all from the bundled all-MiniLM-L6-v2 and BM25:
  dense           cosine of the question and the chunk vector
  bm25            BM25 over title, heading and chunk text
  sent-pooled     best cosine with the chunk's sentence vectors pooled at ingest
  sent-alone      best cosine with the chunk's sentences embedded on their own
  sent-bm25       best BM25 score of the chunk's sentences
  token-maxsim    mean over question tokens of the best cosine with a chunk token
  heading         share of the question's words in the chunk's title and heading
    .venv/bin/python benchmarks/retrieval_ceiling.py [--suite evals/dev/suite.yaml]
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")

import numpy as np  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench_retrieval import answerable_cases, indexed_knowledge  # noqa: E402

from coach.answering.condense import condense  # noqa: E402
from coach.evals.metrics import relevance  # noqa: E402
from coach.retrieval.lexical import BM25Index, lexical_text  # noqa: E402
from coach.text import STOPWORDS, content_words, sentence_key, sentences  # noqa: E402


def scores(ranking: np.ndarray, rel: np.ndarray, k: int) -> tuple[float, float]:
    """hit@k and MRR@k of score rows (higher first) against relevance rows."""
    order = np.argsort(-ranking, axis=1)[:, :k]
    hits, rrs = [], []
    for row, ranked in zip(rel, order, strict=True):
        found = row[ranked]
        hits.append(float(found.any()))
        rrs.append(1.0 / (int(np.argmax(found)) + 1) if found.any() else 0.0)
    return float(np.mean(hits)), float(np.mean(rrs))


def rrf(*channels: tuple[np.ndarray, float], k: int = 20, depth: int = 30) -> np.ndarray:
    out = np.zeros_like(channels[0][0])
    for matrix, weight in channels:
        ranks = np.argsort(np.argsort(-matrix, axis=1), axis=1) + 1
        out += np.where((ranks <= depth) & (matrix > 0), weight / (k + ranks), 0.0)
    return out


def token_vectors(model, texts: list[str]) -> list[np.ndarray]:
    """Unit token vectors of each text, without special tokens, stopwords or punctuation."""
    outs = model.encode(texts, output_value=None, batch_size=32, show_progress_bar=False)
    result = []
    for out in outs:
        n = int(out["attention_mask"].sum())
        words = model.tokenizer.convert_ids_to_tokens(out["input_ids"][:n].tolist())
        keep = [i for i, w in enumerate(words) if w not in ("[CLS]", "[SEP]")
                and w.strip("#").lower() not in STOPWORDS and any(c.isalnum() for c in w)]
        vecs = out["token_embeddings"][:n].float().numpy()[keep]
        result.append(vecs / np.linalg.norm(vecs, axis=1, keepdims=True))
    return result


def main() -> int:
    from sklearn.linear_model import LogisticRegression

    suite, spec, cases = answerable_cases(__doc__.splitlines()[0])
    queries = [condense(c.question, c.history) for c in cases]
    with indexed_knowledge() as coach:
        rows = list(coach._index.all_chunks())
        ids = [pid for pid, _, _ in rows]
        vectors = {pid: vec for pid, _, _, vec in coach._index.get(ids)}
        texts = [t for _, t, _ in rows]
        metas = [m for _, _, m in rows]
        sents = [[sentence_key(s) for s in sentences(t)] for t in texts]
        flat = [s for group in sents for s in group]
        owner = np.array([j for j, group in enumerate(sents) for _ in group])
        pooled = coach._index.sentence_vectors(flat)
        emb = coach._embedder
        model = emb._load()

        Q = np.asarray(emb.encode(queries), dtype=np.float32)
        C = np.stack([vectors[pid] for pid in ids])
        S_alone = np.asarray(emb.encode(flat), dtype=np.float32)
        S_pooled = np.stack([pooled.get(s, a) for s, a in zip(flat, S_alone, strict=True)])
        chunk_bm25 = BM25Index.build([(pid, lexical_text(m.get("title", ""), m.get("heading", ""),
                                                          t)) for pid, t, m in rows])
        sent_bm25 = BM25Index.build([(str(i), s) for i, s in enumerate(flat)])
        chunk_tokens = token_vectors(model, [f"{m.get('title', '')} > {m.get('heading', '')}\n{t}"
                                             for t, m in zip(texts, metas, strict=True)])
        query_tokens = token_vectors(model, queries)

    n = len(ids)
    position = {pid: j for j, pid in enumerate(ids)}

    def best_per_chunk(matrix: np.ndarray) -> np.ndarray:
        out = np.zeros((matrix.shape[0], n))
        for j in range(n):
            mask = owner == j
            if mask.any():
                out[:, j] = matrix[:, mask].max(axis=1)
        return out

    def bm25_rows(index: BM25Index, sentence_level: bool) -> np.ndarray:
        out = np.zeros((len(queries), len(flat) if sentence_level else n))
        for i, q in enumerate(queries):
            for pid, value in index.search(q, 10**9):
                out[i, int(pid) if sentence_level else position[pid]] = value
        return out

    signals = {
        "dense": Q @ C.T,
        "bm25": bm25_rows(chunk_bm25, False),
        "sent-pooled": best_per_chunk(Q @ S_pooled.T),
        "sent-alone": best_per_chunk(Q @ S_alone.T),
        "sent-bm25": best_per_chunk(bm25_rows(sent_bm25, True)),
        "token-maxsim": np.array([[float((q @ c.T).max(axis=1).mean()) for c in chunk_tokens]
                                  for q in query_tokens]),
        "heading": np.array([[len(content_words(q) & content_words(
            f"{m.get('title', '')} {m.get('heading', '')}")) / max(1, len(content_words(q)))
            for m in metas] for q in queries]),
    }
    rel = np.array([relevance([(m["source"], t) for t, m in zip(texts, metas, strict=True)],
                              [(e.doc, e.quote) for e in c.expect.evidence]) for c in cases])
    k = spec.k
    print(f"dev suite {suite}: {len(cases)} answerable cases, {n} chunks, k={k} "
          "(ranking every chunk, no MMR)")
    print(f"{'ranking':<34}{'hit@k':>7}{'MRR@k':>7}")
    for name, matrix in signals.items():
        print(f"{name:<34}{scores(matrix, rel, k)[0]:>7.3f}{scores(matrix, rel, k)[1]:>7.3f}")
    hybrid = rrf((signals["dense"], 1.0), (signals["bm25"], 1.3))
    print(f"{'hybrid (shipped: RRF k=20, 1:1.3)':<34}" + "".join(
        f"{v:>7.3f}" for v in scores(hybrid, rel, k)))

    # every signal normalised per question, plus its reciprocal rank: one feature row per chunk
    feats = []
    for matrix in signals.values():
        low, high = matrix.min(axis=1, keepdims=True), matrix.max(axis=1, keepdims=True)
        feats.append((matrix - low) / np.where(high > low, high - low, 1.0))
        feats.append(1.0 / (20 + np.argsort(np.argsort(-matrix, axis=1), axis=1)))
    X = np.stack(feats, axis=-1)
    folds = np.arange(len(cases)) % 5
    learnt = np.zeros_like(hybrid)
    for fold in range(5):
        train = folds != fold
        ranker = LogisticRegression(max_iter=5000, class_weight="balanced")
        ranker.fit(X[train].reshape(-1, X.shape[-1]), rel[train].reshape(-1))
        learnt[~train] = ranker.decision_function(
            X[~train].reshape(-1, X.shape[-1])).reshape(-1, n)
    print(f"{'learnt on all signals (5-fold CV)':<34}" + "".join(
        f"{v:>7.3f}" for v in scores(learnt, rel, k)))
    print("The learnt ranker estimates what fusing these signals can reach; the issue's "
          "target is hit@5 >= 0.95 and MRR@5 >= 0.85.")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
