"""Compute-environment pages: list, detail, create (with preview and duplicate), edit, delete,
primary, validate, export/import, IAM policy; permissions and query budgets."""

import json
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from computeenvs import selectors
from computeenvs.forms import form_data_from_document
from computeenvs.models import ComputeEnv, ForgedResource
from tests.helpers.documents import forge_doc, make_ce, manual_doc
from tests.helpers.urls import ce_url as url


def post_data(tenancy, document, *, name="from-form", **extra):
    data = form_data_from_document(document, name=name, credentials_id=tenancy.credentials.pk, **extra)
    data["ce_id"] = extra.pop("ce_id", "")
    return data


@pytest.fixture
def admin_client(client, tenancy):
    client.force_login(tenancy.users["admin"])
    return client


def field_block(html: str, path: str) -> str:
    """The HTML of the form field wrapper of a config path."""
    match = re.search(
        rf'<div class="mb-3 ce-field[^"]*" data-path="{re.escape(path)}".*?(?=<div class="mb-3 ce-field|</section>)',
        html,
        re.S,
    )
    assert match, f"no field {path}"
    return match.group(0)


def group_is_open(html: str, key: str) -> bool:
    """Whether the collapsible group `key` renders open (the <details> of its section)."""
    match = re.search(rf'<section [^>]*id="group-{key}"[^>]*>\s*<details class="ce-collapsible"( open)?>', html)
    assert match, f"group {key} is not collapsible"
    return bool(match.group(1))


