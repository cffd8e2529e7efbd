from django.urls import path

from activities import views

urlpatterns = [
    path("activities/", views.calendar, name="activities"),
    path("activities.ics", views.feed, name="activities-feed"),
    path("activities/<int:pk>/", views.activity, name="activity"),
    path(
        "activities/registrations/<str:token>/",
        views.registration,
        name="activity-registration",
    ),
    path(
        "activities/registrations/<str:token>/cancel/",
        views.registration_cancel,
        name="activity-registration-cancel",
    ),
    path(
        "activities/registrations/<str:token>/calendar.ics",
        views.registration_ics,
        name="activity-registration-ics",
    ),
    path("staff/activities/", views.staff_list, name="staff-activities"),
    path("staff/activities/new/", views.staff_activity_form, name="staff-activity-new"),
    path("staff/activities/<int:pk>/", views.staff_activity, name="staff-activity"),
    path("staff/activities/<int:pk>/edit/", views.staff_activity_form, name="staff-activity-edit"),
    path(
        "staff/activities/<int:pk>/publish/",
        views.staff_activity_publish,
        name="staff-activity-publish",
    ),
    path(
        "staff/activities/<int:pk>/cancel/",
        views.staff_activity_cancel,
        name="staff-activity-cancel",
    ),
    path(
        "staff/activities/<int:pk>/cases/",
        views.staff_activity_cases,
        name="staff-activity-cases",
    ),
    path(
        "staff/activities/<int:pk>/participants.csv",
        views.staff_export,
        name="staff-activity-export",
    ),
    path(
        "staff/activities/<int:pk>/participants.xlsx",
        views.staff_export,
        {"fmt": "xlsx"},
        name="staff-activity-export-xlsx",
    ),
]
