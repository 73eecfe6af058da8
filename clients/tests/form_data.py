"""What a browser posts for a card on the client form: its fields and the disclosures formset."""

from typing import Any

from clients.cards import card_validate
from clients.forms import DISCLOSURE_PREFIX, ClientForm


def form_data(card: dict[str, Any], *, extra_rows: int = 0) -> dict[str, Any]:
    """The POST data of the client form showing `card`, as the page would send it back."""
    initial = ClientForm.initial_from_card(card_validate(card))
    rows = initial.pop("disclosures")
    data = {name: "" if value is None else value for name, value in initial.items()}
    data |= management_form(total=len(rows) + extra_rows, initial=len(rows))
    for index, row in enumerate(rows):
        data |= {f"{DISCLOSURE_PREFIX}-{index}-{name}": value for name, value in row.items()}
    return data


def management_form(*, total: int = 1, initial: int = 0) -> dict[str, str]:
    return {
        f"{DISCLOSURE_PREFIX}-TOTAL_FORMS": str(total),
        f"{DISCLOSURE_PREFIX}-INITIAL_FORMS": str(initial),
        f"{DISCLOSURE_PREFIX}-MIN_NUM_FORMS": "0",
        f"{DISCLOSURE_PREFIX}-MAX_NUM_FORMS": "1000",
    }
