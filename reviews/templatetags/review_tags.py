from datetime import timedelta

from django import template

from accounts.models import User
from reviews.selectors import sessions_to_review_count

register = template.Library()


@register.simple_tag
def sessions_to_review(teacher: User) -> int:
    """For the teacher's home (a page of clients, which sits below reviews): the count of
    sessions awaiting review, `{% sessions_to_review user as n %}`."""
    return sessions_to_review_count(teacher=teacher)


@register.filter
def duration_short(value: timedelta | None) -> str:
    """12 s, 4 min, 1 h 05 min."""
    if value is None:
        return "—"
    seconds = max(int(value.total_seconds()), 0)
    if seconds < 60:
        return f"{seconds} s"
    minutes = seconds // 60
    if minutes < 60:
        return f"{minutes} min"
    return f"{minutes // 60} h {minutes % 60:02d} min"


@register.filter
def field_of(form, name: str):
    """{% with field=form|field_of:name %}: a bound field by a name held in a variable."""
    return form[name]


@register.filter
def turn_state_of(states: dict, message_id):
    """{% with state=turn_states|turn_state_of:m.id %}: a message's entry in the state log."""
    return states.get(message_id)
