"""The date of a project's last status report, kept on the project by the database (issue 20).

"Status report due" waits on a delivering project from its last report (or from the day
delivery began). Read from the reports, every list of what waits asked a correlated subquery
per delivering project, four times over (the filter, the order, the date shown): the PMO's
overdue panel spent 5 of its 16 ms of SQL there at 10,000 projects. `Project.last_report_on`
is the latest `StatusReport.date` of the project, which triggers keep whatever writes a report
— the service, `QuerySet.update()`, `bulk_create`, raw SQL, the admin — like
`Project.estimated_cost` (migration 0027). On PostgreSQL and on SQLite alike.

On SQLite, a later migration that rebuilds `projects_statusreport` or `projects_project`
(SQLite alters a table by copying it) drops or breaks these triggers: it must drop them first
and create them again after.
"""

from django.db import migrations, models


def recount(row: str) -> str:
    """The statement that sets the report's project (`row` is OLD or NEW) to its latest date."""
    return (
        "UPDATE projects_project SET last_report_on = (SELECT MAX(date) FROM"
        f" projects_statusreport WHERE project_id = {row}.project_id) WHERE id = {row}.project_id;"
    )


# The project's row is locked before its reports are read: each statement of the function sees
# what committed before it began, so two transactions writing reports of one project at once
# cannot leave the date of the one that read first (the services lock the project anyway).
POSTGRESQL = f"""
CREATE FUNCTION projects_statusreport_last_to_project() RETURNS trigger AS $$
BEGIN
    IF TG_OP <> 'INSERT' THEN
        PERFORM 1 FROM projects_project WHERE id = OLD.project_id FOR UPDATE;
        {recount("OLD")}
    END IF;
    IF TG_OP <> 'DELETE' THEN
        PERFORM 1 FROM projects_project WHERE id = NEW.project_id FOR UPDATE;
        {recount("NEW")}
    END IF;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER projects_statusreport_last
AFTER INSERT OR DELETE OR UPDATE OF date, project_id ON projects_statusreport
FOR EACH ROW EXECUTE FUNCTION projects_statusreport_last_to_project();
"""

# SQLite's triggers, by event: what each runs, between BEGIN and END.
SQLITE_EVENTS = {
    "insert": ("INSERT", [recount("NEW")]),
    "update": ("UPDATE OF date, project_id", [recount("OLD"), recount("NEW")]),
    "delete": ("DELETE", [recount("OLD")]),
}
SQLITE = [
    f"CREATE TRIGGER projects_statusreport_last_{name} AFTER {event} ON projects_statusreport"
    f" BEGIN {' '.join(statements)} END"
    for name, (event, statements) in SQLITE_EVENTS.items()
]

COPY = """
UPDATE projects_project SET last_report_on = (
    SELECT MAX(date) FROM projects_statusreport WHERE project_id = projects_project.id
)
"""


def keep_the_date(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(POSTGRESQL)
    elif vendor == "sqlite":
        for statement in SQLITE:
            schema_editor.execute(statement)
    else:
        raise NotImplementedError(f"Project.last_report_on has no triggers for {vendor}.")
    schema_editor.execute(COPY)


def drop_the_triggers(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            "DROP TRIGGER IF EXISTS projects_statusreport_last ON projects_statusreport"
        )
        schema_editor.execute("DROP FUNCTION IF EXISTS projects_statusreport_last_to_project()")
        return
    for trigger in SQLITE_EVENTS:
        schema_editor.execute(f"DROP TRIGGER IF EXISTS projects_statusreport_last_{trigger}")


class Migration(migrations.Migration):
    dependencies = [
        ("projects", "0029_funding_waiting_index"),
    ]

    operations = [
        migrations.AddField(
            model_name="project",
            name="last_report_on",
            field=models.DateField(blank=True, editable=False, null=True),
        ),
        migrations.RunPython(keep_the_date, drop_the_triggers),
    ]
