"""Tenancy: scoped base views (pages) and viewsets (API); the workspace is the isolation boundary.
It lives beside the tenant models it needs; the generic page layer is `seqera.views`.

Guarantees, for every view built on these classes:

* the workspace comes from the URL (pages: ``/orgs/<org>/workspaces/<workspace>/…``; API:
  ``?workspaceId=``), never from form or API input;
* a user who is not a participant of that workspace gets 404 (no existence oracle), exactly as
  for an object id that does not exist; a participant whose role is too low for the view's
  action gets 403;
* the workspace and the user's effective role in it are read once per request, in one query
  (`WorkspaceQuerySet.with_role`, its SQL compiled once per process: `workspace_with_role`);
  the view's queryset is the model's rows in that workspace
  when that role allows the view's action and none otherwise (``for_role``: what
  ``restrict(user, action).in_workspace(workspace)`` returns, without deriving the role again in
  SQL), so object lookups outside it are 404;
* templates receive ``workspace``, ``org`` and ``role`` to decide which buttons to show with the
  same permission map (``{% if role|allows:"credentials:write" %}``);
* every refusal (403/404) of a signed-in user that concerns something that exists (the
  workspace or organization of the URL, or the object its ``pk`` names, wherever that object
  lives) leaves an ``access_denied`` audit record on that object's workspace; a 404 for
  something that does not exist leaves none.
"""

from contextlib import contextmanager

from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404
from rest_framework import exceptions as api_exceptions
from rest_framework import serializers, status, viewsets
from rest_framework.response import Response

from seqera.api import Page, PageQuery, api_errors, exception_handler, page, query_params
from seqera.prepared import PreparedQuery, has_integer_key, model_columns, model_instance, prefetch, prepared_reads
from workspaces import audit
from workspaces.models import Organization, Workspace, attach_workspace, workspace_with_role
from workspaces.permissions import role_allows


def named_object(view, kwargs):
    """The row a page view's ``pk`` URL kwarg names, wherever it lives (None when there is none)."""
    if getattr(view, "lookup_field", "pk") != "pk":
        return None
    pk = kwargs.get(getattr(view, "lookup_url_kwarg", "pk"))
    if pk is None:
        return None
    model = getattr(view, "model", None)
    if model is None and hasattr(view, "get_queryset"):
        try:
            model = view.get_queryset().model
        except Exception:  # noqa: BLE001 - a queryset that needs more of the request: nothing to name
            return None
    return audit.existing(model, pk)


def beyond_reach(obj, user):
    """`obj` when `user` has no role in its workspace (or organization), else None: a 404 for an
    object the user could open elsewhere is a wrong URL, not a probe."""
    if obj is None:
        return None
    if getattr(obj, "workspace_id", None) is not None:
        holder = Workspace.objects.filter(pk=obj.workspace_id).select_related("org").first()
    elif getattr(obj, "org_id", None) is not None:
        holder = Organization.objects.filter(pk=obj.org_id).first()
    else:
        return obj
    return obj if holder is None or holder.role_of(user) is None else None


def _in(obj, workspace):
    return obj if obj is not None and getattr(obj, "workspace_id", None) == workspace.pk else None


