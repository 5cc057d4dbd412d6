"""List filters (django-filter)."""

import django_filters

from seqera.filters import SearchFilterSet
from workspaces.models import Credentials, Label, OrgMembership, Participant
from workspaces.permissions import OrgRole, WorkspaceRole


class LabelFilterSet(SearchFilterSet):
    search_fields = ("name", "value")
    type = django_filters.ChoiceFilter(
        label="Type",
        choices=[("simple", "Simple"), ("resource", "Resource")],
        empty_label="All",
        method="filter_type",
    )

    class Meta:
        model = Label
        fields = ["q", "type"]

    def filter_type(self, queryset, name, value):
        return queryset.filter(resource=value == "resource")


class CredentialsFilterSet(SearchFilterSet):
    search_fields = ("name", "description", "access_key", "assume_role_arn")
    status = django_filters.ChoiceFilter(
        label="Status",
        choices=[*Credentials.Status.choices, ("none", "Not yet validated")],
        empty_label="Any status",
        method="filter_status",
    )

    class Meta:
        model = Credentials
        fields = ["q", "status"]

    def filter_status(self, queryset, name, value):
        return queryset.filter(status="" if value == "none" else value)


class MemberFilterSet(SearchFilterSet):
    search_fields = ("user__username", "user__email")
    q = django_filters.CharFilter(method="search", label="Search user or e-mail")
    role = django_filters.ChoiceFilter(choices=OrgRole.choices, empty_label="Any role")

    class Meta:
        model = OrgMembership
        fields = ["q", "role"]


class ParticipantFilterSet(SearchFilterSet):
    search_fields = ("user__username", "user__email", "team__name")
    q = django_filters.CharFilter(method="search", label="Search user, e-mail or team")
    role = django_filters.ChoiceFilter(choices=WorkspaceRole.choices, empty_label="Any role")

    class Meta:
        model = Participant
        fields = ["q", "role"]
