"""The five ratings of the simulated client are listed once (reviews.models.RATINGS)."""

from reviews.forms import ReviewForm
from reviews.models import RATING_FIELDS, RATINGS, REVIEW_FIELDS, SessionReview


def test_every_rating_is_a_column_of_the_review_and_a_field_of_its_form():
    columns = {field.name for field in SessionReview._meta.fields}
    assert set(RATING_FIELDS) <= columns
    rating_columns = {name for name in columns if name not in ("id", "session", "reviewer")}
    assert rating_columns - set(RATING_FIELDS) == {
        "overall_note", "released_at", "created_at", "updated_at", "example",
    }  # fmt: skip
    form = ReviewForm()
    for rating in RATINGS:
        assert form.fields[rating.field].label == rating.label
        assert rating.question in form.fields[rating.field].help_text
    assert set(RATING_FIELDS) <= set(REVIEW_FIELDS)


def test_the_staff_quality_page_heads_its_columns_with_the_short_names(client, staff, db):
    client.force_login(staff)
    body = client.get("/monitor/quality/").content.decode()
    for rating in RATINGS:
        assert f">{rating.heading}</th>" in body
