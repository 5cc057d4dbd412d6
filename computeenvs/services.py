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
from workspaces import audit, aws
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


def _enqueue(actor, *args, key: str) -> None:
    """The one place this app hands forge and dispose to the workers: durable work (`seqera.work`),
    recorded in the caller's transaction and sent after it commits, ids only. At most one worker
    runs a key at a time; forge and dispose of a CE share one key."""
    with transaction.atomic():
        work.submit(actor, *args, key=key)


def work_key(ce_id: str) -> str:
    return f"compute-env:{ce_id}"


def request_forge(ce: ComputeEnv) -> None:
    """Enqueues the forge of a CREATING Forge CE (ids only, after commit)."""
    from computeenvs.actors import forge_compute_env as actor

    _enqueue(actor, ce.pk, ce.workspace_id, key=work_key(ce.pk))


@transaction.atomic
def retry_forge(*, ce: ComputeEnv) -> ComputeEnv:
    """Resumes the forge of an ERRORED Forge CE: what exists is adopted, the rest is created."""
    if not ce.is_forge:
        raise ValidationError("Only a Batch Forge compute environment can be forged again.")
    if ce.status not in (ComputeEnv.Status.ERRORED, ComputeEnv.Status.INVALID):
        raise ValidationError(
            f"This compute environment is {ce.status}: only an ERRORED or INVALID one can be retried."
        )
    ce.status, ce.message = ComputeEnv.Status.CREATING, "Forge resumed: Batch Forge continues where it stopped."
    ce.save(update_fields=["status", "message", "last_updated"])
    request_forge(ce)
    return ce


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


FORCE_DELETE_STATUSES = (ComputeEnv.Status.ERRORED, ComputeEnv.Status.INVALID, ComputeEnv.Status.DELETING)


def disposes_on_deletion(ce: ComputeEnv) -> bool:
    return ce.is_forge and bool((ce.config.get("forge") or {}).get("disposeOnDeletion", True))


def resources_to_dispose(ce: ComputeEnv) -> list[ForgedResource]:
    return list(ce.forged_resources.exclude(state=ForgedResource.State.DELETED))


# Callables `(ce) -> list[str]` saying what keeps a CE from being deleted (apps that use CEs
# register theirs: the pipelines app refuses while runs are active on it). `force` skips them.
DELETE_GUARDS: list = []


def delete_blockers(ce: ComputeEnv) -> list[str]:
    """What refuses the delete of `ce` now (empty: nothing)."""
    return [reason for guard in DELETE_GUARDS for reason in guard(ce)]


@transaction.atomic
def delete_compute_env(*, ce: ComputeEnv, force: bool = False) -> bool:
    """Deletes `ce`: at once (True) or, for a Forge CE with forged resources and Dispose
    resources on, by moving it to DELETING and letting the dispose actor remove its AWS
    resources and then the row (False).

    `force` (R36, only from ERRORED, INVALID or DELETING) drops the record at once and keeps
    whatever AWS resources remain. With Dispose resources off, AWS keeps the resources.
    """
    ce = ComputeEnv.objects.select_for_update().get(pk=ce.pk)
    if force:
        if ce.status not in FORCE_DELETE_STATUSES:
            raise ValidationError(
                f"Force delete is only for ERRORED, INVALID or DELETING compute environments; this one is {ce.status}."
            )
        ce.delete()
        return True
    if blockers := delete_blockers(ce):
        raise ValidationError(" ".join(blockers))
    if not disposes_on_deletion(ce) or not resources_to_dispose(ce):
        ce.delete()
        return True
    request_dispose(ce)
    return False


def request_dispose(ce: ComputeEnv) -> None:
    """Moves `ce` to DELETING and enqueues the dispose actor (ids only, after commit)."""
    from computeenvs.actors import dispose_compute_env as actor

    ce.status = ComputeEnv.Status.DELETING
    ce.message = "Dispose pending: Batch Forge removes the AWS resources it made, newest first."
    ce.primary = False
    ce.save(update_fields=["status", "message", "primary", "last_updated"])
    _enqueue(actor, ce.pk, ce.workspace_id, key=work_key(ce.pk))


