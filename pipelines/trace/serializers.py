"""Request shapes of the trace API, as Nextflow's tower plugin sends them.

Source: nextflow-io/nextflow ``plugins/nf-tower/src/main/io/seqera/tower/plugin/TowerObserver.groovy``
(`makeCreateReq`, `makeBeginReq`, `makeTasksReq`, `makeTaskMap0`, `makeHeartbeatReq`,
`makeCompleteReq`) and ``WorkflowProgress.groovy`` / ``nextflow.trace.ProgressRecord``; the
Seqera names are ``TraceCreateRequest``, ``TraceBeginRequest``, ``TraceProgressRequest``,
``TraceHeartbeatRequest``, ``TraceCompleteRequest`` (seqera-api-subset.yaml).

Guarantee: the plugin aborts the whole pipeline when ``create``, ``begin`` or ``progress`` answers
an error (TowerClient.sendAndProcessRequest / traceProgress throw AbortRunException), so these
serializers refuse only what cannot be stored at all (a body that is not an object, a task without
a numeric ``taskId`` or a known ``status``). Everything else is coerced: unknown fields are ignored
(newer plugins add some), numbers that arrive as strings are read, unreadable numbers and dates
become null, long strings are cut to their column's size (the plugin chomps to
``tower-schema.properties`` already; older or other clients may not).
"""

from __future__ import annotations

from datetime import UTC, datetime

from django.utils.dateparse import parse_datetime
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

TASK_STATUSES = ("NEW", "SUBMITTED", "RUNNING", "CACHED", "COMPLETED", "FAILED", "ABORTED")
MAX_BIG = 2**63 - 1
MAX_INT = 2**31 - 1


# --------------------------------------------------------------------------- lenient fields
@extend_schema_field({"type": "integer", "format": "int64", "nullable": True})
class LenientInteger(serializers.Field):
    """An integer, or null for anything that is not one (``"-"``, ``"12.5"``, out of range)."""

    def __init__(self, *, bound: int = MAX_BIG, **kwargs):
        kwargs.setdefault("required", False)
        kwargs.setdefault("allow_null", True)
        kwargs.setdefault("default", None)
        self.bound = bound
        super().__init__(**kwargs)

    def to_internal_value(self, data):
        if isinstance(data, bool) or data is None:
            return None
        try:
            value = (
                int(data)
                if isinstance(data, int | str) and str(data).strip().lstrip("-").isdigit()
                else int(float(data))
            )
        except (TypeError, ValueError, OverflowError):
            return None
        return value if -self.bound - 1 <= value <= self.bound else None

    def to_representation(self, value):
        return value


@extend_schema_field({"type": "number", "nullable": True})
class LenientFloat(LenientInteger):
    def to_internal_value(self, data):
        if isinstance(data, bool):
            return None
        try:
            value = float(data)
        except (TypeError, ValueError, OverflowError):
            return None
        return value if value == value and abs(value) != float("inf") else None


@extend_schema_field({"type": "string", "nullable": True})
class LenientString(serializers.Field):
    """A string cut to `max_length`; other scalars are turned into strings, containers into null."""

    def __init__(self, *, max_length: int | None = None, **kwargs):
        kwargs.setdefault("required", False)
        kwargs.setdefault("allow_null", True)
        kwargs.setdefault("default", None)
        self.max_length = max_length
        super().__init__(**kwargs)

    def to_internal_value(self, data):
        if isinstance(data, (dict, list)):
            return None
        text = data if isinstance(data, str) else str(data)
        text = text.replace("\x00", "")
        return text[: self.max_length] if self.max_length else text

    def to_representation(self, value):
        return value


@extend_schema_field({"type": "string", "format": "date-time", "nullable": True})
class LenientDateTime(serializers.Field):
    """Java ``OffsetDateTime.toString()`` (``2026-12-01T10:00Z``, ``…T10:00:05.123+01:00``,
    nanoseconds), an ISO date, or epoch milliseconds; null when unreadable."""

    def __init__(self, **kwargs):
        kwargs.setdefault("required", False)
        kwargs.setdefault("allow_null", True)
        kwargs.setdefault("default", None)
        super().__init__(**kwargs)

    def to_internal_value(self, data):
        if isinstance(data, bool):
            return None
        if isinstance(data, (int, float)):
            try:
                return datetime.fromtimestamp(data / 1000, tz=UTC)
            except (OverflowError, OSError, ValueError):
                return None
        if not isinstance(data, str):
            return None
        text = data.strip()
        # Django reads at most 6 fractional digits; Java may send 9.
        if "." in text:
            head, _, rest = text.partition(".")
            digits = len(rest) - len(rest.lstrip("0123456789"))
            text = head + "." + rest[: min(digits, 6)] + rest[digits:]
        try:
            value = parse_datetime(text)
        except ValueError:
            return None
        if value is None:
            return None
        return value if value.tzinfo else value.replace(tzinfo=UTC)

    def to_representation(self, value):
        return value


