"""AWS credentials pages: list, detail with the live validation block, create, edit, replace the key pair, validate, delete."""

from django.contrib import messages
from django.shortcuts import redirect
from django.utils.decorators import method_decorator
from django.views import View
from django.views.decorators.cache import never_cache

from seqera.views.generic import (
    PENDING_NOTICE,
    ObjectDeleteView,
    ObjectDetailView,
    ObjectFormView,
    ObjectListView,
    ObjectMixin,
)
from seqera.views.live import LiveStatusMixin, stamp
from workspaces import filters, forms, selectors, services, tables
from workspaces.models import Credentials
from workspaces.tenancy import WorkspacePage


@method_decorator(never_cache, name="dispatch")
class CredentialsPage(WorkspacePage):
    """Credential pages are never cached (they concern a secret, though they never show it)."""

    model = Credentials
    section = "credentials"
    permission_action = "credentials:read"

    def get_success_url(self):
        return self.ws_url("workspaces:credentials_detail", pk=self.object.pk)


class CredentialsListView(CredentialsPage, ObjectListView):
    table_class = tables.CredentialsTable
    filterset_class = filters.CredentialsFilterSet
    template_name = "credentials/credentials_list.html"
    page_title = "Credentials"


class CredentialsLiveMixin(LiveStatusMixin):
    """The validation block's context: it polls until the first validation, or a requested one, reports."""

    live_moment_field = "last_validated"

    def is_pending(self, obj) -> bool:
        return not obj.status

    def live_status_url(self) -> str:
        return self.ws_url("workspaces:credentials_status", pk=self.object.pk)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        creds = self.object
        context.update(self.live_context(), trust_policy=selectors.trust_policy(creds) if creds.assume_role_arn else "")
        return context


class CredentialsDetailView(CredentialsLiveMixin, CredentialsPage, ObjectDetailView):
    template_name = "credentials/credentials_detail.html"
    context_object_name = "credentials"

    def get_page_title(self):
        return f"Credentials {self.object.name}"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["used_by"] = selectors.credentials_users(self.object)
        return context


class CredentialsStatusView(CredentialsLiveMixin, CredentialsPage, ObjectDetailView):
    """The validation block (status, AWS's answer, account id, last validated) and, out of band, the
    trust policy that names the account; htmx polls it while a validation has not reported."""

    template_name = "credentials/cells/status_live.html"
    context_object_name = "credentials"
    extra_context = {"oob": True}


class CredentialsCreateView(CredentialsPage, ObjectFormView):
    permission_action = "credentials:write"
    form_class = forms.CredentialsCreateForm
    template_name = "credentials/credentials_form.html"
    page_title = "New AWS credentials"
    submit_label = "Save credentials"
    success_message = "Credentials {object} saved. Validation against AWS is queued."
    success_message_tags = PENDING_NOTICE

    def get_cancel_url(self):
        return self.ws_url("workspaces:credentials_list")


class CredentialsEditView(CredentialsPage, ObjectFormView):
    permission_action = "credentials:write"
    form_class = forms.CredentialsEditForm
    template_name = "credentials/credentials_form.html"
    success_message = "Credentials {object} saved."

    def get_page_title(self):
        return f"Edit credentials {self.object.name}"


class CredentialsSecretView(CredentialsPage, ObjectFormView):
    permission_action = "credentials:write"
    form_class = forms.CredentialsSecretForm
    template_name = "credentials/credentials_form.html"
    submit_label = "Replace key pair"
    success_message = "Key pair of {object} replaced. Validation against AWS is queued."
    success_message_tags = PENDING_NOTICE

    def get_page_title(self):
        return f"Replace the key pair of {self.object.name}"


class CredentialsValidateView(CredentialsPage, ObjectMixin, View):
    permission_action = "credentials:write"

    def post(self, request, *args, **kwargs):
        self.object = self.get_object()
        services.request_credentials_validation(credentials=self.object)
        messages.info(
            request,
            f"Validation of {self.object.name} queued: the status updates in a few seconds.",
            extra_tags=PENDING_NOTICE,
        )
        return redirect(f"{self.get_success_url()}?validating={stamp(self.object.last_validated)}")


class CredentialsDeleteView(CredentialsPage, ObjectDeleteView):
    permission_action = "credentials:delete"
    page_title = "Delete credentials"
    consequences = "The encrypted secret is erased. Nothing in AWS is changed."

    def perform_delete(self, obj):
        services.delete_credentials(credentials=obj)

    def blockers(self):
        users = selectors.credentials_users(self.object)
        if not users:
            return []
        names = ", ".join(sorted(f"{user._meta.verbose_name} {user}" for user in users))
        return [f"In use by {names}: give them other credentials or delete them first."]

    def get_success_url(self):
        return self.ws_url("workspaces:credentials_list")

    def get_cancel_url(self):
        return self.ws_url("workspaces:credentials_detail", pk=self.object.pk)
