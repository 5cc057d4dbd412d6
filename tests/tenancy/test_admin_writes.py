"""Issue 14 defect 7: every write the Django admin offers goes through the services, or the admin
cannot make it. Walks every registered ModelAdmin (a new registration is covered by itself):

* no project model can be added in the admin;
* each editable field of a change form is written by a service (spied on) when the form is saved,
  and many-to-many fields and inlines are never saved by the admin;
* a delete the admin allows calls a delete service;
* third-party and auth models may only offer the operator-only writes declared in OPERATOR_ONLY.
"""

from __future__ import annotations

import contextlib
from contextlib import ExitStack
from unittest import mock

import pytest
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.contrib import admin
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.db import transaction
from django.forms.models import model_to_dict
from django.test import RequestFactory

from computeenvs import services as ce_services
from tests.factories import UserFactory
from workspaces import services as ws_services
from workspaces.models import Team

pytestmark = pytest.mark.django_db

User = type(UserFactory._meta.model())

# Models outside the project's services: the writes operators may make, and why.
OPERATOR_ONLY = {
    User: {
        "fields": {"is_active", "is_staff", "is_superuser", "groups", "user_permissions", "password"},
        "add": False,
        "delete": False,
        "why": "access control of accounts (deactivate, staff, groups, password reset); no tenant rule",
    },
    Group: {"fields": {"name", "permissions"}, "add": True, "delete": True, "why": "operators' permission groups"},
    AccessAttempt: {"fields": set(), "add": False, "delete": True, "why": "deleting a lockout unlocks a user"},
    AccessLog: {"fields": set(), "add": False, "delete": True, "why": "sign-in log housekeeping"},
    AccessFailureLog: {"fields": set(), "add": False, "delete": True, "why": "sign-in log housekeeping"},
}
PROJECT_APPS = ("workspaces", "computeenvs", "pipelines")


def flat_fields(model_admin, request, obj) -> set[str]:
    names = set()
    for _, options in model_admin.get_fieldsets(request, obj):
        for entry in options["fields"]:
            names.update(entry if isinstance(entry, (list, tuple)) else [entry])
    return names


def editable_fields(model_admin, request, obj) -> set[str]:
    if not model_admin.has_change_permission(request, obj):
        return set()
    return flat_fields(model_admin, request, obj) - set(model_admin.get_readonly_fields(request, obj))


class ServiceSpy:
    """Wraps every public function of the services modules; `calls` lists the names called."""

    def __init__(self):
        self.calls: list[str] = []
        self.stack = ExitStack()

    def __enter__(self):
        for module in (ws_services, ce_services):
            for name, func in vars(module).items():
                if (
                    callable(func)
                    and not name.startswith("_")
                    and getattr(func, "__module__", "").startswith(module.__name__)
                ):
                    self.stack.enter_context(mock.patch.object(module, name, side_effect=self.record(name, func)))
        return self

    def record(self, name, func):
        def call(*args, **kwargs):
            self.calls.append(name)
            return func(*args, **kwargs)

        return call

    def __exit__(self, *exc):
        self.stack.close()


@pytest.fixture
def operator_request():
    request = RequestFactory().post("/admin/")
    request.user = UserFactory(username="ops-walk", is_staff=True, is_superuser=True)
    request._messages = mock.MagicMock()
    return request


def sample(model, world):
    return world.by_model.get(model) or model._default_manager.first()


def form_data(form) -> dict:
    data = {}
    for name, field in form.fields.items():
        value = form.initial.get(name, field.initial)
        if hasattr(value, "all") or isinstance(value, list):
            value = [getattr(v, "pk", v) for v in value]
        data[name] = "" if value is None else value
    return data


def test_every_admin_write_goes_through_a_service(world, operator_request):
    problems = []
    registry = admin.site._registry
    assert Team in registry and User in registry
    for model, model_admin in registry.items():
        label = f"{model._meta.label} ({type(model_admin).__name__})"
        obj = sample(model, world)
        request = operator_request
        can_add = model_admin.has_add_permission(request)
        can_delete = model_admin.has_delete_permission(request, obj)
        editable = editable_fields(model_admin, request, obj) if obj is not None else set()
        if model in OPERATOR_ONLY:
            allowed = OPERATOR_ONLY[model]
            if can_add and not allowed["add"]:
                problems.append(f"{label}: can add")
            if can_delete and not allowed["delete"]:
                problems.append(f"{label}: can delete")
            if editable - allowed["fields"]:
                problems.append(f"{label}: editable {sorted(editable - allowed['fields'])} not operator-only")
            continue
        if model._meta.app_label not in PROJECT_APPS:
            if can_add or can_delete or editable:
                problems.append(f"{label}: third-party admin that writes; declare it in OPERATOR_ONLY with why")
            continue
        if can_add:
            problems.append(f"{label}: adds rows without a service")
        if editable:
            form_class = model_admin.get_form(request, obj, change=True)
            form = form_class(instance=obj)
            bound = form_class(data=form_data(form), instance=obj)
            if not bound.is_valid():
                problems.append(f"{label}: unchanged change form does not validate: {bound.errors.as_text()}")
                continue
            with ServiceSpy() as spy:
                saved = model_admin.save_form(request, bound, change=True)
                model_admin.save_model(request, saved, bound, change=True)
                model_admin.save_related(request, bound, [], change=True)
            if not [name for name in spy.calls if name.startswith("update_")]:
                problems.append(f"{label}: change form saved {sorted(editable)} without an update service")
        if can_delete and obj is not None:
            with ServiceSpy() as spy, transaction.atomic():
                # a refusal (credentials in use) still shows the service was asked, which is the point
                with contextlib.suppress(ValidationError):
                    model_admin.delete_model(request, obj)
                transaction.set_rollback(True)
            if not [name for name in spy.calls if name.startswith(("delete_", "revoke_"))]:
                problems.append(f"{label}: delete without a service")
    assert not problems, "Admin writes that bypass the services:\n  " + "\n  ".join(problems)


def test_the_team_editor_cannot_add_someone_outside_the_organization(client, world):
    """The reported bypass: the team change form added an outsider to a team (and through it, to
    a workspace). Members are now view-only in the admin; the service rules hold."""
    client.force_login(UserFactory(username="ops-team", is_staff=True, is_superuser=True))
    team, outsider = world.team, world.users["outsider"]
    url = f"/admin/workspaces/team/{team.pk}/change/"
    page = client.get(url)
    assert page.status_code == 200 and b'name="members"' not in page.content
    before = set(team.members.values_list("pk", flat=True))
    response = client.post(url, {"name": team.name, "description": "renamed by ops", "members": [outsider.pk]})
    assert response.status_code == 302
    team.refresh_from_db()
    assert team.description == "renamed by ops"
    assert set(team.members.values_list("pk", flat=True)) == before and outsider.pk not in before


def test_a_service_refusal_is_a_form_error_not_a_500(client, world):
    other = ws_services.create_workspace(org=world.org, creator=world.users["owner"], name="zz-second")
    client.force_login(UserFactory(username="ops-ws", is_staff=True, is_superuser=True))
    data = model_to_dict(other, fields=["name", "full_name", "description", "visibility"])
    data["name"] = world.workspace.name.upper()  # taken, compared ignoring case (the service's rule)
    response = client.post(f"/admin/workspaces/workspace/{other.pk}/change/", data)
    assert response.status_code == 200 and b"already exists" in response.content
    other.refresh_from_db()
    assert other.name == "zz-second"
