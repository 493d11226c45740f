"""The business case's estimated cost copied onto its project (issue 20), by the database.

The portfolio totals, sorts and sums by stage the estimated cost of thousands of projects; read
from the business cases, every such query joins them (10,000 rows: 6 ms of a portfolio page's
9 ms of SQL). `Project.estimated_cost` is a copy of `Proposal.estimated_cost` that triggers keep
whatever writes a business case — the services, `QuerySet.update()`, `bulk_create`, raw SQL —
so no path can forget it (like `Project.funded`, but not left to the services). On PostgreSQL
and on SQLite (`make run`'s default) alike; a business case never moves to another project.

On SQLite, a later migration that rebuilds either table (SQLite alters a table by copying it)
drops or breaks these triggers: it must drop them first and create them again after.
"""

from django.db import migrations, models

POSTGRESQL = """
CREATE FUNCTION projects_proposal_estimate_to_project() RETURNS trigger AS $$
BEGIN
    UPDATE projects_project SET estimated_cost = NEW.estimated_cost WHERE id = NEW.project_id;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER projects_proposal_estimate_insert
AFTER INSERT ON projects_proposal
FOR EACH ROW WHEN (NEW.estimated_cost IS NOT NULL)
EXECUTE FUNCTION projects_proposal_estimate_to_project();

CREATE TRIGGER projects_proposal_estimate_update
AFTER UPDATE OF estimated_cost ON projects_proposal
FOR EACH ROW WHEN (OLD.estimated_cost IS DISTINCT FROM NEW.estimated_cost)
EXECUTE FUNCTION projects_proposal_estimate_to_project();
"""

SQLITE = [
    """
    CREATE TRIGGER projects_proposal_estimate_insert
    AFTER INSERT ON projects_proposal WHEN NEW.estimated_cost IS NOT NULL
    BEGIN
        UPDATE projects_project SET estimated_cost = NEW.estimated_cost WHERE id = NEW.project_id;
    END
    """,
    """
    CREATE TRIGGER projects_proposal_estimate_update
    AFTER UPDATE OF estimated_cost ON projects_proposal
    WHEN OLD.estimated_cost IS NOT NEW.estimated_cost
    BEGIN
        UPDATE projects_project SET estimated_cost = NEW.estimated_cost WHERE id = NEW.project_id;
    END
    """,
]

COPY = """
UPDATE projects_project SET estimated_cost = (
    SELECT estimated_cost FROM projects_proposal WHERE project_id = projects_project.id
)
"""


def keep_the_copy(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(POSTGRESQL)
    elif vendor == "sqlite":
        for statement in SQLITE:
            schema_editor.execute(statement)
    else:
        raise NotImplementedError(f"Project.estimated_cost has no triggers for {vendor}.")
    schema_editor.execute(COPY)


def drop_the_triggers(apps, schema_editor):
    postgresql = schema_editor.connection.vendor == "postgresql"
    for trigger in ("projects_proposal_estimate_insert", "projects_proposal_estimate_update"):
        on = " ON projects_proposal" if postgresql else ""
        schema_editor.execute(f"DROP TRIGGER IF EXISTS {trigger}{on}")
    if postgresql:
        schema_editor.execute("DROP FUNCTION IF EXISTS projects_proposal_estimate_to_project()")


class Migration(migrations.Migration):
    dependencies = [
        ("projects", "0026_text_search_trigram_indexes"),
    ]

    operations = [
        migrations.AddField(
            model_name="project",
            name="estimated_cost",
            field=models.DecimalField(
                blank=True, decimal_places=2, editable=False, max_digits=14, null=True
            ),
        ),
        migrations.RunPython(keep_the_copy, drop_the_triggers),
    ]
