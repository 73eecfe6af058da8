import json
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from clients.cards import card_validate
from clients.models import ClientProfile
from conftest import make_client, make_user

# The shared fixtures sit beside the checkout (../shared), on developer machines and in CI.
FIXTURES = Path(__file__).resolve().parents[3] / "shared" / "fixtures" / "clients"
DEMO_CARDS = Path(__file__).resolve().parents[1] / "demo_cards"


def _card_paths() -> list[Path]:
    """The shared fixtures when this machine has them, else the copies shipped as demo cards."""
    folder = FIXTURES if FIXTURES.is_dir() else DEMO_CARDS
    return sorted(folder.glob("*.json"))


def _as_v2(path: Path) -> dict:
    """The card as export writes it: v2 (a v1 card mapped as clients.prompts.card.as_v2 says)."""
    return {"format": "client-card/v2"} | card_validate(json.loads(path.read_text("utf-8")))


def _export(*args: str) -> list[dict]:
    out = StringIO()
    call_command("export_clients", *args, stdout=out)
    return json.loads(out.getvalue())


@pytest.mark.parametrize("path", _card_paths(), ids=lambda path: path.name)
def test_a_card_survives_import_and_export_unchanged(path, teacher):
    call_command("import_clients", str(path), "--owner", "tea", stdout=StringIO())
    [exported] = _export()
    assert exported == _as_v2(path)  # v1 in, v2 out (issue 13): same card, the new format


def test_all_cards_round_trip_in_one_list(teacher, tmp_path):
    paths = _card_paths()
    call_command("import_clients", *map(str, paths), "--owner", "tea", stdout=StringIO())
    output = tmp_path / "export.json"
    err = StringIO()
    call_command("export_clients", "--output", str(output), stderr=err)
    exported = json.loads(output.read_text(encoding="utf-8"))
    originals = [_as_v2(path) for path in paths]
    assert exported == sorted(originals, key=lambda card: card["name"])
    assert f"Exported {len(paths)} client(s)" in err.getvalue()
    call_command(
        "import_clients", str(output), "--owner", "tea", "--existing", "copy", stdout=StringIO()
    )
    assert ClientProfile.objects.count() == 2 * len(paths)


def test_it_keeps_text_readable_not_escaped(teacher):
    make_client(teacher, name="Zoë Ñúñez")
    out = StringIO()
    call_command("export_clients", stdout=out)
    assert "Zoë Ñúñez" in out.getvalue()


def test_owner_limits_the_export_to_one_teacher(teacher, other_teacher):
    make_client(teacher, name="Mine")
    make_client(other_teacher, name="Theirs")
    assert [card["name"] for card in _export("--owner", "tea2")] == ["Theirs"]


def test_an_unknown_owner_is_an_error(teacher):
    make_client(teacher)
    with pytest.raises(CommandError, match="No user with username 'nobody'"):
        _export("--owner", "nobody")


def test_an_owner_without_clients_exports_an_empty_list(teacher, db):
    make_user("newteacher", "teacher")
    make_client(teacher)
    assert _export("--owner", "newteacher") == []


def test_an_unwritable_output_is_an_error(teacher, tmp_path):
    with pytest.raises(CommandError, match="Cannot write"):
        call_command("export_clients", "--output", str(tmp_path / "no" / "such" / "dir.json"))


def test_the_export_has_no_database_only_fields(teacher):
    make_client(teacher)
    [card] = _export()
    assert card["format"] == "client-card/v2"
    assert not {"id", "owner", "is_published", "created_at", "updated_at"} & set(card)
