"""Safety flags leave the error events for conversations.SafetyFlag (issue 12): an error event
is pruned after 90 days, a flag lives as long as its session. A flag event that lost its
session (the session was purged) has nothing to belong to and stays an error event."""

import uuid

from django.db import migrations

FLAG_KIND = "safety.crisis"
FLAG_TEXT = "A student's message looked like a real personal crisis; support text shown."


def _message_id(details, session_id, message_ids):
    try:
        message_id = uuid.UUID(str((details or {}).get("message_id")))
    except ValueError:
        return None
    return message_id if (session_id, message_id) in message_ids else None


def events_to_flags(apps, schema_editor):
    ErrorEvent = apps.get_model("monitoring", "ErrorEvent")
    Message = apps.get_model("conversations", "Message")
    SafetyFlag = apps.get_model("conversations", "SafetyFlag")
    events = ErrorEvent.objects.filter(kind=FLAG_KIND, session__isnull=False)
    rows = list(events.values("pk", "session_id", "created_at", "details"))
    message_ids = set(
        Message.objects.filter(session_id__in={row["session_id"] for row in rows}).values_list(
            "session_id", "id"
        )
    )
    SafetyFlag.objects.bulk_create(
        SafetyFlag(
            session_id=row["session_id"],
            message_id=_message_id(row["details"], row["session_id"], message_ids),
            kind="crisis",
            created_at=row["created_at"],
        )
        for row in rows
    )
    ErrorEvent.objects.filter(pk__in=[row["pk"] for row in rows]).delete()


def flags_to_events(apps, schema_editor):
    ErrorEvent = apps.get_model("monitoring", "ErrorEvent")
    SafetyFlag = apps.get_model("conversations", "SafetyFlag")
    flags = list(SafetyFlag.objects.select_related("session", "message"))
    for flag in flags:
        details = {}
        if flag.message is not None:
            details = {
                "message_id": str(flag.message_id),
                "sequence_number": flag.message.sequence_number,
            }
        event = ErrorEvent.objects.create(
            kind=FLAG_KIND,
            severity="warning",
            message=FLAG_TEXT,
            session_id=flag.session_id,
            user_id=flag.session.student_id,
            details=details,
        )
        # created_at is auto_now_add: the event gets the flag's own time afterwards.
        ErrorEvent.objects.filter(pk=event.pk).update(created_at=flag.created_at)
    SafetyFlag.objects.filter(pk__in=[flag.pk for flag in flags]).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("monitoring", "0003_alter_teacherfeedback_feature_requests_and_more"),
        ("conversations", "0002_safety_flag"),
    ]

    operations = [migrations.RunPython(events_to_flags, flags_to_events)]
