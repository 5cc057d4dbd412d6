from django.apps import AppConfig


class ComputeEnvsConfig(AppConfig):
    name = "computeenvs"
    verbose_name = "Compute environments"

    def ready(self):
        from computeenvs import receivers  # noqa: F401  (connects the workspace-deletion receiver)
        from computeenvs.models import ComputeEnv
        from workspaces import audit

        audit.register(ComputeEnv)
