from django.apps import AppConfig


class WorkspacesConfig(AppConfig):
    name = "workspaces"
    verbose_name = "Organizations and workspaces"

    def ready(self):
        from workspaces import checks  # noqa: F401  (registers system checks)
