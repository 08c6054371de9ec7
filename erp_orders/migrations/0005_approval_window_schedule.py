"""Every minute, release medium-risk handoffs whose intervention window passed (a safety net behind the per-handoff timer)."""

from django.db import migrations


def create(apps, schema_editor):
    apps.get_model("django_q", "Schedule").objects.update_or_create(
        name="approval-window-release",
        defaults={"func": "erp_orders.tasks.release_due_approvals", "schedule_type": "I", "minutes": 1, "repeats": -1},
    )


def remove(apps, schema_editor):
    apps.get_model("django_q", "Schedule").objects.filter(name="approval-window-release").delete()


class Migration(migrations.Migration):
    dependencies = [("erp_orders", "0004_approvals_and_risk"), ("django_q", "0018_task_success_index")]
    operations = [migrations.RunPython(create, remove)]
