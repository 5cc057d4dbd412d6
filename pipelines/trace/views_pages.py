"""The run page's trace block: a progress bar per process and the task table (filter by status or
process, search, sort, pages), as an htmx partial the run detail page loads and, while the run is
active, polls (slowing down as `seqera.views.live.next_poll` says)."""

from __future__ import annotations

from html import escape
from urllib.parse import urlencode

from django.template.defaultfilters import floatformat
from django.utils.safestring import SafeString, mark_safe
from django.utils.timezone import template_localtime

from pipelines.models import Run, RunStatus
from pipelines.templatetags.pipeline_tags import duration
from pipelines.trace import selectors
from pipelines.trace.models import RunTrace, Task, TaskStatus
from seqera.formats import choice_display, date_filter, file_sizes
from seqera.paging import BoundedPaginator
from seqera.views.generic import ObjectDetailView
from seqera.views.live import next_poll
from workspaces.tenancy import WorkspacePage

PER_PAGE = 50
COLUMNS = (  # (sort key, heading)
    ("taskId", "Id"),
    ("name", "Task"),
    ("status", "Status"),
    ("exit", "Exit"),
    ("submit", "Submitted"),
    ("duration", "Duration"),
    ("realtime", "Run time"),
    ("cpus", "CPUs"),
    ("pcpu", "% CPU"),
    ("peakRss", "Peak RSS"),
    ("readBytes", "Read"),
    ("writeBytes", "Written"),
)


def task_rows(tasks) -> SafeString:
    """The task table's rows rendered in Python: the markup a template row gives, byte for byte
    (tests/pipelines/trace/test_task_rows.py renders the two), for a fraction of the cost of
    600 template cells a page."""
    size, status = file_sizes(), choice_display(Task, Task._meta.get_field("status"))
    rows = []
    for task in tasks:
        tag = f' <span class="text-body-secondary">{escape(task.hash)}</span>' if task.hash else ""
        submitted = SUBMITTED(template_localtime(task.submit))
        rows.append(
            f"<tr><td>{task.task_id}</td>"
            f'<td class="text-break"><span class="font-monospace">{escape(task.name)}</span>{tag}</td>'
            f'<td><span class="badge {escape(task.status_colour)}">{escape(status(task))}</span></td>'
            f"<td>{'' if task.exit_code is None else task.exit_code}</td>"
            f'<td class="text-nowrap">{escape(submitted)}</td>'
            f'<td class="text-nowrap">{escape(duration(task.duration))}</td>'
            f'<td class="text-nowrap">{escape(duration(task.realtime))}</td>'
            f"<td>{'' if task.cpus is None else task.cpus}</td>"
            f"<td>{escape(floatformat('' if task.pcpu is None else task.pcpu, 1))}</td>"
            f'<td class="text-nowrap">{escape(size(task.peak_rss))}</td>'
            f'<td class="text-nowrap">{escape(size(task.read_bytes))}</td>'
            f'<td class="text-nowrap">{escape(size(task.write_bytes))}</td></tr>'
        )
    return mark_safe("".join(rows))  # noqa: S308 - every value above is escaped or a number


SUBMITTED = date_filter("Y-m-d H:i:s")


class _PageOfTasks:
    """The run's tasks as `BoundedPaginator` reads them: counted through the queryset (`data`,
    the bounded count) unless the paginator is given the trace's count, a page read by a statement compiled once per shape of query
    (`selectors.prepared_task_rows`), or sliced from the queryset when that has none."""

    def __init__(self, run: Run, query: selectors.TaskQuery):
        self.run, self.query = run, query
        self.data = selectors.tasks(run, query).only(*selectors.TASK_TABLE_FIELDS)

    def __getitem__(self, rows: slice):
        found = selectors.prepared_task_rows(self.run, self.query, rows.start, rows.stop)
        return list(self.data[rows]) if found is None else found


class RunTraceView(WorkspacePage, ObjectDetailView):
    model = Run
    permission_action = "workflow:read"
    template_name = "trace/_run_trace.html"
    context_object_name = "run"
    object_related = ("trace",)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        run = self.object
        get = self.request.GET
        status = get.get("status", "")
        status = status if status in TaskStatus.values else ""
        sort = get.get("sort", "taskId")
        sort = sort if sort in selectors.SORTS else "taskId"
        descending = get.get("dir") == "desc"
        try:
            trace = run.trace
        except RunTrace.DoesNotExist:
            trace = None
        names = selectors.process_names(run, trace)
        process = get.get("process", "")
        process = process if process in names else ""
        search = get.get("q", "")[:100]
        query = selectors.TaskQuery(status=status, process=process, search=search, sort=sort, descending=descending)
        # every task of a reported run: the count its trace keeps (exact, and no count of 100,000 rows)
        kept = trace.task_count if trace is not None and query.every_task else None
        paginator = BoundedPaginator(_PageOfTasks(run, query), PER_PAGE, known_count=kept)
        page = paginator.get_page(get.get("page"))
        base = self.ws_url("trace:run_trace", pk=run.pk)
        state = {
            "status": status,
            "process": process,
            "q": search,
            "sort": sort,
            "dir": "desc" if descending else "asc",
        }

        def url(**changes):
            params = {k: v for k, v in {**state, **changes}.items() if v not in ("", None)}
            return f"{base}?{urlencode(params)}"

        headings = []
        for key, label in COLUMNS:
            active = key == sort
            flip = "asc" if active and descending else ("desc" if active else "asc")
            headings.append(
                {"label": label, "url": url(sort=key, dir=flip, page=None), "active": active, "descending": descending}
            )
        live = run.status not in RunStatus.final()
        poll_url, poll_delay = next_poll(self.request, url(page=page.number)) if live else ("", 0)
        context.update(
            bars=selectors.process_bars(run, trace) if trace else [],
            page=page,
            task_rows=task_rows(page.object_list),
            headings=headings,
            statuses=TaskStatus.choices,
            process_names=names,
            state=state,
            base_url=base,
            previous_url=url(page=page.previous_page_number()) if page.has_previous() else "",
            next_url=url(page=page.next_page_number()) if page.has_next() else "",
            live=live,
            poll_url=poll_url,
            poll_delay=poll_delay,
            reported=trace is not None and trace.last_report_at is not None,
            nextflow_version=(run.nextflow or {}).get("version", ""),
            containers=[c.get("targetImage") for c in (trace.containers if trace else []) if c.get("targetImage")],
        )
        return context
