"""The model coder through the real anthropic SDK, against fakeapi: its request on the wire, a
valid tool call taken, an invalid one falling back to the deterministic coder and recorded."""

import logging
import uuid

import pytest

from clients.prompts.coder_prompt import coder_system_prompt, coder_tool
from conversations.engine.coding import coding_request
from conversations.llm import get_provider
from conversations.llm.base import ProviderError
from conversations.llm.pricing import cost_of
from conversations.models import TurnState
from conversations.tests.conftest import (
    aclose_providers,
    open_socket,
    student_frame,
    wait_for_replies,
)
from conversations.tests.test_integration import CARDS, _in_thread, session_for
from fakeapi import Overloaded, ToolUse

pytestmark = pytest.mark.django_db(transaction=True)

STUDENT_TURN = "It sounds like the nights are the hardest part. What are they like?"


@pytest.fixture(autouse=True)
async def close_sdk_clients():
    yield
    await wait_for_replies()
    await aclose_providers()


@pytest.fixture
def coder_log(caplog):
    caplog.set_level(logging.WARNING, logger="conversations.engine")
    return caplog


def tool_requests(fake_api) -> list:
    return [request for request in fake_api.requests if "tools" in request.body]


async def a_turn(fake_api) -> tuple:
    session = await _in_thread(session_for, CARDS[0])
    socket = await open_socket(session.student, session.id)
    await socket.send(student_frame(STUDENT_TURN, str(uuid.uuid4())))
    events = await socket.receive_until_any(("reply.completed", "reply.failed"))
    await socket.close()
    await wait_for_replies()
    return session, events[-1]


async def test_the_coding_call_is_one_forced_tool_call_and_its_codes_are_kept(
    fake_anthropic, settings
):
    settings.LLM_CODER_MAX_TOKENS = 80
    fake_anthropic.enqueue_tool(ToolUse({"codes": ["complex_reflection", "open_question"]}))
    session, last = await a_turn(fake_anthropic)

    assert last["type"] == "reply.completed"
    [request] = tool_requests(fake_anthropic)
    body = request.body
    assert body["model"] == session.model
    assert body["tools"] == [coder_tool()]
    assert body["tool_choice"] == {"type": "tool", "name": "record_codes"}
    assert body["max_tokens"] == 80 and not body.get("stream")
    assert body["system"] == [
        {"type": "text", "text": coder_system_prompt(), "cache_control": {"type": "ephemeral"}}
    ]
    [message] = body["messages"]
    assert message["role"] == "user" and STUDENT_TURN in message["content"][0]["text"]
    assert body["metadata"] == {"user_id": str(session.student_id)}
    assert "temperature" not in body

    state = await TurnState.objects.aget(session=session)
    assert (state.source, state.codes) == ("model", ["complex_reflection", "open_question"])
    assert state.coding_input_tokens > 0 and state.coding_output_tokens > 0
    assert state.coding_cost > 0


async def test_the_coder_can_use_a_model_of_its_own(fake_anthropic, settings):
    settings.LLM_CODER_MODEL = "claude-haiku-4-5"
    session, _ = await a_turn(fake_anthropic)
    [request] = tool_requests(fake_anthropic)
    assert request.body["model"] == "claude-haiku-4-5" != session.model
    state = await TurnState.objects.aget(session=session)
    assert state.source == "model", "fakeapi's default answer follows the schema"


@pytest.mark.parametrize(
    "tool_input",
    [{"codes": ["hug"]}, {"codes": []}, {"labels": ["open_question"]}],
    ids=["unknown code", "no codes", "wrong field"],
)
async def test_an_invalid_coding_reply_falls_back_to_the_deterministic_coder_and_is_recorded(
    fake_anthropic, coder_log, tool_input
):
    fake_anthropic.enqueue_tool(ToolUse(tool_input))
    session, last = await a_turn(fake_anthropic)

    assert last["type"] == "reply.completed"
    state = await TurnState.objects.aget(session=session)
    assert state.source == "deterministic" and state.codes
    assert state.coding_input_tokens > 0, "the call was paid for: it is counted"
    [record] = [r for r in coder_log.records if getattr(r, "event_kind", "") == "coder.invalid"]
    assert record.session_id == str(session.id) and record.user_id == session.student_id
    assert record.details["model"] == session.model


async def test_an_overloaded_coder_falls_back_and_is_recorded(fake_anthropic, coder_log):
    fake_anthropic.enqueue_tool(Overloaded())
    session, last = await a_turn(fake_anthropic)

    assert last["type"] == "reply.completed", "the reply's own call is not touched"
    assert (await TurnState.objects.aget(session=session)).source == "deterministic"
    [record] = [r for r in coder_log.records if getattr(r, "event_kind", "") == "coder.failed"]
    assert record.details["kind"] == "overloaded"


async def test_the_provider_returns_the_tools_input_and_the_usage(fake_anthropic):
    fake_anthropic.enqueue_tool(ToolUse({"codes": ["affirm"]}))
    request = coding_request(
        model="claude-haiku-5-5",
        client_text="I did go for a walk.",
        student_text="Well done.",
        user_id=1,
    )
    result = await get_provider().code_turn(request)
    assert result.codes == ["affirm"]
    assert result.usage.input_tokens > 0 and result.usage.output_tokens > 0
    assert cost_of(result.usage, "claude-haiku-5-5") > 0


async def test_the_provider_raises_a_provider_error_for_a_failed_call(fake_anthropic):
    fake_anthropic.enqueue_tool(Overloaded())
    request = coding_request(
        model="claude-haiku-5-5", client_text="", student_text="Hi.", user_id=1
    )
    with pytest.raises(ProviderError) as raised:
        await get_provider().code_turn(request)
    assert raised.value.kind == "overloaded"
