"""The few hand-kept tables of the walk: kwarg samples, exempt routes, and routes whose view
authorizes inline instead of declaring it. Everything else is derived from the views.

A route that the walk cannot fill or classify is a failure that names the table to extend.
"""

from __future__ import annotations

from django.contrib.contenttypes.models import ContentType
from django.test import RequestFactory

from tests.tenancy.walk import Route, Scope, scope_of
from tests.tenancy.world import World
from workspaces.models import ApiToken, Credentials

# kwarg name -> value taken from workspace A's world. Generic names (pk, id, object_id) go by model.
SAMPLES = {
    "org": lambda w, r: w.org.name,
    "workspace": lambda w, r: w.workspace.name,
    "orgId": lambda w, r: w.org.id,
    "workspaceId": lambda w, r: w.workspace.id,
    "userId": lambda w, r: w.users["owner"].id,
    "user_id": lambda w, r: w.users["team_admin"].id,  # a member of w.team
    "credentials": lambda w, r: w.credentials.id,
    "credentials_id": lambda w, r: w.credentials.id,
    "credentialsId": lambda w, r: w.credentials.id,
    "label": lambda w, r: w.label.id,
    "label_id": lambda w, r: w.label.id,
    "labelId": lambda w, r: w.label.id,
    "ce": lambda w, r: w.compute_env.id,
    "ce_id": lambda w, r: w.compute_env.id,
    "compute_env": lambda w, r: w.compute_env.id,
    "compute_env_id": lambda w, r: w.compute_env.id,
    "computeEnvId": lambda w, r: w.compute_env.id,
    "resource": lambda w, r: w.forged.id,
    "workflowId": lambda w, r: w.run.id,
    "run": lambda w, r: w.run.id,
    "pipelineId": lambda w, r: w.pipeline.id,
    "pipeline": lambda w, r: w.pipeline.id,
    "secretId": lambda w, r: w.secret.id,
    "secret": lambda w, r: w.secret.id,
    "team": lambda w, r: w.team.name,
    "team_id": lambda w, r: w.team.id,
    "teamId": lambda w, r: w.team.id,
    "member": lambda w, r: w.membership.id,
    "member_id": lambda w, r: w.membership.id,
    "memberId": lambda w, r: w.membership.id,
    "participant": lambda w, r: w.participant.id,
    "participant_id": lambda w, r: w.participant.id,
    "participantId": lambda w, r: w.participant.id,
    "tokenId": lambda w, r: w.api_token.id,
    "token_id": lambda w, r: w.api_token.id,
    "token": lambda w, r: w.invitation_token,  # e-mailed links (invitation, address confirmation)
    "format": lambda w, r: "json",
    "kind": lambda w, r: "buckets",  # the compute-environment form's AWS pickers
    "app_label": lambda w, r: "workspaces",
    "content_type_id": lambda w, r: ContentType.objects.get_for_model(Credentials).id,
    "url": lambda w, r: "zq-nowhere/",
    "taskId": lambda w, r: w.task.task_id,
}
GENERIC_KWARGS = ("pk", "id", "object_id")
TENANT_KWARGS = ("org", "workspace", "orgId", "workspaceId")  # the tenant, not an object in it
HARMLESS_KWARGS = ("format", "kind")  # a response format; which AWS picker (not an object)

# Views that name their object with a generic kwarg but declare no `model` (nor a queryset).
ROUTE_MODELS = {"token_revoke": ApiToken}

# Routes outside any workspace or organization, with the reason. Walked for "no 5xx" and, as the
# outsider, for "no data of workspace A in the body".
EXEMPT = {
    "home": "landing page of the signed-in user: only their own organizations and workspaces",
    "login": "sign-in page",
    "logout": "sign-out",
    "profile": "the signed-in user's own profile and tokens",
    "password_change": "the signed-in user's own password",
    "invitation_accept": "e-mailed invitation link: the token in the URL is the credential",
    "email_verify": "e-mailed address confirmation: signed for the account that asked, which must be signed in",
    "token_revoke_all": "the signed-in user's own tokens",
    "workspaces:org_create": "any signed-in user may create an organization",
    "api-schema": "OpenAPI document",
    "api-docs": "API docs page",
    "api-redoc": "API docs page",
    "api-service-info": "service metadata",
    "api-user-info": "the caller's own account",
    "api-orgs": "lists the caller's own organizations",
    "api-tokens-list": "the caller's own access tokens",
    "api-not-found": "any /api/ URL no route matches: a JSON 404, no data",
    "health-live": "liveness probe: no authentication, no data",
    "health-ready": "readiness probe: per-check ok/fail, no data, no address",
    "metrics": "Prometheus metrics: METRICS_ALLOWED_IPS / METRICS_TOKEN only, else 403",
}