class WorkspaceMixin(LoginRequiredMixin):
    """Page views inside a workspace. Subclasses declare `permission_action` (and `model`)."""

    permission_action: str = "workspace:read"

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        try:
            self.workspace = workspace_with_role(request.user, org=kwargs["org"], name=kwargs["workspace"])
        except Workspace.DoesNotExist:
            raise Http404("No such workspace") from None
        self.org = self.workspace.org
        self.role = self.workspace.annotated_role
        if self.role is None:
            audit.record_denial(
                request, instance=_in(named_object(self, kwargs), self.workspace) or self.workspace, status=404
            )
            raise Http404("No such workspace")
        request.workspace = self.workspace  # for the request's log line (seqera.middleware.RequestIdMiddleware)
        if not role_allows(self.role, self.get_permission_action()):
            audit.record_denial(
                request, instance=_in(named_object(self, kwargs), self.workspace) or self.workspace, status=403
            )
            raise PermissionDenied("Your role in this workspace does not allow this.")
        try:
            return super().dispatch(request, *args, **kwargs)
        except Http404:
            # Not found in this workspace's restricted queryset: does the id name a row elsewhere?
            audit.record_denial(request, instance=beyond_reach(named_object(self, kwargs), request.user), status=404)
            raise
        except PermissionDenied:
            audit.record_denial(
                request, instance=_in(named_object(self, kwargs), self.workspace) or self.workspace, status=403
            )
            raise

    def get_permission_action(self) -> str:
        return self.permission_action

    def get_queryset(self):
        return self.model.objects.for_role(self.workspace, self.role, self.get_permission_action())

    # An object page whose class declares the joins of its `get_queryset` here reads its row with
    # `read_object` (a statement compiled once per process), then prefetches `object_prefetch`. A
    # subclass that overrides `get_queryset` below that declaration reads through it instead.
    object_related: tuple[str, ...] | None = None
    object_prefetch: tuple[str, ...] = ()

    def get_object(self):
        if self.object_related is None or self.lookup_field != "pk" or self.lookup_url_kwarg not in self.kwargs:
            return super().get_object()
        mro = type(self).__mro__
        declared = next(i for i, cls in enumerate(mro) if "object_related" in cls.__dict__)
        if any("get_queryset" in cls.__dict__ for cls in mro[:declared]):
            return super().get_object()
        obj = read_for_role(self, self.kwargs[self.lookup_url_kwarg], self.object_related)
        if obj is None:
            raise Http404(f"No {self.model._meta.verbose_name} matches the given query.")
        if self.object_prefetch:
            prefetch(obj, *self.object_prefetch)
        return obj

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
            audit.record_denial(request, instance=self.org, status=404)
            raise Http404("No such organization")
        if self._ORG_RANK[self.org_role] < self._ORG_RANK[self.min_org_role]:
            audit.record_denial(request, instance=self.org, status=403)
            raise PermissionDenied("Your role in this organization does not allow this.")
        try:
            return super().dispatch(request, *args, **kwargs)
        except Http404:  # e.g. a membership id of another organization
            audit.record_denial(request, instance=beyond_reach(named_object(self, kwargs), request.user), status=404)
            raise

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(org=self.org, org_role=self.org_role)
        return context


class WorkspacePage(WorkspaceMixin):
    """Pages inside a workspace: its layout and `ws_url(name, **kwargs)` for routes in it."""

    layout = "layouts/workspace.html"

    def ws_url(self, name: str, **kwargs) -> str:
        return self.workspace.url(name, **kwargs)


class OrgPage(OrganizationMixin):
    """Pages of an organization: its layout and `org_url(name, **kwargs)` for routes in it."""

    layout = "layouts/org.html"

    def org_url(self, name: str, **kwargs) -> str:
        return self.org.url(name, **kwargs)


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
        self.role = self.workspace.annotated_role
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
            return workspace_with_role(request.user, pk=workspace_id)
        except Workspace.DoesNotExist:
            raise api_exceptions.NotFound("Workspace not found") from None

    def get_permission_action(self) -> str:
        action = self.action
        if action == "metadata":
            # OPTIONS (DRF's "metadata") is authorized as a GET of the route, or as its first
            # mapped method when it has no GET, so it reveals nothing a GET would not.
            mapped = getattr(self, "action_map", None) or {}
            action = mapped.get("get") or next(iter(mapped.values()), None)
        try:
            return self.permission_actions[action]
        except KeyError:
            raise ImproperlyConfiguredViewSet(
                f"{type(self).__name__} declares no permission for {self.action!r}"
            ) from None

    def get_queryset(self):
        return self.model.objects.for_role(self.workspace, self.role, self.get_permission_action())


class ImproperlyConfiguredViewSet(Exception):
    pass


def _joined(queryset, related: tuple[str, ...]):
    return queryset.select_related(*related) if related else queryset  # select_related() alone joins every FK


_OBJECT_READS: dict[tuple, PreparedQuery] = {}


