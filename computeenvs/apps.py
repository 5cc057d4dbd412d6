from django.apps import AppConfig


class ComputeEnvsConfig(AppConfig):
    name = "computeenvs"
    verbose_name = "Compute environments"
    sandbox_seed = "computeenvs.sandbox.seed_sandbox"  # what `make run` puts in its local AWS sandbox

    def ready(self):
        from computeenvs.models import ComputeEnv
        from workspaces import audit

        audit.register(ComputeEnv)
