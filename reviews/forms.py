from django import forms

from reviews.models import RATING_LABELS, RATING_MAX, RATING_MIN, SessionReview

RATING_HELP = {
    "in_character_consistency": "Did the client stay the person on the card, and stay in role?",
    "educational_appropriateness": "Was the difficulty and content right for this student?",
    "response_relevance": "Did the client's replies answer what the student said?",
    "conversation_flow": "Did it read like a real conversation: length, pace, turn-taking?",
    "boundary_maintenance": "Did the client keep boundaries (disclosure, safety, propriety)?",
}
RATING_FIELDS = tuple(RATING_LABELS)
NOT_RATED = "Not rated"
RATING_CHOICES = [(n, str(n)) for n in range(RATING_MIN, RATING_MAX + 1)] + [("", NOT_RATED)]


def _rating_field(name: str) -> forms.TypedChoiceField:
    """1 to 10 as a row of buttons (like the student's 1 to 5), or Not rated."""
    return forms.TypedChoiceField(
        label=RATING_LABELS[name],
        choices=RATING_CHOICES,
        coerce=int,
        empty_value=None,
        required=False,
        widget=forms.RadioSelect,
        help_text=f"1 is poor, 10 is excellent. {RATING_HELP[name]}",
        error_messages={
            "invalid_choice": (
                f"Choose a number from {RATING_MIN} to {RATING_MAX}, or {NOT_RATED}."
            )
        },
    )


class ReviewForm(forms.ModelForm):
    in_character_consistency = _rating_field("in_character_consistency")
    educational_appropriateness = _rating_field("educational_appropriateness")
    response_relevance = _rating_field("response_relevance")
    conversation_flow = _rating_field("conversation_flow")
    boundary_maintenance = _rating_field("boundary_maintenance")

    class Meta:
        model = SessionReview
        fields = ["overall_note", *RATING_FIELDS, "example"]
        labels = {
            "overall_note": "Feedback for the student",
            "example": "Use as an example",
        }
        help_texts = {
            "overall_note": "The student sees this once you release the feedback.",
            "example": "Mark the simulated client's best or worst sessions for your own reference.",
        }
        widgets = {"overall_note": forms.Textarea(attrs={"rows": 5})}


class CommentForm(forms.Form):
    message = forms.UUIDField(widget=forms.HiddenInput)
    text = forms.CharField(
        label="Comment",
        max_length=5000,
        strip=True,
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": "Write a comment first."},
    )