def read_object(model, workspace: Workspace, key, related: tuple[str, ...] = ()):
    """The row of `model` whose primary key is `key` in `workspace`, or None: what
    `model.objects.in_workspace(workspace).select_related(*related).filter(pk=key).first()` gives
    (the request's workspace attached to it and to the joined rows of that workspace, never
    joined), by a statement compiled once per process
    for each model and `related` (the ORM compiling it cost more than running it). A key that
    cannot be the model's (not a number for a numeric key) is no row."""
    related = tuple(name for name in related if name != "workspace")
    numeric = has_integer_key(model)
    if numeric:
        try:
            key = int(key)
        except (TypeError, ValueError):
            return None
    read = _OBJECT_READS.get((model, related))
    if read is None:
        read = _OBJECT_READS[(model, related)] = PreparedQuery(
            lambda workspace_id, key: (
                model.objects.filter(workspace_id=workspace_id, pk=key)
                .order_by()
                .values_list(*model_columns(model, *related))
            ),
            ints=("workspace_id", "key") if numeric else ("workspace_id",),
            strs=() if numeric else ("key",),
        )
    rows = read.rows(workspace_id=workspace.pk, key=key if numeric else str(key))
    if not rows:
        return None
    obj = model_instance(model, rows[0], *related)[0]
    joined = (obj._state.fields_cache.get(name) for name in related)
    attach_workspace([obj, *(row for row in joined if row is not None)], workspace)
    return obj


def read_for_role(view, key, related: tuple[str, ...]):
    """`read_object` of the view's model in its workspace, None when the view's role may not do
    its action there (as `for_role` answers nothing then)."""
    if not role_allows(view.role, view.get_permission_action()):
        return None
    return read_object(view.model, view.workspace, key, related)


class WorkspaceObjectMixin:
    """What every viewset of a workspace's objects shares (mixed into `WorkspaceViewSet`
    subclasses). Guarantees:

    * `get_object` reads the row the URL names (``lookup_url_kwarg``) in the restricted queryset,
      with `object_related` joined, in one query; any other row, here or elsewhere, is a 404 with
      `not_found` as its message;
    * `service_errors` turns a service's ValidationError into the API's (`seqera.api.api_errors`,
      keys renamed by `service_fields`; a refusal for the role is 403);
    * serializers get `serializer_context` (the workspace, and what a viewset adds).
    """

    object_related: tuple[str, ...] = ()
    not_found = "Not found"
    service_fields: dict[str, tuple[str, ...]] = {}

    def get_object(self):
        key = self.kwargs[self.lookup_url_kwarg or self.lookup_field]
        if (
            type(self).get_queryset is WorkspaceViewSet.get_queryset
            and self.model.objects.all().workspace_lookup == "workspace"
        ):
            obj = read_for_role(self, key, self.object_related)
        else:
            obj = _joined(self.get_queryset(), self.object_related).filter(pk=key).first()
        if obj is None:
            raise api_exceptions.NotFound(self.not_found)
        return obj

    @contextmanager
    def service_errors(self):
        try:
            yield
        except DjangoValidationError as exc:
            raise api_errors(exc, self.service_fields) from None

    def serializer_context(self) -> dict:
        return {"workspace": self.workspace}


class ListMixin(WorkspaceObjectMixin):
    """``GET`` of a collection in Seqera's shape: `list_serializer` reads one `seqera.api.Page`
    (``max``/``offset``; two queries for the rows however many there are) of the restricted
    queryset (counted unless `count_rows` says not), narrowed by `list_queryset` (filters that may
    refuse the request, checked first) and
    `search` (with the page parameters), ordered by `ordering`, joined with `list_related`, and
    with labels prefetched when the context has ``with_labels``."""

    list_serializer: type[serializers.BaseSerializer]
    ordering: tuple[str, ...] = ("name",)
    list_related: tuple[str, ...] = ()
    page_query: type[serializers.Serializer] = PageQuery

    def list_queryset(self, queryset):
        return queryset

    def count_rows(self, params: dict) -> bool:
        """Whether the page carries the number of rows (``totalSize``)."""
        return True

    def search(self, queryset, params: dict):
        return queryset

    def prepared_page(self, params: dict, context: dict) -> Page | None:
        """The page read by a statement compiled once (`seqera.prepared`) when the view has one for
        these parameters, else None (the queryset's `page`). Called only for a role that may
        list and a view reading the stock restricted queryset; what it returns must equal what the
        queryset path gives (rows, their related objects and prefetched labels, `has_more`)."""
        return None

    def list(self, request):
        context = self.serializer_context()
        params = query_params(request, self.page_query)
        rows = None
        if (
            prepared_reads()
            and type(self).get_queryset is WorkspaceViewSet.get_queryset
            and role_allows(self.role, self.get_permission_action())
        ):
            rows = self.prepared_page(params, context)
        if rows is None:
            queryset = _joined(self.list_queryset(self.get_queryset()), self.list_related).order_by(*self.ordering)
            queryset = self.search(queryset, params)
            if context.get("with_labels"):
                queryset = queryset.prefetch_related("labels")
            rows = page(queryset, params, count=self.count_rows(params))
        return Response(self.list_serializer(rows, context=context).data)


