from workspaces.models import Workspace


def workspace_nav(request):
    """The workspaces the signed-in user can open, for the layout's switcher (one query, lazy)."""
    user = getattr(request, "user", None)
    if not user or not user.is_authenticated:
        return {}
    return {
        "nav_workspaces": lambda: list(
            Workspace.objects.restrict(user, "workspace:read").select_related("org").order_by("org__name", "name")
        )
    }
