"""Every Monday at 07:00 (BUSINESS_TIMEZONE): email last week's SLA report to SLA_REPORT_EMAILS."""

import datetime as dt
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import migrations

NAME = "weekly-sla-report"


def next_monday_morning(now: dt.datetime) -> dt.datetime:
    local = now.astimezone(ZoneInfo(settings.BUSINESS_TIMEZONE))
    monday = (local + dt.timedelta(days=(7 - local.weekday()) % 7 or 7)).replace(hour=7, minute=0, second=0, microsecond=0)
    return monday.astimezone(dt.timezone.utc)


def create(apps, schema_editor):
    Schedule = apps.get_model("django_q", "Schedule")
    Schedule.objects.update_or_create(name=NAME, defaults={
        "func": "exceptions_queue.tasks.send_weekly_sla_report", "schedule_type": "W", "repeats": -1,
        "next_run": next_monday_morning(dt.datetime.now(dt.timezone.utc)),
    })


def remove(apps, schema_editor):
    apps.get_model("django_q", "Schedule").objects.filter(name=NAME).delete()


class Migration(migrations.Migration):
    dependencies = [("exceptions_queue", "0004_escalation_and_silence_schedules"), ("django_q", "0018_task_success_index")]
    operations = [migrations.RunPython(create, remove)]
