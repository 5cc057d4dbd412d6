"""Sends one request per (route, method, principal), each inside a savepoint that is rolled back,
so an allowed write never changes what the next request sees, and collects readable failures."""

from __future__ import annotations

import json
import traceback
import warnings
from urllib.parse import urlencode

from django.conf import settings
from django.db import transaction
from django.shortcuts import resolve_url
from django.test import Client

from tests.factories import DEMO_ACCESS_KEY, DEMO_SECRET_KEY
from tests.tenancy.expect import KNOWN_SERVER_ERRORS
from tests.tenancy.oracle import SideEffects, cross_tenant_rows, diff_state, table_state
from tests.tenancy.walk import PROBES, UNSAFE, Route
from tests.tenancy.world import MANUAL_CONFIG, World
from workspaces.audit import AuditEvent

# Plausible bodies: a refused request must be refused before they are even read.
FORM_BODY = {
    "name": "zz-new", "full_name": "Zz New", "description": "walk", "value": "zzvalue", "resource": "on",
    "role": "view", "email": "zz-new-person@example.org", "access_key": DEMO_ACCESS_KEY,
    "secret_key": DEMO_SECRET_KEY, "confirm": "on", "region": "eu-west-1", "visibility": "PRIVATE",
}  # fmt: skip
JSON_BODY = {
    "name": "zz-new", "value": "zzvalue", "resource": True, "role": "view", "email": "zz-new-person@example.org",
    "credentials": {"name": "zz-new", "provider": "aws", "keys": {"accessKey": DEMO_ACCESS_KEY, "secretKey": DEMO_SECRET_KEY}},
    "computeEnv": {"name": "zz-new", "platform": "aws-batch", "config": dict(MANUAL_CONFIG)},
}  # fmt: skip


def body_text(response) -> str:
    if getattr(response, "streaming", False):
        return b"".join(response.streaming_content).decode(errors="replace")
    return response.content.decode(errors="replace")


def describe(response) -> str:
    text = f"{response.status_code}"
    if response.status_code in (301, 302, 303):
        text += f" -> {response.get('Location')}"
    exc_info = getattr(response, "exc_info", None)
    if exc_info:
        text += " " + "".join(traceback.format_exception_only(exc_info[0], exc_info[1])).strip()
    return text


