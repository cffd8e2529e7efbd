from django.urls import path

from audit import views

urlpatterns = [
    path("staff/audit/", views.audit_log, name="staff-audit"),
    path("staff/audit.csv", views.audit_export, name="staff-audit-export"),
]
