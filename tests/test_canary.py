"""Secret canary (quality.md §3.11): a secret access key stored through the real API and page
never shows up again — not in any page, API response, admin page, log record, queue message,
e-mail, audit record (page, CSV export, admin) or database column other than its ciphertext — in
plain, base64 or URL-encoded form; nor does its ciphertext show anywhere but its own column."""

import logging

import pytest
from django.contrib import admin
from django.core import mail
from django.test import Client
from django.urls import reverse

from seqera.logging import JsonFormatter
from tests.factories import UserFactory
from tests.helpers.canary import LOGGERS, encodings
from tests.tenancy.expect import Unmappable, fill_kwargs, is_admin
from tests.tenancy.harness import body_text, describe
from tests.tenancy.oracle import SideEffects, tenant_models
from tests.tenancy.walk import all_routes
from tests.tenancy.world import build_world
from workspaces.actors import validate_credentials
from workspaces.audit import AuditEvent
from workspaces.models import Credentials

pytestmark = pytest.mark.django_db

API_CANARY = "CANARYwJalrXUtnFEMI/K7MDENG/bPxRfiCY0001"
PAGE_CANARY = "CANARYwJalrXUtnFEMI/K7MDENG/bPxRfiCY0002"
REPLACED_CANARY = "CANARYwJalrXUtnFEMI/K7MDENG/bPxRfiCY0003"
CANARIES = (API_CANARY, PAGE_CANARY, REPLACED_CANARY)
ACCESS_KEY = "AKIAIOSFODNN7CANARY1"


def leaks(where: str, text: str) -> list[str]:
    return [f"{where}: contains {form!r}" for canary in CANARIES for form in encodings(canary) if form in text]


@pytest.fixture
def world(tenancy):
    return build_world(tenancy)


@pytest.fixture
def recorder(broker):
    with SideEffects.recording(broker) as recording:
        yield recording


