"""Handoff.business_unit: the deal's business unit as a column (who may see and act on the handoff), filled for
existing handoffs from the canonical deal they already hold."""

from django.db import migrations, models

HELP = "The deal's business unit as the CRM says it: who may see and act on it (exceptions_queue.business_units)."

FILL = """
UPDATE erp_orders_handoff
   SET business_unit = LEFT(deal ->> 'business_unit', 100)
 WHERE deal IS NOT NULL AND jsonb_typeof(deal) = 'object' AND COALESCE(deal ->> 'business_unit', '') <> ''
"""


def fill_from_deal(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(FILL)
        return
    Handoff = apps.get_model("erp_orders", "Handoff")  # SQLite (the demo): small, row by row is fine
    for handoff in Handoff.objects.exclude(deal=None).only("id", "deal").iterator():
        unit = (handoff.deal or {}).get("business_unit") if isinstance(handoff.deal, dict) else ""
        if unit:
            Handoff.objects.filter(pk=handoff.pk).update(business_unit=str(unit)[:100])


class Migration(migrations.Migration):
    dependencies = [("erp_orders", "0009_system_choices")]

    operations = [
        migrations.AddField(
            model_name="handoff", name="business_unit",
            field=models.CharField(blank=True, db_index=True, help_text=HELP, max_length=100),
        ),
        migrations.AddField(
            model_name="historicalhandoff", name="business_unit",
            field=models.CharField(blank=True, db_index=True, help_text=HELP, max_length=100),
        ),
        migrations.RunPython(fill_from_deal, migrations.RunPython.noop),
    ]
