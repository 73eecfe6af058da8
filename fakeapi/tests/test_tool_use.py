"""Tool use: a request with tools gets one tool_use block, from its own queue."""

import anthropic
import pytest

from fakeapi import FakeServer, Overloaded, Reply, ToolUse
from fakeapi.behaviours import behaviour_from_json
from fakeapi.tests.helpers import a_body, call

CODES_TOOL = {
    "name": "record_codes",
    "description": "Record the codes.",
    "input_schema": {
        "type": "object",
        "properties": {
            "codes": {
                "type": "array",
                "items": {"type": "string", "enum": ["open_question", "other"]},
                "minItems": 1,
            }
        },
        "required": ["codes"],
    },
}
FORCED = {"type": "tool", "name": "record_codes"}


def tool_body(**extra) -> dict:
    return a_body("Code this.", stream=False, tools=[CODES_TOOL], tool_choice=FORCED, **extra)


def test_a_queued_tool_use_is_the_answer_with_its_usage(server: FakeServer):
    server.enqueue_tool(ToolUse({"codes": ["other"]}))
    answer = call(server, tool_body()).json()
    [block] = answer["content"]
    assert block["type"] == "tool_use" and block["name"] == "record_codes"
    assert block["input"] == {"codes": ["other"]} and block["id"].startswith("toolu_")
    assert answer["stop_reason"] == "tool_use"
    assert answer["usage"]["input_tokens"] > 0 and answer["usage"]["output_tokens"] > 0


def test_without_a_queued_answer_the_input_follows_the_schema(server: FakeServer):
    [block] = call(server, tool_body()).json()["content"]
    assert block["input"] == {"codes": ["open_question"]}


def test_tool_requests_and_replies_keep_separate_queues(server: FakeServer):
    server.enqueue(Reply("Just tired."))
    server.enqueue_tool(Overloaded())
    assert call(server, tool_body()).status == 529
    assert call(server, a_body(stream=False)).json()["content"][0]["text"] == "Just tired."


@pytest.mark.parametrize(
    ("extra", "problem"),
    [
        ({"tool_choice": {"type": "tool", "name": "other_tool"}}, "tool_choice.name"),
        ({"tool_choice": {"type": "sometimes"}}, "tool_choice.type"),
        ({"tools": [{"name": "x", "input_schema": {"type": "array"}}]}, "input_schema.type"),
        ({"tools": [{"input_schema": {"type": "object"}}]}, "tools.0.name"),
        ({"stream": True}, "without streaming"),
    ],
)
def test_a_malformed_tool_request_is_refused(server: FakeServer, extra, problem):
    answer = call(server, tool_body() | extra)
    assert answer.status == 400 and problem in answer.json()["error"]["message"]


def test_tool_choice_needs_tools(server: FakeServer):
    answer = call(server, a_body(stream=False, tool_choice=FORCED))
    assert answer.status == 400 and "tool_choice" in answer.json()["error"]["message"]


def test_the_sdk_reads_the_tool_call(server: FakeServer):
    server.enqueue_tool(ToolUse({"codes": ["other", "open_question"]}))
    with anthropic.Anthropic(api_key="sk-test", base_url=server.base_url, max_retries=0) as sdk:
        message = sdk.messages.create(
            model="claude-haiku-5-5",
            max_tokens=50,
            messages=[{"role": "user", "content": "Code this."}],
            tools=[CODES_TOOL],
            tool_choice=FORCED,
        )
    [block] = message.content
    assert block.type == "tool_use" and block.input == {"codes": ["other", "open_question"]}
    assert message.stop_reason == "tool_use"


def test_a_tool_use_can_be_queued_from_another_process(server: FakeServer):
    body = {"behaviours": [{"type": "tool_use", "input": {"codes": ["other"]}}], "queue": "tools"}
    assert call(server, body, path="/_fake/behaviours").status == 200
    assert behaviour_from_json(body["behaviours"][0]) == ToolUse({"codes": ["other"]})
    [block] = call(server, tool_body()).json()["content"]
    assert block["input"] == {"codes": ["other"]}
