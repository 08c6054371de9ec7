"""Worker tasks of the ERP side: thin, they load ids and call one service."""

from . import pipeline, services


def advance_handoff(handoff_id: int) -> str:
    return pipeline.advance_handoff(handoff_id)


def redrive_stuck_handoffs() -> int:
    return services.redrive_stuck_handoffs()
