"""What has waited longest across the portfolio is found by index (issue 20): a stage's work not
yet ready for its gate by the day the stage began, the gates ready for their decision by the day
they became so, and business cases and charters by state and since when. Each was a scan of
every project, business case or charter in the PMO's overdue list (1.2–2.8 ms each of its SQL)."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("projects", "0030_project_last_report_on"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="project",
            index=models.Index(
                condition=models.Q(("gate_ready_since__isnull", True)),
                fields=["stage", "stage_entered_at"],
                name="projects_stage_work_since",
            ),
        ),
        migrations.AddIndex(
            model_name="project",
            index=models.Index(
                condition=models.Q(("gate_ready_since__isnull", False)),
                fields=["gate_ready_since"],
                name="projects_gate_ready_since",
            ),
        ),
        migrations.AddIndex(
            model_name="charter",
            index=models.Index(fields=["state", "updated_at"], name="projects_ch_state_ef1259_idx"),
        ),
        migrations.AddIndex(
            model_name="proposal",
            index=models.Index(fields=["state", "decided_at"], name="projects_pr_state_a9114a_idx"),
        ),
        migrations.AddIndex(
            model_name="proposal",
            index=models.Index(fields=["state", "updated_at"], name="projects_pr_state_dac54a_idx"),
        ),
    ]
