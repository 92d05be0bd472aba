"""The wording of proposed cases (pure): what shape a section's heading question has, template
paraphrases of it, a follow-up that names its subject with a pronoun, and the way staff type.

``shape`` reads a heading question ("What is a driver diagram?", "How do you read a driver
diagram?", "What is the difference between X and Y?") into a ``Shape``: a kind and the phrases
that fill its templates. Only paraphrases of the same question are offered, so the section
that answers the heading question answers every paraphrase too. Each choice is drawn from a
``random.Random`` the caller seeds, so a seed always gives the same wording. Used by
coach/evals/propose.py.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from random import Random

from coach.text import STOPWORDS, normalise

_WHO = (r"(?:we|you|i|they|staff|leaders|teams|trusts|boards|"
        r"(?:a|an|the|our) (?:[\w-]+ ){0,2}?(?:trust|team|lead|leader|board|organisation|"
        r"ward|manager)s?)")
# kind, pattern over the question without its question mark (case ignored)
_SHAPES: tuple[tuple[str, re.Pattern[str]], ...] = tuple(
    (kind, re.compile(pattern, re.IGNORECASE)) for kind, pattern in (
        ("comparison", r"^what(?:'s| is| are) the differences? between (?P<x>.+?) and "
                       r"(?P<y>.+)$"),
        ("comparison", r"^how (?:does|do|is|are) (?P<x>.+?) (?:differ from|compare with|"
                       r"compare to|relate to|different from) (?P<y>.+)$"),
        ("comparison", r"^(?P<x>.+?) (?:vs\.?|versus) (?P<y>.+)$"),
        ("abbreviation", r"^what does (?P<x>\S+) stand for$"),
        ("definition", r"^what (?P<cop>is|are|was|were) (?:meant by )?(?P<x>(?!the "
                       r"(?:difference|best|main)\b).+?)(?: in (?:qi|lean|health care|"
                       r"quality improvement))?$"),
        ("definition", r"^what does (?P<x>.+?) mean(?: in .+)?$"),
        ("works", r"^how (?:does|do) (?P<x>.+?) work$"),
        ("know", rf"^how (?:do|does|can|would) {_WHO} (?:know|tell) (?:whether |if |that )?"
                 r"(?P<x>.+)$"),
        ("how-to", rf"^how (?:do|does|can|should|could|would|might) {_WHO} (?P<x>.+)$"),
        ("why", r"^why (?:does|do|is|are) (?P<x>.+?) (?:matter|important)(?P<tail> .+)?$"),
        ("lead-questions", r"^what questions should (?:a|the) lead ask (?:about|when) "
                           r"(?P<x>.+)$"),
        ("enablers", r"^which enablers (?:do|does) (?P<x>.+?) (?:lean|draw) on$"),
        ("leads-into", r"^how (?:do|does) (?P<x>.+?) lead into (?P<y>.+)$"),
    ))
# a defined phrase is a noun phrase, not a clause
_CLAUSE = re.compile(r"\b(?:that|to|which|when|whether|if|should|can|do|does|did|have|has)\b",
                     re.IGNORECASE)
_LAST_PREPOSITION = re.compile(r"\b(?:for|of|in|on|to|with|about|from)$", re.IGNORECASE)
_MAX_SUBJECT_WORDS = 8

# template paraphrases of each kind of heading question: {x} {y} the phrases, {is} {does}
# agreeing with {x}, {tail} the rest of a "why ... matter" question
TEMPLATES: dict[str, tuple[str, ...]] = {
    "definition": ("Can you explain {x}?", "What do people mean by {x}?",
                   "Tell me what {x} {is}.", "I keep hearing about {x}. What {is} {that}?",
                   "In simple terms, what {is} {x}?"),
    "abbreviation": ("What is {x} short for?", "What does the abbreviation {x} mean?",
                     "{x} stands for what?", "What's the full name behind {x}?"),
    "how-to": ("How do I {x}?", "What are the steps to {x}?", "What's the best way to {x}?",
               "Any tips on how to {x}?", "How would our team {x}?"),
    "works": ("Can you walk me through how {x} {works}?", "How {does} {x} work in practice?",
              "What are the mechanics of {x}?"),
    "know": ("How can we tell whether {x}?", "What are the signs that {x}?",
             "How would I check that {x}?"),
    "why": ("Why {is} {x} important{tail}?", "What difference {does} {x} make{tail}?",
            "Does {x} really matter{tail}?"),
    "comparison": ("What's the difference between {x} and {y}?", "How do {x} and {y} compare?",
                   "{x} vs {y}: how do they differ?", "Can you compare {x} with {y}?"),
    "lead-questions": ("What should I be asking about {x}?",
                       "Give me some questions to ask about {x}.",
                       "Which questions help a lead check {x}?"),
    "enablers": ("What enablers {does} {x} rely on?", "Which of the enablers matter for {x}?",
                 "What does {x} need in place to work?"),
    "leads-into": ("How {does} {x} connect to {y}?", "What's the link between {x} and {y}?",
                   "How do you get from {x} to {y}?"),
}
FOLLOW_UPS = ("Can you say more about {it}?", "Tell me more about {it}.",
              "What else should I know about {it}?")
# how staff type: lower case, no question mark, abbreviations, short forms
ABBREVIATIONS = (("quality improvement", "QI"), ("plan-do-study-act", "PDSA"),
                 ("plan do study act", "PDSA"), ("statistical process control", "SPC"),
                 ("making data count", "MDC"), ("east london nhs foundation trust", "ELFT"))
SHORT_FORMS = (("what is the difference between", "whats the diff between"),
               ("what's the difference between", "whats the diff between"),
               ("what is", "whats"), ("what's", "whats"), ("how do i", "how do u"),
               ("organisation", "org"))
STAFF_FRAMES = ("{q}", "{q} pls", "quick q - {q}", "{q} thanks", "sorry if obvious but {q}")


@dataclass(frozen=True)
class Shape:
    """A heading question's kind (a key of TEMPLATES, or "other") and its phrases."""

    kind: str
    x: str = ""
    y: str = ""
    parts: Mapping[str, str] = field(default_factory=dict)


