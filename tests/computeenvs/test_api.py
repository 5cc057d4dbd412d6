"""Compute-environment API in the Seqera shapes: create/describe/list/update/delete/primary/validate."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from computeenvs.models import ComputeEnv, ForgedResource
from tests.helpers.documents import forge_doc, make_ce, manual_doc

BASE = "/api/compute-envs"


@pytest.fixture
def api(tenancy):
    client = APIClient()
    client.force_authenticate(tenancy.users["admin"])
    return client


def ws(tenancy, workspace=None) -> str:
    return f"workspaceId={(workspace or tenancy.workspace).pk}"


def create_body(tenancy, config, *, name="api-ce", **extra):
    body = {
        "computeEnv": {
            "name": name,
            "description": "made by API",
            "platform": "aws-batch",
            "credentialsId": tenancy.credentials.pk,
            "config": config,
        }
    }
    body.update(extra)
    return body


@pytest.mark.django_db
class TestCreateDescribe:
    def test_config_comes_back_as_sent_plus_server_fields(self, api, tenancy, settings):
        settings.FORGE_PREFIX = "TowerForge"
        sent = forge_doc(fusion2Enabled=True, waveEnabled=True, forge={"instanceTypes": ["m6id"]})
        response = api.post(f"{BASE}?{ws(tenancy)}", create_body(tenancy, sent), format="json")
        assert response.status_code == 200, response.json()
        ce_id = response.json()["computeEnvId"]
        ForgedResource.objects.create(
            workspace=tenancy.workspace,
            compute_env_id=ce_id,
            order=1,
            kind="BatchQueue",
            name=f"TowerForge-{ce_id}-head",
            arn=f"arn:aws:batch:eu-west-1:123456789012:job-queue/TowerForge-{ce_id}-head",
        )
        body = api.get(f"{BASE}/{ce_id}?{ws(tenancy)}&attributes=labels").json()["computeEnv"]
        config = body["config"]
        for key, value in sent.items():
            if key != "forge":
                assert config[key] == value
        assert {k: config["forge"][k] for k in sent["forge"]} == sent["forge"]
        assert (
            config["headQueue"] == f"TowerForge-{ce_id}-head" and config["computeQueue"] == f"TowerForge-{ce_id}-work"
        )
        assert config["forge"]["ebsAutoScale"] is False  # coupled default with Fusion v2
        assert config["forgedResources"] == [
            {"BatchQueue": f"arn:aws:batch:eu-west-1:123456789012:job-queue/TowerForge-{ce_id}-head"}
        ]
        assert body["status"] == "CREATING" and body["platform"] == "aws-batch" and body["labels"] == []
        assert body["credentialsId"] == tenancy.credentials.pk and body["workspaceId"] == tenancy.workspace.pk
        assert "secret" not in str(body).lower()

    def test_rule_violation_is_400_naming_the_field(self, api, tenancy):
        response = api.post(
            f"{BASE}?{ws(tenancy)}", create_body(tenancy, forge_doc(forge={"maxCpus": 0})), format="json"
        )
        assert response.status_code == 400
        body = response.json()
        assert "config.forge.maxCpus" in body["errors"] and body["message"].startswith("config.forge.maxCpus:")

    def test_unknown_enum_value_is_400_naming_the_field(self, api, tenancy):
        response = api.post(
            f"{BASE}?{ws(tenancy)}",
            create_body(tenancy, forge_doc(forge={"allocStrategy": "CHEAPEST_PLEASE"})),
            format="json",
        )
        assert response.status_code == 400
        assert "CHEAPEST_PLEASE" in response.json()["errors"]["config.forge.allocStrategy"][0]

    def test_envelope_errors(self, api, tenancy):
        body = create_body(tenancy, manual_doc(), name="bad name")
        body["computeEnv"]["credentialsId"] = tenancy.other_credentials.pk
        body["labelIds"] = [999999]
        errors = api.post(f"{BASE}?{ws(tenancy)}", body, format="json").json()["errors"]
        assert set(errors) >= {"name", "credentialsId", "labelIds"}
        assert errors["credentialsId"] == ["Not found in this workspace."]
        other = create_body(tenancy, manual_doc())
        other["computeEnv"]["platform"] = "google-batch"
        assert "platform" in api.post(f"{BASE}?{ws(tenancy)}", other, format="json").json()["errors"]

    def test_mass_assignment_of_server_fields_is_ignored(self, api, tenancy):
        body = create_body(tenancy, manual_doc())
        body["computeEnv"].update(status="AVAILABLE", primary=True, id="x" * 22, workspaceId=tenancy.other_workspace.pk)
        ce_id = api.post(f"{BASE}?{ws(tenancy)}", body, format="json").json()["computeEnvId"]
        ce = ComputeEnv.objects.get(pk=ce_id)
        assert (ce.status, ce.primary, ce.workspace_id) == ("CREATING", False, tenancy.workspace.pk)
        assert ce_id != "x" * 22


@pytest.mark.django_db
class TestListUpdateDelete:
    def test_list_status_filter_and_labels_attribute(self, api, tenancy):
        one = make_ce(tenancy, name="one", label_ids=[tenancy.label.pk])
        make_ce(tenancy, name="two")
        ComputeEnv.objects.filter(pk=one.pk).update(status="AVAILABLE")
        entries = api.get(f"{BASE}?{ws(tenancy)}").json()["computeEnvs"]
        assert [e["name"] for e in entries] == ["one", "two"] and entries[0]["labels"] is None
        assert entries[0]["workDir"] == "s3://acme-work/scratch" and entries[0]["region"] == "eu-west-1"
        entries = api.get(f"{BASE}?{ws(tenancy)}&status=AVAILABLE&attributes=labels").json()["computeEnvs"]
        assert [e["name"] for e in entries] == ["one"] and entries[0]["labels"][0]["name"] == "team"
        assert api.get(f"{BASE}?{ws(tenancy)}&status=NOPE").status_code == 400

    def test_list_query_count_does_not_grow(self, api, tenancy, django_assert_max_num_queries):
        def count(n):
            for i in range(ComputeEnv.objects.count(), n):
                make_ce(tenancy, name=f"ce-{i:02d}", label_ids=[tenancy.label.pk])
            with CaptureQueriesContext(connection) as ctx:
                assert len(api.get(f"{BASE}?{ws(tenancy)}&attributes=labels").json()["computeEnvs"]) == n
            return len(ctx)

        five, thirty = count(5), count(30)
        assert five == thirty
        with django_assert_max_num_queries(five):
            api.get(f"{BASE}?{ws(tenancy)}&attributes=labels")

    def test_update_envelope_but_not_config(self, api, tenancy):
        ce = make_ce(tenancy)
        response = api.put(
            f"{BASE}/{ce.pk}?{ws(tenancy)}", {"name": "renamed", "config": {"region": "us-east-1"}}, format="json"
        )
        assert response.status_code == 400 and "immutable" in response.json()["errors"]["config"][0]
        response = api.put(f"{BASE}/{ce.pk}?{ws(tenancy)}", {"name": "renamed", "description": "d"}, format="json")
        assert response.status_code == 204
        ce.refresh_from_db()
        assert (ce.name, ce.description, ce.region) == ("renamed", "d", "eu-west-1")

    def test_primary_is_unique_and_delete(self, api, tenancy):
        one, two = make_ce(tenancy, name="one"), make_ce(tenancy, name="two")
        refused = api.post(f"{BASE}/{one.pk}/primary?{ws(tenancy)}")
        assert (
            refused.status_code == 400
            and "only an AVAILABLE compute environment can be primary" in refused.json()["message"]
        )
        ComputeEnv.objects.filter(pk__in=[one.pk, two.pk]).update(status=ComputeEnv.Status.AVAILABLE)
        assert api.post(f"{BASE}/{one.pk}/primary?{ws(tenancy)}").status_code == 204
        assert api.post(f"{BASE}/{two.pk}/primary?{ws(tenancy)}").status_code == 204
        assert list(ComputeEnv.objects.filter(primary=True).values_list("name", flat=True)) == ["two"]
        assert api.delete(f"{BASE}/{one.pk}?{ws(tenancy)}").status_code == 204
        assert api.get(f"{BASE}/{one.pk}?{ws(tenancy)}").status_code == 404

    def test_delete_answers_at_once_and_the_ce_shows_deleting_until_disposed(self, api, tenancy, broker, sent):
        ce = make_ce(tenancy, name="forged")
        ForgedResource.objects.create(
            workspace=tenancy.workspace, compute_env=ce, order=1, kind="IamRole", name=f"TowerForge-{ce.pk}-ServiceRole"
        )
        assert api.delete(f"{BASE}/{ce.pk}?{ws(tenancy)}&force=true").status_code == 400  # R36: not from CREATING
        assert api.delete(f"{BASE}/{ce.pk}?{ws(tenancy)}").status_code == 204
        assert api.get(f"{BASE}/{ce.pk}?{ws(tenancy)}").json()["computeEnv"]["status"] == "DELETING"
        assert api.delete(f"{BASE}/{ce.pk}?{ws(tenancy)}&force=true").status_code == 204
        assert api.get(f"{BASE}/{ce.pk}?{ws(tenancy)}").status_code == 404

    def test_validate_name(self, api, tenancy):
        make_ce(tenancy, name="taken")
        assert api.get(f"{BASE}/validate?{ws(tenancy)}&name=free").status_code == 204
        response = api.get(f"{BASE}/validate?{ws(tenancy)}&name=TAKEN")
        assert response.status_code == 409 and response.json()["message"] == "Duplicate element"
        assert api.get(f"{BASE}/validate?{ws(tenancy)}&name=no%20spaces").status_code == 400
        assert api.get(f"{BASE}/validate?{ws(tenancy)}").status_code == 400

    def test_validate_enqueues_for_manual_and_refuses_unforged(self, api, tenancy, broker):
        manual = make_ce(tenancy, name="manual", config=manual_doc())
        assert api.post(f"{BASE}/{manual.pk}/validate?{ws(tenancy)}").status_code == 202
        forge = make_ce(tenancy, name="forge")
        response = api.post(f"{BASE}/{forge.pk}/validate?{ws(tenancy)}")
        assert response.status_code == 400 and "status" in response.json()["errors"]


@pytest.mark.django_db
class TestPermissions:
    def test_outsider_gets_404(self, tenancy):
        ce = make_ce(tenancy)
        client = APIClient()
        client.force_authenticate(tenancy.outsider)
        assert client.get(f"{BASE}?{ws(tenancy)}").status_code == 404
        assert client.get(f"{BASE}/{ce.pk}?{ws(tenancy)}").status_code == 404
        assert client.get(f"{BASE}/{ce.pk}?{ws(tenancy, tenancy.other_workspace)}").status_code == 404
        assert client.delete(f"{BASE}/{ce.pk}?{ws(tenancy, tenancy.other_workspace)}").status_code == 404
        assert ComputeEnv.objects.filter(pk=ce.pk).exists()

    @pytest.mark.parametrize("role", ["maintain", "view"])
    def test_writes_are_403_below_admin(self, tenancy, role):
        ce = make_ce(tenancy)
        client = APIClient()
        client.force_authenticate(tenancy.users[role])
        assert client.get(f"{BASE}/{ce.pk}?{ws(tenancy)}").status_code == 200
        assert client.post(f"{BASE}?{ws(tenancy)}", create_body(tenancy, forge_doc()), format="json").status_code == 403
        assert client.put(f"{BASE}/{ce.pk}?{ws(tenancy)}", {"name": "x"}, format="json").status_code == 403
        assert client.delete(f"{BASE}/{ce.pk}?{ws(tenancy)}").status_code == 403
        assert client.post(f"{BASE}/{ce.pk}/primary?{ws(tenancy)}").status_code == 403
        assert client.post(f"{BASE}/{ce.pk}/validate?{ws(tenancy)}").status_code == 403
        assert ComputeEnv.objects.get().name == "ce-1"

    def test_anonymous_is_401(self, tenancy):
        response = APIClient().get(f"{BASE}?{ws(tenancy)}")
        assert response.status_code == 401
        assert response["WWW-Authenticate"].startswith("Bearer")


@pytest.mark.django_db
def test_list_reads_three_keys_of_the_config_not_the_document(api, tenancy):
    make_ce(tenancy, name="forge-one", config=forge_doc(waveEnabled=True, fusion2Enabled=True))
    make_ce(tenancy, name="manual-one", config=manual_doc())
    with CaptureQueriesContext(connection) as captured:
        entries = api.get(f"{BASE}?{ws(tenancy)}").json()["computeEnvs"]
    stored = {ce.name: ce.config for ce in ComputeEnv.objects.all()}
    assert [(e["name"], e["waveEnabled"], e["fusion2Enabled"]) for e in entries] == [
        (name, stored[name].get("waveEnabled"), stored[name].get("fusion2Enabled"))
        for name in ("forge-one", "manual-one")
    ]
    assert entries[0]["waveEnabled"] is True and entries[0]["fusion2Enabled"] is True
    assert all(e["workDir"].startswith("s3://") for e in entries)
    listing = next(q["sql"] for q in captured.captured_queries if "ORDER BY" in q["sql"] and "computeenv" in q["sql"])
    # The column is only an argument of the key lookups (`config -> key`, JSON_EXTRACT(config, key)), never selected.
    assert re.findall(r'(?<!\()"computeenvs_computeenv"\."config"(?=\s*(?:,|FROM))', listing) == []


@pytest.mark.django_db
def test_list_is_paged_with_max_offset_and_total(api, tenancy):
    for n in range(5):
        make_ce(tenancy, name=f"ce-{n}", config=manual_doc())
    pages = [api.get(f"{BASE}?{ws(tenancy)}&max=2&offset={offset}").json() for offset in (0, 2, 4)]
    names = [entry["name"] for body in pages for entry in body["computeEnvs"]]
    assert names == [f"ce-{n}" for n in range(5)]
    assert {body["totalSize"] for body in pages} == {5}
    assert api.get(f"{BASE}?{ws(tenancy)}&search=ce-3").json()["totalSize"] == 1
    assert api.get(f"{BASE}?{ws(tenancy)}&max=100000").status_code == 400


@pytest.mark.django_db
class TestNumbersTooBigForTheDatabase:
    """Found by schemathesis: these were 500s (SQLite cannot bind integers beyond 64 bits)."""

    def test_label_ids_out_of_range_are_400_naming_the_field(self, api, tenancy):
        body = create_body(tenancy, forge_doc(), labelIds=[tenancy.label.pk, 2**64])
        response = api.post(f"{BASE}?{ws(tenancy)}", body, format="json")
        assert response.status_code == 400
        assert "labelIds.1" in response.json()["errors"]
        assert not ComputeEnv.objects.exists()

    def test_list_offset_out_of_range_is_400(self, api, tenancy):
        response = api.get(f"{BASE}?{ws(tenancy)}&offset={2**64}")
        assert response.status_code == 400 and "offset" in response.json()["errors"]

    def test_unmapped_method_is_405(self, api, tenancy):
        assert api.patch(f"{BASE}?{ws(tenancy)}", {}, format="json").status_code == 405
