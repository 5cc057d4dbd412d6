"""Compute-environment forms. The create form is generated from `options.FIELDS`, turns what was
posted into the same config document the API receives and calls the same
`services.create_compute_env`; the service's ``config.<path>`` errors land beside the field of
that path (form field names *are* the config paths, e.g. ``forge.maxCpus``)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urlencode

from django import forms
from django.core.exceptions import ValidationError
from django.urls import reverse

from computeenvs import options, pickers, services
from computeenvs.models import ComputeEnv, new_compute_env_id
from seqera.forms import add_service_errors, style_widgets
from seqera.jsonio import JSONInputError, parse_json
from workspaces.models import Credentials, Label

MODE_CHOICES = [("forge", "Batch Forge"), ("manual", "Manual")]
SERVER_MANAGED = frozenset({"forgedResources", "volumes", "deletedResources"})
GROUPS: tuple[tuple[str, str, str], ...] = (
    ("general", "General", "Name, description and how the AWS Batch resources come to exist."),
    ("credentials", "Credentials and region", "The workspace credentials used for every AWS call, and the region."),
    ("workdir", "Work directory", "Where Nextflow keeps intermediate files; an S3 bucket in the same region."),
    ("wavefusion", "Wave and Fusion", "Container provisioning and the Fusion file system."),
    ("forge", "Batch Forge provisioning", "What Batch Forge creates: instances, CPUs, allocation and disks."),
    ("storage", "Storage: EFS and FSx", "Shared file systems mounted on every instance."),
    ("networking", "Networking", "VPC, subnets and security groups (empty: the region's default VPC)."),
    ("staging", "Staging", "Scripts run before and after Nextflow, and the global Nextflow config."),
    ("environment", "Environment variables", "Variables for the head job, the compute jobs, or both."),
    ("advanced", "Advanced", "Head job resources, IAM roles, logging and the ECS agent."),
)
GROUP_TITLES = {key: title for key, title, _ in GROUPS}
COLLAPSIBLE_GROUPS = frozenset({"storage", "networking", "staging", "environment", "advanced"})
ENVELOPE_FIELD = {"credentialsId": "credentials", "labelIds": "labels"}
LIST_SPLIT = re.compile(r"[\s,]+")


class InlineRadioSelect(forms.RadioSelect):
    """Radios for Bootstrap's ``form-check``: each input gets ``form-check-input``, the wrapper no class
    (a classed wrapper is drawn as a 1em checkbox box and the radios spill over the next field)."""

    def create_option(self, *args, **kwargs):
        option = super().create_option(*args, **kwargs)
        option["attrs"]["class"] = "form-check-input"
        return option


def get_path(document: dict, path: str):
    node = document
    for part in path.split("."):
        if not isinstance(node, dict) or part not in node:
            return None
        node = node[part]
    return node


def set_path(document: dict, path: str, value) -> None:
    *parents, last = path.split(".")
    node = document
    for part in parents:
        node = node.setdefault(part, {})
    node[last] = value


def field_mode(spec) -> str:
    """``forge``, ``manual`` or ``""`` (both): which config mode shows the field."""
    if spec.forge_only:
        return "forge"
    return "manual" if spec.manual_only else ""


def form_specs():
    return [s for s in options.FIELDS if s.kind != "envvars" and s.path not in SERVER_MANAGED]


# --------------------------------------------------------------------------- environment variables
class EnvVarForm(forms.Form):
    name = forms.CharField(required=False, max_length=256)
    value = forms.CharField(required=False, max_length=4096)
    head = forms.BooleanField(required=False, initial=True, label="Head job")
    compute = forms.BooleanField(required=False, label="Compute jobs")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        style_widgets(self)

    def is_blank(self) -> bool:
        data = getattr(self, "cleaned_data", {})
        return not data.get("name") and not data.get("value")


EnvVarFormSet = forms.formset_factory(EnvVarForm, extra=1, max_num=100, validate_max=True)


# --------------------------------------------------------------------------- create
# Options Seqera keeps only for old compute environments; the form folds them under "Deprecated".
DEPRECATED_FIELDS = ("forge.fusionEnabled", "forge.ebsAutoScale", "forge.ebsBlockSize")


@dataclass
class FieldRow:
    field: forms.BoundField
    spec: object
    mode: str
    picker_url: str = ""  # where htmx loads this field's choices from AWS (computeenvs.pickers)

    @property
    def deprecated(self) -> bool:
        return bool(self.spec) and self.spec.path in DEPRECATED_FIELDS

    @property
    def is_checkbox(self) -> bool:
        return isinstance(self.field.field.widget, forms.CheckboxInput)

    @property
    def required(self) -> bool:
        """Required for the user, though the form field itself is lenient (the services give the message)."""
        return self.spec.required if self.spec else bool(self.field.field.widget.attrs.get("required"))

    @property
    def is_multi(self) -> bool:
        return isinstance(self.field.field.widget, forms.CheckboxSelectMultiple)

    @property
    def is_radio(self) -> bool:
        return isinstance(self.field.field.widget, forms.RadioSelect)


@dataclass
class FieldGroup:
    """One section of the create form; a collapsible group renders closed unless `open`."""

    key: str
    title: str
    intro: str
    rows: list[FieldRow]
    collapsible: bool
    open: bool

    @property
    def has_errors(self) -> bool:
        return any(row.field.errors for row in self.rows)

    @property
    def current_rows(self) -> list[FieldRow]:
        return [row for row in self.rows if not row.deprecated]

    @property
    def deprecated_rows(self) -> list[FieldRow]:
        return [row for row in self.rows if row.deprecated]

    @property
    def deprecated_open(self) -> bool:
        """A deprecated option still in use (or in error) is shown, never folded away."""
        return any(row.field.errors or _is_set(row) for row in self.deprecated_rows)


def _placeholder(spec) -> str:
    if spec.default in (None, "", ()):
        return f"e.g. {spec.example}" if spec.example else ""
    return f"{spec.default} (default)" if spec.coupled is None else f"default: {spec.default}"


def _spec_field(spec) -> forms.Field:
    """A lenient form field: the types only; ranges and rules are `options`' job (same messages as the API).

    Values whose default depends on other options (``coupled``) start empty, so the server fills
    the right default instead of receiving an explicit value that may contradict a rule."""
    common = {"required": False, "label": spec.label, "help_text": spec.help or ""}
    initial = None if spec.coupled is not None else spec.default
    attrs = {"placeholder": _placeholder(spec)} if _placeholder(spec) else {}
    if spec.kind == "bool":
        return forms.BooleanField(initial=bool(spec.default), **common)
    if spec.kind == "int":
        if spec.unit:
            common["label"] = f"{spec.label} ({spec.unit})"
        return forms.IntegerField(initial=initial, widget=forms.NumberInput(attrs=attrs), **common)
    if spec.kind == "choice":
        choices = list(spec.choices)
        if initial in (None, ""):
            blank = "Choose…" if spec.required else f"Default ({spec.default})" if spec.default else "Default"
            choices = [("", blank), *choices]
        return forms.ChoiceField(choices=choices, initial=initial or "", **common)
    if spec.kind == "list":
        common["help_text"] = (common["help_text"] + " One per line, or separated by commas.").strip()
        attrs["rows"] = 2
        return forms.CharField(widget=forms.Textarea(attrs=attrs), **common)
    if spec.kind == "text":
        attrs.update(rows=4, **{"class": "form-control font-monospace"})
        return forms.CharField(widget=forms.Textarea(attrs=attrs), **common)
    return forms.CharField(initial=initial or "", widget=forms.TextInput(attrs=attrs), **common)


def _is_set(row: FieldRow) -> bool:
    """Whether the field holds a value other than its default (posted, or initial on Duplicate);
    an empty field means "the default" (the server fills it in)."""
    field, spec = row.field.field, row.spec
    value = row.field.value()
    if not row.is_checkbox and value in (None, "", [], ()):
        return False
    defaults = [field.initial]
    if spec is not None and spec.default not in (None, (), ""):
        defaults.append(spec.default)
    return all(field.has_changed(default, value) for default in defaults)


def _to_form_value(spec, value):
    if value is None:
        return None
    if spec.kind == "list":
        return "\n".join(str(v) for v in value) if isinstance(value, list) else str(value)
    return value


def form_data_from_document(
    document: dict, *, name: str = "", description: str = "", credentials_id: str = "", label_ids=()
) -> dict:
    """What a browser posts for `document`: the inverse of `ComputeEnvForm.to_document`.

    Used by "Duplicate" (as initial data) and by the form/API parity tests."""
    document = document or {}
    mode = "forge" if document.get("forge") else "manual"
    data: dict = {
        "name": name,
        "description": description,
        "mode": mode,
        "credentials": credentials_id,
        "labels": [str(i) for i in label_ids],
    }
    for spec in form_specs():
        value = _to_form_value(spec, get_path(document, spec.path))
        if value is None:
            continue
        if spec.kind == "bool":
            if value:
                data[spec.path] = "on"
        else:
            data[spec.path] = str(value)
    env = document.get("environment") or []
    data.update(
        {
            "env-TOTAL_FORMS": str(len(env)),
            "env-INITIAL_FORMS": "0",
            "env-MIN_NUM_FORMS": "0",
            "env-MAX_NUM_FORMS": "100",
        }
    )
    for index, var in enumerate(env):
        var = var if isinstance(var, dict) else {}
        data[f"env-{index}-name"] = str(var.get("name", ""))
        data[f"env-{index}-value"] = str(var.get("value", ""))
        for target in ("head", "compute"):
            if var.get(target):
                data[f"env-{index}-{target}"] = "on"
    return data


class ComputeEnvForm(forms.Form):
    """Create (and Duplicate). ``ce_id`` is pre-generated so the plan preview names the real resources."""

    name = forms.CharField(
        required=False, max_length=100, help_text="Up to 100 letters, digits, '-' and '_'; unique in this workspace."
    )
    description = forms.CharField(required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))
    mode = forms.ChoiceField(
        choices=MODE_CHOICES,
        initial="forge",
        label="Config mode",
        widget=InlineRadioSelect,
        help_text="Batch Forge creates the AWS Batch resources for you; Manual uses job queues you already made.",
    )
    labels = forms.ModelMultipleChoiceField(
        queryset=Label.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label="Resource labels",
        help_text="Applied as AWS tags to every forged resource and inherited by runs; fixed once created.",
    )
    credentials = forms.ModelChoiceField(
        queryset=Credentials.objects.none(),
        required=False,
        label="Credentials",
        help_text="AWS credentials of this workspace.",
    )
    ce_id = forms.CharField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, workspace, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.workspace, self.user = workspace, user
        self.fields["credentials"].queryset = Credentials.objects.filter(workspace=workspace)
        self.fields["credentials"].widget.attrs["required"] = True
        self.fields["credentials"].empty_label = "Choose…"
        self.fields["name"].widget.attrs["required"] = True
        labels = Label.objects.filter(workspace=workspace, resource=True)
        self.fields["labels"].queryset = labels
        self.fields["labels"].label_from_instance = lambda label: f"{label.name}={label.value}"
        if not labels.exists():
            self.fields["labels"].disabled = True
            self.fields[
                "labels"
            ].help_text = (
                "This workspace has no resource labels yet; add them under Labels to tag every forged resource."
            )
        if not self.is_bound and "labels" not in self.initial:
            self.initial["labels"] = [label.pk for label in labels if label.is_default]
        if not self.initial.get("ce_id"):
            self.initial["ce_id"] = new_compute_env_id()
        self.specs = {spec.path: spec for spec in form_specs()}
        for path, spec in self.specs.items():
            self.fields[path] = _spec_field(spec)
        for path in pickers.FIELD_PICKERS:
            if path in self.fields and options.FIELD_BY_PATH[path].kind != "list":
                self.fields[path].widget.attrs.update(list=f"picker-{path}", autocomplete="off")
        style_widgets(self)
        self.env = EnvVarFormSet(
            self.data if self.is_bound else None, initial=self.initial.get("environment"), prefix="env"
        )

    # ----- rendering
    def groups(self) -> list[FieldGroup]:
        """The form's sections in order. Optional groups are collapsible and open only when one of
        their fields has an error or a value other than its default, so nothing set is hidden."""
        rows: dict[str, list[FieldRow]] = {key: [] for key, _, _ in GROUPS}
        rows["general"] += [FieldRow(self[n], None, "") for n in ("name", "description", "mode", "labels")]
        rows["credentials"].append(FieldRow(self["credentials"], None, ""))
        for path, spec in self.specs.items():
            group = "credentials" if path == "region" else spec.group
            rows.setdefault(group, []).append(FieldRow(self[path], spec, field_mode(spec), self._picker_url(path)))
        return [
            FieldGroup(key, title, intro, rows[key], key in COLLAPSIBLE_GROUPS, self._group_open(key, rows[key]))
            for key, title, intro in GROUPS
            if rows[key] or key == "environment"
        ]

    def _picker_url(self, path: str) -> str:
        kind = pickers.FIELD_PICKERS.get(path)
        if kind is None:
            return ""
        kwargs = {"org": self.workspace.org.name, "workspace": self.workspace.name, "kind": kind}
        return f"{reverse('computeenvs:picker', kwargs=kwargs)}?{urlencode({'field': path})}"

    def _group_open(self, key: str, rows: list[FieldRow]) -> bool:
        if key not in COLLAPSIBLE_GROUPS:
            return True
        if key == "environment" and self._env_in_use():
            return True
        return any(row.field.errors or _is_set(row) for row in rows)

    def _env_in_use(self) -> bool:
        if self.env.is_bound and self.env.non_form_errors():
            return True
        return any(f.errors or f["name"].value() or f["value"].value() for f in self.env.forms)

    def all_valid(self) -> bool:
        return all([self.is_valid(), self.env.is_valid()])

    # ----- document
    def _value(self, spec):
        value = self.cleaned_data.get(spec.path)
        if spec.kind == "bool":
            return bool(value)
        if value in (None, ""):
            return None
        if spec.kind == "list":
            return [item for item in LIST_SPLIT.split(value) if item]
        return value

    def to_document(self) -> dict:
        forge = self.cleaned_data.get("mode") == "forge"
        document: dict = {"forge": {}} if forge else {}
        for path, spec in self.specs.items():
            mode = field_mode(spec)
            if (mode == "forge" and not forge) or (mode == "manual" and forge):
                continue
            value = self._value(spec)
            if value is not None:
                set_path(document, path, value)
        env = [{k: f.cleaned_data.get(k) for k in ("name", "value", "head", "compute")} for f in self.env_rows()]
        if env:
            document["environment"] = env
        return document

    # ----- service calls
    def _service_args(self) -> dict:
        credentials = self.cleaned_data.get("credentials")
        return {
            "workspace": self.workspace,
            "config": self.to_document(),
            "credentials": credentials,
            "label_ids": [label.pk for label in self.cleaned_data.get("labels") or []],
        }

    def preview(self) -> dict | None:
        """The plan and IAM policy for what was posted, or None with errors beside the fields."""
        try:
            return services.preview_compute_env(ce_id=self.cleaned_data.get("ce_id") or "", **self._service_args())
        except ValidationError as exc:
            self.add_service_errors(exc)
            return None

    def save(self) -> ComputeEnv:
        return services.create_compute_env(
            created_by=self.user,
            name=self.cleaned_data.get("name", ""),
            description=self.cleaned_data.get("description", ""),
            ce_id=self.cleaned_data.get("ce_id"),
            **self._service_args(),
        )

    def add_service_errors(self, exc: ValidationError) -> None:
        """``config.environment[i].<field>`` errors go beside their variable row; the rest as
        `seqera.forms.add_service_errors` puts them, ``config.<path>`` beside the field of that path."""
        if hasattr(exc, "error_dict"):
            rest = {}
            for key, errors in exc.error_dict.items():
                env = re.match(r"^config\.environment(?:\[(\d+)\])?(?:\.(\w+))?$", key)
                if env:
                    self._add_env_error(env, ValidationError(errors).messages)
                else:
                    rest[key] = errors
            if not rest:
                return
            exc = ValidationError(rest)
        add_service_errors(self, exc, self._service_field)

    def _service_field(self, key: str) -> str | None:
        path = key.removeprefix("config.") if key.startswith("config.") else ENVELOPE_FIELD.get(key, key)
        return self._field_of(path)

    def _field_of(self, path: str) -> str | None:
        """The form field showing errors of `path`; a list item's error (``forge.subnets[2]``) goes
        beside its list."""
        path = re.sub(r"\[\d+\]$", "", path)
        return path if path in self.fields and path != "ce_id" else None

    def env_rows(self) -> list[EnvVarForm]:
        """The filled-in variable rows, i.e. ``environment[i]`` of the document (fixed once cleaned)."""
        if not hasattr(self, "_env_rows"):
            self._env_rows = [f for f in self.env.forms if not f.is_blank()]
        return self._env_rows

    def _add_env_error(self, match, errors) -> None:
        rows = self.env_rows()
        index, field = match.group(1), match.group(2)
        target = rows[int(index)] if index is not None and int(index) < len(rows) else None
        for message in errors:
            if target is not None and field in target.fields:
                target.add_error(field, message)
            elif target is not None:
                target.add_error(None, message)
            else:
                self.add_error(None, message)


# --------------------------------------------------------------------------- edit
class ComputeEnvEditForm(forms.Form):
    """Name, description and credentials: the configuration itself is immutable."""

    service_field_map = ENVELOPE_FIELD

    name = forms.CharField(max_length=100, help_text=ComputeEnvForm.base_fields["name"].help_text)
    description = forms.CharField(required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 3}))
    credentials = forms.ModelChoiceField(
        queryset=Credentials.objects.none(), help_text="AWS credentials of this workspace."
    )

    def __init__(self, *args, instance: ComputeEnv, context: dict | None = None, **kwargs):
        stored = {"name": instance.name, "description": instance.description, "credentials": instance.credentials_id}
        kwargs["initial"] = {**stored, **(kwargs.get("initial") or {})}  # FormView always passes initial={}
        super().__init__(*args, **kwargs)
        self.instance = instance
        self.fields["credentials"].queryset = Credentials.objects.filter(workspace_id=instance.workspace_id)
        style_widgets(self)

    def save(self) -> ComputeEnv:
        return services.update_compute_env(
            ce=self.instance,
            name=self.cleaned_data["name"],
            description=self.cleaned_data["description"],
            credentials=self.cleaned_data["credentials"],
        )


# --------------------------------------------------------------------------- import
class ImportForm(forms.Form):
    MAX_BYTES = 1_000_000
    service_field_map = {"credentialsId": "credentials", "document": "file"}
    service_name_unknown = True  # "config.forge.vpcId: …" above the form says where in the file

    file = forms.FileField(label="JSON file", help_text="A compute environment exported as JSON (the API shape).")
    name = forms.CharField(required=False, max_length=100, help_text="Leave empty to keep the name in the file.")
    credentials = forms.ModelChoiceField(
        queryset=Credentials.objects.none(),
        required=False,
        help_text="Credentials do not travel between workspaces: choose this workspace's.",
    )

    def __init__(self, *args, workspace, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.workspace, self.user = workspace, user
        self.fields["credentials"].queryset = Credentials.objects.filter(workspace=workspace)
        style_widgets(self)

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > self.MAX_BYTES:
            raise ValidationError("The file is larger than 1 MB.")
        try:
            return parse_json(upload.read(self.MAX_BYTES + 1), max_bytes=self.MAX_BYTES)
        except JSONInputError as exc:
            where = f" (at {exc.path})" if exc.path else ""
            raise ValidationError(f"This is not a JSON file we can read: {exc}{where}") from None

    def save(self) -> ComputeEnv:
        return services.import_compute_env(
            workspace=self.workspace,
            created_by=self.user,
            document=self.cleaned_data["file"],
            credentials=self.cleaned_data["credentials"],
            name=self.cleaned_data["name"],
        )
