"""The request serializers read every payload of a replayed run as the plugin sends it, and coerce
instead of refusing what the plugin may send (a refusal aborts the user's pipeline)."""

from datetime import UTC, datetime

import pytest

from pipelines.trace import serializers as s
from tests.pipelines.trace.plugin import NOT_EXITED, PluginRun, auth_header, offset_str

SERIALIZERS = {
    "begin": s.TraceBeginRequestSerializer,
    "progress": s.TraceProgressRequestSerializer,
    "heartbeat": s.TraceHeartbeatRequestSerializer,
    "complete": s.TraceCompleteRequestSerializer,
}


def valid(serializer_class, body):
    ser = serializer_class(data=body)
    assert ser.is_valid(), ser.errors
    return ser.validated_data


@pytest.mark.parametrize("run", [PluginRun(), PluginRun(fail_process="ALIGN"), PluginRun(cached=3)])
def test_every_call_of_a_replayed_run_is_read(run):
    assert valid(s.TraceCreateRequestSerializer, run.create_request())["sessionId"] == run.session_id
    calls = run.calls("4Xq9lUx0Yd3b7c")
    kinds = [kind for kind, _ in calls]
    assert kinds[0] == "begin" and kinds[-1] == "complete" and "progress" in kinds
    seen = {}
    for kind, body in calls:
        data = valid(SERIALIZERS[kind], body)
        for task in data.get("tasks", []):
            seen[task["taskId"]] = task
    assert set(seen) == {t.task_id for t in run.tasks}
    finals = {t["status"] for t in seen.values()}
    # A failed run leaves the tasks that were running when it stopped unfinished.
    assert finals <= ({"COMPLETED", "FAILED", "RUNNING"} if run.fail_process else {"COMPLETED", "CACHED"})


def test_a_batch_holds_at_most_100_tasks_and_heartbeats_fill_silences():
    run = PluginRun(processes=[("MANY", 450)], task_seconds=1, pending_every_ms=0)
    calls = run.calls("w")
    assert max(len(b.get("tasks", [])) for _, b in calls) == 100
    slow = PluginRun(processes=[("SLOW", 1)], task_seconds=200)
    assert "heartbeat" in [k for k, _ in slow.calls("w")]


def test_task_fields_are_read_in_their_units():
    run = PluginRun()
    _, body = next(
        (k, b) for k, b in run.calls("w") if k == "progress" and any(t["status"] == "COMPLETED" for t in b["tasks"])
    )
    task = next(t for t in valid(s.TraceProgressRequestSerializer, body)["tasks"] if t["status"] == "COMPLETED")
    assert task["memory"] == 4 * 1024**3 and task["cpus"] == 2 and task["pcpu"] == 87.5
    assert task["submit"].tzinfo is not None and task["complete"] > task["start"] >= task["submit"]
    assert task["duration"] > task["realtime"] > 0 and task["exit"] == 0
    pending = valid(s.TaskReportSerializer, {"taskId": 9, "status": "NEW", "exit": NOT_EXITED})
    assert pending["exit"] == NOT_EXITED and pending["submit"] is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-12-01T10:00Z", datetime(2026, 12, 1, 10, 0, tzinfo=UTC)),
        ("2026-12-01T10:00:05.123Z", datetime(2026, 12, 1, 10, 0, 5, 123000, tzinfo=UTC)),
        ("2026-12-01T11:00:05.123456789+01:00", datetime(2026, 12, 1, 10, 0, 5, 123456, tzinfo=UTC)),
        (1796119200000, datetime(2026, 12, 1, 10, 0, tzinfo=UTC)),
        ("yesterday", None),
        ({"a": 1}, None),
    ],
)
def test_java_offset_datetimes_are_read(text, expected):
    data = valid(s.TaskReportSerializer, {"taskId": 1, "status": "RUNNING", "start": text})
    assert data["start"] == expected


def test_odd_values_are_coerced_not_refused():
    data = valid(
        s.TaskReportSerializer,
        {
            "taskId": "7",
            "status": "FAILED",
            "exit": "-",
            "cpus": "4",
            "rss": 2**70,
            "pcpu": "n/a",
            "tag": "x" * 1000,
            "name": "a\x00b",
            "unknownNewField": [1, 2],
            "module": ["samtools/1.9"],
        },
    )
    assert data["taskId"] == 7 and data["exit"] is None and data["cpus"] == 4 and data["rss"] is None
    assert data["pcpu"] is None and len(data["tag"]) == 255 and data["name"] == "ab"
    assert "unknownNewField" not in data and data["module"] == ["samtools/1.9"]


@pytest.mark.parametrize(
    "task", [{"status": "NEW"}, {"taskId": "x", "status": "NEW"}, {"taskId": 1, "status": "WEIRD"}]
)
def test_a_task_that_cannot_be_stored_is_refused(task):
    assert not s.TraceProgressRequestSerializer(data={"tasks": [task]}).is_valid()


def test_workflow_metadata_of_begin_and_complete():
    run = PluginRun(fail_process="ALIGN")
    begin = valid(s.TraceBeginRequestSerializer, run.begin_request("w"))
    assert begin["processNames"] == ["FASTQC", "ALIGN", "MULTIQC"]
    assert (
        begin["workflow"]["nextflow"]["version"] == "25.04.6" and begin["workflow"]["params"]["greeting"] == "Bonjour"
    )
    done = valid(s.TraceCompleteRequestSerializer, run.complete_request("w"))
    wf = done["workflow"]
    assert wf["success"] is False and wf["exitStatus"] == 1 and "ALIGN" in wf["errorMessage"]
    assert wf["complete"] > wf["start"] and done["progress"]["failed"] == 1
    assert done["progress"]["processes"][1]["name"] == "ALIGN"


def test_the_plugin_auth_header():
    assert auth_header("a.b.c") == "Bearer a.b.c"
    assert auth_header("sqt_abc-def_ghi").startswith("Basic ")
    assert offset_str(datetime(2026, 1, 1, 0, 0, tzinfo=UTC)) == "2026-01-01T00:00Z"