def bare(question: str) -> str:
    """The question without its question mark and outer spaces, its spacing collapsed."""
    return " ".join(question.split()).rstrip("?").strip()


def shape(question: str) -> Shape:
    """What kind of question a heading asks, and the phrases its templates need."""
    text = bare(question)
    for kind, pattern in _SHAPES:
        match = pattern.match(text)
        if not match:
            continue
        found = {k: v for k, v in match.groupdict().items() if v}
        x, y = found.pop("x", "").strip(), found.pop("y", "").strip()
        if kind == "definition" and (_CLAUSE.search(x) or _LAST_PREPOSITION.search(x) or
                                     len(x.split()) > _MAX_SUBJECT_WORDS):
            continue
        if kind == "how-to":  # "How can a trust find its own barriers" -> "find our own..."
            x = re.sub(r"\b(?:its|their)\b", "our", x)
        return Shape(kind, x, y, found)
    return Shape("other")


def plural(phrase: str) -> bool:
    """A rough number for a noun phrase: "drivers", "buy-in and vision" are plural."""
    words = re.split(r"\s+(?:of|for|in|on|with)\s+", phrase.lower())[0].split()  # the head
    if not words:
        return False
    last = words[-1]
    if words[0].endswith("ing"):  # "aligning and coordinating activity"
        return False
    return " and " in f" {' '.join(words)} " or (
        last.endswith("s") and not last.endswith(("ss", "us", "is", "ics")) and len(last) > 3)


def _fill(template: str, s: Shape) -> str:
    many = plural(s.x)
    text = template.format(x=s.x, y=s.y, tail=s.parts.get("tail", ""),
                           **{"is": "are" if many else "is", "does": "do" if many else "does",
                              "works": "work" if many else "works",
                              "that": "those" if many else "that"})
    return text[0].upper() + text[1:]


