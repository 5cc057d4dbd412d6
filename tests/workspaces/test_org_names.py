"""Issue 14 defect 8: organization names are unique ignoring case, like the other names."""

import importlib

import pytest
from django.apps import apps
from django.db import IntegrityError, connection, transaction
from django.urls import reverse

from tests.factories import OrganizationFactory, UserFactory
from workspaces import services
from workspaces.models import Organization

pytestmark = pytest.mark.django_db
migration = importlib.import_module("workspaces.migrations.0002_organization_name_unique_ignoring_case")


def test_a_look_alike_name_is_refused_beside_the_field(client, tenancy):
    client.force_login(tenancy.users["view"])
    response = client.post(reverse("workspaces:org_create"), {"name": "ACME", "full_name": "Look-alike"})
    assert response.status_code == 200
    assert "name" in response.context["form"].errors
    assert "already exists" in response.context["form"].errors["name"][0]
    assert not Organization.objects.filter(name="ACME").exists()


def test_renaming_to_a_look_alike_is_refused(tenancy):
    OrganizationFactory(name="demo")
    with pytest.raises(Exception, match="already exists"):
        services.update_organization(org=tenancy.org, name="DEMO")
    services.update_organization(org=tenancy.org, name="ACME")  # its own name in another case is fine


def test_the_database_refuses_look_alikes_too(tenancy):
    with pytest.raises(IntegrityError), transaction.atomic():
        Organization.objects.create(name="Acme", full_name="x")


def test_the_admin_refuses_a_look_alike_rename(client, tenancy):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    other = OrganizationFactory(name="demo")
    url = reverse("admin:workspaces_organization_change", args=[other.pk])
    response = client.post(url, {"name": "Acme", "full_name": "x", "description": "", "location": "", "website": ""})
    assert response.status_code == 200 and "already exists" in response.content.decode()
    other.refresh_from_db()
    assert other.name == "demo"


def test_the_migration_renames_existing_look_alikes_so_the_constraint_applies(tenancy, capsys):
    """Before the constraint, `DEMO` could sit beside `demo`: the oldest keeps its name, later ones
    get `-2`, `-3`, … (free, valid, at most 40 characters) and the constraint is then added."""
    constraint = next(c for c in Organization._meta.constraints if c.name == "unique_org_name_ci")
    editor = connection.schema_editor()  # its SQL only: SQLite refuses to enter one inside the test's transaction
    with connection.cursor() as cursor:
        cursor.execute(str(constraint.remove_sql(Organization, editor)))
    first = OrganizationFactory(name="demo")
    second = OrganizationFactory(name="DEMO")
    taken = OrganizationFactory(name="Demo-2")  # the first candidate is taken
    long = OrganizationFactory(name="x" * 40)
    long_twin = OrganizationFactory(name="X" * 40)
    migration.rename_look_alikes(apps, None)
    with connection.cursor() as cursor:
        cursor.execute(str(constraint.create_sql(Organization, editor)))  # would fail on a look-alike left
    names = {o.pk: o.name for o in Organization.objects.all()}
    assert names[first.pk] == "demo" and names[taken.pk] == "Demo-2" and names[long.pk] == "x" * 40
    assert names[second.pk] == "DEMO-3"
    assert names[long_twin.pk] == "X" * 38 + "-2" and len(names[long_twin.pk]) == 40
    assert "renamed to 'DEMO-3'" in capsys.readouterr().out
