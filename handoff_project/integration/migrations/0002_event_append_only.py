"""The event log refuses UPDATE and DELETE at the database, whatever code (or person) tries."""

from django.db import migrations

PG_FORWARD = """
CREATE OR REPLACE FUNCTION integration_event_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'integration_event is append-only: %% refused', TG_OP USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER integration_event_no_update_delete
    BEFORE UPDATE OR DELETE ON integration_event
    FOR EACH ROW EXECUTE FUNCTION integration_event_append_only();
"""
PG_BACKWARD = """
DROP TRIGGER IF EXISTS integration_event_no_update_delete ON integration_event;
DROP FUNCTION IF EXISTS integration_event_append_only();
"""
SQLITE_FORWARD = [
    "CREATE TRIGGER integration_event_no_update BEFORE UPDATE ON integration_event "
    "BEGIN SELECT RAISE(ABORT, 'integration_event is append-only: UPDATE refused'); END;",
    "CREATE TRIGGER integration_event_no_delete BEFORE DELETE ON integration_event "
    "BEGIN SELECT RAISE(ABORT, 'integration_event is append-only: DELETE refused'); END;",
]
SQLITE_BACKWARD = [
    "DROP TRIGGER IF EXISTS integration_event_no_update;",
    "DROP TRIGGER IF EXISTS integration_event_no_delete;",
]


def forward(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    statements = {"postgresql": [PG_FORWARD], "sqlite": SQLITE_FORWARD}.get(vendor, [])
    for sql in statements:
        schema_editor.execute(sql)


def backward(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    statements = {"postgresql": [PG_BACKWARD], "sqlite": SQLITE_BACKWARD}.get(vendor, [])
    for sql in statements:
        schema_editor.execute(sql)


class Migration(migrations.Migration):
    dependencies = [("integration", "0001_initial")]
    operations = [migrations.RunPython(forward, backward)]