# Exempt routes that may answer 503 by design (the walk's world has no scheduler tick), with the reason.
MAY_BE_UNAVAILABLE = {"health-ready": "readiness answers 503 while a dependency (here the scheduler) is down"}

# Routes whose object belongs to a user (the "owner" principal's): anyone else gets this status.
USER_SCOPED = {
    "token_revoke": 404,
    "api-tokens-detail": 404,
    "api-user-workspaces": 403,  # Seqera: any userId but your own is 403
}

# Views that authorize inline (no `permission_action` / `min_org_role` declared on the class).
# Prefer declaring it on the view; this table is for views that cannot.
INLINE_SCOPES = {
    "api-org": Scope("organization", min_org_role="collaborator"),
    "api-workspaces": Scope("organization", min_org_role="collaborator"),
    "api-workspace": Scope("workspace", action="workspace:read"),
    "api-participants": Scope("workspace", action="participant:read"),
}


# Server errors the walk found for *authorized* requests in views owned elsewhere, reported to the
# lead. Authorization expectations (401/403/404, side effects, leaks) are never waived here.
# Delete an entry once fixed; the walk warns about entries that no longer fail.
KNOWN_SERVER_ERRORS: dict = {}


def is_admin(route: Route) -> bool:
    return (route.name or "").startswith("admin:") or route.route.startswith("admin/")


class Unmappable(Exception):
    pass


def model_of(route: Route, world: World):
    if route.name in ROUTE_MODELS:
        return ROUTE_MODELS[route.name]
    if route.model is not None:
        return route.model
    cls = route.view_class
    if cls is not None and hasattr(cls, "get_queryset"):
        view = cls(**getattr(route.callback, "view_initkwargs", {}))
        view.request = RequestFactory().get("/")
        view.request.user = world.users["owner"]
        view.args, view.kwargs = (), {}
        view.org, view.workspace = world.org, world.workspace
        try:
            return view.get_queryset().model
        except Exception:  # noqa: BLE001 - the view needs more context: report as unmappable
            return None
    return None


def fill_kwargs(route: Route, world: World) -> dict:
    """Route kwarg values for workspace A; raises Unmappable with what to add for the developer."""
    values = {}
    for name in route.kwarg_names:
        if name in SAMPLES:
            values[name] = SAMPLES[name](world, route)
        elif name in GENERIC_KWARGS:
            model = model_of(route, world)
            if model not in world.by_model:
                raise Unmappable(
                    f"kwarg {name!r}: cannot tell which object it names (view model: {model}). Declare `model` "
                    "on the view, or add the route to ROUTE_MODELS / the model to World.by_model."
                )
            values[name] = world.by_model[model].pk
        else:
            raise Unmappable(
                f"kwarg {name!r} has no sample: add it to SAMPLES in tests/tenancy/expect.py "
                "(an object of workspace A in tests/tenancy/world.py)."
            )
    return values


def swap_tenant(kwargs: dict, world: World) -> dict:
    """The same kwargs with the tenant (org/workspace) replaced by the outsider's own."""
    swapped = dict(kwargs)
    own = {"org": world.other_org.name, "workspace": world.other_workspace.name,
           "orgId": world.other_org.id, "workspaceId": world.other_workspace.id}  # fmt: skip
    swapped.update({k: v for k, v in own.items() if k in kwargs})
    return swapped


def object_kwargs(route: Route) -> list[str]:
    return [k for k in route.kwarg_names if k not in TENANT_KWARGS + HARMLESS_KWARGS]


def classify(route: Route, method: str, kwargs: dict):
    """("scoped", Scope) | ("user", status) | ("exempt", reason) | ("admin", None) | (None, None)."""
    if is_admin(route):
        return "admin", None
    if route.name in EXEMPT:
        return "exempt", EXEMPT[route.name]
    if route.name in USER_SCOPED:
        return "user", USER_SCOPED[route.name]
    if route.name in INLINE_SCOPES:
        return "scoped", INLINE_SCOPES[route.name]
    scope = scope_of(route, route.authorizing_method(method), kwargs)
    return ("scoped", scope) if scope else (None, None)
