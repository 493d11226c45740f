"""On PostgreSQL the database itself refuses to change or delete an audit row."""

from django.db import migrations

FORBID = """
CREATE OR REPLACE FUNCTION lifecycle_audit_entry_immutable() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'audit entries are immutable (%% refused)', TG_OP;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER lifecycle_auditentry_immutable
BEFORE UPDATE OR DELETE ON lifecycle_auditentry
FOR EACH ROW EXECUTE FUNCTION lifecycle_audit_entry_immutable();
"""

ALLOW = """
DROP TRIGGER IF EXISTS lifecycle_auditentry_immutable ON lifecycle_auditentry;
DROP FUNCTION IF EXISTS lifecycle_audit_entry_immutable();
"""


def forbid(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(FORBID)


def allow(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(ALLOW)


class Migration(migrations.Migration):
    dependencies = [("lifecycle", "0001_initial")]

    operations = [migrations.RunPython(forbid, allow)]
