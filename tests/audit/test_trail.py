"""What the audit trail records (who, what, when, from where, before and after, never a secret),
where it shows (workspace and organization pages, CSV export, admin) and that nothing in the
product changes or deletes a record."""

import csv
import io

import pytest
from django.apps import apps as django_apps
from django.contrib import admin
from django.core.exceptions import ImproperlyConfigured
from django.db import DatabaseError, connection, transaction
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from tests.factories import CredentialsFactory, ParticipantFactory, TeamFactory, UserFactory
from workspaces import services
from workspaces.audit import AuditEvent, record, registered_models
from workspaces.audit.registry import register as register_model
from workspaces.models import Credentials, OrgMembership

pytestmark = pytest.mark.django_db
PASSWORD = "correct-horse-battery"  # the factories' password
SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYAUDITKEY1"
NEW_SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYAUDITKEY2"


def events(**filters):
    return list(AuditEvent.objects.filter(**filters).order_by("id"))


def page(user, ip="198.51.100.20") -> Client:
    client = Client(REMOTE_ADDR=ip)
    client.force_login(user)
    return client


def ws_url(tenancy, name, **kwargs):
    return reverse(name, kwargs={"org": tenancy.org.name, "workspace": tenancy.workspace.name, **kwargs})


# --------------------------------------------------------------------------- changes
def test_a_change_through_a_page_records_who_from_where_and_only_the_changed_fields(tenancy):
    admin_user = tenancy.users["admin"]
    label = tenancy.label
    response = page(admin_user).post(
        ws_url(tenancy, "workspaces:label_edit", pk=label.pk), {"name": "team", "value": "bio"}
    )
    assert response.status_code == 302
    (event,) = events(action="update", object_type="workspaces.label")
    assert (event.username, event.user_id, event.address) == ("admin-user", admin_user.pk, "198.51.100.20")
    assert (event.workspace_id, event.workspace_name, event.org_name) == (tenancy.workspace.pk, "lab", "acme")
    assert (event.object_id, event.object_repr) == (str(label.pk), "team=bio")
    assert (event.before, event.after) == ({"value": "genomics"}, {"value": "bio"})
    assert len(event.request_id) == 32


def test_a_save_that_changes_nothing_records_nothing(tenancy):
    before = AuditEvent.objects.count()
    services.update_label(label=tenancy.label, name=tenancy.label.name, value=tenancy.label.value)
    assert AuditEvent.objects.count() == before


def test_a_refused_change_rolls_back_with_its_record(tenancy):
    before = AuditEvent.objects.count()
    with pytest.raises(Exception), transaction.atomic():
        services.update_label(label=tenancy.label, name="x", value="")  # invalid: refused before saving
    assert AuditEvent.objects.count() == before


def test_deletes_cascade_into_records_that_outlive_their_objects(tenancy):
    workspace_id, credentials_id, label_id = tenancy.workspace.pk, tenancy.credentials.pk, tenancy.label.pk
    services.delete_workspace(workspace=tenancy.workspace)
    deleted = {(e.object_type, e.object_id) for e in events(action="delete", workspace_id=workspace_id)}
    assert ("workspaces.workspace", str(workspace_id)) in deleted
    assert ("workspaces.credentials", credentials_id) in deleted  # cascaded
    assert ("workspaces.label", str(label_id)) in deleted
    (ws_event,) = events(action="delete", object_type="workspaces.workspace")
    assert ws_event.before["name"] == "lab" and ws_event.workspace_name == "lab" and ws_event.org_name == "acme"


def test_team_membership_changes_record_the_member_lists(tenancy):
    team = TeamFactory(org=tenancy.org, name="bio")
    team.members.add(tenancy.users["view"])
    services.remove_team_member(team=team, user=tenancy.users["view"], actor=tenancy.users["org_owner"])
    added, removed = events(action="update", object_type="workspaces.team")
    assert (added.before, added.after) == ({"members": []}, {"members": ["view-user"]})
    assert (removed.before, removed.after) == ({"members": ["view-user"]}, {"members": []})
    assert added.org_name == "acme" and added.workspace_id is None


