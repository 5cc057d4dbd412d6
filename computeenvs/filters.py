import django_filters
from django import forms

from computeenvs.models import ComputeEnv
from computeenvs.options import REGION_LABELS

# Every region a compute environment can have (options.validate refuses others), labelled as in
# the form: the region filter offers them without reading the workspace's rows.
REGION_CHOICES = [(code, f"{code} - {name}") for code, name in REGION_LABELS.items()]


class ComputeEnvFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(field_name="name", lookup_expr="icontains", label="Search by name")
    status = django_filters.ChoiceFilter(choices=ComputeEnv.Status.choices, empty_label="Any status")
    mode = django_filters.ChoiceFilter(choices=ComputeEnv.Mode.choices, empty_label="Any mode", label="Config mode")
    region = django_filters.ChoiceFilter(choices=REGION_CHOICES, empty_label="Any region")

    class Meta:
        model = ComputeEnv
        fields = ("q", "status", "region", "mode")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.form.fields.values():
            css = "form-select" if isinstance(field.widget, forms.Select) else "form-control"
            field.widget.attrs.setdefault("class", css)
