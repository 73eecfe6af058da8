from django.conf import settings
from django.http import HttpRequest


def provider_mode(request: HttpRequest) -> dict:
    """Every page says so when replies come from the offline demo provider, not Claude."""
    return {"demo_mode": not settings.ANTHROPIC_API_KEY}