class AnyJSON(serializers.JSONField):
    def __init__(self, **kwargs):
        kwargs.setdefault("required", False)
        kwargs.setdefault("allow_null", True)
        kwargs.setdefault("default", None)
        super().__init__(**kwargs)


class LenientList(serializers.ListField):
    """A list whose items that fail are dropped, not refused (a whole batch is never lost to one)."""

    def __init__(self, **kwargs):
        kwargs.setdefault("required", False)
        kwargs.setdefault("allow_null", True)
        kwargs.setdefault("default", list)
        super().__init__(**kwargs)

    def to_internal_value(self, data):
        if data is None:
            return []
        if not isinstance(data, list):
            raise serializers.ValidationError("Expected a list.")
        out = []
        for item in data:
            try:
                out.append(self.child.run_validation(item))
            except serializers.ValidationError:
                continue
        return out


def _int32(**kw):
    return LenientInteger(bound=MAX_INT, **kw)


# --------------------------------------------------------------------------- create
class TraceCreateRequestSerializer(serializers.Serializer):
    """`makeCreateReq` (TowerObserver l.219-229): workflowId is TOWER_WORKFLOW_ID (null outside a launch)."""

    sessionId = LenientString(max_length=36)
    runName = LenientString(max_length=80)
    projectName = LenientString(max_length=200)
    repository = LenientString(max_length=255)
    workflowId = LenientString(max_length=16)
    launchId = LenientString(max_length=22, help_text="Deprecated; ignored.")
    instant = LenientInteger()


class TraceCreateResponseSerializer(serializers.Serializer):
    workflowId = serializers.CharField()
    watchUrl = serializers.CharField(required=False)
    message = serializers.CharField(required=False, allow_null=True)
    metadata = serializers.DictField(required=False, allow_null=True)


# --------------------------------------------------------------------------- workflow metadata
class WorkflowReportSerializer(serializers.Serializer):
    """``WorkflowMetadata.toMap()`` plus params, id, configText and operationId/logFile/outFile
    (`makeBeginReq` l.420-441, `makeCompleteReq` l.443-466). Paths arrive as URI strings."""

    id = LenientString(max_length=16)
    runName = LenientString(max_length=80)
    sessionId = LenientString(max_length=36)
    scriptId = LenientString(max_length=40)
    scriptFile = LenientString(max_length=255)
    scriptName = LenientString(max_length=100)
    repository = LenientString(max_length=255)
    commitId = LenientString(max_length=40)
    revision = LenientString(max_length=100)
    start = LenientDateTime()
    complete = LenientDateTime()
    duration = LenientInteger()
    container = LenientString(max_length=255)
    containerEngine = LenientString(max_length=255)
    commandLine = LenientString(max_length=8096)
    nextflow = AnyJSON()
    success = serializers.BooleanField(required=False, allow_null=True, default=None)
    projectDir = LenientString(max_length=255)
    projectName = LenientString(max_length=200)
    launchDir = LenientString(max_length=255)
    outputDir = LenientString(max_length=255)
    workDir = LenientString(max_length=255)
    homeDir = LenientString(max_length=255)
    userName = LenientString(max_length=40)
    exitStatus = _int32()
    errorMessage = LenientString()
    errorReport = LenientString()
    profile = LenientString(max_length=100)
    resume = serializers.BooleanField(required=False, allow_null=True, default=None)
    stubRun = serializers.BooleanField(required=False, allow_null=True, default=None)
    configFiles = AnyJSON()
    configText = LenientString()
    params = AnyJSON()
    manifest = AnyJSON()
    stats = AnyJSON()
    wave = AnyJSON()
    fusion = AnyJSON()
    operationId = LenientString(max_length=110)
    logFile = LenientString(max_length=255)
    outFile = LenientString(max_length=255)


# --------------------------------------------------------------------------- progress
class ProcessProgressSerializer(serializers.Serializer):
    """``nextflow.trace.ProgressRecord`` as TowerJsonGenerator writes it (hash, errored,
    completedCount, totalCount and taskName removed); Seqera's ``TraceProgressDetail``."""

    index = _int32()
    name = LenientString(max_length=255)
    pending = _int32()
    submitted = _int32()
    running = _int32()
    succeeded = _int32()
    cached = _int32()
    failed = _int32()
    aborted = _int32()
    stored = _int32()
    ignored = _int32()
    retries = _int32()
    terminated = serializers.BooleanField(required=False, allow_null=True, default=False)
    loadCpus = LenientInteger()
    loadMemory = LenientInteger()
    peakRunning = _int32()
    peakCpus = LenientInteger()
    peakMemory = LenientInteger()


class WorkflowProgressSerializer(serializers.Serializer):
    """``WorkflowProgress`` (the plugin's facade of WorkflowStats); Seqera's ``TraceProgressData``."""

    pending = _int32()
    submitted = _int32()
    running = _int32()
    succeeded = _int32()
    cached = _int32()
    failed = _int32()
    aborted = _int32()
    stored = _int32()
    ignored = _int32()
    retries = _int32()
    loadCpus = LenientInteger()
    loadMemory = LenientInteger()
    peakRunning = _int32()
    peakCpus = LenientInteger()
    peakMemory = LenientInteger()
    numSpotInterruptions = _int32()
    processes = LenientList(child=ProcessProgressSerializer())


