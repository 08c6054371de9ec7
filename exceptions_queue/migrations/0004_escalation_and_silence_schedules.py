"""Every minute: escalate overdue exceptions to their owners, and page P1 when a flow is silent in business hours."""

from django.db import migrations

SCHEDULES = {
    "exception-escalation": "exceptions_queue.tasks.escalate_overdue_exceptions",
    "flow-silence-check": "exceptions_queue.tasks.check_flow_silence",
}


def create(apps, schema_editor):
    Schedule = apps.get_model("django_q", "Schedule")
    for name, func in SCHEDULES.items():
        Schedule.objects.update_or_create(name=name, defaults={"func": func, "schedule_type": "I", "minutes": 1, "repeats": -1})


def remove(apps, schema_editor):
    apps.get_model("django_q", "Schedule").objects.filter(name__in=SCHEDULES).delete()


class Migration(migrations.Migration):
    dependencies = [("exceptions_queue", "0003_ops_workplace"), ("django_q", "0018_task_success_index")]
    operations = [migrations.RunPython(create, remove)]
