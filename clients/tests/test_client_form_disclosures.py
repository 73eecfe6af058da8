"""The client form's card v2 parts: disclosures (a formset), the risk and the voice."""

import pytest

from clients.forms import ClientForm
from clients.models import ClientProfile
from clients.tests.form_data import form_data, management_form

NEW = "/teach/clients/new/"
BASE = {
    "name": "Robin Hale",
    "presenting_problem": "Cannot sleep since the move.",
    "communication_style": "plain",
    "resistance_level": "3",
    "difficulty": "beginner",
}
CARD = {
    "format": "client-card/v2",
    "name": "Robin Hale",
    "presenting_problem": "Cannot sleep since the move.",
    "disclosures": [
        {"text": "He sleeps on the sofa.", "level": 1, "keywords": ["sofa"]},
        {"text": "He was fired before the move.", "level": 3, "keywords": ["fired", "let go"]},
    ],
    "risk": {
        "stance": "deflects",
        "disclosure": {"text": "He thinks of not waking up.", "level": 3, "keywords": ["waking"]},
    },
    "voice": {"register": "storyteller", "fluency": "halting", "examples": ["Well, so.", "Eh."]},
}


def _row(index: int, text: str = "", level: str = "1", keywords: str = "") -> dict[str, str]:
    prefix = f"disclosures-{index}-"
    return {f"{prefix}text": text, f"{prefix}level": level, f"{prefix}keywords": keywords}


def _form(*rows: dict[str, str], **fields: str) -> ClientForm:
    data = BASE | management_form(total=len(rows)) | fields
    for row in rows:
        data |= row
    return ClientForm(data=data)


def test_a_card_survives_the_form_unchanged():
    form = ClientForm(data=form_data(CARD, extra_rows=1))
    assert form.is_valid(), form.error_list()
    for name in ("disclosures", "risk", "voice"):
        assert form.card[name] == CARD[name]


def test_rows_become_disclosures_in_order_and_empty_rows_are_left_out():
    form = _form(
        _row(0, "She failed chemistry.", "2", " failing , chemistry ,,"),
        _row(1),
        _row(2, "She has told nobody.", "3", "nobody"),
    )
    assert form.is_valid(), form.error_list()
    assert form.card["disclosures"] == [
        {"text": "She failed chemistry.", "level": 2, "keywords": ["failing", "chemistry"]},
        {"text": "She has told nobody.", "level": 3, "keywords": ["nobody"]},
    ]


def test_a_row_ticked_for_removal_is_removed():
    form = _form(_row(0, "Gone.", "1", "gone") | {"disclosures-0-DELETE": "on"})
    assert form.is_valid(), form.error_list()
    assert form.card["disclosures"] == []


def test_a_disclosure_without_keywords_is_refused_naming_its_row():
    form = _form(_row(0, "Fine.", "1", "fine"), _row(1, "She failed chemistry.", "2", " , "))
    assert not form.is_valid()
    assert form.disclosures.forms[1].errors["keywords"] == [
        "Keywords: give at least one word that gives it away."
    ]
    assert (
        "id_disclosures-1-keywords",
        "Disclosure 2, keywords: give at least one word that gives it away.",
    ) in form.error_list()


@pytest.mark.parametrize("level", ["0", "4", "high"])
def test_a_disclosure_level_outside_1_to_3_is_refused(level):
    form = _form(_row(0, "She failed chemistry.", level, "chemistry"))
    assert not form.is_valid()
    assert "level" in form.disclosures.forms[0].errors


def test_a_keyword_the_model_sees_from_turn_1_is_refused_naming_where():
    form = _form(
        _row(0, "She has not told her mother.", "2", "told her, mother"),
        cultural_background="Lives with her mother and grandmother.",
        voice_examples="Told her? No.",
    )
    assert not form.is_valid()
    assert form.disclosures.forms[0].errors["keywords"] == [
        "Keywords, keyword 1: “told her” is already in Example lines, which the model sees from "
        "the first turn; choose a word only this secret uses.",
        "Keywords, keyword 2: “mother” is already in Cultural background, which the model sees "
        "from the first turn; choose a word only this secret uses.",
    ]


