from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from artops import health, views
from artops.calendar import feed_links
from artops.forms import LoginForm
from artops.onboarding import views as onboarding
from artops.onboarding.forms import PasswordResetForm

art_patterns = [
    path("", views.art_home, name="art_home"),
    path("settings/", views.art_settings, name="art_settings"),
    path("pis/new/", views.pi_create, name="pi_create"),
    path("pis/preview/", views.pi_preview, name="pi_preview"),
    path("pis/<int:pi_id>/edit/", views.pi_edit, name="pi_edit"),
    path("pis/<int:pi_id>/advance/", views.pi_advance, name="pi_advance"),
    path("teams/", views.team_list, name="team_list"),
    path("teams/<int:team_id>/edit/", views.team_edit, name="team_edit"),
    path("members/", views.member_list, name="member_list"),
    path("members/<int:membership_id>/remove/", views.member_remove, name="member_remove"),
    path("invitations/", onboarding.invitation_list, name="invitation_list"),
    path("invitations/roster/", onboarding.roster_import, name="roster_import"),
    path("invitations/<int:invitation_id>/resend/", onboarding.invitation_resend, name="invitation_resend"),
]

account_patterns = [
    path(
        "login/",
        auth_views.LoginView.as_view(authentication_form=LoginForm, redirect_authenticated_user=True),
        name="login",
    ),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("password/", auth_views.PasswordChangeView.as_view(), name="password_change"),
    path("password/done/", auth_views.PasswordChangeDoneView.as_view(), name="password_change_done"),
    path(
        "password/reset/",
        auth_views.PasswordResetView.as_view(
            form_class=PasswordResetForm,
            email_template_name="registration/password_reset_email.txt",
            subject_template_name="registration/password_reset_subject.txt",
        ),
        name="password_reset",
    ),
    path("password/reset/sent/", auth_views.PasswordResetDoneView.as_view(), name="password_reset_done"),
    path(
        "password/reset/<uidb64>/<token>/",
        auth_views.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path("password/reset/done/", auth_views.PasswordResetCompleteView.as_view(), name="password_reset_complete"),
    path("welcome/<uidb64>/<token>/", onboarding.invitation_accept, name="invitation_accept"),
    path("profile/", views.profile, name="profile"),
    path("profile/notices/", onboarding.notices_update, name="notices_update"),
    path("profile/token/", views.token_create, name="token_create"),
    path("profile/token/revoke/", views.token_revoke, name="token_revoke"),
    path("profile/calendar-feeds/", feed_links.feed_link_create, name="feed_link_create"),
    path("profile/calendar-feeds/<int:token_id>/revoke/", feed_links.feed_link_revoke, name="feed_link_revoke"),
]

urlpatterns = [
    path("", views.my_trains, name="home"),
    path("trains/new/", onboarding.art_create, name="art_create"),
    path("arts/<slug:art_slug>/", include(art_patterns)),
    path("arts/<slug:art_slug>/planning/", include("planning.urls")),
    path("arts/<slug:art_slug>/risks/", include("risks.urls")),
    path("arts/<slug:art_slug>/calendar/", include("artops.calendar.page_urls")),
    path("arts/<slug:art_slug>/coaching/", include("artops.coaching.urls")),
    path("arts/<slug:art_slug>/metrics/", include("metrics.urls")),
    path("arts/<slug:art_slug>/ia/", include("metrics.ia.urls")),
    path("arts/<slug:art_slug>/sync/", include("sync.urls")),
    path("accounts/", include(account_patterns)),
    path("calendar/", include("artops.calendar.urls")),
    path("api/", include("artops.api_urls")),
    path("admin/", admin.site.urls),
    path("health/live/", health.live, name="health_live"),
    path("health/ready/", health.ready, name="health_ready"),
]

handler500 = "artops.unavailable.server_error"
