"""The board numbers each stage's projects in the list's default order from an index (issue 20)."""

from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("projects", "0027_project_estimated_cost"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name="project",
            name="projects_pr_stage_618750_idx",
        ),
        migrations.AddIndex(
            model_name="project",
            index=models.Index(
                fields=["stage", "-created_at", "-id"], name="projects_pr_stage_584f2f_idx"
            ),
        ),
    ]
