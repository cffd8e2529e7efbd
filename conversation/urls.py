from django.urls import path

from conversation import views

urlpatterns = [
    path("staff/templates/", views.reply_templates, name="staff-reply-templates"),
    path("staff/templates/<int:template_id>/", views.reply_templates, name="staff-reply-template"),
    path(
        "staff/cases/<str:reference>/files/<int:attachment_id>/",
        views.staff_attachment,
        name="staff-attachment",
    ),
    path(
        "track/<str:token>/files/<int:attachment_id>/",
        views.track_attachment,
        name="track-attachment",
    ),
]
