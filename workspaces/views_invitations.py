"""Invitation and e-mail verification pages.

The token of an e-mailed link is moved from the URL into the session at once and the browser is
redirected to a token-free URL (as Django's password reset does), so the token does not reach
server logs, the sign-in page's ``?next=`` or a Referer header. Everything else is the services'.
"""

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.forms import UserCreationForm
from django.core import signing
from django.core.exceptions import ValidationError
from django.db import transaction
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.views import View
from django.views.decorators.cache import never_cache
from django.views.generic import TemplateView

from seqera.views.generic import ObjectMixin, PageMixin
from workspaces import services
from workspaces.models import Invitation
from workspaces.permissions import OrgRole
from workspaces.tenancy import OrgPage, WorkspacePage

SESSION_INVITATION = "invitation_token"
SESSION_EMAIL = "email_verification_token"
IN_SESSION = "accept"  # the URL's token once the real one is in the session


def _stash(request, key: str, token: str, url_name: str):
    """Moves a link's token into the session; returns the redirect to the token-free URL, or None."""
    if token == IN_SESSION:
        return None
    request.session[key] = token
    return redirect(reverse(url_name, kwargs={"token": IN_SESSION}))


class NewAccountForm(UserCreationForm):
    """Django's user creation rules (user name, password validators) for an invited address."""

    class Meta(UserCreationForm.Meta):
        fields = ("username",)


def invitation_target_url(invitation: Invitation) -> str:
    if invitation.workspace_id:
        ws = invitation.workspace
        return reverse("workspaces:workspace_detail", kwargs={"org": ws.org.name, "workspace": ws.name})
    if invitation.team_id:
        return reverse("workspaces:team_detail", kwargs={"org": invitation.org.name, "team": invitation.team.name})
    return reverse("workspaces:org_detail", kwargs={"org": invitation.org.name})


@method_decorator(never_cache, name="dispatch")
class InvitationAcceptView(PageMixin, TemplateView):
    """The e-mailed link: shows what the invitation offers and accepts it for the signed-in user, or
    creates the account of the invited address (then signs it in), or asks to sign in with it."""

    template_name = "registration/invitation_accept.html"
    page_title = "Invitation"

    def dispatch(self, request, *args, **kwargs):
        stashed = _stash(request, SESSION_INVITATION, kwargs["token"], "invitation_accept")
        if stashed is not None:
            return stashed
        self.token = request.session.get(SESSION_INVITATION, "")
        self.invitation = services.pending_invitation(self.token)
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        invitation = self.invitation
        context["invitation"] = invitation
        if invitation is None:
            return context
        context["what"] = services.invitation_subject(invitation)
        user = self.request.user
        if user.is_authenticated:
            context["mode"] = "accept"
        elif services.invitation_needs_account(invitation):
            context["mode"] = "create"
            context.setdefault(
                "form", NewAccountForm(initial={"username": services.suggested_username(invitation.email)})
            )
        else:
            context["mode"] = "sign_in"
            context["login_url"] = (
                f"{reverse('login')}?next={reverse('invitation_accept', kwargs={'token': IN_SESSION})}"
            )
        return context

    def post(self, request, *args, **kwargs):
        if self.invitation is None:
            return self.get(request, *args, **kwargs)
        invitation = self.invitation
        form = None
        try:
            if request.user.is_authenticated:
                with transaction.atomic():
                    services.accept_invitation(token=self.token, user=request.user)
            else:
                form = NewAccountForm(request.POST)
                if not form.is_valid():
                    return self.render_to_response(self.get_context_data(form=form))
                with transaction.atomic():
                    user = services.accept_invitation_with_new_account(
                        token=self.token,
                        username=form.cleaned_data["username"],
                        password=form.cleaned_data["password1"],
                    )
                login(request, user, backend="django.contrib.auth.backends.ModelBackend")
        except ValidationError as exc:
            if form is not None and hasattr(exc, "error_dict"):
                for field, errors in exc.error_dict.items():
                    form.add_error(field if field in form.fields else None, errors)
                return self.render_to_response(self.get_context_data(form=form))
            for message in exc.messages:
                messages.error(request, message)
            return redirect(reverse("invitation_accept", kwargs={"token": IN_SESSION}))
        request.session.pop(SESSION_INVITATION, None)
        messages.success(request, f"Welcome: you joined {services.invitation_subject(invitation)}.")
        return redirect(invitation_target_url(invitation))


