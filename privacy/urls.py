from django.urls import path

from privacy import views

urlpatterns = [
    path("staff/privacy/", views.privacy_home, name="staff-privacy"),
    path("staff/privacy/due.csv", views.retention_due_export, name="staff-privacy-due-csv"),
    path(
        "staff/privacy/due.json",
        views.retention_due_export,
        {"fmt": "json"},
        name="staff-privacy-due-json",
    ),
    path("staff/privacy/requester/", views.requester_lookup, name="staff-privacy-lookup"),
    path(
        "staff/privacy/requester/export/",
        views.requester_export,
        name="staff-privacy-export",
    ),
    path("staff/privacy/requester/erase/", views.requester_erase, name="staff-privacy-erase"),
]
