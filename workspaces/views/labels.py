"""Label pages: list, create, edit, delete."""

from seqera.views.generic import (
    ObjectDeleteView,
    ObjectFormView,
    ObjectListView,
)
from workspaces import filters, forms, services, tables
from workspaces.models import Label
from workspaces.tenancy import WorkspacePage


class LabelPage(WorkspacePage):
    model = Label
    section = "labels"
    permission_action = "label:read"

    def get_success_url(self):
        return self.ws_url("workspaces:label_list")


class LabelListView(LabelPage, ObjectListView):
    table_class = tables.LabelTable
    filterset_class = filters.LabelFilterSet
    template_name = "labels/label_list.html"
    page_title = "Labels"


class LabelCreateView(LabelPage, ObjectFormView):
    permission_action = "label:write"
    form_class = forms.LabelForm
    template_name = "labels/label_form.html"
    page_title = "New label"
    submit_label = "Create label"
    success_message = "Label {object} created."


class LabelEditView(LabelPage, ObjectFormView):
    permission_action = "label:write"
    form_class = forms.LabelForm
    template_name = "labels/label_form.html"
    success_message = "Label {object} saved."

    def get_page_title(self):
        return f"Edit label {self.object}"


class LabelDeleteView(LabelPage, ObjectDeleteView):
    permission_action = "label:delete"
    page_title = "Delete label"
    consequences = "Compute environments that already carry it as an AWS tag keep the tag."

    def perform_delete(self, obj):
        services.delete_label(label=obj)