@transaction.atomic
def make_primary(*, ce: ComputeEnv) -> ComputeEnv:
    """Makes `ce` the workspace's only primary CE (one transaction; rows locked). Only a CE that
    can run pipelines (AVAILABLE) may be primary: launches go to the primary one by default."""
    siblings = ComputeEnv.objects.select_for_update().filter(workspace_id=ce.workspace_id).order_by("pk")
    # Lock them all, in one order (no deadlock), and decide from the rows as they are now, never
    # from `ce` as loaded before the lock: a concurrent change may have committed in between.
    rows = {row.pk: row for row in siblings}
    current = rows.get(ce.pk)
    if current is None:
        raise ValidationError("This compute environment was deleted meanwhile.")
    if current.status != ComputeEnv.Status.AVAILABLE:
        raise ValidationError(
            {"primary": f"{current.name} is {current.status}: only an AVAILABLE compute environment can be primary."}
        )
    for other in rows.values():  # saved one by one (at most one is primary) so the audit trail sees them
        if other.primary and other.pk != current.pk:
            other.primary = False
            other.save(update_fields=["primary", "last_updated"])
    if not current.primary:
        current.primary = True
        current.save(update_fields=["primary", "last_updated"])
    ce.primary, ce.last_updated = True, current.last_updated
    return ce


# --------------------------------------------------------------------------- disable / enable (R37)
DISABLED_MESSAGE = "Disabled: no pipeline can be launched on it. Enable it to use it again."


@transaction.atomic
def disable_compute_env(*, ce: ComputeEnv) -> ComputeEnv:
    """An AVAILABLE CE becomes DISABLED and stops being primary; a Forge CE's job queues are
    disabled in AWS too (durable work, under the CE's work key). Manual queues are the team's own
    and are left as they are."""
    current = ComputeEnv.objects.select_for_update().get(pk=ce.pk)
    if current.status != ComputeEnv.Status.AVAILABLE:
        raise ValidationError(
            {"status": f"{current.name} is {current.status}: only an AVAILABLE compute environment can be disabled."}
        )
    current.status, current.primary, current.message = ComputeEnv.Status.DISABLED, False, DISABLED_MESSAGE
    current.save(update_fields=["status", "primary", "message", "last_updated"])
    if current.is_forge:
        from computeenvs.actors import set_queues_state as actor

        _enqueue(actor, current.pk, current.workspace_id, "DISABLED", key=work_key(current.pk))
    return current


@transaction.atomic
def enable_compute_env(*, ce: ComputeEnv) -> ComputeEnv:
    """A DISABLED CE is checked again before it takes pipelines: a Forge CE's queues are enabled in
    AWS, then it is AVAILABLE; a Manual CE's queues and work directory are validated (AVAILABLE or
    INVALID with the reason)."""
    current = ComputeEnv.objects.select_for_update().get(pk=ce.pk)
    if current.status != ComputeEnv.Status.DISABLED:
        raise ValidationError({"status": f"{current.name} is {current.status}: only a DISABLED one can be enabled."})
    current.status = ComputeEnv.Status.CREATING
    current.message = "Enabling: its job queues are being enabled." if current.is_forge else VALIDATING_MESSAGE
    current.save(update_fields=["status", "message", "last_updated"])
    if current.is_forge:
        from computeenvs.actors import set_queues_state as actor

        _enqueue(actor, current.pk, current.workspace_id, "ENABLED", key=work_key(current.pk))
    else:
        request_validation(current)
    return current


def set_queues_state(*, ce_id: str, workspace_id: int, state: str) -> None:
    """Applies a disable or enable of a Forge CE to its job queues in AWS. Enabling ends AVAILABLE
    (or ERRORED with AWS's reason); a CE changed meanwhile (deleted, enabled again) is left alone."""
    from computeenvs.forge import batch
    from computeenvs.forge.context import ForgeError

    expected = ComputeEnv.Status.DISABLED if state == "DISABLED" else ComputeEnv.Status.CREATING
    ce = _ce_for_work(ce_id, workspace_id, expected)
    if ce is None:
        return
    ctx = _context(ce, None, expected, lambda what: f"{'Disabling' if state == 'DISABLED' else 'Enabling'}: {what}")
    queues = [ce.config.get(key) for key in ("headQueue", "computeQueue", "dragenQueue") if ce.config.get(key)]
    try:
        for name in dict.fromkeys(queues):
            batch.set_queue_state(ctx, name, state)
    except (ForgeError, *aws.AwsError) as exc:
        if state == "ENABLED":
            _finish(ce, expected, status=ComputeEnv.Status.ERRORED, message=f"Enable failed: {aws.error_message(exc)}")
            return
        raise
    if state == "ENABLED":
        _finish(ce, expected, status=ComputeEnv.Status.AVAILABLE, message="Enabled: its job queues take jobs again.")


