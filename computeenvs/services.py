"""Writes of compute environments: keyword-only, typed, validating before they save.

Pages, the API, import and the actors call these; nothing else saves a `ComputeEnv`. Errors are
`django.core.exceptions.ValidationError` keyed the way the API reports them:

* envelope fields by their API name: ``name``, ``description``, ``credentialsId``, ``labelIds``;
* config fields as ``config.<camelCase path>`` (``config.forge.maxCpus``,
  ``config.environment[2].name``), i.e. ``"config." + options.Violation.field``.

The create form maps those keys back onto its own fields, so a rule's message reads the same and
sits beside the same field whichever way the compute environment was described.
"""

from __future__ import annotations

import re
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from computeenvs import nfconfig, options, policy
from computeenvs.forge import plan
from computeenvs.models import (
    CE_ID_PATTERN,
    CE_NAME_PATTERN,
    ComputeEnv,
    ComputeEnvLabel,
    ForgedResource,
    new_compute_env_id,
)
from seqera import work
from seqera.db import unique_as_field_error
from workspaces import aws
from workspaces.models import Credentials, Label, Workspace

MAX_LABELS_PER_CE = 25
FORGE_PENDING_MESSAGE = "Forge pending: Batch Forge will create the AWS resources."
VALIDATING_MESSAGE = "Validation pending: checking the job queues and the work directory."
SERVER_MANAGED_KEYS = ("forgedResources", "volumes", "deletedResources")
ENVELOPE_KEYS = ("name", "description", "platform", "credentialsId", "config")
PLATFORM = "aws-batch"


# --------------------------------------------------------------------------- helpers
def config_key(field: str) -> str:
    """The error key of a config violation (``forge.maxCpus`` -> ``config.forge.maxCpus``)."""
    return f"config.{field}" if field and field != options.NON_FIELD else "config"


def _violations_to_errors(violations) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    for violation in violations:
        errors.setdefault(config_key(violation.field), []).append(violation.message)
    return errors


def forge_queue_names(ce_id: str) -> tuple[str, str]:
    """(head, compute) queue names Forge gives this CE: the plan's names, the single source."""
    names = plan.queue_names(settings.FORGE_PREFIX, ce_id)
    return names["headQueue"], names["computeQueue"]


def name_error(*, workspace: Workspace, name: str, exclude_id: str | None = None) -> str | None:
    """Why `name` cannot name a compute environment in `workspace` (None when it can)."""
    if not name:
        return "Give the compute environment a name."
    if not re.match(CE_NAME_PATTERN, name):
        return "Use up to 100 letters, digits, '-' and '_'."
    duplicate = ComputeEnv.objects.filter(workspace=workspace, name__iexact=name)
    if exclude_id:
        duplicate = duplicate.exclude(pk=exclude_id)
    if duplicate.exists():
        return f"A compute environment named {name} already exists in this workspace."
    return None


def resolve_credentials(*, workspace: Workspace, credentials: Credentials | str | None) -> Credentials:
    """The workspace's credentials (an object or an id); anything else is 'not found', never a hint."""
    if isinstance(credentials, Credentials):
        found = credentials if credentials.workspace_id == workspace.pk else None
    elif credentials:
        found = Credentials.objects.filter(workspace=workspace, pk=str(credentials)).first()
    else:
        raise ValidationError({"credentialsId": "Choose the AWS credentials of this compute environment."})
    if found is None:
        raise ValidationError({"credentialsId": "Not found in this workspace."})
    if found.key_problem:
        raise ValidationError({"credentialsId": f"Credentials {found.name}: {found.key_problem}"})
    if found.status == Credentials.Status.INVALID:
        reason = f": {found.message}" if found.message else ""
        raise ValidationError(
            {"credentialsId": f"Credentials {found.name} are INVALID{reason}. Validate or replace them first."}
        )
    return found


def _lock_credentials(credentials: Credentials) -> None:
    """Locks the credentials row until the caller's transaction ends, so they cannot be deleted
    while a compute environment is saved on them (`delete_credentials` takes the same lock)."""
    if not Credentials.objects.select_for_update().filter(pk=credentials.pk).exists():
        raise ValidationError({"credentialsId": "Not found in this workspace (deleted meanwhile)."})


