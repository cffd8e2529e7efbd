from django.urls import path, re_path

from reports import views

urlpatterns = [
    path("staff/reports/", views.staff_reports, name="staff-reports"),
    path("staff/reports/refresh/", views.staff_refresh, name="staff-reports-refresh"),
    re_path(
        r"^staff/reports/(?P<name>[a-z-]+)\.(?P<fmt>svg|csv|xlsx)$",
        views.staff_chart,
        name="staff-report-chart",
    ),
    path(
        "staff/reports/annual/<str:code>/<int:year>/",
        views.annual_report,
        name="staff-report-annual",
    ),
    path("siffror/", views.public_figures, name="public-figures"),
]
