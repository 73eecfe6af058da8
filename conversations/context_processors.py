from django.http import HttpRequest

from conversations.llm import provider_is_demo


def provider_mode(request: HttpRequest) -> dict:
    """Every page says so when replies come from the offline demo provider, not Claude."""
    return {"demo_mode": provider_is_demo()}