def test_a_keyword_in_a_lower_disclosures_text_is_refused_on_its_row():
    form = _form(
        _row(0, "They lost money gambling at the casino.", "1", "casino"),
        _row(1, "They owe thousands.", "3", "thousands, gambling"),
    )
    assert not form.is_valid()
    assert "keywords" not in form.disclosures.forms[0].errors
    assert form.disclosures.forms[1].errors["keywords"] == [
        "Keywords, keyword 2: “gambling” is already in what the client sees at level 1 "
        "(disclosure 1's text), before this secret's level; choose a word only this secret uses."
    ]


def test_keywords_without_text_are_refused():
    form = _form(_row(0, "", "1", "chemistry"))
    assert not form.is_valid()
    assert form.disclosures.forms[0].errors["text"] == ["What they hold back is required."]


def test_a_risk_needs_a_stance_its_text_and_keywords():
    form = _form(risk_text="Thinks of not waking up.", risk_keywords="waking")
    assert not form.is_valid()
    assert "Choose how the client answers" in form.errors["risk_stance"][0]
    form = _form(risk_stance="denies", risk_level="3")
    assert not form.is_valid()
    assert form.errors["risk_text"] == ["The risk they hold back is required."]
    assert form.errors["risk_keywords"] == [
        "Risk keywords: give at least one word that gives it away."
    ]


def test_a_risk_is_stored_with_its_stance_and_level():
    form = _form(
        risk_stance="admits passive thoughts",
        risk_text="Thinks of not waking up.",
        risk_level="2",
        risk_keywords="waking up",
    )
    assert form.is_valid(), form.error_list()
    assert form.card["risk"] == {
        "stance": "admits passive thoughts",
        "disclosure": {"text": "Thinks of not waking up.", "level": 2, "keywords": ["waking up"]},
    }


def test_an_unknown_stance_or_register_is_refused():
    assert "risk_stance" in _form(risk_stance="shrugs").errors
    assert "voice_register" in _form(voice_register="shouty").errors


def test_at_most_eight_example_lines():
    lines = "\n".join(f"Line {n}." for n in range(9))
    assert _form(voice_examples=lines).errors["voice_examples"] == [
        "Example lines can have at most 8 lines."
    ]


def test_the_page_keeps_everything_typed_when_a_save_fails(client, teacher):
    client.force_login(teacher)
    data = form_data(CARD) | {"name": "", "disclosures-1-keywords": ""}
    page = client.post(NEW, data).content.decode()
    assert "Name is required." in page
    assert "Disclosure 2, keywords: give at least one word that gives it away." in page
    assert "He was fired before the move." in page  # the row's text, kept
    assert "He thinks of not waking up." in page
    assert "Well, so." in page
    assert not ClientProfile.objects.exists()


def test_add_a_disclosure_gives_the_form_back_a_row_longer_unchecked(client, teacher):
    client.force_login(teacher)
    data = form_data(CARD, extra_rows=1) | {"name": "", "add_disclosure": "1"}
    data |= _row(2, "Typed, not saved.", "2", "typed")
    response = client.post(NEW, data)
    form = response.context["form"]
    assert len(form.disclosures.forms) == 4  # two, the one being typed, and a new empty one
    page = response.content.decode()
    assert "Typed, not saved." in page
    assert 'id="form-errors"' not in page  # nothing was checked: the name is not asked for yet
    assert not ClientProfile.objects.exists()


def test_add_a_disclosure_drops_a_row_ticked_for_removal(client, teacher):
    client.force_login(teacher)
    data = form_data(CARD) | {"disclosures-0-DELETE": "on", "add_disclosure": "1"}
    form = client.post(NEW, data).context["form"]
    assert [row["text"].value() for row in form.disclosures.forms] == [
        "He was fired before the move.",
        None,  # the new empty row
    ]


def test_the_edit_page_shows_the_cards_disclosures_risk_and_voice(client, teacher):
    robin = ClientProfile.objects.create(
        owner=teacher, **{k: v for k, v in CARD.items() if k != "format"}
    )
    client.force_login(teacher)
    page = client.get(f"/teach/clients/{robin.id}/edit/").content.decode()
    assert "He sleeps on the sofa." in page
    assert 'value="fired, let go"' in page
    assert '<option value="deflects" selected>' in page
    assert '<option value="storyteller" selected>' in page
    assert "Add a disclosure" in page
