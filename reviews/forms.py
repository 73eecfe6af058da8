from django import forms

from reviews.models import SessionReview

RATING_HELP = {
    "in_character_consistency": "Did the client stay the person on the card, and stay in role?",
    "educational_appropriateness": "Was the difficulty and content right for this student?",
    "response_relevance": "Did the client's replies answer what the student said?",
    "conversation_flow": "Did it read like a real conversation: length, pace, turn-taking?",
    "boundary_maintenance": "Did the client keep boundaries (disclosure, safety, propriety)?",
}
RATING_FIELDS = tuple(RATING_HELP)


class ReviewForm(forms.ModelForm):
    class Meta:
        model = SessionReview
        fields = ["overall_note", *RATING_FIELDS, "example"]
        labels = {
            "overall_note": "Feedback for the student",
            "in_character_consistency": "In-character consistency",
            "educational_appropriateness": "Educational appropriateness",
            "response_relevance": "Response relevance",
            "conversation_flow": "Conversation flow",
            "boundary_maintenance": "Boundary maintenance",
            "example": "Use as an example",
        }
        help_texts = {
            "overall_note": "The student sees this once you release the feedback.",
            **{name: f"1 (poor) to 10 (excellent). {text}" for name, text in RATING_HELP.items()},
            "example": "Mark the simulated client's best or worst sessions for your own reference.",
        }
        widgets = {
            "overall_note": forms.Textarea(attrs={"rows": 5}),
            **{
                name: forms.NumberInput(attrs={"min": 1, "max": 10, "class": "rating"})
                for name in RATING_FIELDS
            },
        }


class CommentForm(forms.Form):
    message = forms.UUIDField(widget=forms.HiddenInput)
    text = forms.CharField(
        label="Comment",
        max_length=5000,
        strip=True,
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": "Write a comment first."},
    )
