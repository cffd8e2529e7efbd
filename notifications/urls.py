from django.urls import path

from notifications import views

urlpatterns = [
    path("staff/outbox/", views.outbox, name="staff-outbox"),
    path("staff/outbox/<int:message_id>/retry/", views.outbox_retry, name="staff-outbox-retry"),
    path(
        "staff/outbox/retry-failed/",
        views.outbox_retry_failed,
        name="staff-outbox-retry-failed",
    ),
]
