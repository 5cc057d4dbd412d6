"""Tenant isolation, walked over every URL pattern of the project (quality.md §3.1).

Routes come from the URL resolver, expectations from each view's own declaration (see walk.py),
principals from world.py. Each test loops over all routes, collects every problem, then fails
once with a readable report.
"""

import itertools

import pytest

from tests.tenancy.expect import (
    EXEMPT,
    INLINE_SCOPES,
    MAY_BE_UNAVAILABLE,
    USER_SCOPED,
    Unmappable,
    classify,
    fill_kwargs,
    is_admin,
    object_kwargs,
    swap_tenant,
)
from tests.tenancy.harness import Walker
from tests.tenancy.oracle import cross_tenant_rows
from tests.tenancy.walk import ORG_RANK, PROBES, UNSAFE, all_routes
from tests.tenancy.world import PRINCIPALS
from workspaces.permissions import role_allows

pytestmark = pytest.mark.django_db


def tenant_routes(world):
    """(route, kwargs) for every non-admin route; unmappable routes are the meta-test's business."""
    for route in all_routes():
        if is_admin(route):
            continue
        try:
            yield route, fill_kwargs(route, world)
        except Unmappable:
            continue


def own_objects(route, world):
    """Kwargs naming B's own objects, or None when B has no object of that kind in the fixture."""
    try:
        return fill_kwargs(route, world.mirror)
    except (Unmappable, AttributeError, KeyError):
        return None


def expected_for(principal: str, scope) -> str:
    """ "allowed" | "403" | "404" for a signed-in principal under a declared scope."""
    role, org_role = PRINCIPALS[principal]
    if scope.kind == "workspace":
        if role is None:
            return "404"
        return "allowed" if role_allows(role, scope.action) else "403"
    if org_role is None:
        return "404"
    return "allowed" if ORG_RANK[org_role] >= ORG_RANK[scope.min_org_role] else "403"


def test_every_route_is_walkable_and_classified(world):
    """Meta-test: a new route cannot escape the walk (no sample for a kwarg, no declaration)."""
    problems, seen = [], set()
    routes = all_routes()
    assert len(routes) > 20, "the resolver walk found almost no routes"
    for route in routes:
        seen.add(route.name)
        try:
            kwargs = fill_kwargs(route, world)
        except Unmappable as exc:
            if not is_admin(route):
                problems.append(f"{route}: {exc}")
            continue
        path = route.build(kwargs)
        if not route.reaches(path):
            problems.append(f"{route}: built {path!r}, which does not resolve back to this view")
        for method in route.methods:
            kind, _ = classify(route, method, kwargs)
            if kind is None:
                problems.append(
                    f"{route} {method.upper()}: view {route.view_class or route.callback} declares no authorization. "
                    "Build it on WorkspaceMixin (permission_action), WorkspaceViewSet (permission_actions[action]) or "
                    "OrganizationMixin (min_org_role); or list it in EXEMPT / USER_SCOPED / INLINE_SCOPES in "
                    "tests/tenancy/expect.py with the reason."
                )
    stale = sorted(name for name in {*EXEMPT, *USER_SCOPED, *INLINE_SCOPES} if name not in seen)
    problems += [f"tests/tenancy/expect.py lists {name!r}, which is no longer a route" for name in stale]
    assert not problems, "Routes the tenancy walk cannot cover:\n  " + "\n  ".join(problems)


def test_world_is_consistent(world):
    assert not cross_tenant_rows(), "the fixture itself ties two workspaces together"


