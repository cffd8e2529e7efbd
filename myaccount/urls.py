from django.contrib.auth import views as auth_views
from django.urls import path

from myaccount import views

urlpatterns = [
    path("accounts/password-reset/", views.PasswordResetView.as_view(), name="password_reset"),
    path(
        "accounts/password-reset/sent/",
        auth_views.PasswordResetDoneView.as_view(),
        name="password_reset_done",
    ),
    path(
        "accounts/reset/<uidb64>/<token>/",
        auth_views.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path(
        "accounts/reset/done/",
        auth_views.PasswordResetCompleteView.as_view(),
        name="password_reset_complete",
    ),
    path("staff/account/", views.account, name="staff-account"),
    path("staff/account/tokens/", views.token_create, name="staff-account-token-create"),
    path("staff/account/calendar/", views.calendar_feed_create, name="staff-account-feed-create"),
    path(
        "staff/account/calendar/revoke/",
        views.calendar_feed_revoke,
        name="staff-account-feed-revoke",
    ),
    path(
        "staff/account/tokens/<int:pk>/revoke/",
        views.token_revoke,
        name="staff-account-token-revoke",
    ),
    path("staff/account/sessions/end/", views.sessions_end, name="staff-account-sessions-end"),
]
