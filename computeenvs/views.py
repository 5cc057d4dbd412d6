"""Compute-environment pages, declared on the base layer (`seqera.views.generic`): each view names
its model, permission action and form/table; the workspace, the 404/403 decisions and the scoped
queryset come from `workspaces.tenancy.WorkspacePage`."""

from __future__ import annotations

import functools
import json

from django.conf import settings
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404
from django.template.loader import render_to_string
from django.utils.html import conditional_escape, format_html, format_html_join
from django.utils.safestring import SafeString
from django.views.generic import FormView, TemplateView, View

from computeenvs import options, pickers, policy, selectors, services
from computeenvs.filters import ComputeEnvFilter
from computeenvs.forms import (
    GROUP_TITLES,
    ComputeEnvEditForm,
    ComputeEnvForm,
    ImportForm,
    form_data_from_document,
    form_specs,
    get_path,
)
from computeenvs.models import ComputeEnv
from computeenvs.tables import ComputeEnvTable
from seqera.views.generic import (
    PENDING_NOTICE,
    ObjectActionView,
    ObjectDeleteView,
    ObjectDetailView,
    ObjectFormView,
    ObjectListView,
    ObjectMixin,
)
from seqera.views.live import LiveStatusMixin, stamp
from workspaces.models import Credentials
from workspaces.tenancy import WorkspacePage

ACTION_URLS = ("edit", "delete", "primary", "disable", "enable", "validate", "export", "policy", "retry")


def display_value(spec, value) -> str:
    if spec.kind == "envvars":
        targets = ("head", "compute")
        return "\n".join(
            f"{v.get('name')}={v.get('value')} ({' and '.join(t for t in targets if v.get(t))})" for v in value
        )
    if isinstance(value, bool):
        return "on" if value else "off"
    if isinstance(value, list | tuple):
        return ", ".join(map(str, value))
    if spec.choices:
        return dict(spec.choices).get(value, str(value))  # "Spot", "On-Demand", not SPOT / EC2
    if spec.unit:
        return f"{value} {spec.unit}"
    return str(value)


def config_groups(config: dict) -> list[tuple[str, list[tuple[str, str]]]]:
    """The config's set values under the form's group titles, labelled as in the form."""
    groups: dict[str, list[tuple[str, str]]] = {}
    for spec in options.FIELDS:
        value = get_path(config, spec.path)
        if value in (None, "", [], {}) or spec.path in ("headQueue", "computeQueue", "workDir", "region"):
            continue
        groups.setdefault(spec.group, []).append((spec.label, display_value(spec, value)))
    return [(GROUP_TITLES.get(key, key), rows) for key, rows in groups.items()]


def _blank(value) -> bool:
    return value is None or value == "" or value == [] or value == {}


def settings_html(value) -> SafeString:
    """A plan setting for people: dicts as nested ``key: value`` lists, scalar lists joined with
    commas, lists of dicts numbered, booleans as yes/no; None and empty values left out."""
    if isinstance(value, dict):
        rows = ((key, settings_html(item)) for key, item in value.items() if not _blank(item))
        return format_html('<dl class="ce-kv">{}</dl>', format_html_join("", "<dt>{}</dt><dd>{}</dd>", rows))
    if isinstance(value, list | tuple):
        items = [item for item in value if not _blank(item)]
        if any(isinstance(item, dict | list | tuple) for item in items):
            return format_html(
                '<ol class="ce-kv-list">{}</ol>',
                format_html_join("", "<li>{}</li>", ((settings_html(i),) for i in items)),
            )
        return format_html_join(", ", "{}", ((settings_html(item),) for item in items))
    if isinstance(value, bool):
        return SafeString("yes" if value else "no")
    return conditional_escape(str(value))


def plan_rows(plan: list[dict]) -> list[dict]:
    """The plan's resources with their settings rendered (see `settings_html`) and counted."""
    return [
        {
            **resource,
            "settings_html": settings_html(resource.get("settings") or {}),
            "settings_count": sum(not _blank(v) for v in (resource.get("settings") or {}).values()),
        }
        for resource in plan
    ]