class TaskReportSerializer(serializers.Serializer):
    """One task of `makeTasksReq`: `makeTaskMap0` of a TraceRecord (TowerObserver l.468-497).
    Fields are TraceRecord.FIELDS in camelCase (``%cpu`` -> ``pcpu``, ``peak_rss`` -> ``peakRss``)
    plus the transient executor, cloudZone, machineType, priceModel, numSpotInterruptions,
    logStreamId and resourceAllocation. ``exit`` is Integer.MAX_VALUE until the task ends; dates
    are ``OffsetDateTime`` strings; memory and I/O in bytes; times in milliseconds."""

    taskId = serializers.IntegerField(min_value=0, max_value=MAX_BIG)
    status = serializers.ChoiceField(choices=TASK_STATUSES)
    hash = LenientString(max_length=34)
    name = LenientString(max_length=255)
    nativeId = LenientString(max_length=100)
    process = LenientString(max_length=255)
    module = AnyJSON()
    container = LenientString(max_length=255)
    tag = LenientString(max_length=255)
    exit = _int32()
    submit = LenientDateTime()
    start = LenientDateTime()
    complete = LenientDateTime()
    duration = LenientInteger()
    realtime = LenientInteger()
    pcpu = LenientFloat()
    pmem = LenientFloat()
    rss = LenientInteger()
    vmem = LenientInteger()
    peakRss = LenientInteger()
    peakVmem = LenientInteger()
    rchar = LenientInteger()
    wchar = LenientInteger()
    syscr = LenientInteger()
    syscw = LenientInteger()
    readBytes = LenientInteger()
    writeBytes = LenientInteger()
    volCtxt = LenientInteger()
    invCtxt = LenientInteger()
    attempt = _int32()
    workdir = LenientString(max_length=512)
    script = LenientString(max_length=10240)
    scratch = LenientString(max_length=255)
    queue = LenientString(max_length=100)
    cpus = _int32()
    memory = LenientInteger()
    disk = LenientInteger()
    time = LenientInteger()
    env = LenientString(max_length=2048)
    errorAction = LenientString(max_length=10)
    hostname = LenientString(max_length=255)
    cpuModel = LenientString(max_length=255)
    accelerator = _int32()
    acceleratorType = LenientString(max_length=255)
    executor = LenientString(max_length=25)
    cloudZone = LenientString(max_length=25)
    machineType = LenientString(max_length=25)
    priceModel = LenientString(max_length=15)
    numSpotInterruptions = _int32()
    logStreamId = LenientString(max_length=255)
    resourceAllocation = AnyJSON()
    cost = LenientFloat(help_text="Not sent by the plugin; kept when a client sends it.")


class ContainerSerializer(serializers.Serializer):
    """``nextflow.container.resolver.ContainerMeta`` (Seqera ``ContainerData``)."""

    targetImage = LenientString(max_length=1024)
    sourceImage = LenientString(max_length=1024)
    requestId = LenientString(max_length=255)
    buildId = LenientString(max_length=255)
    mirrorId = LenientString(max_length=255)
    scanId = LenientString(max_length=255)
    cached = serializers.BooleanField(required=False, allow_null=True, default=None)
    freeze = serializers.BooleanField(required=False, allow_null=True, default=None)
    requestTime = LenientDateTime()


class TraceBeginRequestSerializer(serializers.Serializer):
    workflow = WorkflowReportSerializer(required=False, default=dict)
    processNames = LenientList(child=LenientString(max_length=255))
    towerLaunch = serializers.BooleanField(required=False, allow_null=True, default=None)
    launchId = LenientString(max_length=22, help_text="Deprecated; ignored.")
    instant = LenientInteger()


class TraceProgressRequestSerializer(serializers.Serializer):
    """`makeTasksReq`: at most 100 tasks (TASKS_PER_REQUEST), each its latest record."""

    tasks = serializers.ListField(child=TaskReportSerializer(), required=False, default=list, max_length=1000)
    progress = WorkflowProgressSerializer(required=False, allow_null=True, default=None)
    containers = LenientList(child=ContainerSerializer())
    instant = LenientInteger()


class TraceHeartbeatRequestSerializer(serializers.Serializer):
    progress = WorkflowProgressSerializer(required=False, allow_null=True, default=None)
    instant = LenientInteger()


class TraceCompleteRequestSerializer(serializers.Serializer):
    workflow = WorkflowReportSerializer(required=False, default=dict)
    metrics = LenientList(child=AnyJSON())
    progress = WorkflowProgressSerializer(required=False, allow_null=True, default=None)
    instant = LenientInteger()


class TraceStatusResponseSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=["OK", "KO"])
    workflowId = serializers.CharField()
    watchUrl = serializers.CharField(required=False)


class TraceHeartbeatResponseSerializer(serializers.Serializer):
    message = serializers.CharField(required=False)