@method_decorator(never_cache, name="dispatch")
class EmailVerifyView(PageMixin, TemplateView):
    """The e-mailed link that confirms an address: signed in as the account that asked, the user
    confirms with a button (a GET never changes anything)."""

    template_name = "registration/email_verify.html"
    page_title = "Confirm your e-mail address"

    def dispatch(self, request, *args, **kwargs):
        stashed = _stash(request, SESSION_EMAIL, kwargs["token"], "email_verify")
        if stashed is not None:
            return stashed
        if not request.user.is_authenticated:
            return redirect(f"{reverse('login')}?next={reverse('email_verify', kwargs={'token': IN_SESSION})}")
        self.token = request.session.get(SESSION_EMAIL, "")
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        try:
            data = signing.loads(self.token, salt=services.EMAIL_LINK_SALT, max_age=services.EMAIL_LINK_MAX_AGE)
        except signing.BadSignature:
            data = None
        context["email"] = data.get("e") if data and data.get("u") == self.request.user.pk else None
        return context

    def post(self, request, *args, **kwargs):
        try:
            email = services.verify_email(token=self.token, user=request.user)
        except ValidationError as exc:
            for message in exc.messages:
                messages.error(request, message)
        else:
            request.session.pop(SESSION_EMAIL, None)
            messages.success(request, f"{email} is now your confirmed e-mail address.")
        return redirect("profile")


class InvitationActionMixin(ObjectMixin, View):
    """POST-only revoke/resend of an invitation; the service checks the acting user's role."""

    model = Invitation
    verb = ""

    def perform(self, invitation):
        raise NotImplementedError

    def post(self, request, *args, **kwargs):
        self.object = self.get_object()
        try:
            self.perform(self.object)
        except ValidationError as exc:
            for message in exc.messages:
                messages.error(request, message)
        else:
            messages.success(request, f"Invitation of {self.object.email} {self.verb}.")
        return redirect(self.get_success_url())


class RevokeMixin:
    verb = "revoked: its link no longer works"

    def perform(self, invitation):
        services.revoke_invitation(invitation=invitation, actor=self.request.user)


class ResendMixin:
    verb = "sent again with a new link, valid for 7 days"

    def perform(self, invitation):
        services.resend_invitation(
            invitation=invitation, actor=self.request.user, base_url=self.request.build_absolute_uri("/").rstrip("/")
        )


class OrgInvitationMixin(OrgPage, InvitationActionMixin):
    min_org_role = OrgRole.OWNER

    def get_queryset(self):
        return Invitation.objects.filter(org=self.org).select_related("org", "workspace", "team")

    def get_success_url(self):
        return self.org_url("workspaces:org_members")


class OrgInvitationRevokeView(RevokeMixin, OrgInvitationMixin):
    pass


class OrgInvitationResendView(ResendMixin, OrgInvitationMixin):
    pass


class WorkspaceInvitationMixin(WorkspacePage, InvitationActionMixin):
    permission_action = "participant:write"

    def get_queryset(self):
        return Invitation.objects.filter(workspace=self.workspace).select_related("org", "workspace__org")

    def get_success_url(self):
        return self.ws_url("workspaces:participant_list")


class WorkspaceInvitationRevokeView(RevokeMixin, WorkspaceInvitationMixin):
    pass


class WorkspaceInvitationResendView(ResendMixin, WorkspaceInvitationMixin):
    pass