def test_anonymous_and_outsider_get_nothing(world, side_effects):
    """Anonymous: sign-in (pages) / 401 (API). Outsider (owner of org B): 404 on every route of A,
    and 404 for A's objects even through B's own workspace; a refusal changes nothing, and no body
    the outsider sees holds A's data."""
    walker = Walker(world, side_effects)
    for route, kwargs in tenant_routes(world):
        for method in route.walk_methods:
            kind, detail = classify(route, method, kwargs)
            unsafe = method in UNSAFE
            if kind == "exempt":
                if route.authorizing_method(method) == "get":
                    for principal in ("anonymous", "outsider"):
                        response, _ = walker.send(principal, route, method, kwargs)
                        if not (route.name in MAY_BE_UNAVAILABLE and response.status_code == 503):
                            walker.expect_no_server_error(principal, method, response)
                        walker.expect_no_canaries(principal, method, response)
                continue
            if kind is None:
                continue  # reported by the meta-test

            response, effects = walker.send("anonymous", route, method, kwargs, oracle=unsafe)
            walker.expect_login_required("anonymous", route, method, response)
            walker.expect_no_side_effects("anonymous", method, response, effects)

            response, effects = walker.send("outsider", route, method, kwargs, oracle=True)
            walker.expect_status("outsider", method, response, detail if kind == "user" else 404, route)
            walker.expect_no_side_effects("outsider", method, response, effects)
            walker.expect_no_canaries("outsider", method, response)
            if kind == "scoped":
                walker.expect_denial_recorded("outsider", method, response, detail, route)

            if kind != "scoped":
                continue
            own = swap_tenant(kwargs, world)
            if object_kwargs(route):
                # B's owner may do anything in B, but A's object must stay invisible from there.
                response, effects = walker.send(
                    "outsider", route, method, own, workspace_id=world.other_workspace.id, oracle=True
                )
                walker.expect_status("outsider", method, response, 404, route)
                walker.expect_no_side_effects("outsider", method, response, effects)
                walker.expect_no_canaries("outsider", method, response)
                if detail.kind == "workspace":  # A's object named through B's workspace: recorded on A
                    walker.expect_denial_recorded("outsider", method, response, detail, route)
                if method in UNSAFE and (mine := own_objects(route, world)):
                    # B changes its own object with a body naming A's objects: never ties B to A.
                    response, effects = walker.send(
                        "outsider", route, method, mine, workspace_id=world.other_workspace.id
                    )
                    walker.expect_allowed("outsider", route, method, response)
                    walker.expect_no_cross_tenant_rows("outsider", method, response, effects)
            else:
                # Lists show nothing of A; creates naming A's objects in the body never tie B to A.
                response, effects = walker.send("outsider", route, method, own, workspace_id=world.other_workspace.id)
                walker.expect_allowed("outsider", route, method, response)
                walker.expect_no_canaries("outsider", method, response)
                walker.expect_no_cross_tenant_rows("outsider", method, response, effects)
    assert not walker.failures, walker.report("Isolation walk (anonymous, outsider)")


@pytest.mark.parametrize(
    "principals",
    [
        ("owner", "admin", "maintain"),
        ("launch", "connect", "view"),
        ("org_owner", "team_admin", "collaborator", "org_member"),
    ],
    ids=["owner-admin-maintain", "launch-connect-view", "derived-roles"],
)
def test_each_role_gets_what_the_permission_map_says(world, side_effects, principals):
    """Every principal of A on every scoped route and method: 404 outside the workspace/org, 403 when
    the permission map refuses the view's declared action, an authorized answer otherwise.
    Derived roles: org owner (owner everywhere), view + team admin (admin), org collaborator with a
    view role, org member who is no participant (404 on the workspace)."""
    walker = Walker(world, side_effects)
    for route, kwargs in tenant_routes(world):
        for method in route.walk_methods:
            kind, detail = classify(route, method, kwargs)
            if kind not in ("scoped", "user"):
                continue
            for principal in principals:
                if kind == "user":
                    expected = "allowed" if principal == "owner" else str(detail)
                else:
                    expected = expected_for(principal, detail)
                denied = expected != "allowed"
                response, effects = walker.send(principal, route, method, kwargs, oracle=denied)
                if denied:
                    walker.expect_status(principal, method, response, int(expected), route)
                    walker.expect_no_side_effects(principal, method, response, effects)
                    if kind == "scoped":
                        walker.expect_denial_recorded(principal, method, response, detail, route)
                else:
                    walker.expect_allowed(principal, route, method, response)
    walker.warn_fixed_known_errors()
    assert not walker.failures, walker.report(f"Role walk {principals}")


def test_admin_is_for_staff_only(world, side_effects):
    """Every admin route sends a non-staff user (even a workspace owner) and anonymous to the admin sign-in."""
    walker = Walker(world, side_effects)
    routes = [r for r in all_routes() if is_admin(r)]
    assert routes, "the admin site has no routes"
    for route in routes:
        if route.name == "admin:login":
            continue
        try:
            kwargs = fill_kwargs(route, world)
        except Unmappable:
            kwargs = dict.fromkeys(route.kwarg_names, world.users["owner"].pk)
        for principal, method in itertools.product(("anonymous", "owner"), ("get", *PROBES)):
            # every signed-in non-staff user is alike to the admin
            response, _ = walker.send(principal, route, method, kwargs)
            # Django sends non-staff users on /admin/logout/ to the index, which then asks to sign in.
            target = "/admin/" if route.name == "admin:logout" else "/admin/login/"
            if response.status_code != 302 or not response["Location"].startswith(target):
                walker.fail(principal, method, response, "302 to the admin sign-in")
    assert not walker.failures, walker.report("Admin walk")
