"""Worker tasks of the ERP side: thin, they load ids and call one service."""

from . import approvals, outage, pipeline, services


def advance_handoff(handoff_id: int) -> str:
    return pipeline.advance_handoff(handoff_id)


def redrive_stuck_handoffs() -> int:
    return services.redrive_stuck_handoffs()


def release_after_window(handoff_id: int) -> str:
    return approvals.release_after_window(handoff_id)


def release_due_approvals() -> int:
    return approvals.release_due_approvals()


def probe_erp(erp_system: str) -> str:
    return outage.probe_erp(erp_system)


def probe_erps() -> int:
    return outage.probe_erps()


def check_queue_lag() -> list[str]:
    return outage.check_queue_lag()
