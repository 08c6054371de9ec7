"""Connector registries are data: a dict from system name to the dotted path of its adapter class."""

from __future__ import annotations

from importlib import import_module

from .errors import ConfigurationError


def load_adapter(registry: dict[str, str], system: str, kind: str):
    path = registry.get(system)
    if path is None:
        raise ConfigurationError(f"no {kind} connector named {system!r}; known: {', '.join(sorted(registry))}")
    module_name, class_name = path.rsplit(".", 1)
    return getattr(import_module(module_name), class_name)()
