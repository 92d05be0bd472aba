"""The clinical check (pure apart from lazy loading): does a question ask for clinical advice?

It decides on what the question is about, not on its verbs. Term lists (clinical_terms.json)
name medicines, conditions, symptoms, tests, procedures, wounds and the people care is for,
plus phrases that ask for advice and words that frame a question as improvement work. A rule
over their counts (``rule_score``) refuses; so does a logistic model over the counts, a few
patterns (a dose such as "500mg", an age such as "4 month old") and the question's sentence
vector, which catches clinical questions in words the lists lack (clinical_weights.json,
fitted by benchmarks/fit_clinical.py on evals/clinical/questions.jsonl, threshold chosen by
cross-validation so that every clinical question the rule missed was still refused).

Nothing loads at import; the terms and weights load once per process on first use. The
sentence vector is the bundled embedder's: pass the one retrieval computed for the question
(``vector``), or the check embeds the question itself.
"""

from __future__ import annotations

import difflib
import json
import re
import threading
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Any

import numpy as np

from coach.ports import Embedder, Vectors

CATEGORIES = ("medicine", "medicine_word", "condition", "symptom", "test", "procedure",
              "wound", "person", "advice", "qi")
# a dose or a quantity of a medicine ("2g", "500mg", "40 units"), an age ("5 yr old"), a weight
_DOSE = re.compile(r"\b\d+(?:\.\d+)?\s?(?:mg|mcg|micrograms?|g|grams?|ml|units?|mmol|iu)\b",
                   re.IGNORECASE)
_AGE = re.compile(r"\b\d+\s?(?:-\s?)?(?:months?|mo|years?|yrs?|yr|weeks?|days?)[\s-]old\b"
                  r"|\b\d+\s?kg\b|\b\d+\s?weeks?\s+pregnant\b", re.IGNORECASE)
_FIRST_PERSON = re.compile(r"\b(?:i|i'm|i've|my|me)\b", re.IGNORECASE)
FEATURES = (*CATEGORIES, "dose", "age", "first_person", "no_care_terms")
CAP = 3  # counts are capped: a long list of drugs is no more clinical than two


def _pattern(term: str) -> str:
    """A term as a regex: whole words, any spacing, an optional plural; '.*' skips ≤ 5
    words; a term starting 're:' is a regular expression already (spaces match any spacing)."""
    if term.startswith("re:"):
        return r"(?<![\w-])" + term[3:].replace(" ", r"\s+") + r"(?![\w-])"
    parts = [r"\s+".join(re.escape(w) for w in piece.split()) for piece in term.split(".*")]
    body = r"\s+(?:\S+\s+){0,5}?".join(parts)
    return rf"(?<![\w-]){body}(?:s|es)?(?![\w-])"


@lru_cache(maxsize=1)
def _terms() -> dict[str, list[re.Pattern[str]]]:
    return {c: [re.compile(_pattern(t), re.IGNORECASE) for t in terms]
            for c, terms in _term_lists().items()}


@lru_cache(maxsize=1)
def _term_lists() -> dict[str, list[str]]:
    data = json.loads(resources.files("coach.answering").joinpath("clinical_terms.json")
                      .read_text(encoding="utf-8"))
    return {c: list(data[c]) for c in CATEGORIES}


@lru_cache(maxsize=1)
def _drug_names() -> dict[str, list[str]]:
    """One-word medicine names by first letter, for spotting misspellings ("ibuprofin")."""
    names: dict[str, list[str]] = {}
    for term in _term_lists()["medicine"]:
        if " " not in term and len(term) >= 5:
            names.setdefault(term[0], []).append(term)
    return names


def _misspelt_drugs(text: str) -> int:
    """Words within a typo of a medicine's name (same first letter, ≥ 88% similar)."""
    found = 0
    for word in set(re.findall(r"[a-z]{6,}", text.lower())):
        names = _drug_names().get(word[0], [])
        if word not in names and difflib.get_close_matches(word, names, n=1, cutoff=0.88):
            found += 1
    return found


def term_counts(question: str) -> dict[str, int]:
    """How many terms of each list the question uses, and the pattern features (capped)."""
    return dict(_term_counts(question))