def test_secrets_are_recorded_as_changed_never_by_value(tenancy):
    creds = services.create_credentials(
        workspace=tenancy.workspace, name="keys", created_by=tenancy.users["admin"],
        access_key="AKIAIOSFODNN7AUDIT01", secret_key=SECRET,
    )  # fmt: skip
    services.replace_secret(credentials=creds, access_key="AKIAIOSFODNN7AUDIT02", secret_key=NEW_SECRET)
    user = tenancy.users["view"]
    user.set_password("another-horse-battery")
    user.save()
    creds.refresh_from_db()
    created, replaced = events(object_type="workspaces.credentials", object_id=creds.pk)
    assert created.after["secret_encrypted"] == "<hidden>"
    assert replaced.before["secret_encrypted"] == replaced.after["secret_encrypted"] == "<hidden>"
    assert replaced.after["access_key"] == "AKIAIOSFODNN7AUDIT02"
    password = events(action="update", object_type="auth.user", object_id=str(user.pk))[-1]
    assert password.before == {"password": "<hidden>"} == password.after
    dumped = " ".join(str(v) for e in AuditEvent.objects.all() for v in e.__dict__.values())
    for secret in (SECRET, NEW_SECRET, creds.secret_encrypted, user.password):
        assert secret not in dumped


# --------------------------------------------------------------------------- sign-in and tokens
def test_sign_in_failure_lockout_and_sign_out_are_recorded_with_the_address(tenancy):
    UserFactory(username="alice")
    client = Client()
    login = reverse("login")
    client.post(login, {"username": "alice", "password": "wrong-guess-123"}, REMOTE_ADDR="203.0.113.9")
    client.post(login, {"username": "alice", "password": PASSWORD}, REMOTE_ADDR="203.0.113.9")
    client.post(reverse("logout"), REMOTE_ADDR="203.0.113.9")
    recorded = [(e.action, e.username, e.address) for e in events(username="alice")]
    assert recorded == [
        ("sign_in_failed", "alice", "203.0.113.9"),
        ("sign_in", "alice", "203.0.113.9"),
        ("sign_out", "alice", "203.0.113.9"),
    ]
    assert not any("wrong-guess-123" in str(e.__dict__) for e in AuditEvent.objects.all())


def test_lockout_is_recorded(tenancy, settings):
    UserFactory(username="bob")
    client = Client()
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post(reverse("login"), {"username": "bob", "password": "nope-nope-1"}, REMOTE_ADDR="203.0.113.10")
    assert events(action="locked_out", username="bob")


def test_a_token_is_recorded_once_per_new_address(tenancy):
    token, raw = services.create_api_token(user=tenancy.users["view"], name="laptop")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    for address in ("192.0.2.1", "192.0.2.1", "192.0.2.2", "192.0.2.1"):
        assert client.get("/api/user-info", REMOTE_ADDR=address).status_code == 200
    seen = [(e.address, e.token_name, e.username) for e in events(action="token_new_address", token_id=token.pk)]
    assert seen == [("192.0.2.1", "laptop", "view-user"), ("192.0.2.2", "laptop", "view-user")]


def test_a_change_through_the_api_names_the_token(tenancy):
    _, raw = services.create_api_token(user=tenancy.users["admin"], name="ci")
    client = APIClient(REMOTE_ADDR="192.0.2.7")
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    url = f"/api/labels?workspaceId={tenancy.workspace.pk}"
    assert client.post(url, {"name": "apilabel"}, format="json").status_code == 200
    (event,) = events(action="create", object_type="workspaces.label", object_repr="apilabel")
    assert (event.username, event.token_name, event.address) == ("admin-user", "ci", "192.0.2.7")


# --------------------------------------------------------------------------- denied access
def test_an_object_of_another_workspace_is_404_and_recorded_on_its_own_workspace(tenancy):
    other = tenancy.other_credentials
    url = ws_url(tenancy, "workspaces:credentials_detail", pk=other.pk)  # B's credentials through A's URL
    assert page(tenancy.users["admin"]).get(url).status_code == 404
    (event,) = events(action="access_denied")
    assert (event.object_type, event.object_id) == ("workspaces.credentials", other.pk)
    assert event.workspace_id == tenancy.other_workspace.pk and event.username == "admin-user"
    assert event.detail == f"404 GET {url}"


def test_a_workspace_of_someone_else_is_404_and_recorded(tenancy):
    assert page(tenancy.outsider).get(ws_url(tenancy, "workspaces:label_list")).status_code == 404
    (event,) = events(action="access_denied")
    assert (event.object_type, event.workspace_id, event.username) == (
        "workspaces.workspace", tenancy.workspace.pk, "outsider",
    )  # fmt: skip


