"""Demo mode is what the provider says: the page badge and a new session's flag agree with it."""

from conftest import make_client
from conversations import llm
from conversations.tests.conftest import ScriptedProvider
from sessions_app.services import session_start


def test_without_an_api_key_the_demo_provider_answers_and_says_so(settings):
    settings.ANTHROPIC_API_KEY = ""
    assert llm.get_provider().is_demo
    assert llm.provider_is_demo()


def test_with_an_api_key_claude_answers_and_it_is_not_demo(settings):
    settings.ANTHROPIC_API_KEY = "sk-test"
    assert not llm.provider_is_demo()


def test_a_page_and_a_new_session_follow_the_provider_not_the_settings(
    client, teacher, monkeypatch, settings
):
    settings.ANTHROPIC_API_KEY = ""
    monkeypatch.setattr(llm, "get_provider", ScriptedProvider)  # a real model, in effect
    client.force_login(teacher)
    assert client.get("/teach/").context["demo_mode"] is False
    session = session_start(student=teacher, client=make_client(teacher))
    assert session.demo_mode is False