@pytest.mark.django_db
class TestListAndDetail:
    def test_list_filters_and_links(self, admin_client, tenancy):
        make_ce(tenancy, name="forge-one")
        make_ce(tenancy, name="manual-one", config=manual_doc())
        response = admin_client.get(url(tenancy, "list"))
        assert response.status_code == 200
        assert b"forge-one" in response.content and b"manual-one" in response.content
        response = admin_client.get(url(tenancy, "list"), {"mode": "manual"})
        assert b"manual-one" in response.content and b"forge-one" not in response.content
        response = admin_client.get(url(tenancy, "list"), {"q": "forge", "region": "eu-west-1"})
        assert b"forge-one" in response.content and b"manual-one" not in response.content

    def test_list_query_count_does_not_grow(self, admin_client, tenancy, django_assert_max_num_queries):
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        def count(n):
            for i in range(ComputeEnv.objects.count(), n):
                make_ce(tenancy, name=f"ce-{i:02d}", label_ids=[tenancy.label.pk])
            with CaptureQueriesContext(connection) as ctx:
                assert admin_client.get(url(tenancy, "list")).status_code == 200
            return len(ctx)

        admin_client.get(url(tenancy, "list"))  # the first request of a session records its start
        five = count(5)
        thirty = count(30)
        assert five == thirty
        with django_assert_max_num_queries(five):
            admin_client.get(url(tenancy, "list"))

    def test_detail_shows_queues_plan_ledger_nextflow_config(self, admin_client, tenancy, settings):
        settings.FORGE_PREFIX = "TowerForge"
        ce = make_ce(tenancy, label_ids=[tenancy.label.pk])
        ForgedResource.objects.create(
            workspace=tenancy.workspace,
            compute_env=ce,
            order=1,
            kind="IamRole",
            name=f"TowerForge-{ce.pk}-ServiceRole",
            arn=f"arn:aws:iam::123456789012:role/TowerForge-{ce.pk}-ServiceRole",
            state="CREATED",
        )
        html = admin_client.get(url(tenancy, "detail", ce)).content.decode()
        assert f"TowerForge-{ce.pk}-head" in html and f"TowerForge-{ce.pk}-work" in html
        assert f"arn:aws:iam::123456789012:role/TowerForge-{ce.pk}-ServiceRole" in html
        assert "process.executor = &#x27;awsbatch&#x27;" in html
        assert "team=genomics" in html
        assert 'hx-trigger="load delay:' in html  # CREATING: the badge polls
        for action in ("Validate", "Duplicate", "Export JSON", "Edit", "Delete"):
            assert action in html
        assert "Make primary" not in html and 'id="ce-disable"' not in html  # CREATING: cannot run yet

    def test_view_role_sees_no_write_buttons(self, client, tenancy):
        ce = make_ce(tenancy)
        client.force_login(tenancy.users["view"])
        html = client.get(url(tenancy, "detail", ce)).content.decode()
        assert "Export JSON" in html
        for action in ("Make primary", "Duplicate", ">Edit<", ">Delete<"):
            assert action not in html

    def test_status_partial_stops_polling_when_final(self, admin_client, tenancy):
        ce = make_ce(tenancy)
        assert b'hx-trigger="load delay:' in admin_client.get(url(tenancy, "status", ce)).content
        ComputeEnv.objects.filter(pk=ce.pk).update(status="AVAILABLE")
        body = admin_client.get(url(tenancy, "status", ce)).content
        assert b"AVAILABLE" in body and b"hx-trigger" not in body

    def test_status_block_carries_message_and_ledger_together(self, admin_client, tenancy):
        """The poll replaces badge and message at once, and the ledger out of band: nothing stale."""
        ce = make_ce(tenancy)
        body = admin_client.get(url(tenancy, "status", ce)).content.decode()
        assert (
            'id="ce-live"' in body
            and "Forge pending" in body
            and re.search(r'id="ce-ledger"[^>]*hx-swap-oob="true"', body)
        )
        ForgedResource.objects.create(
            workspace=tenancy.workspace, compute_env=ce, order=1, kind="IamRole", name="made-role", state="CREATED"
        )
        ComputeEnv.objects.filter(pk=ce.pk).update(status="AVAILABLE", message="Batch Forge created everything.")
        body = admin_client.get(url(tenancy, "status", ce)).content.decode()
        assert "Batch Forge created everything." in body and "Forge pending" not in body
        assert "made-role" in body and "text-bg-success" in body

    def test_requested_validation_polls_until_the_ce_reports(self, admin_client, tenancy, broker):
        ce = make_ce(tenancy, config=manual_doc())
        ComputeEnv.objects.filter(pk=ce.pk).update(status="AVAILABLE")
        response = admin_client.post(url(tenancy, "validate", ce))
        assert re.search(r"\?validating=\d+$", response.url)
        detail = admin_client.get(response.url).content.decode()
        assert 'hx-trigger="load delay:' in detail and "?validating=" in detail
        ComputeEnv.objects.get(pk=ce.pk).save()  # the actor's result bumps last_updated
        assert b"hx-trigger" not in admin_client.get(response.url).content

    def test_list_and_detail_use_the_same_status_badge(self, admin_client, tenancy):
        ce = make_ce(tenancy, config=manual_doc())
        ComputeEnv.objects.filter(pk=ce.pk).update(status="AVAILABLE")
        badge = re.compile(r'<span[^>]*class="badge status-badge[^"]*text-bg-success"[^>]*>AVAILABLE</span>')
        assert badge.search(admin_client.get(url(tenancy, "list")).content.decode())
        assert badge.search(admin_client.get(url(tenancy, "detail", ce)).content.decode())
        ComputeEnv.objects.filter(pk=ce.pk).update(status="CREATING")
        html = admin_client.get(url(tenancy, "list")).content.decode()
        assert re.search(r'text-bg-primary"[^>]*><span class="spinner-border', html)

    def test_plan_settings_read_as_text_not_python(self, admin_client, tenancy):
        ce = make_ce(tenancy)
        html = admin_client.get(url(tenancy, "detail", ce)).content.decode()
        plan = html[html.index('id="ce-plan"') :]
        assert "<details" in plan and "ce-kv" in plan
        for python in ("None", "[&#x27;", "{&#x27;", "True", "False"):
            assert python not in plan, python
        assert re.search(r"<dt>sizeGb</dt><dd>\d+</dd>", plan)  # a dict, as nested key: value
        assert re.search(r"<dt>tagPropagation</dt><dd>instance, volume</dd>", plan)  # a list, joined

    def test_the_kept_plan_block_follows_the_config_and_labels(self, admin_client, tenancy, settings):
        settings.DEBUG = False  # the block is kept per plan document outside DEBUG
        ce = make_ce(tenancy)
        first = admin_client.get(url(tenancy, "detail", ce)).content.decode()
        config = {**ce.config, "forge": {**ce.config["forge"], "maxCpus": 777}}
        ComputeEnv.objects.filter(pk=ce.pk).update(config=config)
        second = admin_client.get(url(tenancy, "detail", ce)).content.decode()
        plan = second[second.index('id="ce-plan"') :]
        assert "777" in plan and "777" not in first[first.index('id="ce-plan"') :]
        tenancy.label.name, tenancy.label.value = "team", "genomics-lab"
        tenancy.label.save()
        ce.labels.add(tenancy.label)
        third = admin_client.get(url(tenancy, "detail", ce)).content.decode()
        assert "team=genomics-lab" in third[third.index('id="ce-plan"') :]


