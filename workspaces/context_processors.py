from workspaces.models import readable_workspaces


def workspace_nav(request):
    """The workspaces the signed-in user can open, for the layout's switcher (one query, lazy)."""
    user = getattr(request, "user", None)
    if not user or not user.is_authenticated:
        return {}
    return {"nav_workspaces": lambda: readable_workspaces(user)}
