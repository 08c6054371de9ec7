"""The emulators under /sandbox/ exist only when SANDBOX_ENABLED is set (read per request, so tests can switch)."""

from django.conf import settings
from django.http import Http404


class SandboxGateMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path.startswith("/sandbox/") and not settings.SANDBOX_ENABLED:
            raise Http404("the sandbox emulators are disabled (set SANDBOX_ENABLED=1)")
        return self.get_response(request)