def test_settings_html_formats_values():
    from computeenvs.views import settings_html

    html = str(
        settings_html({"a": ["x", "y"], "b": {"c": 1, "d": None, "e": True}, "f": None, "g": [], "h": [{"i": "<j>"}]})
    )
    assert html == (
        '<dl class="ce-kv"><dt>a</dt><dd>x, y</dd><dt>b</dt><dd><dl class="ce-kv"><dt>c</dt><dd>1</dd>'
        '<dt>e</dt><dd>yes</dd></dl></dd><dt>h</dt><dd><ol class="ce-kv-list"><li><dl class="ce-kv">'
        "<dt>i</dt><dd>&lt;j&gt;</dd></dl></li></ol></dd></dl>"
    )


@pytest.mark.django_db
class TestCreateForm:
    def test_get_prefills_defaults_and_renders_every_option(self, admin_client, tenancy):
        from computeenvs import options

        tenancy.label.is_default = True
        tenancy.label.save()
        html = admin_client.get(url(tenancy, "create")).content.decode()
        for spec in options.FIELDS:
            if spec.kind != "envvars":
                assert f'name="{spec.path}"' in html, spec.path
        assert 'id="ce-client-rules"' in html and "<script>" not in html
        mode = re.search(r'<div id="id_mode"[^>]*>', html).group(0)
        assert "class=" not in mode.replace('class="ce-radios"', "")  # no form-check-input on the wrapper
        assert re.search(r'<input type="radio" name="mode" value="manual"[^>]* class="form-check-input"', html)
        default_label = re.search(rf'<input type="checkbox" name="labels" value="{tenancy.label.pk}"[^>]*>', html)
        assert default_label and "checked" in default_label.group(0)  # default labels start chosen
        assert re.search(r'<label class="form-check-label" for="id_labels_0">team=genomics</label>', html)
        assert f'<option value="{tenancy.other_credentials.pk}"' not in html

    def test_post_creates_through_the_service(self, admin_client, tenancy):
        data = post_data(tenancy, forge_doc(environment=[{"name": "NXF_OPTS", "value": "-Xmx1g", "head": True}]))
        response = admin_client.post(url(tenancy, "create"), data)
        ce = ComputeEnv.objects.get(name="from-form")
        assert response.status_code == 302 and response.url == url(tenancy, "detail", ce)
        assert ce.config["forge"]["maxCpus"] == 64 and ce.created_by == tenancy.users["admin"]
        assert ce.config["environment"] == [{"name": "NXF_OPTS", "value": "-Xmx1g", "head": True, "compute": False}]

    def test_violation_appears_beside_its_field(self, admin_client, tenancy):
        data = post_data(tenancy, forge_doc(fusion2Enabled=True, waveEnabled=False, forge={"maxCpus": -3}))
        html = admin_client.post(url(tenancy, "create"), data).content.decode()
        assert "Fusion v2 needs Wave" in field_block(html, "waveEnabled")
        assert "Max CPUs must be between" in field_block(html, "forge.maxCpus")
        assert not ComputeEnv.objects.exists()

    def test_env_var_violation_appears_in_its_row(self, admin_client, tenancy):
        data = post_data(tenancy, forge_doc(environment=[{"name": "1BAD", "value": "x", "head": True}]))
        html = admin_client.post(url(tenancy, "create"), data).content.decode()
        row = re.search(r'<tr class="ce-env-row">.*?</tr>', html, re.S).group(0)
        assert "Variable name must start with a letter" in row

    def test_credentials_of_another_workspace_cannot_be_posted(self, admin_client, tenancy):
        data = post_data(tenancy, forge_doc())
        data["credentials"] = tenancy.other_credentials.pk
        html = admin_client.post(url(tenancy, "create"), data).content.decode()
        assert "Select a valid choice" in html and not ComputeEnv.objects.exists()

    def test_preview_shows_the_plan_with_the_real_names_then_create_keeps_them(self, admin_client, tenancy, settings):
        settings.FORGE_PREFIX = "TowerForge"
        ce_id = "p" * 22
        data = post_data(tenancy, forge_doc())
        data.update(ce_id=ce_id, preview="1")
        html = admin_client.post(url(tenancy, "create"), data).content.decode()
        assert "Plan preview" in html and f"TowerForge-{ce_id}-ServiceRole" in html
        assert f"TowerForge-{ce_id}-head" in html and "&quot;Statement&quot;" in html
        assert not ComputeEnv.objects.exists()
        data.pop("preview")
        admin_client.post(url(tenancy, "create"), data)
        assert ComputeEnv.objects.get().pk == ce_id

    def test_duplicate_prefills_from_an_existing_ce(self, admin_client, tenancy):
        source = make_ce(tenancy, name="orig", config=forge_doc(forge={"maxCpus": 123, "instanceTypes": ["m5", "c5"]}))
        html = admin_client.get(url(tenancy, "create"), {"from": source.pk}).content.decode()
        assert 'value="orig-copy"' in html
        assert 'value="123"' in field_block(html, "forge.maxCpus")
        assert "m5\nc5" in field_block(html, "forge.instanceTypes")

    def test_optional_groups_start_closed_and_open_on_errors_or_values(self, admin_client, tenancy):
        optional = ("storage", "networking", "staging", "environment", "advanced")
        html = admin_client.get(url(tenancy, "create")).content.decode()
        assert not any(group_is_open(html, key) for key in optional)
        for key in ("general", "credentials", "workdir", "wavefusion", "forge"):  # always shown
            assert re.search(rf'id="group-{key}"[^>]*>\s*<div class="card-header">', html), key

        data = post_data(tenancy, forge_doc(headJobCpus=-2, preRunScript="echo hi"))
        html = admin_client.post(url(tenancy, "create"), data).content.decode()
        assert field_block(html, "headJobCpus").count("ce-error") == 1
        assert group_is_open(html, "advanced") and group_is_open(html, "staging")
        assert not group_is_open(html, "storage") and not group_is_open(html, "environment")

        data = {
            **post_data(tenancy, forge_doc(environment=[{"name": "A", "value": "1", "head": True}])),
            "preview": "1",
        }
        html = admin_client.post(url(tenancy, "create"), data).content.decode()
        assert "Plan preview" in html and group_is_open(html, "environment") and not group_is_open(html, "advanced")

        source = make_ce(
            tenancy,
            name="orig",
            config=forge_doc(forge={"instanceTypes": ["m5"], "vpcId": "vpc-0123456789abcdef0"}),
        )
        html = admin_client.get(url(tenancy, "create"), {"from": source.pk}).content.decode()
        assert group_is_open(html, "advanced") and group_is_open(html, "networking")
        assert not group_is_open(html, "staging") and not group_is_open(html, "storage")

    def test_duplicate_of_a_foreign_ce_is_404(self, client, tenancy):
        foreign = make_ce(tenancy, workspace=tenancy.other_workspace, credentials=tenancy.other_credentials)
        client.force_login(tenancy.users["admin"])
        assert client.get(url(tenancy, "create"), {"from": foreign.pk}).status_code == 404