def queues_state_gave_up(*, ce_id: str, workspace_id: int, state: str, reason: str) -> None:
    """AWS never applied the disable or enable: the CE says so (ERRORED: Delete or Enable again)."""
    ce = ComputeEnv.objects.in_workspace(workspace_id).filter(pk=ce_id).first()
    expected = ComputeEnv.Status.DISABLED if state == "DISABLED" else ComputeEnv.Status.CREATING
    if ce is not None:
        _finish(
            ce,
            expected,
            status=ComputeEnv.Status.ERRORED,
            message=f"Could not {state.lower()[:-1]} its job queues: {reason}",
        )


# --------------------------------------------------------------------------- forge and dispose (actors)
def _ce_for_work(ce_id: str, workspace_id: int, status: str) -> ComputeEnv | None:
    return (
        ComputeEnv.objects.in_workspace(workspace_id)
        .select_related("credentials")
        .filter(pk=ce_id, status=status)
        .first()
    )


def _set_progress(ce: ComputeEnv, status: str, message: str) -> None:
    """Updates the message of `ce` while it is still in `status`; ForgeAborted when it is not."""
    from computeenvs.forge.context import ForgeAborted

    updated = ComputeEnv.objects.filter(pk=ce.pk, status=status).update(
        message=message[:4096], last_updated=timezone.now()
    )
    if not updated:
        raise ForgeAborted(ce.pk)


def _finish(ce: ComputeEnv, status_from: str, **fields) -> bool:
    """Moves `ce` out of `status_from` only if it is still there (compare and set: a concurrent
    delete or retry wins), and records the change in the audit trail (a bulk update sends no signal)."""
    fields.setdefault("last_updated", timezone.now())
    if "message" in fields:
        fields["message"] = fields["message"][:4096]
    if not ComputeEnv.objects.filter(pk=ce.pk, status=status_from).update(**fields):
        return False
    changed = {key: value for key, value in fields.items() if key != "last_updated"}
    audit.record(
        audit.AuditAction.UPDATE,
        instance=ce,
        before={"status": status_from},
        after={
            key: value if isinstance(value, (str, int, bool)) or value is None else str(value)
            for key, value in changed.items()
        },
    )
    return True


def _context(ce: ComputeEnv, on_step, status: str, describe):
    from computeenvs.forge.context import Context

    config = options.parse(ce.config)

    def step(name: str) -> None:
        if on_step is not None:
            on_step()
        _set_progress(ce, status, describe(name))

    return Context(
        credentials=ce.credentials,
        region=ce.region,
        ce_id=ce.pk,
        workspace_id=ce.workspace_id,
        config=config,
        on_step=step,
    )


def check_queue_quota(ctx, plan_resources) -> str | None:
    """R27: why forging would exceed the account's job-queue quota in the region (None: it fits)."""
    from computeenvs.forge import batch
    from computeenvs.forge.names import Kind

    ours = {r.name for r in plan_resources if r.kind == Kind.BATCH_QUEUE}
    existing = [q for q in batch.job_queues(ctx) if q["jobQueueName"] not in ours]
    quota = int(getattr(settings, "FORGE_JOB_QUEUE_QUOTA", batch.JOB_QUEUE_QUOTA))
    missing = len(ours)
    if len(existing) + missing > quota:
        return (
            f"AWS Batch allows {quota} job queues per account in {ctx.region}; {len(existing)} exist and this compute "
            f"environment needs {missing} more. Delete unused job queues or ask AWS for a higher quota, then "
            "retry."
        )
    return None


