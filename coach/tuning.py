"""Every tuning number of the answer pipeline that is not a setting, in one place.

Settings (coach/config.py, COACH_*) are what a deployment may change; these are the numbers
behind them that were tuned on the dev suite or chosen by hand, each with what it does and
how it was chosen. Nothing else in coach/ repeats them as a default.
"""

from __future__ import annotations

# -- the refusal gate (answering/gate.py) ---------------------------------------------------
# weight of the IDF-weighted share of the question's words found in the top passages, added
# to the best passage's cosine similarity before comparing with COACH_MIN_RELEVANCE
COVERAGE_WEIGHT = 0.35
# a follow-up's own words must be found too: "what about the pay band for that role?" after a
# question about QI leads carries the topic, but the guidance says nothing about pay
MIN_FOLLOW_UP_COVERAGE = 0.3

# -- does the draft answer the question? (answering/answered.py) ----------------------------
# names used by this share of the guidance's chunks or more (NHS, QI, PDSA) are its subject
# matter, not a question's specific subject: only rarer ones (a trust, an author) must be cited
NAME_MAX_SHARE = 0.05

# -- the citation check (answering/citations.py) --------------------------------------------
# a cited sentence is supported when its passage is this similar to it (cosine) ...
CITATION_MIN_SIMILARITY = 0.6
# ... or holds this share of its content words ...
CITATION_MIN_OVERLAP = 0.6
# ... or this share together with CITATION_MIN_SIMILARITY's similarity
CITATION_MIN_OVERLAP_WITH_SIMILARITY = 0.3

# -- uploads (library/uploads.py) -----------------------------------------------------------
# an upload is held back for the editor to confirm when at least this share of its sentences
# is addressed to an assistant or a language model ("mostly instructions", issue #16);
# below it, the file is indexed with a note (retrieval never passes those sentences on)
INSTRUCTIONS_HELD_SHARE = 0.5

# -- the extractive answerer (answering/extractive.py) --------------------------------------
# two candidate sentences sharing more than this share of their content words are duplicates
DUPLICATE_SHARE = 0.6
# a retrieved passage no closer to the question than unrelated text (cosine below this) is
# never quoted, whatever the learnt scorer says: fusion can rank a passage by one shared
# word, and the scorer never saw such passages in the dev suite (its lowest quoted: 0.09)
MIN_PASSAGE_SIMILARITY = 0.05
# sentence vectors kept in memory (LRU), so popular passages are looked up once
SENTENCE_CACHE_SIZE = 20_000
# (the sentence scorer's weights and selection caps are learnt: answering/sentence_weights.json)

# -- lists and chunks (text/sentences.py, ingest/chunking.py) -------------------------------
# a list is quoted whole with the sentence that introduces it when it is at most this long
LIST_MAX_ITEMS = 10
LIST_MAX_CHARS = 900
# a section's opening sentence is repeated atop its later chunks when at most this long
LEAD_MAX_CHARS = 400
# ... or its whole answer-first paragraph (with its list) when that is at most this long, so
# that whichever chunk of the section is retrieved can give the direct answer
REPEATED_ANSWER_MAX_CHARS = 600
# the sentence-selection fallback's direct answer: at most this many sentences, this long
DIRECT_MAX_SENTENCES = 3
DIRECT_MAX_CHARS = 450
# sentences of the leading section's own detail that open "More from the guidance"
SECTION_DETAIL = 3
# answer-first paragraphs of other sections the section model is confident answer the same
# question that follow it there, most confident first, and the confidence they need (at least
# weights.support; stricter than for single sentences, so that a whole paragraph on a
# neighbouring topic stays out)
SUPPORT_ANSWERS = 1
SUPPORT_ANSWER_FLOOR = 0.35
# the longest answer-first paragraph (with its list) taken as a section's direct answer
ANSWER_MAX_CHARS = 900

# retrieval's question channel (retrieval/retriever.py) ranks only sections whose own question
# is at least this close (cosine) to the user's: a far question is no evidence, and ranking
# every section would push documents without question headings (uploads) down in a small
# library. On the fit suites a floor of 0.5 to 0.7 measured the same as none.
QUESTION_CHANNEL_FLOOR = 0.6

# -- the review queue (review/queue.py) -----------------------------------------------------
# a refusal for weak evidence is queued for review when its best passage's similarity to the
# question came within this much of COACH_MIN_RELEVANCE (chosen by hand: a near miss)
REVIEW_NEAR_REFUSAL = 0.05
