from django import forms

from reviews.models import RATING_MAX, RATING_MIN, RATINGS, REVIEW_FIELDS, Rating, SessionReview

NOT_RATED = "Not rated"
RATING_CHOICES = [(n, str(n)) for n in range(RATING_MIN, RATING_MAX + 1)] + [("", NOT_RATED)]


def _rating_field(rating: Rating) -> forms.TypedChoiceField:
    """1 to 10 as a row of buttons (like the student's 1 to 5), or Not rated."""
    return forms.TypedChoiceField(
        label=rating.label,
        choices=RATING_CHOICES,
        coerce=int,
        empty_value=None,
        required=False,
        widget=forms.RadioSelect,
        help_text=f"1 is poor, 10 is excellent. {rating.question}",
        error_messages={
            "invalid_choice": (
                f"Choose a number from {RATING_MIN} to {RATING_MAX}, or {NOT_RATED}."
            )
        },
    )


class ReviewForm(forms.ModelForm):
    class Meta:
        model = SessionReview
        fields = REVIEW_FIELDS
        labels = {
            "overall_note": "Feedback for the student",
            "example": "Use as an example",
        }
        help_texts = {
            "overall_note": "The student sees this once you release the feedback.",
            "example": "Mark the simulated client's best or worst sessions for your own reference.",
        }
        widgets = {"overall_note": forms.Textarea(attrs={"rows": 5})}

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        for rating in RATINGS:
            self.fields[rating.field] = _rating_field(rating)


class CommentForm(forms.Form):
    message = forms.UUIDField(widget=forms.HiddenInput)
    text = forms.CharField(
        label="Comment",
        max_length=5000,
        strip=True,
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": "Write a comment first."},
    )