def forge_compute_env(*, ce_id: str, workspace_id: int, on_step=None) -> ComputeEnv | None:
    """Forges a CREATING Forge CE: checks the queue quota (R27), then ensures every planned
    resource in order (see `forge.apply`). Ends AVAILABLE with its queues (and forged roles)
    written into the config, or ERRORED with AWS's reason. Safe to run twice: a CE that is not
    CREATING is left alone; a run after a crash adopts what exists."""
    from computeenvs.forge import apply as forge_apply
    from computeenvs.forge.context import ForgeAborted, ForgeError

    ce = _ce_for_work(ce_id, workspace_id, ComputeEnv.Status.CREATING)
    if ce is None or not ce.is_forge:
        return None
    resources = plan.build_plan(
        ce_id=ce.pk,
        config=ce.config,
        labels=label_tags(ce),
        prefix=settings.FORGE_PREFIX,
        workspace_id=ce.workspace_id,
    )
    titles = {r.step: f"{r.kind} {r.name}" for r in resources}
    order = {r.step: i for i, r in enumerate(resources, start=1)}
    ctx = _context(
        ce,
        on_step,
        ComputeEnv.Status.CREATING,
        lambda step: f"Forging {order[step]} of {len(resources)}: {titles[step]}",
    )
    try:
        if problem := check_queue_quota(ctx, resources):
            raise ForgeError(problem)
        arns = forge_apply.apply(ctx, resources, ce=ce)
    except ForgeAborted:
        return None
    except (ForgeError, *aws.AwsError) as exc:
        _finish(
            ce,
            ComputeEnv.Status.CREATING,
            status=ComputeEnv.Status.ERRORED,
            message=f"Forge failed: {aws.error_message(exc)}",
        )
        return None
    config = dict(ce.config)
    queues = plan.queue_names(settings.FORGE_PREFIX, ce.pk)
    config["headQueue"], config["computeQueue"] = queues["headQueue"], queues["computeQueue"]
    if "dragen_queue" in arns:
        config["dragenQueue"] = queues["dragenQueue"]
    for resource in resources:
        written = resource.settings.get("writtenToConfig")
        if written and resource.step in arns:
            config[written] = arns[resource.step]
    _finish(
        ce,
        ComputeEnv.Status.CREATING,
        status=ComputeEnv.Status.AVAILABLE,
        config=config,
        message=f"Batch Forge created {len(arns)} AWS resources; the job queues are enabled and valid.",
    )
    ce.refresh_from_db()
    return ce


def forge_gave_up(*, ce_id: str, workspace_id: int, reason: str) -> None:
    """The durable-work mechanism stopped retrying the forge: the CE becomes ERRORED (Retry resumes)."""
    ce = ComputeEnv.objects.in_workspace(workspace_id).filter(pk=ce_id).first()
    if ce is not None:
        _finish(ce, ComputeEnv.Status.CREATING, status=ComputeEnv.Status.ERRORED, message=f"Forge gave up: {reason}")


def dispose_compute_env(*, ce_id: str, workspace_id: int, on_step=None) -> bool:
    """Disposes a DELETING CE's forged resources newest first (see `forge.dispose`), then deletes
    the row (and a workspace or organization waiting for it). On an AWS error the CE becomes
    ERRORED with the reason; Delete runs the dispose again, force delete drops the record.
    Safe to run twice: a CE that is not DELETING is left alone, "not found" counts as done."""
    from computeenvs.forge import dispose as forge_dispose
    from computeenvs.forge import ledger
    from computeenvs.forge.context import ForgeAborted, ForgeError

    ce = _ce_for_work(ce_id, workspace_id, ComputeEnv.Status.DELETING)
    if ce is None:
        return False
    rows = ledger.to_dispose(ce) if disposes_on_deletion(ce) else []
    ctx = _context(ce, on_step, ComputeEnv.Status.DELETING, lambda what: f"Disposing: {what}")
    try:
        forge_dispose.dispose(ctx, rows)
    except ForgeAborted:
        return False
    except (ForgeError, *aws.AwsError) as exc:
        _finish(
            ce,
            ComputeEnv.Status.DELETING,
            status=ComputeEnv.Status.ERRORED,
            message=f"Dispose failed: {aws.error_message(exc)} Delete again to retry, or force delete to drop the "
            "record and keep what is left in AWS.",
        )
        return False
    with transaction.atomic():
        ComputeEnv.objects.filter(pk=ce.pk, status=ComputeEnv.Status.DELETING).delete()
        _finish_workspace_deletion(workspace_id)
    return True


