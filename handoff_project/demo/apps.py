from django.apps import AppConfig


class DemoConfig(AppConfig):
    name = "handoff_project.demo"
    label = "demo"
    verbose_name = "Demo data"
