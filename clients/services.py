from collections.abc import Container
from dataclasses import dataclass, field
from typing import Any

from django.db import models, transaction
from django.utils import timezone

from accounts.models import User
from clients.cards import CARD_FIELDS
from clients.models import ClientProfile


class OnExisting(models.TextChoices):
    """What an import does with a card whose name the teacher already has."""

    UPDATE = "update", "Update the client I have with the card from the file"
    COPY = "copy", "Keep both: import the card under a new name, e.g. “Maya Torres (2)”"
    SKIP = "skip", "Skip the card: leave the client I have as it is"


class ImportNeedsChoice(ValueError):
    """The file has names the teacher already uses, and nobody said what to do with them."""

    def __init__(self, names: list[str]) -> None:
        self.names = names
        super().__init__(
            f"You already have {_list_names(names)}. Nothing was imported: say whether to update "
            "them, keep both or skip them."
        )


@dataclass
class ImportResult:
    created: list[ClientProfile] = field(default_factory=list)
    updated: list[ClientProfile] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)

    def summary(self) -> str:
        """One sentence a teacher reads after the import."""
        parts = []
        if self.created:
            parts.append(f"Imported as drafts: {_list_names([c.name for c in self.created])}.")
        if self.updated:
            parts.append(f"Updated: {_list_names([c.name for c in self.updated])}.")
        if self.skipped:
            parts.append(f"Skipped, as you already have them: {_list_names(self.skipped)}.")
        return " ".join(parts) or "The file held no cards."


def _list_names(names: list[str]) -> str:
    shown = ", ".join(names[:10])
    return shown if len(names) <= 10 else f"{shown} and {len(names) - 10} more"


def _name_key(name: str) -> str:
    return name.strip().casefold()


def _free_name(name: str, taken: Container[str]) -> str:
    """ "Name (2)", "Name (3)"…: the first the teacher does not use, within the name's length."""
    limit = ClientProfile._meta.get_field("name").max_length
    number = 2
    while True:
        suffix = f" ({number})"
        candidate = name[: limit - len(suffix)] + suffix
        if _name_key(candidate) not in taken:
            return candidate
        number += 1


@transaction.atomic
def clients_import(
    *,
    cards: list[dict[str, Any]],
    owner: User,
    publish: bool = False,
    on_existing: str | None = None,
) -> ImportResult:
    """Import validated cards (clients.cards.card_validate); all or nothing.

    A card named like one of the teacher's clients (same name, any case) is handled as
    `on_existing` says; with no choice given and such a name present, nothing is imported.
    Updating keeps the client's published or archived state; its sessions keep their snapshots.
    """
    existing: dict[str, ClientProfile] = {}
    for client in ClientProfile.objects.filter(owner=owner).order_by("created_at"):
        existing.setdefault(_name_key(client.name), client)
    clashes = [card["name"] for card in cards if _name_key(card["name"]) in existing]
    if clashes and on_existing not in OnExisting.values:
        raise ImportNeedsChoice(list(dict.fromkeys(clashes)))
    result = ImportResult()
    for fields in cards:
        key = _name_key(fields["name"])
        if key in existing and on_existing == OnExisting.SKIP:
            result.skipped.append(fields["name"])
            continue
        if key in existing and on_existing == OnExisting.UPDATE:
            result.updated.append(client_update(client=existing[key], card=fields))
            continue
        if key in existing:
            fields = fields | {"name": _free_name(fields["name"], existing)}
        client = ClientProfile.objects.create(owner=owner, is_published=publish, **fields)
        existing[_name_key(client.name)] = client
        result.created.append(client)
    return result


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


def client_set_archived(*, client: ClientProfile, archived: bool) -> ClientProfile:
    """Archive (off the list, hidden from students, sessions kept) or bring back a client."""
    client.archived_at = timezone.now() if archived else None
    client.save(update_fields=["archived_at", "updated_at"])
    return client