def plan_block(document: str) -> SafeString:
    """The CE page's plan block (`_plan.html`) for a plan document (`selectors.plan_document_for`),
    rendered once per process for each document: a CE's page is reloaded with the same plan again
    and again. With DEBUG it renders every time, as templates change while the server runs."""
    return _render_plan_block(document) if settings.DEBUG else _kept_plan_block(document)


def _render_plan_block(document: str) -> SafeString:
    return render_to_string("computeenvs/_plan.html", {"plan": plan_rows(json.loads(document))})


_kept_plan_block = functools.lru_cache(maxsize=256)(_render_plan_block)


def json_download(document, filename: str) -> HttpResponse:
    response = HttpResponse(json.dumps(document, indent=2) + "\n", content_type="application/json")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


class ComputeEnvPage(WorkspacePage):
    model = ComputeEnv
    section = "compute-envs"
    permission_action = "compute_environment:read"
    context_object_name = "ce"
    object_related = ("credentials", "created_by")

    def get_queryset(self):
        return super().get_queryset().select_related(*self.object_related)


# --------------------------------------------------------------------------- list / detail
LISTED_FIELDS = (  # what the list shows of a CE and its credentials (a budget test catches a read past it)
    "workspace", "name", "status", "message", "mode", "region", "primary", "date_created",
    "credentials", "credentials__name",
)  # fmt: skip


class ComputeEnvListView(ComputeEnvPage, ObjectListView):
    table_class = ComputeEnvTable
    filterset_class = ComputeEnvFilter
    template_name = "computeenvs/list.html"
    context_object_name = None

    def get_queryset(self):
        shown = super().get_queryset().select_related(None).select_related("credentials").only(*LISTED_FIELDS)
        return selectors.for_listing(shown)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(create_url=self.ws_url("computeenvs:create"), import_url=self.ws_url("computeenvs:import"))
        return context


class ComputeEnvLiveMixin(LiveStatusMixin):
    """The status block's context; it polls while Forge or a requested validation is still running."""

    live_moment_field = "last_updated"

    def is_pending(self, obj) -> bool:
        return obj.status in ComputeEnv.Status.busy

    def live_status_url(self) -> str:
        return self.ws_url("computeenvs:status", pk=self.object.pk)

    def live_context(self) -> dict:
        ce = self.object
        return {
            **super().live_context(),
            "ledger": list(ce.forged_resources.all()),
            "urls": {name: self.ws_url(f"computeenvs:{name}", pk=ce.pk) for name in ACTION_URLS},
            "duplicate_url": f"{self.ws_url('computeenvs:create')}?from={ce.pk}",
        }


class ComputeEnvDetailView(ComputeEnvLiveMixin, ComputeEnvPage, ObjectDetailView):
    template_name = "computeenvs/detail.html"
    object_prefetch = ("labels", "forged_resources")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        ce = self.object
        context.update(
            self.live_context(),
            config_groups=config_groups(ce.config),
            plan_html=plan_block(selectors.plan_document_for(ce)),
            labels=list(ce.labels.all()),
            nextflow_config=selectors.nextflow_config_for(ce),
            list_url=self.ws_url("computeenvs:list"),
        )
        return context


class ComputeEnvStatusView(ComputeEnvLiveMixin, ComputeEnvPage, ObjectDetailView):
    """The status block (badge, message, last update) and, out of band, the forged-resources ledger;
    htmx polls it (backing off, see `next_poll`) while CREATING/DELETING or a requested validation has not reported."""

    template_name = "computeenvs/_live.html"
    object_prefetch = ("forged_resources",)

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), **self.live_context(), "oob": True}


