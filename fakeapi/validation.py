"""The checks the Messages API makes before it answers, as far as Rapport can trip them.

Each check returns the 400 invalid_request_error message, or "" when the body passes. The rules
for the current models are applied to every model: no assistant prefill, no sampling parameters,
no extended thinking. The real API merges consecutive turns of one role; this server rejects
them, because Rapport promises strictly alternating turns and a test should notice a break.
Only text blocks are simulated in messages; a request with tools is answered (not streamed) with
one tool_use block.
"""

from itertools import pairwise
from typing import Any

MAX_CACHE_BREAKPOINTS = 4
CACHE_TTLS = ("5m", "1h")
SAMPLING_PARAMETERS = ("temperature", "top_p", "top_k")
KNOWN_FIELDS = frozenset(
    {
        "model",
        "messages",
        "max_tokens",
        "system",
        "metadata",
        "stream",
        "stop_sequences",
        "cache_control",
        "tools",
        "tool_choice",
        "thinking",
        "service_tier",
        "container",
        "output_config",
        "inference_geo",
        "diagnostics",
        "speed",
        *SAMPLING_PARAMETERS,
    }
)


def request_problem(body: Any) -> str:
    if not isinstance(body, dict):
        return "The request body must be a JSON object."
    for check in (_fields_problem, _system_problem, _messages_problem, _options_problem):
        problem = check(body)
        if problem:
            return problem
    return _breakpoints_problem(body)


def _fields_problem(body: dict[str, Any]) -> str:
    extra = sorted(set(body) - KNOWN_FIELDS)
    if extra:
        return f"{extra[0]}: Extra inputs are not permitted"
    if not isinstance(body.get("model"), str) or not body["model"]:
        return "model: Field required"
    max_tokens = body.get("max_tokens")
    if "max_tokens" not in body:
        return "max_tokens: Field required"
    if isinstance(max_tokens, bool) or not isinstance(max_tokens, int) or max_tokens < 1:
        return "max_tokens: Input should be a positive integer"
    if "stream" in body and not isinstance(body["stream"], bool):
        return "stream: Input should be a valid boolean"
    return _tools_problem(body)


def _tools_problem(body: dict[str, Any]) -> str:
    tools = body.get("tools", [])
    if not isinstance(tools, list) or not all(isinstance(tool, dict) for tool in tools):
        return "tools: Input should be a list of tool definitions"
    for index, tool in enumerate(tools):
        if not isinstance(tool.get("name"), str) or not tool["name"]:
            return f"tools.{index}.name: Field required"
        schema = tool.get("input_schema")
        if not isinstance(schema, dict) or schema.get("type") != "object":
            return f"tools.{index}.input_schema.type: Input should be 'object'"
    if tools and body.get("stream"):
        return "tools: the fake server simulates tool use without streaming only"
    choice = body.get("tool_choice")
    if choice is None:
        return ""
    if not isinstance(choice, dict) or choice.get("type") not in ("auto", "any", "tool", "none"):
        return "tool_choice.type: Input should be 'auto', 'any', 'tool' or 'none'"
    if not tools:
        return "tool_choice: may only be specified while providing tools"
    if choice["type"] == "tool" and choice.get("name") not in {tool["name"] for tool in tools}:
        return f"tool_choice.name: no tool named {choice.get('name')!r}"
    return ""


def _system_problem(body: dict[str, Any]) -> str:
    system = body.get("system")
    if system is None or isinstance(system, str):
        return ""
    if not isinstance(system, list):
        return "system: Input should be a valid string or a list of text blocks"
    for index, block in enumerate(system):
        problem = _text_block_problem(block, f"system.{index}")
        if problem:
            return problem
    return ""


def _messages_problem(body: dict[str, Any]) -> str:
    messages = body.get("messages")
    if not isinstance(messages, list):
        return "messages: Field required"
    if not messages:
        return "messages: at least one message is required"
    for index, message in enumerate(messages):
        problem = _message_problem(message, index)
        if problem:
            return problem
    if messages[0]["role"] != "user":
        return 'messages: first message must use the "user" role'
    for previous, current in pairwise(messages):
        if previous["role"] == current["role"]:
            return (
                'messages: roles must alternate between "user" and "assistant", '
                f'but found multiple "{current["role"]}" roles in a row'
            )
    if messages[-1]["role"] != "user":
        return (
            "This model does not support assistant message prefill. "
            "The conversation must end with a user message."
        )
    return ""


def _message_problem(message: Any, index: int) -> str:
    where = f"messages.{index}"
    if not isinstance(message, dict):
        return f"{where}: Input should be an object"
    if message.get("role") not in ("user", "assistant"):
        return f"{where}.role: Input should be 'user' or 'assistant'"
    content = message.get("content")
    if isinstance(content, str):
        return "" if content.strip() else f"{where}: all messages must have non-empty content"
    if not isinstance(content, list) or not content:
        return f"{where}: all messages must have non-empty content"
    for position, block in enumerate(content):
        problem = _text_block_problem(block, f"{where}.content.{position}")
        if problem:
            return problem
    return ""


def _text_block_problem(block: Any, where: str) -> str:
    if not isinstance(block, dict):
        return f"{where}: Input should be an object"
    if block.get("type") != "text":
        return f"{where}.type: the fake server simulates text blocks only"
    if not isinstance(block.get("text"), str) or not block["text"].strip():
        return f"{where}.text: text content blocks must be non-empty"
    return _cache_control_problem(block.get("cache_control"), f"{where}.cache_control")


def _cache_control_problem(control: Any, where: str) -> str:
    if control is None:
        return ""
    if not isinstance(control, dict) or control.get("type") != "ephemeral":
        return f"{where}.type: Input should be 'ephemeral'"
    if control.get("ttl", "5m") not in CACHE_TTLS:
        return f"{where}.ttl: Input should be '5m' or '1h'"
    return ""


def _options_problem(body: dict[str, Any]) -> str:
    for name in SAMPLING_PARAMETERS:
        if name in body:
            return f"{name}: is not supported by {body['model']}; leave it unset"
    thinking = body.get("thinking")
    if thinking is not None and thinking != {"type": "disabled"}:
        return "thinking: the fake server does not simulate extended thinking"
    metadata = body.get("metadata")
    if metadata is not None:
        if not isinstance(metadata, dict):
            return "metadata: Input should be an object"
        extra = sorted(set(metadata) - {"user_id"})
        if extra:
            return f"metadata.{extra[0]}: Extra inputs are not permitted"
    return _cache_control_problem(body.get("cache_control"), "cache_control")


def _breakpoints_problem(body: dict[str, Any]) -> str:
    system = body.get("system")
    blocks = [*(system if isinstance(system, list) else []), *(body.get("tools") or [])]
    for message in body["messages"]:
        if isinstance(message["content"], list):
            blocks.extend(message["content"])
    found = sum(1 for block in blocks if isinstance(block, dict) and block.get("cache_control"))
    found += 1 if body.get("cache_control") else 0
    if found > MAX_CACHE_BREAKPOINTS:
        return (
            f"A maximum of {MAX_CACHE_BREAKPOINTS} blocks with cache_control may be provided. "
            f"Found {found}."
        )
    return ""
