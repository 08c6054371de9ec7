from django.apps import AppConfig


class ExceptionsQueueConfig(AppConfig):
    name = "exceptions_queue"
