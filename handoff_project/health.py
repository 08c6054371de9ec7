"""/healthz: is the database reachable and has a worker reported in recently?"""

from django.db import connection
from django.http import JsonResponse
from django.utils import timezone


def healthz(request):
    body = {"database": "ok", "worker": "stale"}
    status = 200
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except Exception as exc:  # noqa: BLE001 - the health check reports any database failure
        body["database"] = f"error: {type(exc).__name__}"
        status = 503
    else:
        from django_q.status import Stat

        stats = Stat.get_all()
        alive = [s for s in stats if s.status in ("Idle", "Working", "Starting")]
        body["worker"] = "ok" if alive else "stale"
        body["workers"] = len(alive)
        from erp_orders.models import ACTIVE_STATES, Handoff

        body["active_handoffs"] = Handoff.objects.filter(state__in=ACTIVE_STATES).count()
    body["time"] = timezone.now().isoformat()
    return JsonResponse(body, status=status)