def paraphrases(s: Shape, rng: Random, n: int = 2) -> list[str]:
    """Up to ``n`` template paraphrases of a heading question of this shape, chosen by
    ``rng`` (none for a question of no known shape)."""
    pool = TEMPLATES.get(s.kind, ())
    return [_fill(t, s) for t in rng.sample(pool, min(n, len(pool)))]


def defined_subject(s: Shape) -> str:
    """The phrase a definition question defines ("a driver diagram"), else ''."""
    return s.x if s.kind in ("definition", "abbreviation") else ""


_ARTICLE = re.compile(r"^(?:a|an|the)\s+", re.IGNORECASE)
# verbs that may follow a subject ("How does a maturity matrix work?")
_VERBS = ("work", "works", "mean", "means", "matter", "last", "contain", "include", "help",
          "show", "cover", "change", "fit", "differ")
_SUBJECT_AUX = re.compile(r"\b(?:does|do|is|are|can|should|did|was|were|will|would)\s+$",
                          re.IGNORECASE)


def core(phrase: str) -> str:
    """A noun phrase without its article, lower case: "a driver diagram" -> "driver diagram"."""
    return _ARTICLE.sub("", phrase.strip()).lower()


def with_pronoun(question: str, subjects: Sequence[str]) -> tuple[str, str] | None:
    """The question with the longest of ``subjects`` it names replaced by a pronoun ("How do
    you read it?"), and that subject; None when it names none of them as a whole phrase (an
    phrase that qualifies the next word, "a QI project", is not replaced)."""
    for subject in sorted(subjects, key=lambda x: (-len(core(x)), core(x))):
        match = _named(question, core(subject), subject)
        if match is None:
            continue
        before = question[:match.start()]
        pronoun = "it" if not plural(core(subject)) else (
            "they" if _SUBJECT_AUX.search(before) else "them")
        return before + pronoun + question[match.end():], subject
    return None


def _named(question: str, name: str, subject: str) -> re.Match[str] | None:
    """Where ``question`` names the subject (after its first word), or None. A subject
    written with capitals ("Lean") matches only as written; one followed by a word that is
    not a stopword or a common verb is part of a longer name ("a process mapping session", "the IHI
    Framework")."""
    if not name:
        return None
    caps = subject != subject.lower()
    written = re.escape(_ARTICLE.sub("", subject.strip()) if caps else name)
    match = re.search(rf"\b(?:(?:a|an|the|our)\s+)?{written}(?![\w-])", question,
                      0 if caps else re.IGNORECASE)
    if not match or match.start() == 0:
        return None
    following = re.match(r"\s+([\w'-]+)", question[match.end():])
    if following and following.group(1).lower() not in (*STOPWORDS, *_VERBS):
        return None
    return match


def follow_up(subject: str, rng: Random) -> str:
    """A follow-up that asks for more on ``subject`` with a pronoun ("Tell me more about it.")."""
    return rng.choice(FOLLOW_UPS).format(it="them" if plural(core(subject)) else "it")


def staff_style(question: str, rng: Random) -> str:
    """The question as staff type it into a chat box: lower case, no question mark, QI / PDSA
    / SPC abbreviations and short forms, sometimes a word before or after."""
    text = bare(question).lower()
    for long, short in ABBREVIATIONS:
        text = re.sub(rf"\b{re.escape(long)}\b(?:\s*\((?:{short.lower()})\))?", short, text)
    text = re.sub(r"\b(qi|pdsa|spc|mdc|elft)\b", lambda m: m.group(1).upper(), text)
    for long, short in SHORT_FORMS:
        text = re.sub(rf"\b{re.escape(long)}\b", short, text)
    text = text.rstrip(".?! ")
    # always typed differently from the question it restyles
    same = normalise(text) == normalise(question)
    return rng.choice(STAFF_FRAMES[1:] if same else STAFF_FRAMES).format(q=text)