# --------------------------------------------------------------------------- create / edit / delete
class ComputeEnvCreateView(ComputeEnvPage, ObjectFormView):
    """Create (or Duplicate with ``?from=<id>``). "Preview plan" re-renders with the plan and policy."""

    permission_action = "compute_environment:write"
    template_name = "computeenvs/form.html"
    form_class = ComputeEnvForm
    success_message_tags = PENDING_NOTICE

    def get_form_kwargs(self):
        kwargs = FormView.get_form_kwargs(self)
        kwargs.update(workspace=self.workspace, user=self.request.user)
        source_id = self.request.GET.get("from")
        if source_id and self.request.method == "GET":
            source = get_object_or_404(self.get_queryset().prefetch_related("labels"), pk=source_id)
            self.source = source
            document = selectors.export_config(source.config, forge=source.is_forge)
            data = form_data_from_document(
                document,
                name=f"{source.name}-copy"[:100],
                description=source.description,
                credentials_id=source.credentials_id,
                label_ids=[label.pk for label in source.labels.all()],
            )
            kwargs["initial"] = {
                **data,
                "labels": data["labels"],
                "environment": source.config.get("environment") or [],
            }
            for spec in form_specs():  # a posted form omits False; a duplicate keeps it, not the default
                if spec.kind == "bool" and get_path(document, spec.path) is not None:
                    kwargs["initial"][spec.path] = bool(get_path(document, spec.path))
        return kwargs

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(client_rules=options.client_rules(), source=getattr(self, "source", None))
        return context

    def get_cancel_url(self) -> str:
        return self.ws_url("computeenvs:list")

    def post(self, request, *args, **kwargs):
        self.dispatch_object()
        form = self.get_form()
        if not form.all_valid():
            return self.form_invalid(form)
        if "preview" in request.POST:
            preview = form.preview()
            if preview is not None:
                preview["policy_json"] = json.dumps(preview["policy"], indent=2)
                preview["plan"] = plan_rows(preview["plan"])
            return self.render_to_response(self.get_context_data(form=form, preview=preview))
        return self.form_valid(form)

    def get_success_message(self) -> str:
        ce = self.object
        what = "Batch Forge will create its AWS resources" if ce.is_forge else "its job queues are being validated"
        return f"Compute environment {ce.name} created; {what}."


class ComputeEnvEditView(ComputeEnvPage, ObjectFormView):
    permission_action = "compute_environment:write"
    template_name = "computeenvs/edit.html"
    form_class = ComputeEnvEditForm
    success_message = "Compute environment {object.name} saved."


class ComputeEnvDeleteView(ComputeEnvPage, ObjectDeleteView):
    """Confirm, then delete: at once, or (Forge with Dispose resources on) DELETING while the
    dispose actor removes the AWS resources; ``force`` (R36) drops the record and keeps AWS."""

    permission_action = "compute_environment:delete"
    template_name = "computeenvs/confirm_delete.html"
    success_message = "Compute environment {object} deleted."
    deferred = False

    def perform_delete(self, obj):
        force = bool(self.request.POST.get("force"))
        self.deferred = not services.delete_compute_env(ce=obj, force=force)
        if self.deferred:
            self.success_message = (
                "Compute environment {object} is being deleted: Batch Forge removes its AWS resources, newest first."
            )

    def must_confirm_by_name(self) -> bool:
        return self.object.is_forge  # its AWS resources go with it (or stay, unmanaged): type the name

    def blockers(self) -> list[str]:
        return services.delete_blockers(self.object)

    def get_success_url(self) -> str:
        return self.object.get_absolute_url() if self.deferred else self.ws_url("computeenvs:list")

    def get_cancel_url(self) -> str:
        return self.object.get_absolute_url()

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        ce = self.object
        if ce.primary:
            context["consequences"] = (
                "This is the workspace's primary compute environment: pipelines launch on it by default. "
                "After the delete the workspace has no primary until you make another one primary."
            )
        ledger = selectors.resources_to_dispose(ce) if ce.is_forge else []
        context.update(
            dispose=selectors.disposes_on_deletion(ce),
            ledger=ledger,
            can_force=ce.status in services.FORCE_DELETE_STATUSES,
        )
        return context


class ComputeEnvActionView(ComputeEnvPage, ObjectActionView):
    """POST-only buttons of the detail page; a refusal is shown as a message, never a 500."""

    permission_action = "compute_environment:write"


class RetryForgeView(ComputeEnvActionView):
    """Resumes the forge of an ERRORED (or INVALID) Forge CE; what exists is adopted."""

    def act(self, ce):
        services.retry_forge(ce=ce)
        return f"Batch Forge resumes {ce.name}: what exists is adopted, the rest is created."


class MakePrimaryView(ComputeEnvActionView):
    def act(self, ce):
        services.make_primary(ce=ce)
        return f"{ce.name} is now the primary compute environment of this workspace."


