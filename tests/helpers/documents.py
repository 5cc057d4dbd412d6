"""Compute-environment documents for tests (the API's ``config`` shape) and `make_ce`, which
creates one through the service as a user would (so it is validated and audited)."""

from __future__ import annotations

import copy

from computeenvs import services
from computeenvs.models import ComputeEnv

FORGE_DOC = {
    "region": "eu-west-1",
    "workDir": "s3://acme-work/scratch",
    "forge": {"type": "SPOT", "maxCpus": 64},
}
MANUAL_DOC = {
    "region": "us-east-1",
    "workDir": "s3://acme-work/scratch",
    "headQueue": "lab-head",
    "computeQueue": "lab-work",
}


def forge_doc(**changes) -> dict:
    doc = copy.deepcopy(FORGE_DOC)
    doc["forge"].update(changes.pop("forge", {}))
    doc.update(changes)
    return doc


def manual_doc(**changes) -> dict:
    return {**copy.deepcopy(MANUAL_DOC), **changes}


def make_ce(tenancy, *, name="ce-1", config=None, credentials=None, label_ids=None, **kwargs) -> ComputeEnv:
    return services.create_compute_env(
        workspace=kwargs.pop("workspace", tenancy.workspace),
        created_by=tenancy.users["admin"],
        name=name,
        description=kwargs.pop("description", ""),
        credentials=credentials or tenancy.credentials,
        config=config if config is not None else forge_doc(),
        label_ids=label_ids,
        **kwargs,
    )
