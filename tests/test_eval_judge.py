"""The optional LLM judge, driven by langchain_core's GenericFakeChatModel (a hosted LLM is
the one thing we fake): temperature 0, cached by prompt version + model + inputs, parse errors
reported as errors, always advisory."""

from __future__ import annotations

import json

from langchain_core.language_models.fake_chat_models import GenericFakeChatModel
from langchain_core.messages import AIMessage

from coach import prompts
from coach.evals.judge import LLMJudge, parse_reply

GOOD = '{"faithfulness": 1, "relevance": 0.5, "correctness": 0.75, "reason": "fine"}'
ARGS = ("What is PDSA?", "Plan, do, study, act. [1]", ["PDSA means plan, do, study, act."],
        ["Plan, do, study and act"])


def fake(*replies: str) -> GenericFakeChatModel:
    return GenericFakeChatModel(messages=iter([AIMessage(r) for r in replies]))


def test_parse_reply():
    assert parse_reply("Here you go:\n```json\n" + GOOD + "\n```") == (
        {"faithfulness": 1.0, "relevance": 0.5, "correctness": 0.75}, "fine")
    for bad, what in (("no json here", "no JSON object"), ("{oops}", "not valid JSON"),
                      ('{"faithfulness": 2, "relevance": 1, "correctness": 1}', "faithfulness"),
                      ('{"faithfulness": 1, "relevance": "high", "correctness": 1}',
                       "relevance"),
                      ('{"faithfulness": 1, "relevance": 1}', "correctness")):
        try:
            parse_reply(bad)
        except ValueError as exc:
            assert what in str(exc)
        else:
            raise AssertionError(f"{bad!r} parsed")


def test_grade_is_cached_by_inputs(tmp_path):
    judge = LLMJudge(fake(GOOD), cache_dir=tmp_path)
    first = judge.grade(*ARGS)
    assert first == {"scores": {"faithfulness": 1.0, "relevance": 0.5, "correctness": 0.75},
                     "reason": "fine", "error": None, "cached": False, "advisory": True}
    # the fake has no more replies: a second call must come from the cache
    again = LLMJudge(fake(), cache_dir=tmp_path).grade(*ARGS)
    assert again["scores"] == first["scores"] and again["cached"]
    # other inputs are a cache miss
    other = LLMJudge(fake(GOOD), cache_dir=tmp_path).grade("Another question?", *ARGS[1:])
    assert not other["cached"]
    assert len(list(tmp_path.glob("*.json"))) == 2


def test_cache_key_includes_prompt_version_and_model(tmp_path):
    judge = LLMJudge(fake(GOOD), cache_dir=tmp_path)
    key = judge._key(judge.render(*ARGS))
    judge.prompt_version = "changed"
    assert judge._key(judge.render(*ARGS)) != key
    judge.prompt_version, judge.model_id = LLMJudge(fake(), tmp_path).prompt_version, "other"
    assert judge._key(judge.render(*ARGS)) != key


def test_parse_errors_are_reported_not_scored(tmp_path):
    result = LLMJudge(fake("I think it is good."), cache_dir=tmp_path).grade(*ARGS)
    assert result["scores"] == {} and "no JSON object" in result["error"]
    assert result["advisory"]
    failing = GenericFakeChatModel(messages=iter([]))  # raises when called
    result = LLMJudge(failing, cache_dir=tmp_path / "x").grade(*ARGS)
    assert result["error"] and result["scores"] == {}


def test_prompt_file_renders_inputs(tmp_path):
    judge = LLMJudge(fake(), cache_dir=tmp_path)
    text = judge.render(*ARGS)
    assert "What is PDSA?" in text and "[1] PDSA means plan, do, study, act." in text
    assert "- Plan, do, study and act" in text
    assert '{"faithfulness": 0.8' in text  # the literal JSON example survives rendering
    assert judge.template == prompts.read("eval-judge.md")
    assert judge.describe()["advisory"] is True
    json.dumps(judge.describe())


def test_temperature_is_zero_when_the_model_has_one(tmp_path):
    from langchain_core.language_models.fake_chat_models import ParrotFakeChatModel

    class WarmModel(ParrotFakeChatModel):
        temperature: float = 0.7

    judge = LLMJudge(WarmModel(), cache_dir=tmp_path)
    assert judge.model.temperature == 0.0 and judge.describe()["temperature"] == 0.0
    assert LLMJudge(fake(), cache_dir=tmp_path).describe()["temperature"] == "model default"
