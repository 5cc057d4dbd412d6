from django.apps import AppConfig


class ComputeEnvsConfig(AppConfig):
    name = "computeenvs"
    verbose_name = "Compute environments"

    def ready(self):
        from computeenvs import receivers  # noqa: F401  (connects the workspace-deletion receiver)
        from computeenvs.models import ComputeEnv
        from workspaces import audit
        from workspaces.sections import WorkspaceSection, register

        audit.register(ComputeEnv)
        register(
            WorkspaceSection(
                key="compute-envs",
                title="Compute environments",
                url_name="computeenvs:list",
                text="AWS Batch environments that run your pipelines.",
                count=lambda ws: ComputeEnv.objects.in_workspace(ws).count(),
                order=10,
            )
        )