@lru_cache(maxsize=256)  # the model's features and the rules each ask, for every question
def _term_counts(question: str) -> dict[str, int]:
    text = question.replace("’", "'")
    counts = {c: sum(1 for p in pats if p.search(text)) for c, pats in _terms().items()}
    counts["medicine"] += _misspelt_drugs(text)
    counts = {c: min(CAP, n) for c, n in counts.items()}
    counts["dose"] = min(CAP, len(_DOSE.findall(text)))
    counts["age"] = min(CAP, len(_AGE.findall(text)))
    counts["first_person"] = min(CAP, len(_FIRST_PERSON.findall(text)))
    # nothing about care at all (no medicine, condition, symptom, test, person, advice…)
    counts["no_care_terms"] = int(not any(counts[c] for c in CATEGORIES if c != "qi")
                                  and not counts["dose"] and not counts["age"])
    return counts


def lexical_features(question: str) -> np.ndarray:
    counts = term_counts(question)
    return np.array([counts[f] for f in FEATURES], dtype=np.float32)


# the rules alone (option (i) in the fitting script): a clinical subject, asked about outside
# improvement work, or asked about as advice
_SUBJECTS = ("medicine", "condition", "symptom", "test", "procedure", "wound", "dose")


def rule_score(question: str) -> float:
    """Positive when the rules say clinical: subjects and advice phrases minus QI framing."""
    c = term_counts(question)
    subject = sum(c[s] for s in _SUBJECTS) + 0.5 * (c["medicine_word"] + c["person"] + c["age"])
    return subject + 0.75 * c["advice"] + 2.0 * c["dose"] - 1.25 * c["qi"] - 0.75


def rules_say_clinical(question: str) -> bool:
    return rule_score(question) > 0


@dataclass(frozen=True)
class Model:
    """A logistic model over [lexical features, rule score, sentence vector], standardised."""

    mean: np.ndarray
    scale: np.ndarray
    weights: np.ndarray
    bias: float
    threshold: float
    uses_vector: bool
    rules_or: bool  # refuse when the rules fire, whatever the model says

    def score(self, lexical: np.ndarray, vector: np.ndarray | None) -> float:
        x = lexical
        if self.uses_vector:
            assert vector is not None
            x = np.concatenate([x, np.asarray(vector, dtype=np.float32).ravel()])
        return float(((x - self.mean) / self.scale) @ self.weights + self.bias)


def model_from(data: dict[str, Any]) -> Model:
    return Model(
        mean=np.asarray(data["mean"], dtype=np.float32),
        scale=np.asarray(data["scale"], dtype=np.float32),
        weights=np.asarray(data["weights"], dtype=np.float32),
        bias=float(data["bias"]), threshold=float(data["threshold"]),
        uses_vector=bool(data["uses_vector"]), rules_or=bool(data["rules_or"]),
    )


def features(question: str) -> np.ndarray:
    """The lexical part of the model's input: term counts, patterns and the rule score."""
    return np.append(lexical_features(question), np.float32(rule_score(question)))


@lru_cache(maxsize=1)
def _model() -> Model:
    text = resources.files("coach.answering").joinpath("clinical_weights.json").read_text(
        encoding="utf-8")
    return model_from(json.loads(text))


_embedder: Embedder | None = None
_lock = threading.Lock()


def _embed(question: str) -> np.ndarray:
    """The bundled embedder's vector for the question (the model loads on first use), for a
    caller without one (the pipeline always passes it): run by ONNX Runtime like the app's
    default backend, from the settings' export cache, so that no caller loads torch for one
    question (about 4 s) and the vector is the one the pipeline would have passed."""
    global _embedder
    with _lock:
        if _embedder is None:
            from coach.config import BUNDLED_EMBEDDER, load_settings
            from coach.providers.onnx_embeddings import OnnxEmbeddings

            _embedder = OnnxEmbeddings(BUNDLED_EMBEDDER, backend="onnx",
                                       cache=load_settings().embedding_cache_path)
    return np.asarray(_embedder.encode([question])[0], dtype=np.float32)


def score(question: str, vector: np.ndarray | None = None) -> float:
    """The model's score minus its threshold: positive means clinical."""
    model = _model()
    if model.uses_vector and vector is None:
        vector = _embed(question)
    return model.score(features(question), vector) - model.threshold


def states_a_dose(sentence: str) -> bool:
    """True when a sentence of a reply gives a dose or quantity of a medicine ("take 40 mg of
    X twice a day"): a dose pattern the clinical rules read as clinical. No answer may."""
    return bool(_DOSE.search(sentence)) and rules_say_clinical(sentence)


def is_clinical(question: str, vector: Vectors | None = None) -> bool:
    """True when the question asks for clinical advice (never answered).

    ``vector`` is the question's unit-length vector from the bundled embedder, when the
    caller has it (retrieval computes it anyway); otherwise it is computed here if needed.
    """
    if _model().rules_or and rules_say_clinical(question):
        return True
    return score(question, vector) > 0
