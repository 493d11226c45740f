"""The RAID register, for the projects already past Identifying: their business cases' risks
carried over as the services do on entering Initiating (open, owned by the manager, first
reviewed 30 days from today), once; and the status report's PDF as a kind of job."""

from datetime import timedelta

from django.db import migrations, models
from django.utils import timezone

FIRST_REVIEW_AFTER = timedelta(days=30)  # as projects/services/raid.py carries them over


def carry_over(apps, schema_editor):
    Project = apps.get_model("projects", "Project")
    Risk = apps.get_model("projects", "Risk")
    RaidItem = apps.get_model("projects", "RaidItem")
    past_identifying = Project.objects.exclude(stage="identifying").exclude(
        stage__in=("on_hold", "cancelled"), previous_stage="identifying"
    )
    carried = RaidItem.objects.filter(source="business_case").values("project_id")
    review = timezone.localdate() + FIRST_REVIEW_AFTER
    now = timezone.now()
    managers = dict(past_identifying.exclude(pk__in=carried).values_list("pk", "manager_id"))
    ids = sorted(managers)
    for start in range(0, len(ids), 500):  # a bench database has 10,000 projects
        risks = Risk.objects.filter(proposal__project_id__in=ids[start : start + 500])
        RaidItem.objects.bulk_create(
            RaidItem(
                project_id=risk["proposal__project_id"],
                kind="risk",
                title=risk["description"],
                response=risk["mitigation"],
                owner_id=managers[risk["proposal__project_id"]],
                likelihood=risk["likelihood"],
                impact=risk["impact"],
                review_date=review,
                source="business_case",
                created_at=now,
            )
            for risk in risks.order_by("pk").values(
                "proposal__project_id", "description", "mitigation", "likelihood", "impact"
            )
        )


class Migration(migrations.Migration):
    dependencies = [("projects", "0019_money_and_change")]

    operations = [
        migrations.AlterField(
            model_name="pdfjob",
            name="kind",
            field=models.CharField(
                choices=[
                    ("charter", "Charter"),
                    ("closure", "Closure report"),
                    ("status_report", "Status report"),
                ],
                max_length=20,
            ),
        ),
        migrations.RunPython(carry_over, migrations.RunPython.noop),
    ]
