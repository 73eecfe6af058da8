import pytest

from sessions_app.services import InvalidText, text_check


@pytest.mark.parametrize(
    "content",
    ["nul \x00 byte", "lone \ud800 surrogate", "\udfff"],
    ids=["nul", "high-surrogate", "low-surrogate"],
)
def test_it_refuses_text_the_database_cannot_store(content):
    with pytest.raises(InvalidText) as error:
        text_check(content)
    assert "cannot be saved" in str(error.value)


def test_it_passes_storable_text_through():
    assert text_check("Hello, é 👋") == "Hello, é 👋"
