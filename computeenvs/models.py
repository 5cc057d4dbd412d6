import re
import secrets
import string

from django.conf import settings
from django.core.validators import MaxLengthValidator, RegexValidator
from django.db import models
from django.db.models import Q

from workspaces.models import Credentials, Label, TenantModel, TenantQuerySet, Workspace

CE_NAME_PATTERN = r"^[A-Za-z0-9_-]{1,100}$"
_CE_ID_ALPHABET = string.ascii_lowercase + string.digits
CE_ID_PATTERN = re.compile(r"^[a-z0-9]{22}$")  # what new_compute_env_id() makes


def new_compute_env_id() -> str:
    """22 characters of [a-z0-9]: forged IAM names stay unique even though IAM ignores case."""
    return "".join(secrets.choice(_CE_ID_ALPHABET) for _ in range(22))


class ComputeEnv(TenantModel):
    """An AWS Batch compute environment: queryable envelope columns plus the Seqera config document.

    `config` holds the `AwsBatchConfig` JSON (camelCase) exactly as validated by
    `computeenvs.options`; it is immutable after creation (only name, description and
    credentials change). `forge` present in the config means Batch Forge mode.
    """

    class Status(models.TextChoices):
        CREATING = "CREATING"
        AVAILABLE = "AVAILABLE"
        ERRORED = "ERRORED"
        INVALID = "INVALID"
        DISABLED = "DISABLED"
        DELETING = "DELETING"

    class Mode(models.TextChoices):
        FORGE = "forge", "Batch Forge"
        MANUAL = "manual", "Manual"

    id = models.CharField(primary_key=True, max_length=22, default=new_compute_env_id, editable=False)
    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="compute_envs")
    name = models.CharField(
        max_length=100,
        validators=[RegexValidator(CE_NAME_PATTERN, "Use letters, digits, '-' and '_' only (at most 100).")],
    )
    description = models.TextField(blank=True, validators=[MaxLengthValidator(2000)])
    platform = models.CharField(max_length=30, default="aws-batch", editable=False)
    # RESTRICT: credentials in use cannot be deleted alone, but go with their workspace.
    credentials = models.ForeignKey(Credentials, on_delete=models.RESTRICT, related_name="compute_envs")
    region = models.CharField(max_length=30)
    mode = models.CharField(max_length=10, choices=Mode.choices)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.CREATING)
    message = models.TextField(blank=True, validators=[MaxLengthValidator(4096)])
    primary = models.BooleanField(default=False)
    config = models.JSONField(default=dict)
    labels = models.ManyToManyField(Label, through="ComputeEnvLabel", related_name="compute_envs", blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    date_created = models.DateTimeField(auto_now_add=True)
    last_updated = models.DateTimeField(auto_now=True)
    last_used = models.DateTimeField(null=True, blank=True)

    objects = TenantQuerySet.as_manager()

    class Meta:
        verbose_name = "compute environment"
        constraints = [
            models.UniqueConstraint(fields=["workspace", "name"], name="unique_compute_env_name"),
            models.UniqueConstraint(fields=["workspace"], condition=Q(primary=True), name="one_primary_compute_env"),
        ]
        ordering = ["name"]
        indexes = [models.Index(fields=["workspace", "status"]), models.Index(fields=["status", "last_updated"])]

    def __str__(self):
        return self.name

    def get_absolute_url(self) -> str:
        return self.workspace.url("computeenvs:detail", pk=self.pk)

    @property
    def is_forge(self) -> bool:
        return self.mode == self.Mode.FORGE


class ComputeEnvLabel(models.Model):
    """Resource labels fixed on a CE at creation; RESTRICT keeps a used label from being deleted
    (except together with its workspace)."""

    compute_env = models.ForeignKey(ComputeEnv, on_delete=models.CASCADE)
    label = models.ForeignKey(Label, on_delete=models.RESTRICT)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["compute_env", "label"], name="unique_compute_env_label")]

    def __str__(self):
        return f"{self.compute_env_id}: {self.label_id}"


class ForgedResource(TenantModel):
    """Ledger of the AWS resources Forge made for a CE, in creation order (dispose walks it back)."""

    class Kind(models.TextChoices):
        IAM_ROLE = "IamRole"
        IAM_INSTANCE_PROFILE = "IamInstanceProfile"
        LAUNCH_TEMPLATE = "Ec2LaunchTemplate"
        BATCH_ENV = "BatchEnv"
        BATCH_QUEUE = "BatchQueue"
        EFS = "EfsFileSystem"
        FSX = "FsxFileSystem"
        LOG_GROUP = "LogGroup"

    class State(models.TextChoices):
        CREATING = "CREATING"
        CREATED = "CREATED"
        DELETING = "DELETING"
        DELETED = "DELETED"
        FAILED = "FAILED"

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="+")
    compute_env = models.ForeignKey(ComputeEnv, on_delete=models.CASCADE, related_name="forged_resources")
    order = models.PositiveIntegerField()
    kind = models.CharField(max_length=30, choices=Kind.choices)
    name = models.CharField(max_length=255)
    arn = models.CharField(max_length=2048, blank=True)
    state = models.CharField(max_length=20, choices=State.choices, default=State.CREATING)
    message = models.TextField(blank=True)
    date_created = models.DateTimeField(auto_now_add=True)
    last_updated = models.DateTimeField(auto_now=True)

    objects = TenantQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["compute_env", "kind", "name"], name="unique_forged_resource"),
        ]
        ordering = ["compute_env", "order"]

    def __str__(self):
        return f"{self.kind} {self.name}"


class PendingWorkspaceDeletion(models.Model):
    """A workspace (or its whole organization) whose deletion waits until Batch Forge has disposed
    the AWS resources of its compute environments; the last dispose deletes it (R38: nothing leaks)."""

    workspace = models.OneToOneField(Workspace, on_delete=models.CASCADE, related_name="+")
    delete_organization = models.BooleanField(default=False)
    date_created = models.DateTimeField(auto_now_add=True)

    def __str__(self):
        return f"delete {self.workspace_id}{' and its organization' if self.delete_organization else ''}"