@pytest.mark.django_db
class TestEditDeleteActions:
    def test_edit_changes_only_the_envelope(self, admin_client, tenancy):
        ce = make_ce(tenancy)
        html = admin_client.get(url(tenancy, "edit", ce)).content.decode()
        assert 'name="forge.maxCpus"' not in html
        response = admin_client.post(
            url(tenancy, "edit", ce),
            {"name": "renamed", "description": "d", "credentials": tenancy.credentials.pk, "forge.maxCpus": "1"},
        )
        assert response.status_code == 302
        ce.refresh_from_db()
        assert ce.name == "renamed" and ce.config["forge"]["maxCpus"] == 64

    def test_delete_confirmation_lists_what_dispose_removes(self, admin_client, tenancy, settings, broker):
        settings.FORGE_PREFIX = "TowerForge"
        ce = make_ce(tenancy)
        html = admin_client.get(url(tenancy, "delete", ce)).content.decode()
        assert "made nothing in AWS" in html  # no ledger yet: only the record goes
        ForgedResource.objects.create(
            workspace=tenancy.workspace, compute_env=ce, order=1, kind="BatchQueue", name=f"TowerForge-{ce.pk}-work"
        )
        html = admin_client.get(url(tenancy, "delete", ce)).content.decode()
        assert "Dispose resources is on" in html and f"TowerForge-{ce.pk}-work" in html and "ce-force" not in html
        kept = make_ce(tenancy, name="kept", config=forge_doc(forge={"disposeOnDeletion": False}))
        assert "are <strong>kept</strong>" in admin_client.get(url(tenancy, "delete", kept)).content.decode()
        assert 'name="confirm_name"' in html  # a Forge CE: type its name
        untyped = admin_client.post(url(tenancy, "delete", ce), follow=True).content.decode()
        assert f"Type {ce.name} to confirm the delete; nothing was deleted." in untyped
        response = admin_client.post(url(tenancy, "delete", ce), {"confirm_name": ce.name}, follow=True)
        ce.refresh_from_db()
        assert ce.status == ComputeEnv.Status.DELETING and b"is being deleted" in response.content
        assert response.redirect_chain[-1][0] == url(tenancy, "detail", ce)
        assert 'id="ce-force"' in admin_client.get(url(tenancy, "delete", ce)).content.decode()
        admin_client.post(url(tenancy, "delete", ce), {"force": "1", "confirm_name": ce.name})
        assert not ComputeEnv.objects.filter(pk=ce.pk).exists()
        admin_client.post(url(tenancy, "delete", kept), {"confirm_name": "kept"})
        assert not ComputeEnv.objects.filter(pk=kept.pk).exists()

    def test_retry_button_on_an_errored_forge(self, admin_client, tenancy, broker):
        ce = make_ce(tenancy)
        assert b"Retry forge" not in admin_client.get(url(tenancy, "detail", ce)).content
        ComputeEnv.objects.filter(pk=ce.pk).update(status="ERRORED", message="Forge failed: boom")
        assert b"Retry forge" in admin_client.get(url(tenancy, "detail", ce)).content
        admin_client.post(url(tenancy, "retry", ce))
        ce.refresh_from_db()
        assert ce.status == ComputeEnv.Status.CREATING

    def test_make_primary_and_validate_buttons(self, admin_client, tenancy, broker):
        ce = make_ce(tenancy, config=manual_doc())
        refused = admin_client.post(url(tenancy, "primary", ce), follow=True).content.decode()
        assert "is CREATING: only an AVAILABLE compute environment can be primary" in refused
        ComputeEnv.objects.filter(pk=ce.pk).update(status=ComputeEnv.Status.AVAILABLE)
        admin_client.post(url(tenancy, "primary", ce))
        ce.refresh_from_db()
        assert ce.primary
        response = admin_client.post(url(tenancy, "validate", ce), follow=True)
        assert b"Validation of" in response.content
        forge = make_ce(tenancy, name="forge")
        response = admin_client.post(url(tenancy, "validate", forge), follow=True)
        assert b"nothing to validate" in response.content

    @pytest.mark.parametrize("role", ["maintain", "launch", "view"])
    def test_writes_are_403_below_admin(self, client, tenancy, role):
        ce = make_ce(tenancy)
        client.force_login(tenancy.users[role])
        assert client.get(url(tenancy, "detail", ce)).status_code == 200
        for name in ("edit", "delete"):
            assert client.get(url(tenancy, name, ce)).status_code == 403
        for name in ("primary", "validate", "delete"):
            assert client.post(url(tenancy, name, ce)).status_code == 403
        assert client.get(url(tenancy, "create")).status_code == 403
        assert client.post(url(tenancy, "create"), post_data(tenancy, forge_doc())).status_code == 403
        assert ComputeEnv.objects.count() == 1

    def test_outsider_gets_404_everywhere(self, client, tenancy):
        ce = make_ce(tenancy)
        client.force_login(tenancy.outsider)
        for name in ("detail", "status", "edit", "delete", "export", "policy"):
            assert client.get(url(tenancy, name, ce)).status_code == 404
        assert client.get(url(tenancy, "list")).status_code == 404
        # and through the outsider's own workspace the object does not exist
        assert client.get(url(tenancy, "detail", ce, workspace=tenancy.other_workspace)).status_code == 404


