"""`manage.py check --deploy` is clean with the production profile (DJANGO_DEBUG off, DJANGO_SECRET_KEY set), and
the profile really turns the HTTPS settings on."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys

from tests.conftest import ROOT


def run_manage(*args: str, **env) -> subprocess.CompletedProcess:
    environment = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "SECURE_", "SESSION_", "CSRF_"))}
    environment.update(DJANGO_SETTINGS_MODULE="handoff_project.settings", **env)
    return subprocess.run([sys.executable, str(ROOT / "manage.py"), *args], cwd=ROOT, env=environment,
                          capture_output=True, text=True, timeout=120)


PRODUCTION = {"DJANGO_DEBUG": "0", "DJANGO_SECRET_KEY": secrets.token_urlsafe(64), "ALLOWED_HOSTS": "handoff.example.com"}


def test_check_deploy_is_clean_with_the_production_profile():
    result = run_manage("check", "--deploy", "--fail-level", "WARNING", **PRODUCTION)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_without_a_secret_key_the_deploy_check_fails():
    result = run_manage("check", "--deploy", "--fail-level", "WARNING", DJANGO_DEBUG="0", ALLOWED_HOSTS="handoff.example.com")
    assert result.returncode != 0 and "security.W009" in result.stderr + result.stdout


def test_the_production_profile_turns_https_on():
    code = ("from django.conf import settings as s; print(s.SECURE_SSL_REDIRECT, s.SESSION_COOKIE_SECURE, "
            "s.CSRF_COOKIE_SECURE, s.SECURE_HSTS_SECONDS)")
    result = run_manage("shell", "-c", code, **PRODUCTION)
    assert result.stdout.strip().splitlines()[-1].split() == ["True", "True", "True", "31536000"], result.stderr
