from django.apps import AppConfig


class IntegrationConfig(AppConfig):
    name = "handoff_project.integration"
    label = "integration"
    verbose_name = "Integration kernel"
