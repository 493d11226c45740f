"""Funding awaiting approval is found by its index, like every other waiting record (issue 20)."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("projects", "0028_board_stage_order_index"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="funding",
            index=models.Index(
                fields=["state", "recorded_at"], name="projects_fu_state_9c3562_idx"
            ),
        ),
    ]
