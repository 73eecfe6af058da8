from collections.abc import Iterable
from typing import Any

from django.db import transaction

from accounts.models import User
from clients.models import ClientProfile


@transaction.atomic
def clients_import(
    *, cards: Iterable[dict[str, Any]], owner: User, publish: bool = False
) -> list[ClientProfile]:
    """Create one client per validated card (see clients.cards.card_validate); all or nothing."""
    return [
        ClientProfile.objects.create(owner=owner, is_published=publish, **fields)
        for fields in cards
    ]
