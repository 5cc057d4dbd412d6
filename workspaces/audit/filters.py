"""Filters of the audit pages (who, action, object type, date range) and of their CSV export."""

import django_filters
from django import forms
from django.db.models import Q

from seqera.filters import BaseFilterSet
from workspaces.audit.models import AuditAction, AuditEvent
from workspaces.audit.registry import object_type_choices


class AuditEventFilterSet(BaseFilterSet):
    who = django_filters.CharFilter(method="filter_who", label="Who")
    action = django_filters.ChoiceFilter(choices=AuditAction.choices, empty_label="Any action")
    object_type = django_filters.ChoiceFilter(choices=object_type_choices, empty_label="Any object", label="Object")
    since = django_filters.DateFilter(
        field_name="time", lookup_expr="date__gte", label="From", widget=forms.DateInput(attrs={"type": "date"})
    )
    until = django_filters.DateFilter(
        field_name="time", lookup_expr="date__lte", label="Until", widget=forms.DateInput(attrs={"type": "date"})
    )

    class Meta:
        model = AuditEvent
        fields = ["who", "action", "object_type", "since", "until"]

    def filter_who(self, queryset, name, value):
        value = value.strip()
        return queryset.filter(Q(username__icontains=value) | Q(token_name__icontains=value)) if value else queryset


class OrgAuditEventFilterSet(AuditEventFilterSet):
    workspace = django_filters.CharFilter(field_name="workspace_name", lookup_expr="iexact", label="Workspace")

    class Meta(AuditEventFilterSet.Meta):
        fields = ["who", "action", "object_type", "workspace", "since", "until"]
