"""Sentence splitting (pure): sentences, list items, and the lists a sentence introduces."""

from __future__ import annotations

from coach.text import sentence_groups, sentences

COMPONENTS = """NHS IMPACT is a shared approach. The approach is organised around five components:

- Component one is shared purpose and vision.
- Component two is investing in people and culture.
- Component three is developing leadership behaviours.
- Component four is building improvement capability and capacity.
- Component five is embedding improvement into management systems.

Coaching guidance: compare the components with the four elements.
"""


def test_a_lead_in_carries_its_list_even_after_a_blank_line():
    groups = sentence_groups(COMPONENTS)
    assert groups[0] == ("NHS IMPACT is a shared approach.", ())
    lead, items = groups[1]
    assert lead == "The approach is organised around five components:"
    assert items[0] == "Component one is shared purpose and vision."
    assert len(items) == 5
    assert groups[2] == ("Coaching guidance: compare the components with the four elements.", ())
    assert len(groups) == 3  # the items are not repeated as sentences of their own


def test_the_last_sentence_of_a_paragraph_carries_the_list_after_it():
    text = ("Boards matter. Several pitfalls recur when leads seek board support.\n\n"
            "- Delegating improvement to a committee.\n- Expecting quick returns.\n- Too many "
            "priorities.")
    assert sentence_groups(text) == [
        ("Boards matter.", ()),
        ("Several pitfalls recur when leads seek board support.",
         ("Delegating improvement to a committee.", "Expecting quick returns.",
          "Too many priorities.")),
    ]


def test_a_list_with_no_lead_in_stands_alone():
    assert sentence_groups("- One item on its own.\n- Another item.") == [
        ("One item on its own.", ()), ("Another item.", ()),
    ]
    after_a_heading = "Intro.\n\n## Steps\n\n- First step.\n- Second step."
    assert sentence_groups(after_a_heading) == [
        ("Intro.", ()), ("First step.", ()), ("Second step.", ()),
    ]


def test_a_list_too_long_to_quote_whole_stands_alone():
    text = "The checklist has these items:\n" + "\n".join(f"- Item {i}." for i in range(12))
    groups = sentence_groups(text)
    assert groups[0] == ("The checklist has these items:", ())
    assert len(groups) == 13


def test_headings_and_tables_end_a_list():
    text = "The plan names:\n- who;\n- when.\n\n## Next\n\n- A separate item."
    assert sentence_groups(text) == [
        ("The plan names:", ("who;", "when.")), ("A separate item.", ()),
    ]


def test_an_item_ending_in_a_colon_carries_its_sub_items():
    text = "- Leadership:\n  - a board that leads;\n  - a named executive.\n- Culture matters."
    assert sentence_groups(text) == [
        ("Leadership:", ("a board that leads;", "a named executive.")),
        ("Culture matters.", ()),
    ]


def test_sentences_lists_every_sentence_and_item_once_in_reading_order():
    assert sentences(COMPONENTS) == [
        "NHS IMPACT is a shared approach.",
        "The approach is organised around five components:",
        "Component one is shared purpose and vision.",
        "Component two is investing in people and culture.",
        "Component three is developing leadership behaviours.",
        "Component four is building improvement capability and capacity.",
        "Component five is embedding improvement into management systems.",
        "Coaching guidance: compare the components with the four elements.",
    ]


def test_wrapped_lines_continue_their_sentence():
    text = "A run chart plots a measure\nover time. It uses the median\nas its centre line."
    assert sentences(text) == ["A run chart plots a measure over time.",
                               "It uses the median as its centre line."]
