"""On PostgreSQL the database itself refuses to change or delete a signed charter revision."""

from django.db import migrations

FORBID = """
CREATE OR REPLACE FUNCTION projects_row_immutable() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION '% rows are immutable (% refused)', TG_TABLE_NAME, TG_OP;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER projects_charterrevision_immutable
BEFORE UPDATE OR DELETE ON projects_charterrevision
FOR EACH ROW EXECUTE FUNCTION projects_row_immutable();
"""

ALLOW = """
DROP TRIGGER IF EXISTS projects_charterrevision_immutable ON projects_charterrevision;
DROP FUNCTION IF EXISTS projects_row_immutable();
"""


def forbid(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(FORBID.replace("%", "%%"))


def allow(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(ALLOW)


class Migration(migrations.Migration):
    dependencies = [("projects", "0002_charter")]

    operations = [migrations.RunPython(forbid, allow)]
