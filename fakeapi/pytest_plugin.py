"""A fixture for any test that needs the fake API behind the real SDK.

Register it once, in the root conftest.py: `pytest_plugins = ["fakeapi.pytest_plugin"]`.
"""

from collections.abc import Iterator

import pytest

from fakeapi.server import FakeServer


@pytest.fixture
def fake_anthropic(settings) -> Iterator[FakeServer]:
    """A running FakeServer, with settings pointing the AnthropicProvider at it, fast and
    without SDK retries (enqueue faults and set settings.LLM_MAX_RETRIES to test those)."""
    with FakeServer() as server:
        settings.ANTHROPIC_API_KEY = "test-key-for-the-fake-api"
        settings.ANTHROPIC_BASE_URL = server.base_url
        settings.LLM_MAX_RETRIES = 0
        settings.LLM_TIMEOUT_SECONDS = 5
        yield server
