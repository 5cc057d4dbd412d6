"""Compute-environment services: the wiring to options, credentials, labels, and the envelope rules."""

import pytest
from django.core.exceptions import ValidationError

from computeenvs import selectors, services
from computeenvs.models import ComputeEnv
from tests.factories import CredentialsFactory, LabelFactory
from tests.helpers.documents import forge_doc, make_ce, manual_doc


def errors_of(exc_info) -> dict:
    return exc_info.value.message_dict


@pytest.mark.django_db
class TestCreate:
    def test_forge_fills_queues_region_mode_and_waits_for_forge(self, tenancy, settings):
        settings.FORGE_PREFIX = "TowerForge"
        ce = make_ce(tenancy)
        assert ce.status == ComputeEnv.Status.CREATING
        assert ce.message == services.FORGE_PENDING_MESSAGE
        assert (ce.mode, ce.region) == ("forge", "eu-west-1")
        assert ce.config["headQueue"] == f"TowerForge-{ce.pk}-head"
        assert ce.config["computeQueue"] == f"TowerForge-{ce.pk}-work"
        assert ce.config["forge"]["allocStrategy"] == "SPOT_PRICE_CAPACITY_OPTIMIZED"  # default filled in

    def test_rule_violation_from_options_reaches_the_service_error(self, tenancy):
        with pytest.raises(ValidationError) as exc_info:
            make_ce(tenancy, config=forge_doc(fusion2Enabled=True, waveEnabled=False))
        assert "Wave" in " ".join(errors_of(exc_info)["config.waveEnabled"])
        assert not ComputeEnv.objects.exists()

    def test_type_errors_are_keyed_by_the_config_path(self, tenancy):
        with pytest.raises(ValidationError) as exc_info:
            make_ce(tenancy, config=forge_doc(forge={"maxCpus": -5, "type": "CHEAP"}))
        errors = errors_of(exc_info)
        assert "config.forge.maxCpus" in errors
        assert "config.forge.type" in errors and "CHEAP" in errors["config.forge.type"][0]

    def test_config_must_be_an_object(self, tenancy):
        with pytest.raises(ValidationError) as exc_info:
            make_ce(tenancy, config=["not", "a", "dict"])
        assert "config" in errors_of(exc_info)

    def test_manual_mode_enqueues_validation_after_commit(self, tenancy, sent, django_capture_on_commit_callbacks):
        with django_capture_on_commit_callbacks(execute=True):
            ce = make_ce(tenancy, config=manual_doc())
        assert ce.mode == "manual" and ce.status == ComputeEnv.Status.CREATING
        assert ce.config["headQueue"] == "lab-head"
        [message] = sent()
        assert message.actor_name == "validate_compute_env" and message.args == (ce.pk, ce.workspace_id)
        assert tenancy.credentials.access_key not in message.encode().decode()

    def test_forge_mode_enqueues_the_forge_with_ids_only(self, tenancy, sent, django_capture_on_commit_callbacks):
        with django_capture_on_commit_callbacks(execute=True):
            ce = make_ce(tenancy)
        [message] = sent()
        assert message.actor_name == "forge_compute_env" and message.args == (ce.pk, ce.workspace_id)
        assert tenancy.credentials.access_key not in message.encode().decode()

    def test_name_rules(self, tenancy):
        make_ce(tenancy, name="dup")
        for name, fragment in (("DUP", "already exists"), ("bad name!", "letters"), ("", "name")):
            with pytest.raises(ValidationError) as exc_info:
                make_ce(tenancy, name=name)
            assert fragment in errors_of(exc_info)["name"][0]

    def test_credentials_of_another_workspace_are_not_found(self, tenancy):
        for credentials in (tenancy.other_credentials, tenancy.other_credentials.pk, "nope"):
            with pytest.raises(ValidationError) as exc_info:
                make_ce(tenancy, credentials=credentials)
            assert errors_of(exc_info)["credentialsId"] == ["Not found in this workspace."]

    def test_invalid_credentials_are_refused(self, tenancy):
        bad = CredentialsFactory(workspace=tenancy.workspace, status="INVALID", message="The security token is invalid")
        with pytest.raises(ValidationError) as exc_info:
            make_ce(tenancy, credentials=bad)
        assert "INVALID" in errors_of(exc_info)["credentialsId"][0]

    def test_default_labels_when_none_given_and_explicit_labels_checked(self, tenancy):
        default = LabelFactory(workspace=tenancy.workspace, name="costcenter", value="cc42", is_default=True)
        assert list(make_ce(tenancy, name="a").labels.all()) == [default]
        assert list(make_ce(tenancy, name="b", label_ids=[]).labels.all()) == []
        assert set(make_ce(tenancy, name="c", label_ids=[tenancy.label.pk]).labels.all()) == {tenancy.label}
        simple = LabelFactory(workspace=tenancy.workspace, name="simple", value="", resource=False)
        foreign = LabelFactory(workspace=tenancy.other_workspace, name="x1", value="y1")
        for ids in ([simple.pk], [foreign.pk]):
            with pytest.raises(ValidationError) as exc_info:
                make_ce(tenancy, name="d", label_ids=ids)
            assert "labelIds" in errors_of(exc_info)

    def test_at_most_25_labels(self, tenancy):
        labels = [LabelFactory(workspace=tenancy.workspace, name=f"key{i}", value=f"v{i}x") for i in range(26)]
        with pytest.raises(ValidationError) as exc_info:
            make_ce(tenancy, label_ids=[label.pk for label in labels])
        assert "25" in errors_of(exc_info)["labelIds"][0]

    def test_pregenerated_id_is_kept_and_bad_ones_replaced(self, tenancy):
        wanted = "a" * 22
        assert make_ce(tenancy, name="x", ce_id=wanted).pk == wanted
        assert make_ce(tenancy, name="y", ce_id=wanted).pk != wanted  # taken
        assert make_ce(tenancy, name="z", ce_id="../etc").pk != "../etc"


