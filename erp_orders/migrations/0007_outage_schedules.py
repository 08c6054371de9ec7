"""Every minute: probe the ERPs that are down (a lost probe timer never strands the buffer) and check queue lag."""

from django.db import migrations

SCHEDULES = {
    "erp-outage-probe": "erp_orders.tasks.probe_erps",
    "erp-queue-lag": "erp_orders.tasks.check_queue_lag",
}


def create(apps, schema_editor):
    Schedule = apps.get_model("django_q", "Schedule")
    for name, func in SCHEDULES.items():
        Schedule.objects.update_or_create(name=name, defaults={"func": func, "schedule_type": "I", "minutes": 1, "repeats": -1})


def remove(apps, schema_editor):
    apps.get_model("django_q", "Schedule").objects.filter(name__in=SCHEDULES).delete()


class Migration(migrations.Migration):
    dependencies = [("erp_orders", "0006_multi_erp_routing_outage"), ("django_q", "0018_task_success_index")]
    operations = [migrations.RunPython(create, remove)]
