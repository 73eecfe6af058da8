from collections.abc import Iterable
from typing import Any

from django.db import transaction

from accounts.models import User
from clients.cards import CARD_FIELDS
from clients.models import ClientPreview, ClientProfile
from clients.prompts import PROMPT_VERSION
from sessions_app.models import PracticeSession
from sessions_app.services import session_start


@transaction.atomic
def clients_import(
    *, cards: Iterable[dict[str, Any]], owner: User, publish: bool = False
) -> list[ClientProfile]:
    """Create one client per validated card (see clients.cards.card_validate); all or nothing."""
    return [
        ClientProfile.objects.create(owner=owner, is_published=publish, **fields)
        for fields in cards
    ]


def client_create(*, owner: User, card: dict[str, Any]) -> ClientProfile:
    """A new draft client from validated card fields (clients.forms.ClientForm.card)."""
    return ClientProfile.objects.create(owner=owner, is_published=False, **card)


def client_update(*, client: ClientProfile, card: dict[str, Any]) -> ClientProfile:
    """Change a client's card. Sessions keep the snapshot they started with, so history stays."""
    for name, value in card.items():
        setattr(client, name, value)
    client.save(update_fields=[*card, "updated_at"])
    return client


def client_set_published(*, client: ClientProfile, published: bool) -> ClientProfile:
    client.is_published = published
    client.save(update_fields=["is_published", "updated_at"])
    return client


def client_duplicate(*, client: ClientProfile, owner: User) -> ClientProfile:
    """A draft copy named "<name> (copy)", to vary a client without touching the original."""
    card = {name: getattr(client, name) for name in CARD_FIELDS}
    card["name"] = f"{client.name} (copy)"[: ClientProfile._meta.get_field("name").max_length]
    return ClientProfile.objects.create(owner=owner, is_published=False, **card)


@transaction.atomic
def preview_start(*, client: ClientProfile, teacher: User, demo_mode: bool) -> PracticeSession:
    """A teacher_test session marked as a preview, for the sample opening exchange."""
    session = session_start(
        student=teacher,
        client=client,
        kind=PracticeSession.Kind.TEACHER_TEST,
        prompt_version=PROMPT_VERSION,
        demo_mode=demo_mode,
    )
    ClientPreview.objects.create(session=session)
    return session
