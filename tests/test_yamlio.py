"""The one YAML-plus-pydantic parser behind journey.yaml and eval suites (pure)."""

from __future__ import annotations

import pytest
from pydantic import BaseModel, ConfigDict

from coach.yamlio import parse_model


class Thing(BaseModel):
    model_config = ConfigDict(extra="forbid")
    title: str
    size: int = 1


class ThingError(Exception):
    pass


def test_a_misspelt_key_is_named_with_its_line_before_the_missing_one():
    with pytest.raises(ThingError, match=r"^thing.yaml line 2: titel: Extra inputs .*"
                                         r"\(and 1 more problem\(s\)\)$"):
        parse_model("size: 2\ntitel: A\n", "thing.yaml", Thing, ThingError)


def test_a_bad_value_names_its_line_and_broken_yaml_its_own():
    with pytest.raises(ThingError, match=r"^t.yaml line 2: size: Input should be a valid int"):
        parse_model("title: A\nsize: lots\n", "t.yaml", Thing, ThingError)
    with pytest.raises(ThingError, match=r"^t.yaml line 2: not valid YAML"):
        parse_model("title: A\n  size: [\n", "t.yaml", Thing, ThingError)


def test_a_top_level_that_is_not_a_mapping_gets_the_given_message():
    with pytest.raises(ThingError, match=r"^t.yaml line 1: a thing is a mapping$"):
        parse_model("- a\n- b\n", "t.yaml", Thing, ThingError, mapping="a thing is a mapping")
    assert parse_model("title: A\n", "t.yaml", Thing, ThingError) == Thing(title="A")
