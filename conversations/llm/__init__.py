"""Model providers. The engine calls get_provider() for each reply and streams from it."""

from django.conf import settings

from conversations.llm.anthropic_provider import AnthropicConfig, AnthropicProvider
from conversations.llm.base import Provider
from conversations.llm.demo import DemoProvider

MAX_KEPT_PROVIDERS = 8

_demo_provider = DemoProvider()
_anthropic_providers: dict[AnthropicConfig, AnthropicProvider] = {}


def get_provider() -> Provider:
    """Claude when ANTHROPIC_API_KEY is set, otherwise the offline demo provider.

    Cheap to call per reply: settings are read every time (tests override them), and a provider
    is built once per configuration. An AnthropicProvider keeps one SDK client per event loop.
    """
    if not settings.ANTHROPIC_API_KEY:
        return _demo_provider
    return _anthropic_provider(AnthropicConfig.from_settings())


def provider_is_demo() -> bool:
    """Whether replies come from the offline demo provider, not Claude: the provider says so.

    The one answer to "are we in demo mode?": every page's badge and a new session's demo flag
    ask here.
    """
    return get_provider().is_demo


def _anthropic_provider(config: AnthropicConfig) -> AnthropicProvider:
    provider = _anthropic_providers.get(config)
    if provider is None:
        # Only tests change the configuration often; keep the few most recent.
        if len(_anthropic_providers) >= MAX_KEPT_PROVIDERS:
            del _anthropic_providers[next(iter(_anthropic_providers))]
        provider = _anthropic_providers[config] = AnthropicProvider(config)
    return provider
