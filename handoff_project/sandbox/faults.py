"""Fault injection shared by every emulator, driven through /sandbox/<system>/_control.

Modes (POST JSON to _control):
  {"mode": "up"}
  {"mode": "down", "status": 503}                   every request answers 503 (or the given status)
  {"mode": "slow", "delay_s": 5}                    every request waits first
  {"mode": "flaky", "rate": 0.3, "status": 503}     that share of requests answers 503, at random
  {"mode": "lose_response", "how": "gateway"|"timeout", "delay_s": 30, "rate": 1.0}
                                                    a modifying request is carried out and committed, then the
                                                    answer is lost: 504 from a 'gateway', or held past the client's
                                                    timeout; "rate" < 1 loses only that share of them, at random
  {"mode": "locked"}                                every modifying request is refused because "another user holds
                                                    the record", in the vendor's own error format (each emulator
                                                    registers it with `register_lock_response`; 423 otherwise)
Optional "count": N limits any mode to the next N requests, after which the system is up again.
Optional "only_modifying": true applies the mode to modifying requests (POST/PATCH/PUT/DELETE) only, e.g. to let
reads through while every write fails.
"""

from __future__ import annotations

import json
import random
import time

from django.db import transaction
from django.db.models import F
from django.http import HttpResponse, JsonResponse

from .models import SandboxFault

MODES = {"up", "down", "slow", "flaky", "lose_response", "locked"}
# system → a function returning that vendor's "record is locked" answer (registered by each emulator).
_LOCK_RESPONSES: dict = {}


def register_lock_response(system: str, render) -> None:
    _LOCK_RESPONSES[system] = render


def set_fault(system: str, mode: str, **params) -> SandboxFault:
    if mode not in MODES:
        raise ValueError(f"unknown mode {mode!r}; use one of {sorted(MODES)}")
    count = params.pop("count", None)
    fault, _ = SandboxFault.objects.update_or_create(
        system=system,
        defaults={"mode": mode, "params": params, "remaining": int(count) if count is not None else None},
    )
    return fault


def current_fault(system: str) -> SandboxFault | None:
    return SandboxFault.objects.filter(system=system).exclude(mode="up").first()


def _consume(fault: SandboxFault) -> bool:
    """Count one request against a limited fault; False when the fault has run out (the system is up again)."""
    if fault.remaining is None:
        return True
    with transaction.atomic():
        updated = SandboxFault.objects.filter(pk=fault.pk, remaining__gt=0).update(remaining=F("remaining") - 1)
        if not updated:
            SandboxFault.objects.filter(pk=fault.pk).update(mode="up", remaining=None)
            return False
    return True


def gate(system: str, *, modifying: bool) -> tuple[HttpResponse | None, bool]:
    """Decide what the fault mode does to this request.

    Returns (response, lose_after): a response to send instead of handling the request, or None to handle it;
    lose_after is True when the request must be carried out and its answer then lost (see `lost_response`).
    """
    fault = current_fault(system)
    if fault is None:
        return None, False
    params = fault.params or {}
    if not modifying and (fault.mode in ("lose_response", "locked") or params.get("only_modifying")):
        return None, False
    if not _consume(fault):
        return None, False
    SandboxFault.objects.filter(pk=fault.pk).update(requests_seen=F("requests_seen") + 1)
    if fault.mode == "down":
        return _unavailable(int(params.get("status", 503)), "down"), False
    if fault.mode == "slow":
        time.sleep(float(params.get("delay_s", 5)))
        return None, False
    if fault.mode == "flaky":
        if random.random() < float(params.get("rate", 0.3)):
            return _unavailable(int(params.get("status", 503)), "flaky"), False
        return None, False
    if fault.mode == "lose_response":
        return None, random.random() < float(params.get("rate", 1.0))
    if fault.mode == "locked":
        render = _LOCK_RESPONSES.get(system)
        return (render() if render else HttpResponse("Locked", status=423, content_type="text/plain")), False
    return None, False


def lost_response(system: str) -> HttpResponse:
    """What the client sees after its request was committed but the answer was lost."""
    fault = SandboxFault.objects.filter(system=system).first()
    params = (fault.params if fault else {}) or {}
    if params.get("how") == "timeout":
        time.sleep(float(params.get("delay_s", 30)))
    return HttpResponse("upstream response lost", status=504, content_type="text/plain")


def _unavailable(status: int, why: str) -> HttpResponse:
    response = HttpResponse(f"Service Unavailable (sandbox fault: {why})", status=status, content_type="text/plain")
    response["Retry-After"] = "1"
    return response


def control(request, system: str) -> JsonResponse:
    """Body of every /sandbox/<system>/_control view (GET shows, POST sets)."""
    if request.method == "POST":
        try:
            payload = json.loads(request.body or b"{}")
            mode = payload.pop("mode")
            fault = set_fault(system, mode, **payload)
        except (ValueError, KeyError, TypeError) as exc:
            return JsonResponse({"error": f"bad control request: {exc}"}, status=400)
    else:
        fault = SandboxFault.objects.filter(system=system).first()
    return JsonResponse(
        {
            "system": system,
            "mode": fault.mode if fault else "up",
            "params": fault.params if fault else {},
            "remaining": fault.remaining if fault else None,
            "requests_seen": fault.requests_seen if fault else 0,
        }
    )