class DisableView(ComputeEnvActionView):
    def act(self, ce):
        services.disable_compute_env(ce=ce)
        return f"{ce.name} is disabled: no pipeline can be launched on it until you enable it again."


class EnableView(ComputeEnvActionView):
    message_tags = PENDING_NOTICE

    def act(self, ce):
        services.enable_compute_env(ce=ce)
        return f"{ce.name} is being enabled: it takes pipelines again once it shows AVAILABLE."


class ValidateView(ComputeEnvActionView):
    message_tags = PENDING_NOTICE

    def act(self, ce):
        services.request_validation(ce)
        self.since = stamp(ce.last_updated)
        return f"Validation of {ce.name} started; the status updates when it finishes."

    def get_success_url(self) -> str:
        since = getattr(self, "since", None)
        return super().get_success_url() + (f"?validating={since}" if since is not None else "")


# --------------------------------------------------------------------------- export / import / policy
class ExportView(ComputeEnvPage, ObjectMixin, View):
    def get(self, request, *args, **kwargs):
        ce = self.get_object()
        return json_download(selectors.export_compute_env(ce), f"{ce.name}.json")


class ImportView(ComputeEnvPage, ObjectFormView):
    permission_action = "compute_environment:write"
    template_name = "computeenvs/import.html"
    form_class = ImportForm
    submit_label = "Import"
    success_message = "Compute environment {object.name} imported."

    def get_form_kwargs(self):
        return {**FormView.get_form_kwargs(self), "workspace": self.workspace, "user": self.request.user}

    def get_cancel_url(self) -> str:
        return self.ws_url("computeenvs:list")


class PolicyView(ComputeEnvPage, ObjectDetailView):
    """The least-privilege IAM policy the CE's credentials need; ``?format=json`` downloads it."""

    template_name = "computeenvs/policy.html"

    def get(self, request, *args, **kwargs):
        self.dispatch_object()
        if request.GET.get("format") == "json":
            return json_download(selectors.policy_for(self.object), f"{self.object.name}-iam-policy.json")
        return self.render_to_response(self.get_context_data())

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        document = selectors.policy_for(self.object)
        context.update(
            policy_json=json.dumps(document, indent=2),
            sections=policy.policy_sections(document),
            account_id=self.object.credentials.account_id,
            detail_url=self.object.get_absolute_url(),
            download_url=f"{self.ws_url('computeenvs:policy', pk=self.object.pk)}?format=json",
        )
        return context


# --------------------------------------------------------------------------- AWS pickers
class PickerView(ComputeEnvPage, TemplateView):
    """The choices of one form field, read from AWS with the credentials and region the form holds
    (`?field=&credentials=&region=&forge.vpcId=`), as an htmx fragment: a datalist for a text field,
    an "Add" select for a list field. Free text always stays possible."""

    permission_action = "compute_environment:write"
    template_name = "computeenvs/_picker.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        kind = self.kwargs["kind"]
        if kind not in pickers.PICKERS:
            raise Http404("No such picker.")
        first_field = next(path for path, picker in pickers.FIELD_PICKERS.items() if picker == kind)
        field = self.request.GET.get("field") or first_field
        if pickers.FIELD_PICKERS.get(field) != kind:
            raise Http404("That field has no such picker.")
        spec = options.FIELD_BY_PATH[field]
        context.update(field=field, is_list=spec.kind == "list", what=pickers.PICKERS[kind].what, choices=[])
        credentials = Credentials.objects.filter(
            workspace=self.workspace, pk=self.request.GET.get("credentials") or None
        ).first()
        region = self.request.GET.get("region", "")
        if credentials is None or region not in options.REGIONS:
            context["message"] = f"Choose credentials and a region to list {context['what']} from AWS."
            return context
        try:
            context["choices"] = pickers.choices(
                credentials=credentials,
                region=region,
                kind=kind,
                vpc_id=self.request.GET.get("forge.vpcId", "").strip(),
            )
        except pickers.PickerError as exc:
            context["message"] = str(exc)
            return context
        if not context["choices"]:
            context["message"] = f"No {context['what']} in {region} for these credentials; type a value instead."
        return context
