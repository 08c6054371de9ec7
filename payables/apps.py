from django.apps import AppConfig


class PayablesConfig(AppConfig):
    name = "payables"
    verbose_name = "Accounts payable"
