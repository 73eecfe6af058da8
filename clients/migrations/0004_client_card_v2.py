"""Client card v2 (issue 13): hidden_information and risk_notes become gated disclosures and a
risk stance, and a voice is added; each profile is mapped with clients.prompts.card.as_v2.

Going back joins the disclosures into hidden_information and puts the risk's text in risk_notes,
so a rollback loses only the levels, keywords, stance and voice a teacher set after the move.
Session snapshots are left as they are: an old v1 snapshot is mapped by as_v2 when it is read.
"""

from django.db import migrations, models

import clients.models

# The v1 card's fields, as they were when this migration was written.
V1_FIELDS = (
    "name",
    "age",
    "pronouns",
    "occupation",
    "cultural_background",
    "presenting_problem",
    "background_history",
    "personality",
    "emotional_state",
    "communication_style",
    "resistance_level",
    "core_beliefs",
    "coping_strategies",
    "hidden_information",
    "risk_notes",
    "goals",
    "opening_statement",
    "difficulty",
    "learning_objectives",
    "session_time_limit_minutes",
    "content_warnings",
    "teacher_notes",
)


def to_v2(apps, schema_editor) -> None:
    from clients.prompts.card import CARD_V1, as_v2

    ClientProfile = apps.get_model("clients", "ClientProfile")
    for profile in ClientProfile.objects.all().iterator():
        card = as_v2({"format": CARD_V1} | {name: getattr(profile, name) for name in V1_FIELDS})
        profile.disclosures = card["disclosures"]
        profile.risk = card["risk"]
        profile.voice = card["voice"]
        profile.save(update_fields=["disclosures", "risk", "voice"])


def to_v1(apps, schema_editor) -> None:
    ClientProfile = apps.get_model("clients", "ClientProfile")
    for profile in ClientProfile.objects.all().iterator():
        profile.hidden_information = " ".join(item["text"] for item in profile.disclosures or [])
        profile.risk_notes = (profile.risk or {}).get("disclosure", {}).get("text", "")
        profile.save(update_fields=["hidden_information", "risk_notes"])


class Migration(migrations.Migration):
    dependencies = [
        ("clients", "0003_client_archived_at"),
    ]

    operations = [
        migrations.AddField(
            model_name="clientprofile",
            name="disclosures",
            field=models.JSONField(blank=True, default=list),
        ),
        migrations.AddField(
            model_name="clientprofile",
            name="risk",
            field=models.JSONField(blank=True, default=None, null=True),
        ),
        migrations.AddField(
            model_name="clientprofile",
            name="voice",
            field=models.JSONField(blank=True, default=clients.models.default_voice),
        ),
        migrations.RunPython(to_v2, to_v1),
        migrations.RemoveField(model_name="clientprofile", name="hidden_information"),
        migrations.RemoveField(model_name="clientprofile", name="risk_notes"),
    ]