def dispose_gave_up(*, ce_id: str, workspace_id: int, reason: str) -> None:
    """The durable-work mechanism stopped retrying the dispose: the CE becomes ERRORED."""
    ce = ComputeEnv.objects.in_workspace(workspace_id).filter(pk=ce_id).first()
    if ce is not None:
        _finish(ce, ComputeEnv.Status.DELETING, status=ComputeEnv.Status.ERRORED, message=f"Dispose gave up: {reason}")


def dispose_workspace_compute_envs(*, workspace: Workspace, organization=None) -> bool:
    """Before a workspace (or its organization) is deleted: moves every Forge CE that has AWS
    resources to dispose to DELETING and records the pending deletion. True when something must
    be disposed first (the last dispose then deletes the workspace, or the organization)."""
    from computeenvs.models import PendingWorkspaceDeletion

    with transaction.atomic():
        pending = False
        for ce in ComputeEnv.objects.select_for_update().filter(workspace=workspace, mode=ComputeEnv.Mode.FORGE):
            if not disposes_on_deletion(ce) or not resources_to_dispose(ce):
                continue
            pending = True
            if ce.status != ComputeEnv.Status.DELETING:
                request_dispose(ce)
            else:
                from computeenvs.actors import dispose_compute_env as actor

                _enqueue(actor, ce.pk, ce.workspace_id, key=work_key(ce.pk))
        if pending:
            PendingWorkspaceDeletion.objects.update_or_create(
                workspace=workspace, defaults={"delete_organization": organization is not None}
            )
        return pending


def _finish_workspace_deletion(workspace_id: int) -> None:
    from computeenvs.models import PendingWorkspaceDeletion

    pending = PendingWorkspaceDeletion.objects.filter(workspace_id=workspace_id).select_related("workspace").first()
    if (
        pending is None
        or ComputeEnv.objects.filter(workspace_id=workspace_id, status=ComputeEnv.Status.DELETING).exists()
    ):
        return
    workspace = pending.workspace
    org = workspace.org
    if not pending.delete_organization:
        workspace.delete()
        return
    others = PendingWorkspaceDeletion.objects.filter(workspace__org=org).exclude(pk=pending.pk)
    if any(
        ComputeEnv.objects.filter(workspace_id=o.workspace_id, status=ComputeEnv.Status.DELETING).exists()
        for o in others
    ):
        workspace.delete()  # the organization goes with the last of its workspaces to finish
        return
    org.delete()


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


SPOT_TYPES = ("SPOT", "FARGATE_SPOT")


def _head_queue_spot_problem(batch, name: str, queue: dict) -> str | None:
    """R28: the head queue must be backed by On-Demand capacity (a reclaimed head job kills the run)."""
    envs = [entry["computeEnvironment"] for entry in queue.get("computeEnvironmentOrder", [])]
    if not envs:
        return f"Head queue {name} has no compute environment."
    described = batch.describe_compute_environments(computeEnvironments=envs).get("computeEnvironments", [])
    spot = [
        e["computeEnvironmentName"] for e in described if (e.get("computeResources") or {}).get("type") in SPOT_TYPES
    ]
    if spot:
        return (
            f"Head queue {name} is backed by Spot capacity ({', '.join(spot)}): AWS can reclaim the head job and end "
            "the run. Use a queue backed by an On-Demand compute environment for the head job."
        )
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
    queues: dict[str, dict] = {}
    for queue in batch.describe_job_queues(jobQueues=names).get("jobQueues", []):
        queues[queue["jobQueueName"]] = queues[queue["jobQueueArn"]] = queue  # a queue may be given by ARN
    for label, name in (("Head", head), ("Compute", compute)):
        if not name:
            problems.append(f"{label} queue is not set.")
        elif problem := _queue_problem(label, name, queues, region):
            problems.append(problem)
    if head in queues and not ce.is_forge and (problem := _head_queue_spot_problem(batch, head, queues[head])):
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
