"""Pipelines, runs and pipeline-secrets pages. Views declare model, permission, form/table/filter;
scoping (404 outside the workspace, 403 below the role) comes from `WorkspacePage`, and every
write goes through a form's `save()` or one service call."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse, HttpResponseRedirect, StreamingHttpResponse
from django.template.loader import render_to_string
from django.utils.html import escape
from django.views.generic import TemplateView

from computeenvs.models import ComputeEnv
from pipelines import forms, logs, services
from pipelines.filters import PipelineFilter, RunFilter, SecretFilter
from pipelines.models import Pipeline, PipelineSecret, Run, RunStatus
from pipelines.tables import PipelineTable, RunTable, SecretTable
from pipelines.trace import selectors as trace_selectors
from seqera.paging import BoundedPaginator
from seqera.views.generic import (
    ObjectActionView,
    ObjectDeleteView,
    ObjectDetailView,
    ObjectFormView,
    ObjectListView,
    ObjectMixin,
    PageMixin,
)
from seqera.views.live import LiveStatusMixin, next_poll
from workspaces import aws
from workspaces.permissions import role_allows
from workspaces.tenancy import WorkspacePage

LIVE_RUN_STATUSES = (RunStatus.SUBMITTED, RunStatus.RUNNING)


# --------------------------------------------------------------------------- pipelines
class PipelinePage(WorkspacePage):
    model = Pipeline
    section = "pipelines"
    permission_action = "pipeline:read"
    object_related = ("compute_env", "created_by")

    def get_queryset(self):
        return super().get_queryset().select_related(*self.object_related)


LISTED_PIPELINE_FIELDS = (  # what the list shows (a budget test catches a read past it)
    "workspace", "name", "repository", "revision", "last_updated", "compute_env", "compute_env__name",
)  # fmt: skip


class PipelineListView(PipelinePage, ObjectListView):
    table_class = PipelineTable
    filterset_class = PipelineFilter
    template_name = "pipelines/list.html"
    page_title = "Pipelines"

    def get_queryset(self):
        return super().get_queryset().select_related(None).select_related("compute_env").only(*LISTED_PIPELINE_FIELDS)


class PipelineDetailView(PipelinePage, ObjectDetailView):
    template_name = "pipelines/detail.html"
    context_object_name = "pipeline"

    def get_page_title(self) -> str:
        return self.object.name

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        pipeline = self.object
        context.update(
            runs=list(pipeline.runs.select_related("workspace__org").order_by("-submit")[:10]),
            labels=list(pipeline.labels.all()),
            launch_ce=pipeline.compute_env or services.primary_compute_env(self.workspace),
        )
        return context


class PipelineCreateView(PipelinePage, ObjectFormView):
    permission_action = "pipeline:write"
    form_class = forms.PipelineForm
    page_title = "Add pipeline"
    submit_label = "Add pipeline"
    success_message = "Pipeline {object} added."

    def get_cancel_url(self):
        return self.ws_url("pipelines:list")

    def get_initial(self):
        initial = super().get_initial()
        ce = services.primary_compute_env(self.workspace)
        if ce is not None:
            initial["config_text"] = services.global_config(ce)
            initial["work_dir"] = ce.config.get("workDir", "")
        return initial


class PipelineDuplicateView(PipelineCreateView):
    """The create form, filled with an existing pipeline's settings under a new name."""

    page_title = "Duplicate pipeline"

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs["instance"] = None
        return kwargs

    def get_form(self, form_class=None):
        form = super().get_form(form_class)
        if not form.is_bound:
            form.prefill(self.object, compute_env=self.object.compute_env)
            form.initial.update(name=f"{self.object.name}-copy", description=self.object.description)
        return form


class PipelineEditView(PipelinePage, ObjectFormView):
    permission_action = "pipeline:write"
    form_class = forms.PipelineForm
    success_message = "Pipeline {object} saved."

    def get_page_title(self) -> str:
        return f"Edit {self.object.name}"