def resolve_labels(*, workspace: Workspace, label_ids) -> list[Label]:
    """Resource labels of the workspace; None means the workspace's defaults (R34: fixed here)."""
    resource_labels = Label.objects.filter(workspace=workspace, resource=True)
    if label_ids is None:
        return list(resource_labels.filter(is_default=True))
    try:
        ids = sorted({int(i) for i in label_ids})
    except (TypeError, ValueError):
        raise ValidationError({"labelIds": "Give numeric label ids."}) from None
    labels = list(resource_labels.filter(pk__in=ids))
    missing = sorted(set(ids) - {label.pk for label in labels})
    if missing:
        raise ValidationError({"labelIds": f"Not resource labels of this workspace: {', '.join(map(str, missing))}."})
    if len(labels) > MAX_LABELS_PER_CE:
        raise ValidationError(
            {"labelIds": f"A compute environment can have at most {MAX_LABELS_PER_CE} resource labels."}
        )
    return labels


def validate_config(config: Any) -> dict:
    """The normalized config document, or a ValidationError keyed ``config.<path>``."""
    if not isinstance(config, dict):
        raise ValidationError({"config": "Give the configuration as a JSON object."})
    normalized, violations = options.validate(config, for_create=True)
    if violations:
        raise ValidationError(_violations_to_errors(violations))
    return normalized


def _mode(config: dict) -> str:
    return ComputeEnv.Mode.FORGE if config.get("forge") else ComputeEnv.Mode.MANUAL


def _collect(errors: dict, func, *args, **kwargs):
    try:
        return func(*args, **kwargs)
    except ValidationError as exc:
        for key, messages in exc.message_dict.items():
            errors.setdefault(key, []).extend(messages)
        return None


# --------------------------------------------------------------------------- create / update / delete
@transaction.atomic
def create_compute_env(
    *,
    workspace: Workspace,
    created_by,
    name: str,
    description: str = "",
    credentials: Credentials | str | None,
    config: dict,
    label_ids=None,
    ce_id: str | None = None,
) -> ComputeEnv:
    """Validates everything, saves the CE in CREATING and starts what comes next.

    Manual mode: the validation actor is enqueued after commit. Batch Forge: the stored config
    gets ``headQueue``/``computeQueue`` = ``<FORGE_PREFIX>-<id>-head``/``-work`` and the CE waits
    for the forge (`request_forge`). `ce_id` lets the create form keep the id its plan preview
    showed; a malformed or taken id is replaced by a fresh one.
    """
    name = (name or "").strip()
    description = description or ""
    errors: dict[str, list[str]] = {}
    if problem := name_error(workspace=workspace, name=name):
        errors["name"] = [problem]
    if len(description) > 2000:
        errors["description"] = ["At most 2000 characters."]
    creds = _collect(errors, resolve_credentials, workspace=workspace, credentials=credentials)
    labels = _collect(errors, resolve_labels, workspace=workspace, label_ids=label_ids)
    normalized = _collect(errors, validate_config, config)
    if errors:
        raise ValidationError(errors)
    _lock_credentials(creds)

    if not (ce_id and CE_ID_PATTERN.match(ce_id)) or ComputeEnv.objects.filter(pk=ce_id).exists():
        ce_id = None
    ce = ComputeEnv(
        workspace=workspace,
        name=name,
        description=description,
        credentials=creds,
        region=normalized.get("region", ""),
        mode=_mode(normalized),
        status=ComputeEnv.Status.CREATING,
        created_by=created_by,
    )
    if ce_id:
        ce.id = ce_id
    if ce.is_forge:
        normalized["headQueue"], normalized["computeQueue"] = forge_queue_names(ce.id)
        ce.message = FORGE_PENDING_MESSAGE
    else:
        ce.message = VALIDATING_MESSAGE
    ce.config = normalized
    ce.full_clean(validate_unique=False, validate_constraints=False)
    with unique_as_field_error(
        "name",
        f"A compute environment named {name} already exists in this workspace.",
        constraint="unique_compute_env_name",
    ):
        ce.save(force_insert=True)
    ComputeEnvLabel.objects.bulk_create(ComputeEnvLabel(compute_env=ce, label=label) for label in labels)
    if ce.is_forge:
        request_forge(ce)
    else:
        request_validation(ce)
    return ce


