"""Reads of compute environments used by more than one view, serializer or service: the derived
views of a stored CE (its plan, IAM policy, Nextflow config, API config, export document and
ledger). Nothing here writes."""

from __future__ import annotations

import functools
import json

from django.conf import settings
from django.db.models.fields.json import KeyTransform

from computeenvs import nfconfig, policy
from computeenvs.forge import plan
from computeenvs.models import ComputeEnv, ForgedResource

PLATFORM = "aws-batch"
SERVER_MANAGED_KEYS = ("forgedResources", "volumes", "deletedResources")


LISTED_CONFIG_KEYS = ("workDir", "waveEnabled", "fusion2Enabled")


def for_listing(queryset):
    """A list's compute environments without their config document: lists show three of its
    keys (`LISTED_CONFIG_KEYS`), each read in SQL (`config -> key`) into `listed_<key>`."""
    keys = {f"listed_{key}": KeyTransform(key, "config") for key in LISTED_CONFIG_KEYS}
    return queryset.defer("config").annotate(**keys)


def listed_config(ce: ComputeEnv) -> dict:
    """The listed keys of a CE's config (None when absent): from `for_listing`'s annotations,
    else from the document."""
    if hasattr(ce, f"listed_{LISTED_CONFIG_KEYS[0]}"):
        return {key: getattr(ce, f"listed_{key}") for key in LISTED_CONFIG_KEYS}
    return {key: ce.config.get(key) for key in LISTED_CONFIG_KEYS}


def forge_queue_names(ce_id: str) -> tuple[str, str]:
    """(head, compute) queue names Forge gives this CE: the plan's names, the single source."""
    names = plan.queue_names(settings.FORGE_PREFIX, ce_id)
    return names["headQueue"], names["computeQueue"]


def disposes_on_deletion(ce: ComputeEnv) -> bool:
    return ce.is_forge and bool((ce.config.get("forge") or {}).get("disposeOnDeletion", True))


def resources_to_dispose(ce: ComputeEnv) -> list[ForgedResource]:
    return list(ce.forged_resources.exclude(state=ForgedResource.State.DELETED))


def label_tags(ce: ComputeEnv) -> dict[str, str]:
    return {label.name: label.value for label in ce.labels.all()}


def forged_resources(ce: ComputeEnv) -> list[dict[str, str]]:
    """The ledger in Seqera's ``forgedResources`` shape: ``[{"IamRole": arn}, ...]``."""
    return [{r.kind: r.arn or r.name} for r in ce.forged_resources.all() if r.state != ForgedResource.State.DELETED]


def api_config(ce: ComputeEnv) -> dict:
    """The stored config as the API returns it: as sent, plus defaults and server-filled fields."""
    config = {"discriminator": PLATFORM, **ce.config}
    if ce.is_forge:
        config["forgedResources"] = forged_resources(ce)
    return config


def plan_for(ce: ComputeEnv) -> list[dict]:
    """What Batch Forge creates (or created) for `ce`, as rows for a table (empty for Manual)."""
    return json.loads(plan_document_for(ce))


def plan_document_for(ce: ComputeEnv) -> str:
    """`plan_for(ce)` as the JSON document kept for it: what is derived from the plan alone (the
    page's plan block) can be kept under it."""
    if not ce.is_forge:
        return "[]"
    return _plan_document(_plan_key(ce_id=ce.pk, config=ce.config, labels=label_tags(ce), workspace_id=ce.workspace_id))


def preview_plan(*, ce_id: str, config: dict, labels: dict[str, str], workspace_id: int) -> list[dict]:
    """The plan for these arguments, built once per process for them (a CE's page and its status
    polls ask again and again for the same one) and handed out as a fresh copy each time."""
    return json.loads(_plan_document(_plan_key(ce_id=ce_id, config=config, labels=labels, workspace_id=workspace_id)))


def _plan_key(*, ce_id: str, config: dict, labels: dict[str, str], workspace_id: int) -> str:
    return json.dumps([ce_id, config, labels, settings.FORGE_PREFIX, workspace_id], sort_keys=True)


@functools.lru_cache(maxsize=512)
def _plan_document(key: str) -> str:
    ce_id, config, labels, prefix, workspace_id = json.loads(key)
    resources = plan.build_plan(ce_id=ce_id, config=config, labels=labels, prefix=prefix, workspace_id=workspace_id)
    return json.dumps(plan.plan_as_dicts(resources))


def iam_policy(*, config: dict, account_id: str = "", region: str = "") -> dict:
    """The least-privilege IAM policy the credentials need for `config` (Forge or Manual)."""
    account_id = account_id or None
    region = region or config.get("region") or None
    if config.get("forge"):
        return policy.forge_policy(config=config, prefix=settings.FORGE_PREFIX, account_id=account_id, region=region)
    return policy.manual_policy(config=config, account_id=account_id, region=region)


def policy_for(ce: ComputeEnv) -> dict:
    return iam_policy(config=ce.config, account_id=ce.credentials.account_id, region=ce.region)


def nextflow_config_for(ce: ComputeEnv) -> str:
    fallback = forge_queue_names(ce.id)[1] if ce.is_forge else ""
    return nfconfig.nextflow_config(config=ce.config, compute_queue=ce.config.get("computeQueue") or fallback)


def export_config(config: dict, *, forge: bool) -> dict:
    """The config without server-managed keys (as ``tw compute-envs export`` cleans it)."""
    cleaned = {k: v for k, v in config.items() if k not in SERVER_MANAGED_KEYS}
    if forge:
        cleaned.pop("headQueue", None)
        cleaned.pop("computeQueue", None)
    return cleaned


def export_compute_env(ce: ComputeEnv) -> dict:
    """A CreateComputeEnvRequest-shaped document; labels travel by key and value, not by id."""
    return {
        "computeEnv": {
            "name": ce.name,
            "description": ce.description,
            "platform": ce.platform,
            "config": export_config(ce.config, forge=ce.is_forge),
        },
        "labels": [{"name": label.name, "value": label.value} for label in ce.labels.all()],
    }
