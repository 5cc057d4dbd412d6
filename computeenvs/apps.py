from django.apps import AppConfig


class ComputeEnvsConfig(AppConfig):
    name = "computeenvs"
    verbose_name = "Compute environments"
