"""Every minute the watchdog re-drives handoffs that no worker is progressing (a lost task, a killed worker)."""

from django.db import migrations


def create(apps, schema_editor):
    Schedule = apps.get_model("django_q", "Schedule")
    Schedule.objects.update_or_create(
        name="handoff-watchdog",
        defaults={"func": "erp_orders.tasks.redrive_stuck_handoffs", "schedule_type": "I", "minutes": 1, "repeats": -1},
    )


def remove(apps, schema_editor):
    apps.get_model("django_q", "Schedule").objects.filter(name="handoff-watchdog").delete()


class Migration(migrations.Migration):
    dependencies = [("erp_orders", "0002_initial"), ("django_q", "0018_task_success_index")]
    operations = [migrations.RunPython(create, remove)]
