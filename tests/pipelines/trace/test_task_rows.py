"""The task table's rows rendered in Python are the markup of the template row they replaced, byte
for byte, for any task Nextflow can report (names and tags with markup, missing figures, huge
sizes, any status), in any time zone."""

import datetime

import pytest
from django.template import Context, Template
from django.utils import timezone
from hypothesis import given, settings
from hypothesis import strategies as st

from pipelines.trace import selectors
from pipelines.trace.models import RunTrace, Task, TaskStatus
from pipelines.trace.views_pages import COLUMNS, task_rows

ROW = Template(
    "{% load pipeline_tags %}{% for task in tasks %}"
    "<tr><td>{{ task.task_id }}</td>"
    '<td class="text-break"><span class="font-monospace">{{ task.name }}</span>{% if task.hash %} '
    '<span class="text-body-secondary">{{ task.hash }}</span>{% endif %}</td>'
    '<td><span class="badge {{ task.status_colour }}">{{ task.get_status_display }}</span></td>'
    '<td>{{ task.exit_code|default_if_none:"" }}</td>'
    '<td class="text-nowrap">{{ task.submit|date:"Y-m-d H:i:s" }}</td>'
    '<td class="text-nowrap">{{ task.duration|duration }}</td>'
    '<td class="text-nowrap">{{ task.realtime|duration }}</td>'
    '<td>{{ task.cpus|default_if_none:"" }}</td>'
    '<td>{{ task.pcpu|default_if_none:""|floatformat:1 }}</td>'
    '<td class="text-nowrap">{% if task.peak_rss is not None %}{{ task.peak_rss|filesizeformat }}{% endif %}</td>'
    '<td class="text-nowrap">{% if task.read_bytes is not None %}{{ task.read_bytes|filesizeformat }}{% endif %}</td>'
    '<td class="text-nowrap">{% if task.write_bytes is not None %}{{ task.write_bytes|filesizeformat }}{% endif %}</td>'
    "</tr>{% endfor %}"
)

text = st.text(st.characters(blacklist_categories=("Cs",)), max_size=40) | st.sampled_from(
    ["<script>alert(1)</script>", "a & b", "\"quoted\" 'single'", ""]
)
size = st.none() | st.integers(min_value=0, max_value=2**62)
moment = st.none() | st.datetimes(
    min_value=datetime.datetime(1990, 1, 1), max_value=datetime.datetime(2100, 1, 1), timezones=st.just(datetime.UTC)
)
task = st.builds(
    Task,
    task_id=st.integers(min_value=0, max_value=2**62),
    name=text,
    hash=text,
    status=st.sampled_from(TaskStatus.values),
    exit=st.none() | st.integers(min_value=-(2**31), max_value=2**31 - 1),
    submit=moment,
    duration=size,
    realtime=size,
    cpus=st.none() | st.integers(min_value=0, max_value=4096),
    pcpu=st.none() | st.floats(min_value=0, max_value=1e6, allow_nan=False),
    peak_rss=size,
    read_bytes=size,
    write_bytes=size,
)


@settings(max_examples=300, deadline=None)
@given(tasks=st.lists(task, max_size=4), zone=st.sampled_from(["UTC", "America/New_York", "Asia/Kolkata"]))
def test_rows_are_the_template_rows(tasks, zone):
    with timezone.override(zone):
        assert task_rows(tasks) == ROW.render(Context({"tasks": tasks}))


@pytest.mark.django_db
def test_the_task_tables_prepared_pages_are_the_querysets(tenancy, world, client, monkeypatch):
    """The run page's task table reads its page by a prepared statement; under `stock_reads`
    through the queryset: the same HTML for every order, filter and page, and a search takes
    the queryset."""
    from seqera.prepared import stock_reads
    from tests.helpers.prepared import spy_on_prepared_reads

    built = spy_on_prepared_reads(monkeypatch)
    run = world["runs"][0]  # 30 tasks; reported, so the table shows
    RunTrace.objects.create(
        run=run,
        workspace=run.workspace,
        last_report_at=timezone.now(),
        process_names=["PROC", "OTHER"],
        task_count=run.tasks.count(),  # as the trace keeps it
    )
    client.force_login(tenancy.users["owner"])
    base = tenancy.workspace.url("trace:run_trace", pk=run.pk)
    queries = [""] + [f"sort={key}&dir={way}" for key, _ in COLUMNS for way in ("asc", "desc")]
    queries += ["status=COMPLETED", "status=FAILED&process=PROC", "process=OTHER", "status=ABORTED&sort=name"]
    for query in queries:
        expected = len(list(selectors.tasks(run, _query(query))))
        built.clear()
        prepared = client.get(f"{base}?{query}")
        assert built == (["Task"] if expected else []), query  # an empty page runs no statement
        with stock_reads():
            stock = client.get(f"{base}?{query}")
        assert prepared.status_code == stock.status_code == 200, query
        assert prepared.content == stock.content, query
        assert prepared.content.count(b"<tr><td>") == expected
    built.clear()
    assert client.get(f"{base}?q=ab").status_code == 200 and not built


def _query(query: str):
    fields = dict(part.split("=") for part in query.split("&") if part)
    return selectors.TaskQuery(
        status=fields.get("status", ""),
        process=fields.get("process", ""),
        sort=fields.get("sort", "taskId"),
        descending=fields.get("dir") == "desc",
    )