class PipelineDeleteView(PipelinePage, ObjectDeleteView):
    permission_action = "pipeline:delete"
    consequences = "Its saved launch settings go; its runs stay, with the snapshot of what they ran."

    def get_page_title(self) -> str:
        return f"Delete {self.object}"

    def perform_delete(self, obj):
        services.delete_pipeline(pipeline=obj)

    def get_success_url(self):
        return self.ws_url("pipelines:list")

    def get_cancel_url(self):
        return self.object.get_absolute_url()


# --------------------------------------------------------------------------- launch
class LaunchFormView(WorkspacePage, PageMixin, ObjectMixin, TemplateView):
    """Launch form: of a saved pipeline (``pipelines/<pk>/launch/``), a quick launch, a relaunch."""

    template_name = "pipelines/launch.html"
    section = "runs"
    page_title = "Launch"
    model = Pipeline
    permission_action = "workflow:execute"

    def pipeline(self):
        return self.object if isinstance(self.object, Pipeline) else None

    def form_context(self) -> dict:
        pipeline = self.pipeline()
        return {
            "workspace": self.workspace,
            "user": self.request.user,
            "role": self.role,
            "pipeline": pipeline,
            "source": pipeline,
            "compute_env": pipeline.compute_env if pipeline else None,
        }

    def get_form(self):
        data = self.request.POST if self.request.method == "POST" else None
        return forms.LaunchForm(data, context=self.form_context())

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        form = kwargs.get("form") or self.get_form()
        ce = form.initial.get("compute_env")
        blocker = None
        if not form.is_bound:
            ce_obj = (
                ComputeEnv.objects.filter(workspace=self.workspace, pk=ce).first()
                if ce
                else services.primary_compute_env(self.workspace)
            )
            blocker = services.launch_blocker(ce_obj)
        context.update(
            form=form, pipeline=self.pipeline(), blocker=blocker, cancel_url=self.cancel_url(), submit_label="Launch"
        )
        return context

    def cancel_url(self) -> str:
        pipeline = self.pipeline()
        return pipeline.get_absolute_url() if pipeline else self.ws_url("pipelines:run_list")

    def post(self, request, *args, **kwargs):
        self.dispatch_object()
        form = self.get_form()
        if form.is_valid():
            try:
                run = form.save()
            except ValidationError as exc:
                form.add_service_errors(exc)
            else:
                messages.success(request, f"Run {run.run_name} submitted: its head job goes to AWS Batch.")
                return HttpResponseRedirect(run.get_absolute_url())
        return self.render_to_response(self.get_context_data(form=form))


class PipelineLaunchView(LaunchFormView):
    def get_page_title(self) -> str:
        return f"Launch {self.object.name}"


class QuickLaunchView(LaunchFormView):
    permission_action = "workflow_quick:execute"
    page_title = "Quick launch"

    def get_object(self):
        return None


class RelaunchView(LaunchFormView):
    """A new run from an earlier run's launch, every setting editable as the role allows."""

    model = Run
    page_title = "Relaunch"

    def pipeline(self):
        return self.object.pipeline

    def get_queryset(self):
        return super().get_queryset().select_related("launch", "pipeline", "compute_env")

    def form_context(self) -> dict:
        run = self.object
        return {**super().form_context(), "source": run.launch, "compute_env": run.compute_env}

    def cancel_url(self) -> str:
        return self.object.get_absolute_url()


# --------------------------------------------------------------------------- runs
class RunPage(WorkspacePage):
    model = Run
    section = "runs"
    permission_action = "workflow:read"

    object_related = ("compute_env", "launch", "pipeline", "trace")

    def get_queryset(self):
        return super().get_queryset().select_related(*self.object_related)


LISTED_RUN_FIELDS = (  # what the list and its badges show (a budget test catches a read past it)
    "workspace", "status", "batch_status", "run_name", "project_name", "revision", "user_name", "submit",
    "start", "complete", "compute_env", "compute_env__name",
)  # fmt: skip