def request_forge(ce: ComputeEnv) -> None:
    """Hook for Batch Forge. TODO(next issue): enqueue ``forge_compute_env`` (ids only) on commit.

    Until the forge exists, a Forge CE stays CREATING with `FORGE_PENDING_MESSAGE`; nothing is
    enqueued, so nothing pretends to have created AWS resources.
    """


@transaction.atomic
def update_compute_env(
    *,
    ce: ComputeEnv,
    name: str | None = None,
    description: str | None = None,
    credentials: Credentials | str | None = None,
    config: Any = None,
) -> ComputeEnv:
    """Changes name, description or credentials; the config is immutable (R35)."""
    errors: dict[str, list[str]] = {}
    if config is not None:
        errors["config"] = ["The configuration is immutable: create a new compute environment (Duplicate) instead."]
    if name is not None:
        name = name.strip()
        if problem := name_error(workspace=ce.workspace, name=name, exclude_id=ce.pk):
            errors["name"] = [problem]
    if description is not None and len(description) > 2000:
        errors["description"] = ["At most 2000 characters."]
    creds = None
    if credentials is not None:
        creds = _collect(errors, resolve_credentials, workspace=ce.workspace, credentials=credentials)
    if errors:
        raise ValidationError(errors)
    if name is not None:
        ce.name = name
    if description is not None:
        ce.description = description
    if creds is not None:
        _lock_credentials(creds)
        ce.credentials = creds
    with unique_as_field_error(
        "name",
        f"A compute environment named {ce.name} already exists in this workspace.",
        constraint="unique_compute_env_name",
    ):
        ce.save()
    return ce


@transaction.atomic
def delete_compute_env(*, ce: ComputeEnv) -> None:
    """Deletes the CE row.

    TODO(next issue): a Forge CE with ledger entries and ``disposeOnDeletion`` must go to
    DELETING and let the dispose actor remove its AWS resources (walking the ledger backwards)
    before the row goes; until then the forged resources (if any) are kept in AWS.
    """
    ce.delete()


@transaction.atomic
def make_primary(*, ce: ComputeEnv) -> ComputeEnv:
    """Makes `ce` the workspace's only primary CE (one transaction; rows locked)."""
    siblings = ComputeEnv.objects.select_for_update().filter(workspace_id=ce.workspace_id).order_by("pk")
    list(siblings.values_list("pk", flat=True))  # lock them all, in one order (no deadlock)
    # Decide from the rows as they are now, under the lock, never from `ce` as loaded before it:
    # a concurrent make-primary may have committed in between.
    now = timezone.now()
    siblings.filter(primary=True).exclude(pk=ce.pk).update(primary=False, last_updated=now)
    if not ComputeEnv.objects.filter(pk=ce.pk).update(primary=True, last_updated=now):
        raise ValidationError("This compute environment was deleted meanwhile.")
    ce.primary, ce.last_updated = True, now
    return ce


# --------------------------------------------------------------------------- validation (AWS)
def request_validation(ce: ComputeEnv) -> None:
    """Records the validation as durable work (sent after commit, ids only; re-sent until it ends)."""
    from computeenvs.actors import validate_compute_env as actor

    if ce.is_forge and ce.status == ComputeEnv.Status.CREATING:
        raise ValidationError("Batch Forge has not created this compute environment's queues yet: nothing to validate.")
    if ce.status == ComputeEnv.Status.DELETING:
        raise ValidationError("This compute environment is being deleted.")
    with transaction.atomic():
        work.submit(actor, ce.pk, ce.workspace_id, key=f"computeenv.validate:{ce.pk}")


