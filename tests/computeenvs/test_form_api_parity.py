"""Property: the create form and the API accept and reject the same option sets, with the same
messages under the same fields (the form's field names are the config paths)."""

import itertools
import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rest_framework.test import APIClient

from computeenvs import options
from computeenvs.forms import ENVELOPE_FIELD, form_data_from_document
from computeenvs.models import ComputeEnv
from tests.helpers.urls import ce_url as url

FORM_TO_API = {form: api for api, form in ENVELOPE_FIELD.items()}
_names = itertools.count()

maybe_int = lambda low, high: st.none() | st.integers(low, high)  # noqa: E731
env_var = st.fixed_dictionaries(
    {
        "name": st.sampled_from(["NXF_OPTS", "AWS_RETRY_MODE", "1BAD", "_ok"]),
        "value": st.sampled_from(["", "-Xmx2g", "a,b"]),
        "head": st.booleans(),
        "compute": st.booleans(),
    }
)
forge_part = st.fixed_dictionaries(
    {
        "type": st.sampled_from(options.PROVISIONING_MODELS),
        "maxCpus": maybe_int(-1, 300),
        "minCpus": maybe_int(-1, 400),
        "allocStrategy": st.none() | st.sampled_from(options.ALLOC_STRATEGIES),
        "bidPercentage": maybe_int(-5, 120),
        "ebsAutoScale": st.booleans(),
        "ebsBlockSize": maybe_int(0, 100),
        "fargateHeadEnabled": st.booleans(),
        "gpuEnabled": st.booleans(),
        "arm64Enabled": st.booleans(),
        "efsCreate": st.booleans(),
        "disposeOnDeletion": st.booleans(),
        "instanceTypes": st.lists(st.sampled_from(["m5", "c6id", "optimal", "bad_type!", "m6g.large"]), max_size=3),
    }
)
document = st.fixed_dictionaries(
    {
        "region": st.sampled_from(["eu-west-1", "us-east-1"]),
        "workDir": st.sampled_from(["s3://acme-work/scratch", "s3://x", "/mnt/efs/work", "s3://acme-work/"]),
        "waveEnabled": st.booleans(),
        "fusion2Enabled": st.booleans(),
        "nvnmeStorageEnabled": st.booleans(),
        "fusionSnapshots": st.booleans(),
        "headJobMemoryMb": maybe_int(100, 5000),
        "environment": st.lists(env_var, max_size=2),
        "forge": st.none() | forge_part,
        "headQueue": st.sampled_from(["", "lab-head"]),
        "computeQueue": st.sampled_from(["", "lab-work"]),
    }
)


def complete(doc: dict) -> dict:
    """Drop absent values (the form cannot send null) and every key the chosen mode does not have."""
    doc = {k: v for k, v in doc.items() if v not in (None, "")}
    if doc.get("forge") is not None:
        doc["forge"] = {k: v for k, v in doc["forge"].items() if v is not None}
        doc.pop("headQueue", None)
        doc.pop("computeQueue", None)
    else:
        doc.pop("forge", None)
    if not doc["environment"]:
        doc.pop("environment")
    return doc


def normal(key: str) -> str:
    return re.sub(r"\[\d+\]$", "", key) if not key.startswith("config.environment") else key


def api_errors(client, tenancy, doc, name) -> set:
    body = {
        "computeEnv": {"name": name, "platform": "aws-batch", "credentialsId": tenancy.credentials.pk, "config": doc}
    }
    response = client.post(f"/api/compute-envs?workspaceId={tenancy.workspace.pk}", body, format="json")
    if response.status_code == 200:
        return set()
    assert response.status_code == 400, response.content
    return {(normal(key), message) for key, messages in response.json()["errors"].items() for message in messages}


def form_errors(client, tenancy, doc, name) -> set:
    data = form_data_from_document(doc, name=name, credentials_id=tenancy.credentials.pk)
    response = client.post(url(tenancy, "create"), data)
    if response.status_code == 302:
        return set()
    form = response.context["form"]
    found = set()
    for field, messages in form.errors.items():
        key = (
            "__all__"
            if field == "__all__"
            else FORM_TO_API.get(field) or (field if field in ("name", "description") else f"config.{field}")
        )
        found |= {(key, m) for m in messages}
    rows = form.env_rows()
    for index, row in enumerate(rows):
        for field, messages in row.errors.items():
            found |= {(f"config.environment[{index}].{field}", m) for m in messages}
    return found


@pytest.mark.django_db
@settings(max_examples=60, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(doc=document.map(complete))
def test_form_and_api_agree(client, tenancy, doc):
    client.force_login(tenancy.users["admin"])
    api = APIClient()
    api.force_authenticate(tenancy.users["admin"])
    n = next(_names)
    from_api = api_errors(api, tenancy, doc, f"api-{n}")
    from_form = form_errors(client, tenancy, doc, f"form-{n}")
    assert from_form == from_api
    if not from_api:
        stored_api = ComputeEnv.objects.get(name=f"api-{n}").config
        stored_form = ComputeEnv.objects.get(name=f"form-{n}").config
        strip = lambda c: {k: v for k, v in c.items() if k not in ("headQueue", "computeQueue")}  # noqa: E731
        assert strip(stored_form) == strip(stored_api)