class RunListView(RunPage, ObjectListView):
    """Runs, newest first; the count stops at 10,000 past the page (`BoundedPaginator`), so the
    page costs the same over 100,000 runs as over 10 and says "more than" when it stopped."""

    table_class = RunTable
    filterset_class = RunFilter
    template_name = "pipelines/run_list.html"
    page_title = "Runs"
    table_pagination = {"per_page": 25, "paginator_class": BoundedPaginator}

    def get_queryset(self):
        return super().get_queryset().select_related(None).select_related("compute_env").only(*LISTED_RUN_FIELDS)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        rows = context["table"].page.object_list if context["table"].page else []
        active = [row.record.pk for row in rows if row.record.status in LIVE_RUN_STATUSES]
        context.update(badges_context(self, active))
        return context


def badges_context(view, active_ids: list[str]) -> dict:
    url = view.ws_url("pipelines:run_badges") + "?ids=" + ",".join(active_ids)
    badges_url, delay = next_poll(view.request, url)
    return {"active_ids": active_ids, "badges_url": badges_url, "badges_delay": delay}


class RunBadgesView(RunPage, PageMixin, TemplateView):
    """The list's live badges: the current badge of each listed active run (out of band), and a
    next poll only while one of them is still active."""

    template_name = "pipelines/_run_badges.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        ids = [i for i in self.request.GET.get("ids", "").split(",") if i][:100]
        runs = list(self.get_queryset().filter(pk__in=ids))
        still = [run.pk for run in runs if run.status in LIVE_RUN_STATUSES]
        context.update(runs=runs, **badges_context(self, still))
        return context


class RunLiveMixin(LiveStatusMixin):
    def is_pending(self, run) -> bool:
        return run.status in LIVE_RUN_STATUSES

    def live_status_url(self) -> str:
        return self.ws_url("pipelines:run_status", pk=self.object.pk)

    def run_context(self) -> dict:
        run = self.object
        role = self.role
        return {
            **self.live_context(),
            "run": run,
            "can_cancel": role_allows(role, "workflow:execute") and (run.is_active or run.status == RunStatus.UNKNOWN),
            "can_relaunch": role_allows(role, "workflow:execute")
            and (run.pipeline_id is not None or role_allows(role, "workflow_quick:execute")),
            "can_delete": role_allows(role, "workflow:delete"),
        }


class RunDetailView(RunLiveMixin, RunPage, ObjectDetailView):
    template_name = "pipelines/run_detail.html"
    context_object_name = "run"

    def get_page_title(self) -> str:
        return self.object.run_name

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        run = self.object
        context.update(
            self.run_context(),
            launch=run.launch,
            outside=trace_selectors.reported_from_outside(run),
            labels=list(run.labels.all()),
            log_url=self.ws_url("pipelines:run_log", pk=run.pk),
        )
        return context


class RunStatusView(RunLiveMixin, RunPage, ObjectDetailView):
    """The status block (badge, times, head job, warning, error) and, out of band, the buttons."""

    template_name = "pipelines/_run_live.html"

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), **self.run_context(), "oob": True}


class RunLogView(RunPage, ObjectDetailView):
    """The log pane: a page of the head job's CloudWatch log (one CloudWatch call per request).

    ``?next=<token>`` reads the page that token names (older or newer); ``&tail=1`` answers only the
    lines after the token (the live tail appends them) and the next poll, while the run is active.
    """

    template_name = "pipelines/_run_log.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        run = self.object
        token = self.request.GET.get("next") or None
        tail = self.request.GET.get("tail") == "1"  # the live tail: only lines after the token
        try:
            page = logs.read_page(run, token=token)
        except aws.AwsError as exc:
            page = logs.LogPage(message=f"CloudWatch refused the read: {aws.error_message(exc)}", pending=run.is_active)
        base = self.ws_url("pipelines:run_log", pk=run.pk)
        context.update(
            page=page,
            live=page.pending and (tail or token is None or token.startswith("f/")),
            base_url=base,
            download_url=self.ws_url("pipelines:run_log_download", pk=run.pk),
        )
        return context

    def render_to_response(self, context, **kwargs):
        if self.request.GET.get("tail") != "1":
            return super().render_to_response(context, **kwargs)
        # The live tail appends the new lines to the <pre> as they are: no template whitespace.
        parts = render_to_string("pipelines/_run_log_tail.html", context, request=self.request)
        parts = "".join(part.strip() for part in parts.splitlines())  # no stray newline into the <pre>
        return HttpResponse(parts + "".join(escape(line) + "\n" for line in context["page"].entries))


