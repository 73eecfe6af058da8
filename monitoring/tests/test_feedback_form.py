import re


def test_the_pilot_feedback_form_offers_no_dashes_choice_and_checks_no_score_at_first(
    client, teacher
):
    client.force_login(teacher)
    page = client.get("/feedback/").content.decode()
    assert "---------" not in page
    radios = re.findall(r'<input type="radio"[^>]*>', page)
    assert len(radios) == 10  # two scores, 1 to 5 each
    assert not [radio for radio in radios if "checked" in radio]
    assert sorted({re.search(r'value="([^"]*)"', radio).group(1) for radio in radios}) == [
        "1",
        "2",
        "3",
        "4",
        "5",
    ]
