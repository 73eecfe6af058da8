import json
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from clients.models import ClientProfile
from conftest import make_user

DEMO_CARDS = Path(__file__).resolve().parents[1] / "demo_cards"
GOOD = json.loads((DEMO_CARDS / "maya-torres.json").read_text(encoding="utf-8"))


def _file(tmp_path: Path, name: str, content) -> str:
    path = tmp_path / name
    if isinstance(content, bytes):
        path.write_bytes(content)
    elif isinstance(content, str):
        path.write_text(content, encoding="utf-8")
    else:
        path.write_text(json.dumps(content), encoding="utf-8")
    return str(path)


def _import(*args: str) -> str:
    out = StringIO()
    call_command("import_clients", *args, stdout=out)
    return out.getvalue()


def _refused(*args: str) -> str:
    with pytest.raises(CommandError) as error:
        _import(*args)
    assert ClientProfile.objects.count() == 0
    assert str(error.value).startswith("Nothing imported.")
    return str(error.value)


def test_it_imports_a_card_for_the_teacher(tmp_path, teacher):
    output = _import(_file(tmp_path, "maya.json", GOOD), "--owner", "tea")
    client = ClientProfile.objects.get()
    assert client.owner == teacher
    assert client.name == "Maya Torres"
    assert client.core_beliefs == GOOD["core_beliefs"]
    assert not client.is_published
    assert f"{client.id}\tMaya Torres" in output
    assert "Imported 1 client(s)." in output


def test_publish_makes_them_visible(tmp_path, teacher):
    _import(_file(tmp_path, "maya.json", GOOD), "--owner", "tea", "--publish")
    assert ClientProfile.objects.get().is_published


def test_it_imports_a_list_of_cards(tmp_path, teacher):
    cards = [GOOD, GOOD | {"name": "Maya's sister"}]
    _import(_file(tmp_path, "two.json", cards), "--owner", "tea")
    assert sorted(ClientProfile.objects.values_list("name", flat=True)) == [
        "Maya Torres",
        "Maya's sister",
    ]


def test_it_imports_several_files(tmp_path, teacher):
    paths = [str(path) for path in sorted(DEMO_CARDS.glob("*.json"))]
    _import(*paths, "--owner", "tea")
    assert ClientProfile.objects.count() == 4


@pytest.mark.parametrize(
    ("card", "named"),
    [
        ({key: value for key, value in GOOD.items() if key != "name"}, "name: Field required"),
        (GOOD | {"communication_style": "shouty"}, "communication_style"),
        (GOOD | {"resistance_level": 9}, "resistance_level"),
        (GOOD | {"mood": "sad"}, "mood: is not a known field"),
        (GOOD | {"age": "20"}, "age: Input should be a valid integer"),
        (GOOD | {"name": "Maya\x00"}, "name: "),
    ],
    ids=["missing-name", "unknown-style", "resistance-9", "unknown-key", "age-string", "nul"],
)
def test_it_refuses_a_bad_card_naming_the_problem(tmp_path, teacher, card, named):
    path = _file(tmp_path, "bad.json", card)
    message = _refused(path, "--owner", "tea")
    assert f"{path}: " in message
    assert named in message


def test_it_refuses_everything_when_a_later_file_is_bad(tmp_path, teacher):
    good = _file(tmp_path, "good.json", GOOD)
    bad = _file(tmp_path, "bad.json", GOOD | {"resistance_level": 9})
    message = _refused(good, bad, "--owner", "tea")
    assert "bad.json" in message


def test_it_refuses_the_whole_list_when_one_card_is_bad(tmp_path, teacher):
    path = _file(tmp_path, "list.json", [GOOD, GOOD | {"difficulty": "impossible"}])
    assert "list.json[1]: difficulty" in _refused(path, "--owner", "tea")


def test_it_refuses_a_file_that_is_not_json(tmp_path, teacher):
    path = _file(tmp_path, "notes.txt", "Maya, 20, anxious")
    assert "not valid JSON" in _refused(path, "--owner", "tea")


def test_it_refuses_a_file_that_is_not_utf8(tmp_path, teacher):
    path = _file(tmp_path, "latin.json", '{"name": "Jos\xe9"}'.encode("latin-1"))
    assert "not UTF-8" in _refused(path, "--owner", "tea")


def test_it_refuses_a_missing_file(tmp_path, teacher):
    assert "cannot be read" in _refused(str(tmp_path / "nope.json"), "--owner", "tea")


def test_it_refuses_an_unknown_owner(tmp_path, teacher):
    message = _refused(_file(tmp_path, "maya.json", GOOD), "--owner", "nobody")
    assert "No teacher with username 'nobody'" in message


def test_it_refuses_a_student_as_owner(tmp_path, student):
    message = _refused(_file(tmp_path, "maya.json", GOOD), "--owner", "stu")
    assert "No teacher with username 'stu'" in message


def test_the_owner_is_required(tmp_path, teacher):
    with pytest.raises(CommandError, match="--owner"):
        call_command("import_clients", _file(tmp_path, "maya.json", GOOD))


def test_a_nul_byte_in_raw_text_is_refused(tmp_path, teacher):
    path = _file(tmp_path, "raw.json", json.dumps(GOOD).replace("Maya", "Ma\x00ya", 1))
    assert "raw.json" in _refused(path, "--owner", "tea")


def test_importing_twice_asks_what_to_do_with_names_the_teacher_has(tmp_path, db):
    make_user("tea", "teacher")
    path = _file(tmp_path, "maya.json", GOOD)
    _import(path, "--owner", "tea")
    with pytest.raises(CommandError, match="already has Maya Torres: say --existing"):
        _import(path, "--owner", "tea")
    assert ClientProfile.objects.filter(name="Maya Torres").count() == 1
    _import(path, "--owner", "tea", "--existing", "copy")
    assert sorted(ClientProfile.objects.values_list("name", flat=True)) == [
        "Maya Torres",
        "Maya Torres (2)",
    ]


def test_a_file_of_nested_brackets_is_refused_in_a_sentence_not_a_traceback(tmp_path, teacher):
    path = _file(tmp_path, "brackets.json", "[" * 200_000 + "]" * 200_000)
    message = _refused(path, "--owner", "tea")
    assert "brackets.json: not a client card file (nested far too deeply)." in message


def test_more_cards_than_one_import_takes_are_refused(tmp_path, teacher):
    cards = [{"name": f"Client {n}", "presenting_problem": "x"} for n in range(201)]
    path = _file(tmp_path, "many.json", cards)
    assert "201 cards is more than one import takes (200)" in _refused(path, "--owner", "tea")


def test_a_file_over_one_megabyte_is_refused(tmp_path, teacher):
    path = _file(tmp_path, "big.json", " " * 1_000_001)
    assert "big.json: the file is larger than 1 MB." in _refused(path, "--owner", "tea")
