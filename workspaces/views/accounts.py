"""Account pages: home, profile (e-mail, personal access tokens) and password."""

from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.views import View
from django.views.decorators.cache import never_cache
from django.views.generic import TemplateView

from seqera.views.generic import (
    PageMixin,
)
from workspaces import forms, services, tables
from workspaces.models import ApiToken, OrgMembership, Workspace


class HomeView(LoginRequiredMixin, PageMixin, TemplateView):
    template_name = "workspaces/home.html"
    page_title = "Your organizations and workspaces"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        workspaces = list(Workspace.objects.restrict(user, "workspace:read").select_related("org"))
        memberships = OrgMembership.objects.filter(user=user).select_related("org").order_by("org__name")
        context["orgs"] = [
            {"org": m.org, "role": m.role, "workspaces": [w for w in workspaces if w.org_id == m.org_id]}
            for m in memberships
        ]
        return context


@method_decorator(never_cache, name="dispatch")
class ProfileView(LoginRequiredMixin, PageMixin, TemplateView):
    """Profile: e-mail, password link and personal access tokens. A new token is rendered once,
    in the response to the POST that created it, and never again."""

    template_name = "registration/profile.html"
    page_title = "Your profile"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        context.setdefault("profile_form", forms.ProfileForm(instance=user, prefix="profile"))
        context.setdefault("token_form", forms.ApiTokenForm(prefix="token", context={"user": user}))
        context["tokens"] = tables.ApiTokenTable(ApiToken.objects.filter(user=user))
        context["email_verified"] = services.is_email_verified(user)
        return context

    def post(self, request, *args, **kwargs):
        user = request.user
        if request.POST.get("action") == "token":
            form = forms.ApiTokenForm(request.POST, prefix="token", context={"user": user})
            if form.is_valid():
                try:
                    token = form.save()
                except ValidationError as exc:
                    form.add_service_errors(exc)
                else:
                    messages.success(request, f"Token {token.name} created. Copy it now: it is not shown again.")
                    return self.render_to_response(
                        self.get_context_data(new_token=form.plaintext, new_token_name=token.name)
                    )
            return self.render_to_response(self.get_context_data(token_form=form))
        base_url = request.build_absolute_uri("/").rstrip("/")
        if request.POST.get("action") == "verify":
            services.request_email_verification(user=user, email=user.email, base_url=base_url)
            messages.info(request, f"We sent a link to {user.email}: follow it to confirm the address.")
            return redirect("profile")
        form = forms.ProfileForm(request.POST, instance=user, prefix="profile", context={"base_url": base_url})
        if form.is_valid():
            try:
                email = form.save()
            except ValidationError as exc:
                form.add_service_errors(exc)
            else:
                messages.info(
                    request,
                    f"We sent a link to {email}. Your address changes when you follow it; "
                    f"until then {user.email or 'your current address'} stays in use.",
                )
                return redirect("profile")
        return self.render_to_response(self.get_context_data(profile_form=form))


class TokenRevokeView(LoginRequiredMixin, View):
    def post(self, request, pk):
        token = get_object_or_404(ApiToken, pk=pk, user=request.user)
        services.revoke_api_token(token=token)
        messages.success(request, f"Token {token.name} revoked: requests using it are now refused.")
        return redirect("profile")


class TokenRevokeAllView(LoginRequiredMixin, View):
    def post(self, request):
        count = services.revoke_all_api_tokens(user=request.user)
        messages.success(request, f"{count} token(s) revoked: requests using them are now refused.")
        return redirect("profile")


class PasswordChangeView(auth_views.PasswordChangeView):
    """Changing the password signs out every other session (Django's session hash changes with the
    password; this one is kept) and, when asked, revokes all personal access tokens."""

    form_class = forms.PasswordChangeForm

    def form_valid(self, form):
        response = super().form_valid(form)
        text = "Password changed. Other browsers signed in to your account are signed out."
        if form.cleaned_data.get("revoke_tokens"):
            count = services.revoke_all_api_tokens(user=self.request.user)
            text += f" {count} personal access token(s) revoked."
        elif ApiToken.objects.filter(user=self.request.user).exists():
            text += " Your personal access tokens still work: revoke them below if the old password leaked."
        messages.success(self.request, text)
        return response

    def get_success_url(self):
        return reverse("profile")
