"""The three endpoints every emulator serves besides the vendor's API: `_control` (fault modes), `_state` (what it
holds) and `_seed` (load master data), as one list of URL patterns an emulator's urlpatterns starts with."""

from __future__ import annotations

import json

from django.http import JsonResponse
from django.urls import path
from django.views.decorators.csrf import csrf_exempt

from . import faults


def standard_urls(system: str, *, state, seeder) -> list:
    """`state()` returns the JSON-able dict `_state` shows; `seeder(data)` loads a POSTed seed (ValueError when bad)."""

    @csrf_exempt
    def control(request):
        return faults.control(request, system)

    def show_state(request):
        return JsonResponse(state())

    @csrf_exempt
    def seed(request):
        if request.method != "POST":
            return JsonResponse({"error": "POST the master data as JSON"}, status=405)
        try:
            counts = seeder(json.loads(request.body or b"{}"))
        except (ValueError, TypeError, AttributeError, KeyError) as exc:
            return JsonResponse({"error": f"bad seed request: {exc}"}, status=400)
        return JsonResponse({"loaded": counts})

    return [
        path("_control", control, name=f"{system}-sandbox-control"),
        path("_state", show_state, name=f"{system}-sandbox-state"),
        path("_seed", seed, name=f"{system}-sandbox-seed"),
    ]
