"""The client form page: where focus goes after a failed save, and what it says (issue 11.20)."""

import re

NEW = "/teach/clients/new/"


def test_after_a_failed_save_the_error_summary_is_the_one_forms_js_focuses(client, teacher):
    client.force_login(teacher)
    page = client.post(NEW, {"name": ""}).content.decode()
    assert '<script src="/static/js/forms.js" defer></script>' in page
    with open("static/js/forms.js", encoding="utf-8") as script:
        focused_id = re.search(r'getElementById\("([^"]+)"\)', script.read()).group(1)
    assert re.search(rf'<div class="error-summary"[^>]*tabindex="-1"[^>]*id="{focused_id}"', page)


def test_every_field_error_shows_after_one_save_not_in_stages(client, teacher):
    client.force_login(teacher)
    response = client.post(
        NEW,
        {
            "name": "",
            "presenting_problem": "",
            "age": "thirty",  # refused by the form field before the card rules run
            "communication_style": "plain",
            "resistance_level": "3",
            "difficulty": "beginner",
        },
    )
    errors = response.context["form"].errors
    assert set(errors) == {"name", "presenting_problem", "age"}
    page = response.content.decode()
    summary = page[page.index('id="form-errors"') : page.index("</ul>", page.index("form-errors"))]
    assert "Name is required." in summary
    assert "Presenting problem is required." in summary
    assert "Enter a whole number." in summary


def test_the_form_explains_itself_in_a_teachers_words_not_a_papers_name(client, teacher):
    client.force_login(teacher)
    page = client.get(NEW).content.decode()
    for jargon in ("Patient-Ψ", "Patient-&#936;", "PatientSim", "Roleplay-doh", "cognitive model"):
        assert jargon not in page