class RunLogDownloadView(RunPage, ObjectMixin, TemplateView):
    """The whole log as a text file, streamed one CloudWatch page at a time (never whole in memory)."""

    def get(self, request, *args, **kwargs):
        self.dispatch_object()
        run = self.object
        if not run.log_stream:
            messages.info(request, "This run has no log yet: its head job has not run.")
            return HttpResponseRedirect(run.get_absolute_url())
        response = StreamingHttpResponse(logs.stream_lines(run), content_type="text/plain; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="{run.run_name}-{run.pk}.log"'
        return response


class RunCancelView(RunPage, ObjectActionView):
    permission_action = "workflow:execute"

    def act(self, run):
        return services.cancel_run(run=run, user=self.request.user, force=bool(self.request.POST.get("force")))


class RunResumeView(RunPage, ObjectActionView):
    permission_action = "workflow:execute"

    def act(self, run):
        self.resumed = services.resume_run(run=run, user=self.request.user, role=self.role)
        return f"Run {self.resumed.run_name} resumes {run.run_name}: cached tasks are reused."

    def get_success_url(self):
        resumed = getattr(self, "resumed", None)
        return resumed.get_absolute_url() if resumed is not None else super().get_success_url()


class RunDeleteView(RunPage, ObjectDeleteView):
    permission_action = "workflow:delete"
    consequences = "Its record, launch snapshot and log link go; its work directory and outputs stay in S3."

    def blockers(self) -> list[str]:
        run = self.object
        if run.is_active or run.status == RunStatus.UNKNOWN:
            return [f"This run is {run.status}: cancel it before deleting it."]
        return []

    def get_page_title(self) -> str:
        return f"Delete {self.object}"

    def perform_delete(self, obj):
        services.delete_run(run=obj, user=self.request.user)

    def get_success_url(self):
        return self.ws_url("pipelines:run_list")

    def get_cancel_url(self):
        return self.object.get_absolute_url()


# --------------------------------------------------------------------------- pipeline secrets
class SecretPage(WorkspacePage):
    model = PipelineSecret
    section = "secrets"
    permission_action = "pipeline_secrets:read"


class SecretListView(SecretPage, ObjectListView):
    table_class = SecretTable
    filterset_class = SecretFilter
    template_name = "pipelines/secret_list.html"
    page_title = "Pipeline secrets"


class SecretCreateView(SecretPage, ObjectFormView):
    permission_action = "pipeline_secrets:write"
    form_class = forms.SecretForm
    page_title = "Add pipeline secret"
    submit_label = "Add secret"
    success_message = "Pipeline secret {object} added."

    def get_cancel_url(self):
        return self.ws_url("pipelines:secret_list")


class SecretReplaceView(SecretPage, ObjectFormView):
    """A new value for a secret (the old one is never shown: values are write-only)."""

    permission_action = "pipeline_secrets:write"
    form_class = forms.SecretForm
    submit_label = "Replace value"
    success_message = "Pipeline secret {object}: value replaced."

    def get_page_title(self) -> str:
        return f"Replace the value of {self.object.name}"


class SecretDeleteView(SecretPage, ObjectDeleteView):
    permission_action = "pipeline_secrets:delete"
    consequences = "Runs that ask for it can no longer be launched; running ones keep their copy until they end."

    def get_page_title(self) -> str:
        return f"Delete {self.object}"

    def perform_delete(self, obj):
        services.delete_pipeline_secret(secret=obj)

    def get_success_url(self):
        return self.ws_url("pipelines:secret_list")