class RetrieveMixin(WorkspaceObjectMixin):
    """``GET`` of one object: `get_object`, with the relations `retrieve_prefetch` names read by
    prepared statements (`seqera.prepared.prefetch`), answered by `retrieve_serializer`."""

    retrieve_serializer: type[serializers.BaseSerializer]
    retrieve_prefetch: tuple[str, ...] = ()

    def retrieve(self, request, **kwargs):
        context = self.serializer_context()
        obj = self.get_object()
        if self.retrieve_prefetch:
            prefetch(obj, *self.retrieve_prefetch)
        return Response(self.retrieve_serializer(obj, context=context).data)


class DestroyMixin(WorkspaceObjectMixin):
    """``DELETE`` of one object: `perform_destroy` (a service call) on `get_object`, its
    errors through `service_errors`; 204."""

    def perform_destroy(self, obj) -> None:
        raise NotImplementedError

    def destroy(self, request, **kwargs):
        obj = self.get_object()
        with self.service_errors():
            self.perform_destroy(obj)
        return Response(status=status.HTTP_204_NO_CONTENT)


_DENIALS = (api_exceptions.NotFound, Http404, api_exceptions.PermissionDenied, PermissionDenied)


def record_api_denial(exc, view, request) -> None:
    """Called by the API's exception handler: records a 403/404 of a signed-in caller about
    something that exists (the object a viewset's ``pk`` names, the workspace of
    ``?workspaceId=``, or the ``workspaceId``/``orgId`` of the path), as the page mixins do."""
    if not isinstance(exc, _DENIALS) or view is None:
        return
    status = 403 if isinstance(exc, api_exceptions.PermissionDenied | PermissionDenied) else 404
    kwargs = getattr(view, "kwargs", None) or {}
    if isinstance(view, WorkspaceViewSet):
        workspace = getattr(view, "workspace", None)  # None: no such workspace, nothing to record
        if workspace is None:
            return
        named = audit.existing(view.model, kwargs.get(view.lookup_url_kwarg or view.lookup_field))
        if getattr(view, "role", None) is None or status == 403:  # refused the workspace itself
            target = _in(named, workspace) or workspace
        else:  # a member of the workspace: the id names nothing here; a probe if it is beyond reach
            target = beyond_reach(named, request.user)
    else:
        target = audit.existing(Workspace, kwargs.get("workspaceId")) or audit.existing(
            Organization, kwargs.get("orgId")
        )
        if target is not None and status == 404 and target.role_of(request.user) is not None:
            target = None  # the caller may see it: the 404 is about something else
    audit.record_denial(request, instance=target, status=status)


def api_exception_handler(exc, context):
    """The API's exception handler (``REST_FRAMEWORK["EXCEPTION_HANDLER"]``): records a denial
    (`record_api_denial`), then answers as `seqera.api.exception_handler`."""
    record_api_denial(exc, context.get("view"), context.get("request"))
    return exception_handler(exc, context)


def lib_doc_excludes() -> list:
    """Classes whose docstrings never become API descriptions: DRF's, and our base viewset's and
    its mixins' (they document the infrastructure for developers, not an operation for API users)."""
    from drf_spectacular.plumbing import get_lib_doc_excludes

    return [*get_lib_doc_excludes(), WorkspaceViewSet, WorkspaceObjectMixin, ListMixin, RetrieveMixin, DestroyMixin]