@pytest.mark.django_db
class TestExportImportPolicy:
    def test_export_download_then_import_page(self, admin_client, tenancy):
        ce = make_ce(tenancy, name="orig", label_ids=[tenancy.label.pk])
        response = admin_client.get(url(tenancy, "export", ce))
        assert response["Content-Disposition"] == 'attachment; filename="orig.json"'
        document = json.loads(response.content)
        assert document["computeEnv"]["config"] == selectors.export_config(ce.config, forge=True)
        upload = SimpleUploadedFile("orig.json", response.content, content_type="application/json")
        response = admin_client.post(
            url(tenancy, "import"), {"file": upload, "name": "imported", "credentials": tenancy.credentials.pk}
        )
        imported = ComputeEnv.objects.get(name="imported")
        assert response.status_code == 302
        assert selectors.export_config(imported.config, forge=True) == selectors.export_config(ce.config, forge=True)

    def test_import_shows_config_errors(self, admin_client, tenancy):
        document = {"computeEnv": {"name": "bad", "platform": "aws-batch", "config": forge_doc(forge={"maxCpus": 0})}}
        upload = SimpleUploadedFile("bad.json", json.dumps(document).encode(), content_type="application/json")
        html = admin_client.post(
            url(tenancy, "import"), {"file": upload, "credentials": tenancy.credentials.pk}
        ).content
        assert b"config.forge.maxCpus: Max CPUs must be between" in html

    def test_policy_page_and_download(self, admin_client, tenancy):
        tenancy.credentials.account_id = "123456789012"
        tenancy.credentials.save()
        ce = make_ce(tenancy)
        html = admin_client.get(url(tenancy, "policy", ce)).content.decode()
        assert "123456789012" in html and "Download JSON" in html
        response = admin_client.get(url(tenancy, "policy", ce), {"format": "json"})
        policy = json.loads(response.content)
        assert policy["Version"] == "2012-10-17" and "attachment" in response["Content-Disposition"]
        manual = make_ce(tenancy, name="manual", config=manual_doc())
        manual_policy = json.loads(admin_client.get(url(tenancy, "policy", manual), {"format": "json"}).content)
        assert manual_policy != policy