def validation_gave_up(ce: ComputeEnv, *, reason: str) -> ComputeEnv:
    """The validation never completed (retries ran out or its deadline passed): ERRORED, saying why."""
    ce.status = ComputeEnv.Status.ERRORED
    ce.message = f"Validation could not complete: {reason}"[:4096]
    ce.save(update_fields=["status", "message", "last_updated"])
    return ce


def _queue_problem(label: str, name: str, queues: dict[str, dict], region: str) -> str | None:
    queue = queues.get(name)
    if queue is None:
        return f"{label} queue {name} was not found in {region}."
    if queue.get("state", "ENABLED") != "ENABLED":
        return f"{label} queue {name} is {queue.get('state')}; enable it."
    if queue.get("status", "VALID") != "VALID":
        reason = queue.get("statusReason") or ""
        return f"{label} queue {name} is {queue.get('status')}{': ' + reason if reason else ''}."
    return None


def _bucket_region(s3, bucket: str) -> str:
    response = s3.head_bucket(Bucket=bucket)
    region = response.get("BucketRegion") or response.get("ResponseMetadata", {}).get("HTTPHeaders", {}).get(
        "x-amz-bucket-region"
    )
    if not region:
        region = s3.get_bucket_location(Bucket=bucket).get("LocationConstraint") or "us-east-1"
    return region


def check_compute_env(ce: ComputeEnv) -> list[str]:
    """The failing checks of `ce` against AWS (empty when all pass). Raises aws.AwsError."""
    config, region = ce.config, ce.region
    problems: list[str] = []
    session = aws.session_for(ce.credentials, region)
    head, compute = config.get("headQueue", ""), config.get("computeQueue", "")
    names = [n for n in dict.fromkeys([head, compute]) if n]
    batch = aws.client(ce.credentials, "batch", region, session=session)
    queues = {q["jobQueueName"]: q for q in batch.describe_job_queues(jobQueues=names).get("jobQueues", [])}
    for label, name in (("Head", head), ("Compute", compute)):
        if not name:
            problems.append(f"{label} queue is not set.")
        elif problem := _queue_problem(label, name, queues, region):
            problems.append(problem)
    work_dir = config.get("workDir", "")
    if work_dir.startswith("s3://"):
        bucket = work_dir[5:].split("/", 1)[0]
        s3 = aws.client(ce.credentials, "s3", region, session=session)
        try:
            bucket_region = _bucket_region(s3, bucket)
        except aws.AwsError as exc:
            problems.append(f"Work directory bucket {bucket} cannot be reached: {aws.error_message(exc)}.")
        else:
            if bucket_region != region:
                problems.append(
                    f"Work directory bucket {bucket} is in region {bucket_region}, but the compute environment "
                    f"is in {region}; they must be the same."
                )
    return problems


def validate_compute_env(ce: ComputeEnv) -> ComputeEnv:
    """Checks the queues and the S3 work directory with the CE's credentials; AVAILABLE or INVALID."""
    try:
        problems = check_compute_env(ce)
    except aws.AwsError as exc:
        problems = [f"AWS refused the check with these credentials: {aws.error_message(exc)}"]
    if problems:
        ce.status, ce.message = ComputeEnv.Status.INVALID, " ".join(problems)[:4096]
    else:
        ce.status = ComputeEnv.Status.AVAILABLE
        ce.message = "Job queues are enabled and valid; the work directory is in the same region."
    ce.save(update_fields=["status", "message", "last_updated"])
    return ce


# --------------------------------------------------------------------------- derived views of a CE
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
    if not ce.is_forge:
        return []
    return preview_plan(ce_id=ce.pk, config=ce.config, labels=label_tags(ce), workspace_id=ce.workspace_id)


def preview_plan(*, ce_id: str, config: dict, labels: dict[str, str], workspace_id: int) -> list[dict]:
    resources = plan.build_plan(
        ce_id=ce_id, config=config, labels=labels, prefix=settings.FORGE_PREFIX, workspace_id=workspace_id
    )
    return plan.plan_as_dicts(resources)


