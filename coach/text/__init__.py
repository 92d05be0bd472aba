"""Small, pure text helpers shared by ingest, retrieval, answering, coaching and evals: the one
place for words and stemming, sentences, Markdown, citation markers, figures and text addressed
to a language model."""

from coach.text.figures import NUMBER_WORDS, ORDINAL_WORDS, figures
from coach.text.instructions import addressed_to_a_model, instruction_share, without_instructions
from coach.text.markers import (
    MARKER,
    MARKER_RUN,
    marker_numbers,
    markers_before_stop,
    split_marker_lists,
    strip_markers,
)
from coach.text.markup import is_heading, strip_markdown
from coach.text.sentences import (
    first_sentence,
    list_item,
    list_items,
    sentence_groups,
    sentence_key,
    sentence_spans,
    sentences,
    split_sentences,
)
from coach.text.words import STOPWORDS, content_words, normalise, stem, tokens, words

__all__ = [
    "MARKER", "MARKER_RUN", "NUMBER_WORDS", "ORDINAL_WORDS", "STOPWORDS", "addressed_to_a_model",
    "content_words", "figures", "first_sentence", "instruction_share", "is_heading",
    "list_item", "list_items", "marker_numbers", "markers_before_stop", "normalise",
    "sentence_groups", "sentence_key", "sentence_spans", "sentences", "split_marker_lists",
    "split_sentences", "stem", "strip_markdown", "strip_markers", "tokens",
    "without_instructions", "words",
]