def test_a_role_too_low_is_403_and_recorded(tenancy):
    url = ws_url(tenancy, "workspaces:credentials_delete", pk=tenancy.credentials.pk)
    assert page(tenancy.users["view"]).post(url).status_code == 403
    (event,) = events(action="access_denied")
    assert (event.object_type, event.object_id) == ("workspaces.credentials", tenancy.credentials.pk)
    assert event.detail.startswith("403 POST")


def test_the_api_records_denials_of_existing_objects(tenancy):
    _, raw = services.create_api_token(user=tenancy.outsider, name="probe")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    theirs = tenancy.credentials.pk
    assert client.get(f"/api/credentials/{theirs}?workspaceId={tenancy.other_workspace.pk}").status_code == 404
    assert client.get(f"/api/labels?workspaceId={tenancy.workspace.pk}").status_code == 404
    denied = [(e.object_type, e.workspace_id, e.token_name) for e in events(action="access_denied")]
    assert denied == [
        ("workspaces.credentials", tenancy.workspace.pk, "probe"),
        ("workspaces.workspace", tenancy.workspace.pk, "probe"),
    ]


def test_what_does_not_exist_is_404_without_a_record(tenancy):
    client = page(tenancy.users["admin"])
    assert client.get(ws_url(tenancy, "workspaces:credentials_detail", pk="NoSuchCredentials0000")).status_code == 404
    assert client.get("/orgs/acme/workspaces/nowhere/labels/").status_code == 404
    assert not events(action="access_denied")


# --------------------------------------------------------------------------- pages and export
def test_admins_see_their_workspace_trail_filtered_and_paged(tenancy):
    services.update_label(label=tenancy.label, name="team", value="bio")
    client = page(tenancy.users["admin"])
    url = ws_url(tenancy, "workspaces:workspace_audit")
    body = client.get(url, {"action": "update", "object_type": "workspaces.label"}).content.decode()
    assert "team=bio" in body and "genomics" in body
    assert "rival-aws" not in body  # another workspace's records
    assert "team=bio" not in client.get(url, {"action": "delete"}).content.decode()
    assert "team=bio" not in client.get(url, {"who": "nobody-like-this"}).content.decode()
    assert client.get(url, {"since": "2999-01-01"}).status_code == 200
    assert "Audit log" in client.get(ws_url(tenancy, "workspaces:workspace_detail")).content.decode()
    assert (
        "Audit log"
        not in page(tenancy.users["maintain"]).get(ws_url(tenancy, "workspaces:workspace_detail")).content.decode()
    )
    assert page(tenancy.users["maintain"]).get(url).status_code == 403


def test_the_export_is_the_filtered_trail_as_csv_without_formulas(tenancy):
    record("update", instance=tenancy.label, after={"value": "=HYPERLINK(1)"}, detail="=cmd|' /C calc'!A0")
    response = page(tenancy.users["owner"]).get(
        ws_url(tenancy, "workspaces:workspace_audit_export"), {"object_type": "workspaces.label"}
    )
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert rows[0][:3] == ["time", "action", "user"]
    assert {row[4] for row in rows[1:]} == {"workspaces.label"}
    injected = rows[1]
    assert injected[-1] == "'=cmd|' /C calc'!A0" and injected[-2] == '{"value": "=HYPERLINK(1)"}'


def test_org_owners_see_the_trail_of_the_org_and_its_workspaces(tenancy):
    services.update_label(label=tenancy.label, name="team", value="bio")
    services.update_organization(org=tenancy.org, full_name="Acme Renamed")
    client = page(tenancy.users["org_owner"])
    body = client.get(reverse("workspaces:org_audit", kwargs={"org": "acme"})).content.decode()
    assert "team=bio" in body and "Acme Renamed" in body and "rival" not in body
    export = client.get(reverse("workspaces:org_audit_export", kwargs={"org": "acme"}), {"workspace": "lab"})
    text = b"".join(export.streaming_content).decode()
    assert "team=bio" in text and "Acme Renamed" not in text
    assert page(tenancy.users["owner"]).get(reverse("workspaces:org_audit", kwargs={"org": "acme"})).status_code == 403


def test_a_list_page_costs_no_query_per_row(tenancy, django_assert_max_num_queries):
    for i in range(60):
        record("update", instance=tenancy.label, after={"value": str(i)})
    client = page(tenancy.users["admin"])
    url = ws_url(tenancy, "workspaces:workspace_audit")
    client.get(url)
    with django_assert_max_num_queries(12):
        assert client.get(url).status_code == 200


