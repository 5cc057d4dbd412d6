"""Signal receivers of the compute-environments app (connected in `apps.py`)."""

from django.dispatch import receiver

from workspaces.signals import workspace_deleting


@receiver(workspace_deleting)
def dispose_before_workspace_deletion(sender, workspace, organization=None, **kwargs) -> bool:
    from computeenvs import services

    return services.dispose_workspace_compute_envs(workspace=workspace, organization=organization)
