"""Forms of the pipelines pages: each `save()` calls one service (`pipelines.services`)."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError

from computeenvs.models import ComputeEnv
from pipelines import services
from pipelines.models import PipelineSecret
from seqera.forms import ServiceForm, style_widgets
from workspaces.models import Label
from workspaces.permissions import role_allows

TEXTAREA = {"rows": 4, "spellcheck": "false", "class": "form-control font-monospace"}


def _choices_of(workspace):
    return ComputeEnv.objects.filter(workspace=workspace).order_by("name")


class LaunchSettingsForm(ServiceForm):
    """The settings shared by a saved pipeline and a launch (domain.md §4.1)."""

    repository = forms.CharField(
        label="Pipeline to launch",
        max_length=1024,
        help_text="Git repository URL, e.g. https://github.com/nextflow-io/hello",
    )
    revision = forms.CharField(required=False, max_length=100, help_text="Branch, tag or commit.")
    config_profiles = forms.CharField(
        label="Config profiles", required=False, help_text="Comma-separated, e.g. test,docker."
    )
    compute_env = forms.ModelChoiceField(
        label="Compute environment",
        queryset=ComputeEnv.objects.none(),
        required=False,
        empty_label="The workspace's primary compute environment",
    )
    work_dir = forms.CharField(
        label="Work directory", required=False, max_length=1024, help_text="Empty: the compute environment's."
    )
    params_text = forms.CharField(
        label="Parameters",
        required=False,
        widget=forms.Textarea(attrs=TEXTAREA),
        strip=False,
        help_text="JSON or YAML (name: value).",
    )
    config_text = forms.CharField(
        label="Nextflow config",
        required=False,
        widget=forms.Textarea(attrs=TEXTAREA),
        strip=False,
        help_text="Added after the compute environment's config (it wins).",
    )
    pre_run_script = forms.CharField(
        label="Pre-run script", required=False, strip=False, widget=forms.Textarea(attrs=TEXTAREA)
    )
    post_run_script = forms.CharField(
        label="Post-run script", required=False, strip=False, widget=forms.Textarea(attrs=TEXTAREA)
    )
    main_script = forms.CharField(label="Main script", required=False, max_length=200)
    entry_name = forms.CharField(label="Workflow entry name", required=False, max_length=200)
    head_job_cpus = forms.IntegerField(label="Head job CPUs", required=False, min_value=1, max_value=256)
    head_job_memory_mb = forms.IntegerField(
        label="Head job memory (MiB)", required=False, min_value=1000, max_value=1_000_000
    )
    workspace_secrets = forms.MultipleChoiceField(
        label="Pipeline secrets", required=False, widget=forms.CheckboxSelectMultiple
    )
    pull_latest = forms.BooleanField(label="Pull latest (-latest)", required=False)
    stub_run = forms.BooleanField(label="Stub run (-stub-run)", required=False)
    resume = forms.BooleanField(label="Resume (-resume)", required=False)
    labels = forms.ModelMultipleChoiceField(queryset=Label.objects.none(), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        workspace = self.context.get("workspace")
        self.fields["compute_env"].queryset = _choices_of(workspace)
        self.fields["labels"].queryset = Label.objects.filter(workspace=workspace, resource=False)
        self.fields["workspace_secrets"].choices = [
            (name, name) for name in PipelineSecret.objects.filter(workspace=workspace).values_list("name", flat=True)
        ]
        if not self.fields["labels"].queryset.exists():
            del self.fields["labels"]
        if not self.fields["workspace_secrets"].choices:
            del self.fields["workspace_secrets"]
        style_widgets(self)
        for name in ("pull_latest", "stub_run", "resume"):
            self.fields[name].widget.attrs["class"] = "form-check-input"
        if "workspace_secrets" in self.fields:
            self.fields["workspace_secrets"].widget.attrs.pop("class", None)

    def prefill(self, source, *, compute_env=None) -> None:
        """Initial values from a pipeline or a launch snapshot."""
        for name in services.SETTING_FIELDS:
            if name in self.fields:
                self.initial[name] = getattr(source, name)
        self.initial["config_profiles"] = ", ".join(source.config_profiles or [])
        if compute_env is not None:
            self.initial["compute_env"] = compute_env.pk

    def settings_data(self) -> dict:
        data = {name: self.cleaned_data[name] for name in services.SETTING_FIELDS if name in self.cleaned_data}
        data["config_profiles"] = [
            p.strip() for p in (self.cleaned_data.get("config_profiles") or "").split(",") if p.strip()
        ]
        data.setdefault("workspace_secrets", [])
        return data

    def label_ids(self) -> list[int]:
        return [label.pk for label in self.cleaned_data.get("labels") or []]


class PipelineForm(LaunchSettingsForm):
    name = forms.CharField(max_length=99)
    description = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}))
    field_order = ["name", "description", "repository", "revision", "config_profiles", "compute_env"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.order_fields(self.field_order)
        if self.instance is not None and not self.is_bound:
            self.prefill(self.instance, compute_env=self.instance.compute_env)
            if "labels" in self.fields:
                self.initial["labels"] = [label.pk for label in self.instance.labels.all()]

    def save(self):
        ce = self.cleaned_data.get("compute_env")
        if self.instance is None:
            return services.create_pipeline(
                workspace=self.context["workspace"],
                created_by=self.context["user"],
                name=self.cleaned_data["name"],
                description=self.cleaned_data["description"],
                settings=self.settings_data(),
                compute_env=ce,
                label_ids=self.label_ids(),
            )
        return services.update_pipeline(
            pipeline=self.instance,
            name=self.cleaned_data["name"],
            description=self.cleaned_data["description"],
            settings=self.settings_data(),
            compute_env=ce,
            label_ids=self.label_ids(),
        )


class LaunchForm(LaunchSettingsForm):
    """Launch a saved pipeline (`pipeline` in context) or a repository (quick launch). A user with
    the launch role sees every setting but the parameters locked (domain.md §5.2)."""

    run_name = forms.CharField(label="Run name", max_length=80, help_text="Unique in this workspace.")
    field_order = ["run_name", "repository", "revision", "config_profiles", "compute_env", "work_dir", "params_text"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.order_fields(self.field_order)
        self.pipeline = self.context.get("pipeline")
        source = self.context.get("source")  # a launch to relaunch, or the pipeline
        # Initial values also when bound: a disabled field (the launch role's) takes its initial value.
        if source is not None:
            self.prefill(source, compute_env=self.context.get("compute_env"))
        if not self.is_bound:
            self.initial.setdefault("run_name", services.random_run_name(workspace=self.context["workspace"]))
            if source is None:
                primary = services.primary_compute_env(self.context["workspace"])
                self.initial.setdefault("config_text", services.global_config(primary))
        if self.pipeline is not None and not role_allows(self.context.get("role"), "workflow_quick:execute"):
            for name, field in self.fields.items():
                if name not in ("run_name", "params_text", "labels"):
                    field.disabled = True

    def clean(self):
        data = super().clean()
        try:
            services.parse_params(data.get("params_text") or "")
        except ValidationError as exc:
            for key, messages in exc.message_dict.items():
                self.add_error(key, messages)
        return data

    def save(self):
        return services.launch_run(
            workspace=self.context["workspace"],
            user=self.context["user"],
            role=self.context.get("role"),
            pipeline=self.pipeline,
            compute_env=self.cleaned_data.get("compute_env"),
            run_name=self.cleaned_data["run_name"],
            label_ids=self.label_ids(),
            settings=self.settings_data(),
            session_id=self.context.get("session_id"),
            resume_dir=self.context.get("resume_dir", ""),
        )


class SecretForm(ServiceForm):
    name = forms.CharField(
        max_length=50, help_text="Letters, digits and single underscores; Nextflow reads it as secrets.<name>."
    )
    value = forms.CharField(
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}),
        help_text="Stored encrypted; never shown again.",
        strip=False,
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance is not None:
            del self.fields["name"]
            self.fields["value"].label = "New value"

    def save(self):
        if self.instance is None:
            return services.create_pipeline_secret(
                workspace=self.context["workspace"],
                created_by=self.context["user"],
                name=self.cleaned_data["name"],
                value=self.cleaned_data["value"],
            )
        return services.update_pipeline_secret(secret=self.instance, value=self.cleaned_data["value"])
