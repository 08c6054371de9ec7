"""Every minute the reconciliation poll checks which CRMs are due (RECONCILIATION_MINUTES) and asks them."""

from django.db import migrations


def create(apps, schema_editor):
    apps.get_model("django_q", "Schedule").objects.update_or_create(
        name="crm-reconciliation",
        defaults={"func": "crm_sync.tasks.reconcile_missed_webhooks", "schedule_type": "I", "minutes": 1, "repeats": -1},
    )


def remove(apps, schema_editor):
    apps.get_model("django_q", "Schedule").objects.filter(name="crm-reconciliation").delete()


class Migration(migrations.Migration):
    dependencies = [("crm_sync", "0001_reconciliation_cursor"), ("django_q", "0018_task_success_index")]
    operations = [migrations.RunPython(create, remove)]
