"""Site-wide routes: the home page, sign-in and sign-out, the profile and the e-mailed links. They
are un-namespaced (``reverse("login")``): Django's auth settings (LOGIN_URL…), log lines and
metric labels name them."""

from django.contrib.auth import views as auth_views
from django.urls import include, path

from workspaces import views, views_invitations

account_patterns = [
    path("login/", auth_views.LoginView.as_view(redirect_authenticated_user=True), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("profile/", views.ProfileView.as_view(), name="profile"),
    path("profile/tokens/<int:pk>/revoke/", views.TokenRevokeView.as_view(), name="token_revoke"),
    path("profile/tokens/revoke-all/", views.TokenRevokeAllView.as_view(), name="token_revoke_all"),
    path("password/", views.PasswordChangeView.as_view(), name="password_change"),
    path("invitations/<str:token>/", views_invitations.InvitationAcceptView.as_view(), name="invitation_accept"),
    path("email/verify/<str:token>/", views_invitations.EmailVerifyView.as_view(), name="email_verify"),
]

urlpatterns = [
    path("", views.HomeView.as_view(), name="home"),
    path("accounts/", include(account_patterns)),
]
