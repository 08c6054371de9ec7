from django.apps import AppConfig


class SandboxConfig(AppConfig):
    name = "handoff_project.sandbox"
    label = "sandbox"
    verbose_name = "Sandbox emulators"
