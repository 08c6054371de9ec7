"""Secrets come only from the environment: settings.py holds no credential with a working default, and the
development key is generated per checkout (never a value written in the repository) and refused by the deploy check."""

from __future__ import annotations

import ast
import re

from tests.conftest import ROOT
from tests.exceptions_queue.test_deploy_check import run_manage

SETTINGS = ROOT / "handoff_project" / "settings.py"
SECRET_NAME = re.compile(r"SECRET|PASSWORD|TOKEN|API_KEY|CONSUMER_KEY|ROUTING_KEY|CLIENT_ID|_USER$")


def _environment_defaults() -> dict[str, object]:
    """Every `os.environ.get("NAME", default)` in settings.py: NAME → the default written there."""
    defaults = {}
    for node in ast.walk(ast.parse(SETTINGS.read_text())):
        if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "get"
                and ast.unparse(node.func.value) == "os.environ" and node.args
                and isinstance(node.args[0], ast.Constant)):
            default = node.args[1] if len(node.args) > 1 else None
            defaults[node.args[0].value] = default.value if isinstance(default, ast.Constant) else (
                None if default is None else ast.unparse(default))
    return defaults


def test_no_credential_setting_has_a_default_in_settings():
    defaults = _environment_defaults()
    credentials = {name: value for name, value in defaults.items() if SECRET_NAME.search(name)}
    assert len(credentials) >= 20  # the scan found them (every connector's credentials)
    assert {name: value for name, value in credentials.items() if value not in (None, "")} == {}


def test_the_development_secret_key_is_generated_not_written_in_the_repository():
    source = SETTINGS.read_text()
    assert not re.search(r"SECRET_KEY\s*=\s*[\"']", source)
    first = run_manage("shell", "-c", "from django.conf import settings; print(settings.SECRET_KEY)")
    second = run_manage("shell", "-c", "from django.conf import settings; print(settings.SECRET_KEY)")
    key = first.stdout.strip().splitlines()[-1]
    assert key.startswith("django-insecure-") and len(key) > 60  # refused by check --deploy (security.W009)
    assert key == second.stdout.strip().splitlines()[-1]  # one key for every process of the checkout
    assert key not in source


def test_the_environment_secret_key_wins():
    result = run_manage("shell", "-c", "from django.conf import settings; print(settings.SECRET_KEY)",
                        DJANGO_SECRET_KEY="from-the-environment-" + "x" * 50)
    assert result.stdout.strip().splitlines()[-1] == "from-the-environment-" + "x" * 50
