from django.apps import AppConfig


class ErpOrdersConfig(AppConfig):
    name = "erp_orders"
