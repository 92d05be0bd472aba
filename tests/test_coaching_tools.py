"""The chat coaches' operations as LangChain tools, driven by a fake tool-calling chat model
(a hosted model's stand-in); everything else is real: embedder, Chroma, the shipped knowledge."""

from __future__ import annotations

import re
from typing import Any

import pytest
from coaching_helpers import indexed_home
from langchain_core.language_models import BaseChatModel
from langchain_core.language_models.fake_chat_models import GenericFakeChatModel
from langchain_core.messages import AIMessage, ToolMessage
from langchain_core.outputs import ChatGeneration, ChatResult

from coach.app import build_coach
from coach.coaching.chat.tools import supports_tools
from coach.coaching.session import JourneySession

pytestmark = pytest.mark.slow  # see SLOW_FIXTURES in conftest.py


class ToolCallingFake(BaseChatModel):
    """Calls the scripted tools in turn, then quotes the first passage it found, cited [1]."""

    script: list[dict[str, Any]] = []

    @property
    def _llm_type(self) -> str:
        return "fake-tool-calling"

    def bind_tools(self, tools: Any, **kwargs: Any) -> ToolCallingFake:
        return self

    def _generate(self, messages: list[Any], stop: Any = None, run_manager: Any = None,
                  **kwargs: Any) -> ChatResult:
        done = sum(isinstance(m, AIMessage) for m in messages)
        if done < len(self.script):
            message = AIMessage(content="", tool_calls=[{**self.script[done], "id": str(done)}])
        else:
            found = next(m.content for m in messages if isinstance(m, ToolMessage)
                         and m.content.startswith("[1]"))
            passage = found.split(": ", 1)[1]
            sentence = re.match(r"(.+?[.!?])(\s|$)", passage.replace("\n", " ")).group(1)
            message = AIMessage(content=f"{sentence} [1]")
        return ChatResult(generations=[ChatGeneration(message=message)])


SCRIPT = [{"name": "journey_status", "args": {}},
          {"name": "step_guide", "args": {"step": 2}},
          {"name": "search_guidance", "args": {"query": "practical actions for board support"}},
          {"name": "add_note", "args": {"text": "Board agreed funding in May", "step": 2}}]


@pytest.fixture(scope="module")
def settings(tmp_path_factory, embedder):
    return indexed_home(tmp_path_factory, embedder, "tools")


def test_a_tool_calling_model_uses_the_journey_tools_and_its_reply_is_cited(settings, embedder):
    llm = ToolCallingFake(script=SCRIPT)
    assert supports_tools(llm) and not supports_tools(GenericFakeChatModel(messages=iter([])))
    coach = build_coach(settings, embedder=embedder, llm=llm)
    answer = coach.ask("We have done step 1, what next?", user="tools")
    assert answer.query == "journey:tools"
    assert answer.text.endswith("[1]") and answer.citations[0].number == 1
    assert not answer.unsupported
    notes = JourneySession.open(settings, "tools").progress().step("board-support").notes
    assert notes == ("Board agreed funding in May",)


def test_a_model_without_tool_calling_gets_the_deterministic_replies(settings, embedder):
    llm = GenericFakeChatModel(messages=iter([AIMessage(content="unused")]))
    coach = build_coach(settings, embedder=embedder, llm=llm)
    answer = coach.ask("We have done step 1, what next?", user="plain")
    assert answer.query == "journey:next" and "Step 2: Securing board support" in answer.text