@pytest.mark.django_db
def test_create_form_marks_required_fields_and_never_shows_an_example_as_a_default(admin_client, tenancy):
    html = admin_client.get(url(tenancy, "create")).content.decode()
    for path in ("name", "credentials", "forge.maxCpus", "region", "workDir"):
        block = field_block(html, path) if "." in path or path in ("region", "workDir") else None
        if block is None:
            label = re.search(rf'<label class="([^"]*)" for="id_{path}"', html)
            assert label and "required" in label.group(1).split(), f"{path} is not marked required"
        else:
            assert re.search(r'<label class="form-label required"', block), f"{path} is not marked required"
    max_cpus = field_block(html, "forge.maxCpus")
    placeholder = re.search(r'placeholder="([^"]*)"', max_cpus)
    assert placeholder is None or placeholder.group(1).startswith("e.g. ")
    credentials = re.search(r'<select name="credentials".*?</select>', html, re.S).group(0)
    assert '<option value="" selected>Choose…</option>' in credentials


@pytest.mark.django_db
def test_detail_shows_enum_labels_not_codes(admin_client, tenancy):
    ce = make_ce(tenancy, config=forge_doc(forge={"type": "EC2"}))
    html = admin_client.get(url(tenancy, "detail", ce)).content.decode()
    assert ">On-Demand<" in html  # the configuration section; the plan keeps AWS's own value (EC2)


