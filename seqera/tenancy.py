"""Scoped base views (pages) and viewsets (API): the workspace is the isolation boundary.

Guarantees, for every view built on these classes:

* the workspace comes from the URL (pages: ``/orgs/<org>/workspaces/<workspace>/…``; API:
  ``?workspaceId=``), never from form or API input;
* a user who is not a participant of that workspace gets 404 (no existence oracle), exactly as
  for an object id that does not exist; a participant whose role is too low for the view's
  action gets 403;
* the view's queryset is the model's ``restrict(user, action)`` queryset narrowed to that
  workspace, so object lookups outside it are 404;
* templates receive ``workspace``, ``org`` and ``role`` to decide which buttons to show with the
  same permission map (``{% if role|allows:"credentials:write" %}``).
"""

from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404
from rest_framework import exceptions as api_exceptions
from rest_framework import viewsets

from workspaces.models import Organization, Workspace
from workspaces.permissions import role_allows


class WorkspaceMixin(LoginRequiredMixin):
    """Page views inside a workspace. Subclasses declare `permission_action` (and `model`)."""

    permission_action: str = "workspace:read"

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        self.workspace = get_object_or_404(
            Workspace.objects.select_related("org"), org__name=kwargs["org"], name=kwargs["workspace"]
        )
        self.org = self.workspace.org
        self.role = self.workspace.role_of(request.user)
        if self.role is None:
            raise Http404("No such workspace")
        request.workspace = self.workspace  # for the request's log line (seqera.middleware.RequestIdMiddleware)
        if not role_allows(self.role, self.get_permission_action()):
            raise PermissionDenied("Your role in this workspace does not allow this.")
        return super().dispatch(request, *args, **kwargs)

    def get_permission_action(self) -> str:
        return self.permission_action

    def get_queryset(self):
        return self.model.objects.restrict(self.request.user, self.get_permission_action()).in_workspace(self.workspace)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(workspace=self.workspace, org=self.org, role=self.role)
        return context


class OrganizationMixin(LoginRequiredMixin):
    """Page views of an organization (``/orgs/<org>/…``): 404 to non-members, 403 below `min_org_role`."""

    min_org_role: str = "member"  # "collaborator" < "member" < "owner"
    _ORG_RANK = {"collaborator": 0, "member": 1, "owner": 2}

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        self.org = get_object_or_404(Organization, name=kwargs["org"])
        self.org_role = self.org.role_of(request.user)
        if self.org_role is None:
            raise Http404("No such organization")
        if self._ORG_RANK[self.org_role] < self._ORG_RANK[self.min_org_role]:
            raise PermissionDenied("Your role in this organization does not allow this.")
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(org=self.org, org_role=self.org_role)
        return context


class WorkspaceViewSet(viewsets.GenericViewSet):
    """API viewsets scoped by ``?workspaceId=``.

    Declare `model` and `permission_actions` (viewset action -> permission action). A missing or
    malformed workspaceId is 400, a workspace the caller is not in is 404, a role too low is 403.
    """

    model = None
    permission_actions: dict[str, str] = {}

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        if self.action is None:  # a method the route does not map: 405, not a missing permission
            raise api_exceptions.MethodNotAllowed(request.method)
        self.workspace = self.resolve_workspace(request)
        self.role = self.workspace.role_of(request.user)
        if self.role is None:
            raise api_exceptions.NotFound("Workspace not found")
        request._request.workspace = self.workspace  # for the request's log line (RequestIdMiddleware)
        if not role_allows(self.role, self.get_permission_action()):
            raise api_exceptions.PermissionDenied("Your role in this workspace does not allow this operation")

    @staticmethod
    def resolve_workspace(request) -> Workspace:
        raw = request.query_params.get("workspaceId")
        if raw in (None, ""):
            raise api_exceptions.ValidationError({"workspaceId": "This query parameter is required."})
        try:
            workspace_id = int(raw)
        except ValueError:
            raise api_exceptions.ValidationError({"workspaceId": "Must be a numeric workspace id."}) from None
        try:
            return Workspace.objects.select_related("org").get(pk=workspace_id)
        except Workspace.DoesNotExist:
            raise api_exceptions.NotFound("Workspace not found") from None

    def get_permission_action(self) -> str:
        try:
            return self.permission_actions[self.action]
        except KeyError:
            raise ImproperlyConfiguredViewSet(
                f"{type(self).__name__} declares no permission for {self.action!r}"
            ) from None

    def get_queryset(self):
        return self.model.objects.restrict(self.request.user, self.get_permission_action()).in_workspace(self.workspace)


class ImproperlyConfiguredViewSet(Exception):
    pass