class Walker:
    def __init__(self, world: World, side_effects: SideEffects):
        self.world, self.fx = world, side_effects
        self.failures: list[str] = []
        self.requests = 0
        self.known_seen: set = set()
        self.known_checked: set = set()
        self.login_url = resolve_url(settings.LOGIN_URL)
        # Bodies name A's objects: sent into B, they must never produce a row tying B to A.
        refs = {"credentials": world.credentials.pk, "labels": world.label.pk, "mode": "manual"}
        json_refs = {"credentialsId": world.credentials.pk, "labelIds": [world.label.pk]}
        self.bodies = (
            FORM_BODY | refs,
            JSON_BODY | json_refs | {"computeEnv": JSON_BODY["computeEnv"] | json_refs},
        )
        self.anonymous = Client(raise_request_exception=False)
        self.pages, self.api = {}, {}
        for principal, user in world.users.items():
            self.pages[principal] = Client(raise_request_exception=False)
            self.pages[principal].force_login(user)
            self.api[principal] = Client(
                raise_request_exception=False, headers={"Authorization": f"Bearer {world.tokens[principal]}"}
            )

    def client(self, principal: str, route: Route) -> Client:
        if principal == "anonymous":
            return self.anonymous
        return (self.api if route.is_api else self.pages)[principal]

    def send(self, principal: str, route: Route, method: str, kwargs: dict, *, workspace_id=None, oracle=False):
        """(response, problems seen): side effects when `oracle`, and always rows tying two tenants."""
        path = route.build(kwargs)
        client = self.client(principal, route)
        query = {}
        if route.is_api:
            query = {"workspaceId": workspace_id or self.world.workspace.id}
            if method in ("get", "head"):
                query["name"] = "zz-probe"
        self.requests += 1
        with transaction.atomic():
            before = table_state() if oracle else None
            mark = self.fx.mark()
            last_event = AuditEvent.objects.order_by("-id").values_list("id", flat=True).first() or 0
            response = self._call(client, route, method, path, query, self.bodies)
            effects = (diff_state(before, table_state()) + self.fx.since(mark)) if oracle else []
            response.audit = list(
                AuditEvent.objects.filter(id__gt=last_event).values_list("action", "workspace_id", "org_id")
            )
            effects += [f"cross-tenant row {row}" for row in cross_tenant_rows()] if method in UNSAFE else []
            transaction.set_rollback(True)
        response.walk_url = f"{path}?{urlencode(query)}" if query else path
        return response, effects

    @staticmethod
    def _call(client: Client, route: Route, method: str, path: str, query: dict, bodies: tuple[dict, dict]):
        form_body, json_body = bodies
        if method in ("get", "head"):
            return getattr(client, method)(path, query)
        url = f"{path}?{urlencode(query)}" if query else path
        if method == "options":
            return client.options(url)
        if method == "delete":
            return client.delete(url)
        if route.is_api:
            return getattr(client, method)(url, data=json.dumps(json_body), content_type="application/json")
        if method == "post":
            return client.post(url, form_body)
        return getattr(client, method)(url, data=urlencode(form_body), content_type="application/x-www-form-urlencoded")

    # ------------------------------------------------------------------ expectations
    def fail(self, principal: str, method: str, response, expected: str, extra: str = "") -> None:
        self.failures.append(
            f"{method.upper():6} {response.walk_url}  as {principal}: expected {expected}, got {describe(response)}{extra}"
        )

    @staticmethod
    def probe_alternatives(principal: str, route: Route, method: str) -> set[int]:
        """Statuses a probe (walk.PROBES) may answer besides what its GET would, defined once:
        on a route without GET, HEAD is 405 and OPTIONS describes the route (200) or is 405;
        on a page, Django answers OPTIONS from the view class without looking at the object, so a
        signed-in caller may get 200/405 where GET would refuse (the body is checked for canaries
        like any other); the API's OPTIONS meets every refusal of its GET (seqera/drf.py)."""
        if method not in PROBES:
            return set()
        extra = set()
        if "get" not in route.methods:
            extra |= {405} if method == "head" else {200, 405}
        if method == "options" and not route.is_api and principal != "anonymous":
            extra |= {200, 405}
        return extra

    def expect_login_required(self, principal, route, method, response) -> None:
        if response.status_code in self.probe_alternatives(principal, route, method) - {200}:
            return
        if route.is_api:
            if response.status_code != 401:
                self.fail(principal, method, response, "401")
        elif response.status_code != 302 or not response["Location"].startswith(self.login_url):
            self.fail(principal, method, response, f"302 to {self.login_url}")

    def expect_status(self, principal, method, response, status: int, route: Route | None = None) -> None:
        if route is not None and response.status_code in self.probe_alternatives(principal, route, method):
            return
        if response.status_code != status:
            self.fail(principal, method, response, str(status))

    def expect_allowed(self, principal, route, method, response) -> None:
        if (method, route.name) in KNOWN_SERVER_ERRORS:
            self.known_checked.add((method, route.name))
            if response.status_code >= 500:
                self.known_seen.add((method, route.name))
                return
        if response.status_code in (401, 403, 404) or response.status_code >= 500:
            self.fail(principal, method, response, "an authorized answer (2xx/3xx/400/405/409)")

    def warn_fixed_known_errors(self) -> None:
        for key in sorted(self.known_checked - self.known_seen):
            reason = KNOWN_SERVER_ERRORS[key]
            warnings.warn(f"KNOWN_SERVER_ERRORS {key} no longer fails ({reason}): delete the entry", stacklevel=2)

    def expect_no_cross_tenant_rows(self, principal, method, response, effects) -> None:
        tied = [e for e in effects if e.startswith("cross-tenant")]
        if tied:
            self.failures.append(f"{method.upper():6} {response.walk_url}  as {principal}: {'; '.join(tied)}")

    def expect_no_side_effects(self, principal, method, response, effects) -> None:
        if effects:
            self.failures.append(
                f"{method.upper():6} {response.walk_url}  as {principal}: refused but {'; '.join(effects)}"
            )

    def expect_no_canaries(self, principal, method, response) -> None:
        body = body_text(response)
        leaked = [c for c in self.world.canaries if str(c) in body and str(c) not in response.walk_url]
        if leaked:
            self.failures.append(
                f"{method.upper():6} {response.walk_url}  as {principal}: body shows A's data {leaked}"
            )

    def expect_denial_recorded(self, principal, method, response, scope, route: Route) -> None:
        """A refusal of workspace/org A (which exists) left an ``access_denied`` record on it.
        A probe answered without looking at the object (`probe_alternatives`: HEAD 405 on a route
        without GET, OPTIONS describing a page) refused nothing, so it leaves no record."""
        if response.status_code in self.probe_alternatives(principal, route, method):
            return
        if scope.kind == "workspace":
            wanted = lambda workspace_id, org_id: workspace_id == self.world.workspace.pk  # noqa: E731
        else:
            wanted = lambda workspace_id, org_id: org_id == self.world.org.pk  # noqa: E731
        if not any(action == "access_denied" and wanted(ws, org) for action, ws, org in response.audit):
            self.fail(principal, method, response, f"an access_denied audit record on A's {scope.kind}")

    def expect_no_server_error(self, principal, method, response) -> None:
        if response.status_code >= 500:
            self.fail(principal, method, response, "no server error")

    def report(self, title: str) -> str:
        lines = "\n  ".join(self.failures)
        return f"{title}: {len(self.failures)} problem(s) in {self.requests} requests\n  {lines}"