@pytest.mark.django_db
def test_deprecated_options_are_folded_unless_in_use(admin_client, tenancy):
    html = admin_client.get(url(tenancy, "create")).content.decode()
    folded = re.findall(r'<details class="ce-deprecated[^"]*"( open)?>', html)
    assert folded and not any(folded), folded
    assert field_block(html, "forge.ebsAutoScale") and "Deprecated options" in html
    used = make_ce(tenancy, name="old-style", config=forge_doc(forge={"ebsAutoScale": False}))
    duplicate = admin_client.get(url(tenancy, "create"), {"from": used.pk}).content.decode()
    forge_group = re.search(r'<section [^>]*id="group-forge".*?</section>', duplicate, re.S).group(0)
    assert '<details class="ce-deprecated border-top pt-2 mt-2" open>' in forge_group


@pytest.mark.django_db
def test_duplicate_keeps_options_turned_off(admin_client, tenancy):
    source = make_ce(
        tenancy, name="no-autoscale", config=forge_doc(forge={"ebsAutoScale": False, "disposeOnDeletion": False})
    )
    html = admin_client.get(url(tenancy, "create"), {"from": source.pk}).content.decode()
    for path in ("forge.ebsAutoScale", "forge.disposeOnDeletion"):
        box = re.search(rf'<input type="checkbox" name="{re.escape(path)}"[^>]*>', html).group(0)
        assert "checked" not in box, path


@pytest.mark.django_db
def test_deleting_the_primary_ce_says_so_and_a_manual_ce_needs_no_typed_name(admin_client, tenancy):
    ce = make_ce(tenancy, name="main", config=manual_doc())
    ComputeEnv.objects.filter(pk=ce.pk).update(status=ComputeEnv.Status.AVAILABLE, primary=True)
    html = admin_client.get(url(tenancy, "delete", ce)).content.decode()
    assert "This is the workspace&#x27;s primary compute environment" in html
    assert 'name="confirm_name"' not in html
    assert admin_client.post(url(tenancy, "delete", ce)).status_code == 302
    assert not ComputeEnv.objects.filter(pk=ce.pk).exists()


@pytest.mark.django_db
def test_disable_and_enable_buttons_and_api(admin_client, tenancy, broker, sent):
    ce = make_ce(tenancy, name="manual-one", config=manual_doc())
    ComputeEnv.objects.filter(pk=ce.pk).update(status=ComputeEnv.Status.AVAILABLE, primary=True)
    html = admin_client.get(url(tenancy, "detail", ce)).content.decode()
    assert 'id="ce-disable"' in html and 'id="ce-enable"' not in html
    page = admin_client.post(url(tenancy, "disable", ce), follow=True).content.decode()
    ce.refresh_from_db()
    assert (ce.status, ce.primary) == (ComputeEnv.Status.DISABLED, False) and "is disabled" in page
    assert 'id="ce-enable"' in page and "Make primary" not in page
    assert not [m for m in sent() if m.actor_name == "set_queues_state"]  # a Manual CE's queues are the team's
    admin_client.post(url(tenancy, "enable", ce))
    ce.refresh_from_db()
    assert ce.status == ComputeEnv.Status.CREATING  # validated again before it takes pipelines
    api = admin_client.post(f"/api/compute-envs/{ce.pk}/disable?workspaceId={tenancy.workspace.pk}")
    assert api.status_code == 400 and "only an AVAILABLE compute environment can be disabled" in api.json()["message"]


@pytest.mark.django_db
def test_status_partial_sends_the_buttons_that_match_the_new_status(admin_client, tenancy):
    ce = make_ce(tenancy, config=manual_doc())
    assert 'id="ce-disable"' not in admin_client.get(url(tenancy, "detail", ce)).content.decode()
    ComputeEnv.objects.filter(pk=ce.pk).update(status=ComputeEnv.Status.AVAILABLE)
    partial = admin_client.get(url(tenancy, "status", ce)).content.decode()
    assert '<div id="ce-actions" class="d-flex gap-2 flex-wrap" hx-swap-oob="true">' in partial
    assert 'id="ce-disable"' in partial and "Make primary" in partial
