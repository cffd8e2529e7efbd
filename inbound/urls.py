from django.urls import path

from inbound import views

urlpatterns = [
    path("staff/unmatched/", views.unmatched, name="staff-unmatched"),
    path(
        "staff/unmatched/<int:mail_id>/attach/",
        views.unmatched_attach,
        name="staff-unmatched-attach",
    ),
    path(
        "staff/unmatched/<int:mail_id>/discard/",
        views.unmatched_discard,
        name="staff-unmatched-discard",
    ),
    path(
        "staff/unmatched/<int:mail_id>/email.eml", views.unmatched_raw, name="staff-unmatched-raw"
    ),
]
