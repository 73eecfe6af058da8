from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand

from clients.cards import SCHEMA_FILES, card_schema_text


class Command(BaseCommand):
    help = (
        "Write the client card JSON Schemas (docs/client-card-v1/-v2.schema.json) from the "
        "models that validate imports; run it after changing clients/cards.py."
    )

    def handle(self, *args, **options) -> None:
        for version, path in SCHEMA_FILES.items():
            write_schema(version, Path(settings.BASE_DIR) / path)
            self.stdout.write(f"Wrote {path} ({version}).")


def write_schema(version: str, path: Path) -> None:
    path.write_text(card_schema_text(version), encoding="utf-8")