# --------------------------------------------------------------------------- immutability
def test_nobody_changes_or_deletes_a_record_in_the_admin(tenancy):
    event = record("update", instance=tenancy.label, after={"value": "x"})
    staff = Client()
    staff.force_login(UserFactory(username="root", is_staff=True, is_superuser=True))
    model_admin = admin.site._registry[AuditEvent]
    request = type("R", (), {"user": UserFactory(is_staff=True, is_superuser=True)})()
    assert not (
        model_admin.has_add_permission(request)
        or model_admin.has_change_permission(request, event)
        or model_admin.has_delete_permission(request, event)
    )
    change = reverse("admin:workspaces_auditevent_change", args=[event.pk])
    assert staff.get(change).status_code == 200  # viewable
    staff.post(change, {"detail": "forged"})
    assert (
        staff.post(reverse("admin:workspaces_auditevent_delete", args=[event.pk]), {"post": "yes"}).status_code == 403
    )
    assert staff.get(reverse("admin:workspaces_auditevent_add")).status_code == 403
    event.refresh_from_db()
    assert event.detail == "" and AuditEvent.objects.filter(pk=event.pk).exists()


def test_there_is_no_api_for_records(tenancy):
    client = APIClient()
    client.force_authenticate(tenancy.users["owner"])
    assert client.get("/api/audit").status_code == 404


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the append-only trigger is PostgreSQL's")
def test_the_database_refuses_to_update_or_delete_a_record(tenancy):
    event = record("update", instance=tenancy.label, after={"value": "x"})
    for statement in (
        lambda: AuditEvent.objects.filter(pk=event.pk).update(detail="forged"),
        lambda: AuditEvent.objects.filter(pk=event.pk).delete(),
    ):
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
            statement()
    assert AuditEvent.objects.get(pk=event.pk).detail == ""


def test_records_keep_no_foreign_keys(tenancy):
    assert not [f.name for f in AuditEvent._meta.get_fields() if f.is_relation]
    creds = CredentialsFactory(workspace=tenancy.workspace, name="short-lived")
    creds_id = creds.pk
    creds.delete()
    assert not Credentials.objects.filter(pk=creds_id).exists()
    assert events(object_id=creds_id, action="delete")


def test_an_object_the_user_can_open_elsewhere_is_a_wrong_url_not_a_probe(tenancy):
    ParticipantFactory(workspace=tenancy.other_workspace, user=tenancy.users["admin"], role="admin")
    url = ws_url(tenancy, "workspaces:credentials_detail", pk=tenancy.other_credentials.pk)
    assert page(tenancy.users["admin"]).get(url).status_code == 404
    assert not events(action="access_denied")


def test_a_membership_of_another_organization_is_recorded_on_that_organization(tenancy):
    theirs = OrgMembership.objects.get(org=tenancy.other_workspace.org, user=tenancy.outsider)
    url = reverse("workspaces:org_member_role", kwargs={"org": "acme", "pk": theirs.pk})
    assert page(tenancy.users["org_owner"]).get(url).status_code == 404
    (event,) = events(action="access_denied")
    assert (event.object_type, event.object_id, event.org_id) == (
        "workspaces.orgmembership", str(theirs.pk), tenancy.other_workspace.org_id,
    )  # fmt: skip


# --------------------------------------------------------------------------- registration
def test_every_tenant_model_is_audited_or_exempt_with_a_reason():
    exempt = {
        "computeenvs.ForgedResource": "the forge's ledger of AWS resources; the CE's status changes are recorded",
        "computeenvs.ComputeEnvLabel": "labels fixed on a CE at creation (bulk insert); part of the CE",
        "computeenvs.PendingWorkspaceDeletion": "bookkeeping while Forge CEs are disposed; the workspace or "
        "organization delete and every CE's status change are recorded",
    }
    tenant = [
        m
        for m in django_apps.get_models()
        if m._meta.app_label in ("workspaces", "computeenvs", "pipelines")
        and any(f.name in ("workspace", "org") for f in m._meta.concrete_fields)
    ]
    audited = set(registered_models())
    missing = [m._meta.label for m in tenant if m not in audited and m._meta.label not in exempt]
    assert not missing, f"register these with workspaces.audit.register (or exempt them here): {missing}"


def test_a_field_that_looks_secret_must_be_declared():
    from django.contrib.sessions.models import Session

    with pytest.raises(ImproperlyConfigured, match="look secret"):
        register_model(Credentials)  # secret_encrypted not declared
    with pytest.raises(ImproperlyConfigured, match="no field"):
        register_model(Session, secret=["nope"])