def test_secret_never_leaves_the_vault(world, aws, recorder, caplog, capsys, django_capture_on_commit_callbacks):
    for name in LOGGERS:
        caplog.set_level(logging.DEBUG, logger=name or None)
    owner = world.users["owner"]
    ws = world.workspace
    api = Client(raise_request_exception=False, headers={"Authorization": f"Bearer {world.tokens['owner']}"})
    page = Client(raise_request_exception=False)
    page.force_login(owner)
    bodies: list[tuple[str, str]] = []

    def keep(label, response):
        bodies.append((f"{label} -> {describe(response)}", body_text(response)))
        return response

    # Stored through the API and through the page (validation enqueued on commit, executed here).
    body = {
        "credentials": {
            "name": "canary-api",
            "provider": "aws",
            "keys": {"accessKey": ACCESS_KEY, "secretKey": API_CANARY},
        }
    }
    with django_capture_on_commit_callbacks(execute=True):
        response = keep(
            "POST api credentials",
            api.post(f"/api/credentials?workspaceId={ws.id}", body, content_type="application/json"),
        )
    assert response.status_code == 200, response.content
    api_id = response.json()["credentialsId"]
    credentials_url = reverse("workspaces:credentials_create", kwargs={"org": world.org.name, "workspace": ws.name})
    with django_capture_on_commit_callbacks(execute=True):
        response = keep(
            "POST credentials page",
            page.post(credentials_url, {"name": "canary-page", "access_key": ACCESS_KEY, "secret_key": PAGE_CANARY}),
        )
    assert response.status_code == 302, describe(response)
    page_creds = Credentials.objects.get(workspace=ws, name="canary-page")
    # Rejected input is shown again without the secret (form and API error bodies).
    keep(
        "POST page, invalid",
        page.post(credentials_url, {"name": "bad name!", "access_key": ACCESS_KEY, "secret_key": PAGE_CANARY}),
    )
    bad = {"credentials": {"name": "bad name!", "keys": {"accessKey": ACCESS_KEY, "secretKey": API_CANARY}}}
    keep("POST api, invalid", api.post(f"/api/credentials?workspaceId={ws.id}", bad, content_type="application/json"))
    secret_url = reverse(
        "workspaces:credentials_secret", kwargs={"org": world.org.name, "workspace": ws.name, "pk": page_creds.pk}
    )
    with django_capture_on_commit_callbacks(execute=True):
        keep("POST replace secret", page.post(secret_url, {"access_key": ACCESS_KEY, "secret_key": REPLACED_CANARY}))

    # The validation actor, inline against moto (what a worker would run for each queued message).
    for credentials_id in (api_id, page_creds.pk):
        validate_credentials.fn(credentials_id, ws.id)
    assert set(Credentials.objects.filter(pk__in=[api_id, page_creds.pk]).values_list("status", flat=True)) == {
        "AVAILABLE"
    }
    assert recorder.aws_calls, "validation made no AWS call: the actor path was not exercised"

    # Every walkable page and API route as the owner, the API documents, and the admin as superuser.
    for route in all_routes():
        if is_admin(route) or "get" not in route.methods:
            continue
        try:
            kwargs = fill_kwargs(route, world)
        except Unmappable:
            continue  # the tenancy meta-test reports it
        kwargs.update({k: api_id for k in ("credentialsId",) if k in kwargs})
        path = route.build(kwargs)
        client = api if route.is_api else page
        keep(f"GET {path}", client.get(path, {"workspaceId": ws.id} if route.is_api else {}))
    for credentials_id in (api_id, page_creds.pk):
        keep("GET api detail", api.get(f"/api/credentials/{credentials_id}?workspaceId={ws.id}"))
        for name in ("workspaces:credentials_detail", "workspaces:credentials_edit", "workspaces:credentials_secret"):
            url = reverse(name, kwargs={"org": world.org.name, "workspace": ws.name, "pk": credentials_id})
            keep(f"GET {url}", page.get(url))
    keep("GET api list", api.get(f"/api/credentials?workspaceId={ws.id}"))
    keep("GET openapi", api.get("/api/openapi"))

    staff = Client(raise_request_exception=False)
    staff.force_login(UserFactory(username="zz-operator", is_staff=True, is_superuser=True))
    for model in admin.site._registry:
        opts = model._meta
        base = f"admin:{opts.app_label}_{opts.model_name}"
        keep(f"GET {base}_changelist", staff.get(reverse(f"{base}_changelist")))
        for obj in model._default_manager.all()[:3]:
            for view in ("change", "history"):
                keep(f"GET {base}_{view} {obj.pk}", staff.get(reverse(f"{base}_{view}", args=[obj.pk])))
    assert any("credentials" in label for label, _ in bodies if "admin" in label)

    # The audit trail recorded the secret's creation and replacement: its page, export and admin.
    trail = AuditEvent.objects.filter(object_type="workspaces.credentials", object_id__in=[api_id, page_creds.pk])
    assert {"create", "update"} <= set(trail.values_list("action", flat=True)), "no audit record of the secret"
    audit_kwargs = {"org": world.org.name, "workspace": ws.name}
    keep(
        "GET audit page",
        page.get(reverse("workspaces:workspace_audit", kwargs=audit_kwargs), {"object_type": "workspaces.credentials"}),
    )
    keep("GET audit export", page.get(reverse("workspaces:workspace_audit_export", kwargs=audit_kwargs)))
    page.force_login(world.users["org_owner"])
    keep("GET org audit export", page.get(reverse("workspaces:org_audit_export", kwargs={"org": world.org.name})))
    for event in trail:
        keep(f"GET admin audit {event.pk}", staff.get(reverse("admin:workspaces_auditevent_change", args=[event.pk])))

    # Now look everywhere.
    found = []
    for label, text in bodies:  # (server errors are the isolation walk's business)
        found += leaks(label, text)
    formatter = logging.Formatter("%(name)s %(levelname)s %(message)s")
    json_formatter = JsonFormatter()  # LOG_FORMAT=json: each line as the production shape writes it
    for record in caplog.records:
        found += leaks(
            f"log record {record.name}",
            formatter.format(record) + json_formatter.format(record) + repr(record.args) + repr(record.__dict__),
        )
    captured = capsys.readouterr()
    found += leaks("stdout", captured.out) + leaks("stderr", captured.err)
    assert recorder.messages, "no queue message was enqueued: the validation request path was not exercised"
    for message in recorder.messages:
        found += leaks(f"queue message {message.actor_name}", message.encode().decode(errors="replace"))
    for email in mail.outbox:
        found += leaks(f"e-mail {email.subject!r}", email.message().as_string())
    found += database_leaks()
    ciphertexts = list(Credentials.objects.exclude(secret_encrypted="").values_list("secret_encrypted", flat=True))
    for label, text in bodies + [(f"audit record {e.pk}", str(e.__dict__)) for e in AuditEvent.objects.all()]:
        found += [f"{label}: contains a ciphertext" for c in ciphertexts if c in text or c.split(":")[-1] in text]
    assert any(r.name.startswith("botocore") for r in caplog.records), "botocore DEBUG records were not captured"
    assert not found, "The secret canary leaked:\n  " + "\n  ".join(dict.fromkeys(found))

    # And it is stored, encrypted: decryptable with the key ring, absent from the ciphertext.
    for credentials_id, canary in ((api_id, API_CANARY), (page_creds.pk, REPLACED_CANARY)):
        stored = Credentials.objects.get(pk=credentials_id)
        assert stored.get_secret() == canary
        assert not leaks("ciphertext", stored.secret_encrypted)


def database_leaks() -> list[str]:
    """Every text value of every tenant table except the ciphertext column."""
    found = []
    for model in tenant_models() + _other_models():
        fields = [
            f.attname
            for f in model._meta.concrete_fields
            if not (model is Credentials and f.name == "secret_encrypted")
        ]
        for row in model._base_manager.values_list(*fields):
            found += leaks(f"table {model._meta.db_table}", " ".join(map(str, row)))
    return found


def _other_models():
    from django.apps import apps

    return [m for m in apps.get_models() if m._meta.app_label in ("axes", "sessions", "django_dramatiq")]