@pytest.mark.django_db
class TestUpdateDeletePrimary:
    def test_config_is_immutable(self, tenancy):
        ce = make_ce(tenancy)
        with pytest.raises(ValidationError) as exc_info:
            services.update_compute_env(ce=ce, name="renamed", config=forge_doc(forge={"maxCpus": 1}))
        assert "immutable" in errors_of(exc_info)["config"][0]
        ce.refresh_from_db()
        assert ce.name == "ce-1" and ce.config["forge"]["maxCpus"] == 64

    def test_name_description_credentials_change(self, tenancy):
        ce = make_ce(tenancy)
        other = CredentialsFactory(workspace=tenancy.workspace)
        services.update_compute_env(ce=ce, name="renamed", description="new", credentials=other.pk)
        ce.refresh_from_db()
        assert (ce.name, ce.description, ce.credentials_id) == ("renamed", "new", other.pk)
        with pytest.raises(ValidationError):
            services.update_compute_env(ce=ce, credentials=tenancy.other_credentials)

    def test_make_primary_keeps_one_and_refuses_a_ce_that_cannot_run(self, tenancy):
        first, second = make_ce(tenancy, name="one"), make_ce(tenancy, name="two")
        for status in (ComputeEnv.Status.CREATING, ComputeEnv.Status.INVALID, ComputeEnv.Status.ERRORED):
            ComputeEnv.objects.filter(pk=first.pk).update(status=status)
            with pytest.raises(ValidationError, match=f"one is {status}: only an AVAILABLE"):
                services.make_primary(ce=first)
        assert not ComputeEnv.objects.filter(primary=True).exists()
        ComputeEnv.objects.filter(pk__in=[first.pk, second.pk]).update(status=ComputeEnv.Status.AVAILABLE)
        services.make_primary(ce=first)
        services.make_primary(ce=second)
        services.make_primary(ce=second)
        assert list(ComputeEnv.objects.filter(primary=True)) == [second]

    def test_delete(self, tenancy):
        ce = make_ce(tenancy)
        services.delete_compute_env(ce=ce)
        assert not ComputeEnv.objects.exists()


@pytest.mark.django_db
class TestExportImport:
    def test_round_trip_gives_an_equal_config(self, tenancy):
        source = make_ce(
            tenancy,
            config=forge_doc(
                fusion2Enabled=True,
                waveEnabled=True,
                environment=[{"name": "NXF_OPTS", "value": "-Xmx2g", "head": True, "compute": False}],
                forge={"instanceTypes": ["m6id", "c6id"], "allowBuckets": ["s3://acme-inputs"]},
            ),
            label_ids=[tenancy.label.pk],
        )
        document = selectors.export_compute_env(source)
        assert "forgedResources" not in document["computeEnv"]["config"]
        assert "headQueue" not in document["computeEnv"]["config"]
        copy_ = services.import_compute_env(
            workspace=tenancy.workspace,
            created_by=tenancy.users["admin"],
            document=document,
            credentials=tenancy.credentials,
            name="imported",
        )
        strip = lambda c: {k: v for k, v in c.items() if k not in ("headQueue", "computeQueue")}  # noqa: E731
        assert strip(copy_.config) == strip(source.config)
        assert copy_.config["headQueue"].endswith(f"{copy_.pk}-head")
        assert list(copy_.labels.all()) == [tenancy.label]

    def test_import_into_another_workspace_needs_its_labels_and_credentials(self, tenancy):
        document = selectors.export_compute_env(make_ce(tenancy, label_ids=[tenancy.label.pk]))
        with pytest.raises(ValidationError) as exc_info:
            services.import_compute_env(
                workspace=tenancy.other_workspace,
                created_by=tenancy.outsider,
                document=document,
                credentials=tenancy.credentials,
            )
        errors = errors_of(exc_info)
        assert "team=genomics" in errors["labels"][0]

    def test_import_rejects_other_platforms_and_garbage(self, tenancy):
        for document in ([], {"computeEnv": {"platform": "google-batch", "config": {}}}):
            with pytest.raises(ValidationError):
                services.import_compute_env(
                    workspace=tenancy.workspace, created_by=None, document=document, credentials=tenancy.credentials
                )


@pytest.mark.django_db
class TestReferences:
    def test_used_credentials_and_labels_cannot_be_deleted_alone(self, tenancy):
        from workspaces import services as ws_services

        make_ce(tenancy, label_ids=[tenancy.label.pk])
        with pytest.raises(ValidationError):
            ws_services.delete_credentials(credentials=tenancy.credentials)
        with pytest.raises(ValidationError):
            ws_services.delete_label(label=tenancy.label)

    def test_workspace_with_compute_envs_can_be_deleted(self, tenancy):
        from workspaces import services as ws_services

        make_ce(tenancy, label_ids=[tenancy.label.pk])
        ws_services.delete_workspace(workspace=tenancy.workspace)
        assert not ComputeEnv.objects.exists()
