"""Trigram indexes for the portfolio's text search (issue 20), on PostgreSQL only.

The search (`PortfolioFilter.search`) matches a project's title, its business case's goal
and its description with `icontains`, which Django writes on PostgreSQL as
`UPPER(column::text) LIKE UPPER('%…%')`: each index is on that expression, so the planner
can use it (pg_trgm indexes `LIKE` with a pattern of three or more characters). pg_trgm is a
trusted extension since PostgreSQL 13: the database's owner may create it. On SQLite (`make
run`'s default) both directions do nothing; the models' state is unchanged either way.
"""

from django.db import migrations

INDEXES = {
    "projects_project_title_trgm": ("projects_project", "title"),
    "projects_proposal_goal_trgm": ("projects_proposal", "goal"),
    "projects_proposal_description_trgm": ("projects_proposal", "description"),
}


def create_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for name, (table, column) in INDEXES.items():
        schema_editor.execute(
            f'CREATE INDEX "{name}" ON "{table}" USING gin ((UPPER("{column}"::text)) gin_trgm_ops)'
        )


def drop_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name in INDEXES:
        schema_editor.execute(f'DROP INDEX IF EXISTS "{name}"')
    schema_editor.execute("DROP EXTENSION IF EXISTS pg_trgm")


class Migration(migrations.Migration):
    dependencies = [
        ("projects", "0025_profile_sso_identity"),
    ]

    operations = [
        migrations.RunPython(create_indexes, drop_indexes),
    ]
