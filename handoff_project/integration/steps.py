"""The one step runner and the one retry policy.

A flow step is a function that does one unit of work. `run_step` runs it and classifies what happened:

* it returned → ``StepResult.SUCCEEDED`` (the caller moves the subject on and enqueues the next step on commit);
* it raised `TransientError` → a retry is due after the next delay of the schedule (30 s, 2 min, 10 min, 1 h, 4 h
  by default, ``HANDOFF_RETRY_DELAYS``); when the schedule is used up → ``DEAD`` (dead-letter);
* it raised `PermanentError` → ``DEAD`` at once.

Each outcome is written to the event log. Delayed work is queued with `enqueue` (django-q2; a delay becomes a
one-off schedule, so nothing waits in memory and a restart loses nothing).
"""

from __future__ import annotations

import datetime as dt
import enum
import logging
import traceback
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from .errors import IntegrationError, PermanentError, TransientError
from .events import record_event
from .models import Outcome

log = logging.getLogger("handoff.steps")


class StepStatus(enum.Enum):
    SUCCEEDED = "succeeded"
    RETRY = "retry"
    DEAD = "dead"


@dataclass
class StepResult:
    status: StepStatus
    value: object = None
    error: IntegrationError | None = None
    retry_at: dt.datetime | None = None
    attempt: int = 0

    @property
    def exhausted(self) -> bool:
        return self.status is StepStatus.DEAD and isinstance(self.error, TransientError)


def retry_delays() -> list[int]:
    return list(settings.HANDOFF_RETRY_DELAYS)


def retry_delay(attempt: int) -> int | None:
    """Seconds to wait after failed attempt number `attempt` (1-based); None once the schedule is used up."""
    delays = retry_delays()
    return delays[attempt - 1] if 1 <= attempt <= len(delays) else None


def run_step(name: str, work, *, attempt: int, system: str = "") -> StepResult:
    """Run `work()` as attempt number `attempt` (1-based) of step `name` and classify the result.

    An unexpected exception (a bug, a dropped database connection) is treated as transient: it is logged with its
    traceback and retried on the schedule, so it ends in the dead-letter queue where a person sees it, never silently
    stuck.
    """
    try:
        try:
            value = work()
        except IntegrationError:
            raise
        except Exception as exc:  # noqa: BLE001 - see docstring
            log.exception("step %s crashed", name)
            raise TransientError(
                f"internal error in step {name}: {type(exc).__name__}: {exc}",
                system=system,
                detail={"traceback": traceback.format_exc()[-4000:]},
            ) from exc
    except TransientError as exc:
        delay = retry_delay(attempt)
        if delay is None:
            record_event(
                name,
                outcome=Outcome.DEAD_LETTERED,
                system=exc.system or system,
                message=f"{exc} — retries exhausted after {attempt} attempts",
                data=exc.as_dict(),
            )
            return StepResult(StepStatus.DEAD, error=exc, attempt=attempt)
        retry_at = timezone.now() + dt.timedelta(seconds=delay)
        record_event(
            name,
            outcome=Outcome.RETRY_SCHEDULED,
            system=exc.system or system,
            message=f"{exc} — attempt {attempt} failed, retry {attempt} of {len(retry_delays())} in {delay} s",
            data={**exc.as_dict(), "attempt": attempt, "retry_in_s": delay, "retry_at": retry_at.isoformat()},
        )
        return StepResult(StepStatus.RETRY, error=exc, retry_at=retry_at, attempt=attempt)
    except PermanentError as exc:
        record_event(
            name,
            outcome=Outcome.ERP_ERROR if exc.http_status else Outcome.PERMANENT_ERROR,
            system=exc.system or system,
            message=str(exc),
            data=exc.as_dict(),
        )
        return StepResult(StepStatus.DEAD, error=exc, attempt=attempt)
    return StepResult(StepStatus.SUCCEEDED, value=value, attempt=attempt)


def enqueue(func: str, *args, delay_s: float = 0, group: str | None = None):
    """Queue `func(*args)` on the worker after the current transaction commits (or now, outside one).

    With a delay the task becomes a one-off django-q2 schedule, which the cluster's scheduler picks up when due.
    """

    def _send():
        from django_q.models import Schedule
        from django_q.tasks import async_task

        if delay_s and delay_s > 0:
            Schedule.objects.create(
                func=func,
                args=",".join(repr(a) for a in args) if args else None,
                schedule_type=Schedule.ONCE,
                repeats=1,
                next_run=timezone.now() + dt.timedelta(seconds=delay_s),
                name=None,
            )
        else:
            async_task(func, *args, group=group)

    transaction.on_commit(_send)