def iam_policy(*, config: dict, account_id: str = "", region: str = "") -> dict:
    """The least-privilege IAM policy the credentials need for `config` (Forge or Manual)."""
    account_id = account_id or None
    region = region or config.get("region") or None
    if config.get("forge"):
        return policy.forge_policy(config=config, prefix=settings.FORGE_PREFIX, account_id=account_id, region=region)
    return policy.manual_policy(config=config, account_id=account_id, region=region)


def preview_compute_env(
    *, workspace: Workspace, config: Any, credentials: Credentials | str | None, label_ids=None, ce_id: str = ""
) -> dict:
    """What creating would make, without saving: ``{config, plan, policy, queues}``.

    Validates the same way as `create_compute_env` (except the name), so a preview that shows no
    error creates without one."""
    errors: dict[str, list[str]] = {}
    creds = _collect(errors, resolve_credentials, workspace=workspace, credentials=credentials)
    labels = _collect(errors, resolve_labels, workspace=workspace, label_ids=label_ids)
    normalized = _collect(errors, validate_config, config)
    if errors:
        raise ValidationError(errors)
    ce_id = ce_id if CE_ID_PATTERN.match(ce_id or "") else new_compute_env_id()
    forge = bool(normalized.get("forge"))
    if forge:
        normalized["headQueue"], normalized["computeQueue"] = forge_queue_names(ce_id)
    tags = {label.name: label.value for label in labels}
    return {
        "config": normalized,
        "plan": preview_plan(ce_id=ce_id, config=normalized, labels=tags, workspace_id=workspace.pk) if forge else [],
        "policy": iam_policy(config=normalized, account_id=creds.account_id, region=normalized.get("region", "")),
        "queues": (normalized.get("headQueue", ""), normalized.get("computeQueue", "")),
    }


def policy_for(ce: ComputeEnv) -> dict:
    return iam_policy(config=ce.config, account_id=ce.credentials.account_id, region=ce.region)


def nextflow_config_for(ce: ComputeEnv) -> str:
    fallback = forge_queue_names(ce.id)[1] if ce.is_forge else ""
    return nfconfig.nextflow_config(config=ce.config, compute_queue=ce.config.get("computeQueue") or fallback)


# --------------------------------------------------------------------------- export / import
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


def _import_labels(workspace: Workspace, labels) -> list[int] | None:
    if labels is None:
        return None
    if not isinstance(labels, list):
        raise ValidationError({"labels": "Give labels as a list of {name, value} objects."})
    wanted = {(str(item.get("name", "")), str(item.get("value", ""))) for item in labels if isinstance(item, dict)}
    found = {
        (label.name, label.value): label.pk
        for label in Label.objects.filter(workspace=workspace, resource=True, name__in=[n for n, _ in wanted])
    }
    missing = sorted(f"{n}={v}" for n, v in wanted if (n, v) not in found)
    if missing:
        raise ValidationError(
            {
                "labels": f"Create these resource labels in this workspace first, or remove them from the file: {', '.join(missing)}."
            }
        )
    return [found[key] for key in wanted]


def import_compute_env(
    *, workspace: Workspace, created_by, document: Any, credentials: Credentials | str | None, name: str = ""
) -> ComputeEnv:
    """Creates a CE in `workspace` from an exported document (``{"computeEnv": {...}}`` or the bare
    object), with the given credentials (ids do not travel between workspaces)."""
    if not isinstance(document, dict):
        raise ValidationError({"document": "The file must contain a JSON object."})
    body = document.get("computeEnv", document)
    if not isinstance(body, dict):
        raise ValidationError({"document": "computeEnv must be a JSON object."})
    platform = body.get("platform", PLATFORM)
    if platform != PLATFORM:
        raise ValidationError({"platform": f"Only {PLATFORM} compute environments can be imported (got {platform})."})
    config = body.get("config")
    if isinstance(config, dict):
        config = export_config(config, forge=bool(config.get("forge")))
    return create_compute_env(
        workspace=workspace,
        created_by=created_by,
        name=name or str(body.get("name", "")),
        description=str(body.get("description") or ""),
        credentials=credentials,
        config=config,
        label_ids=_import_labels(workspace, document.get("labels")),
    )
