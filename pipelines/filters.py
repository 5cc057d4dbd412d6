import django_filters
from django import forms

from pipelines.models import Pipeline, PipelineSecret, Run, RunStatus
from seqera.filters import SearchFilterSet
from workspaces.models import Label


class PipelineFilter(SearchFilterSet):
    search_fields = ("name", "repository", "description")

    class Meta:
        model = Pipeline
        fields = ("q",)


class SecretFilter(SearchFilterSet):
    search_fields = ("name",)

    class Meta:
        model = PipelineSecret
        fields = ("q",)


class RunFilter(SearchFilterSet):
    """Runs by status, label, pipeline, user and submission date; `q` searches run and project names.
    Choices come from the request's workspace only."""

    search_fields = ("run_name", "project_name")
    status = django_filters.ChoiceFilter(choices=RunStatus.choices, empty_label="Any status")
    label = django_filters.ModelChoiceFilter(
        field_name="labels", queryset=Label.objects.none(), empty_label="Any label"
    )
    pipeline = django_filters.ModelChoiceFilter(queryset=Pipeline.objects.none(), empty_label="Any pipeline")
    user = django_filters.CharFilter(field_name="user_name", lookup_expr="iexact", label="User")
    after = django_filters.DateFilter(
        field_name="submit", lookup_expr="date__gte", label="From", widget=forms.DateInput(attrs={"type": "date"})
    )
    before = django_filters.DateFilter(
        field_name="submit", lookup_expr="date__lte", label="To", widget=forms.DateInput(attrs={"type": "date"})
    )

    class Meta:
        model = Run
        fields = ("q", "status", "label", "pipeline", "user", "after", "before")

    def __init__(self, *args, workspace=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.filters["label"].queryset = Label.objects.filter(workspace=workspace)
        self.filters["pipeline"].queryset = Pipeline.objects.filter(workspace=workspace)
