from django.apps import AppConfig


class CrosswalkConfig(AppConfig):
    name = "crosswalk"
