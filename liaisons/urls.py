from django.urls import path

from liaisons import views

urlpatterns = [
    path("kommun/", views.home, name="liaison-home"),
    path("kommun/logga-in/", views.login_request, name="liaison-login"),
    path("kommun/logga-in/<str:token>/", views.login_confirm, name="liaison-login-confirm"),
    path("kommun/logga-ut/", views.logout, name="liaison-logout"),
    path("kommun/arenden/<str:reference>/", views.case_detail, name="liaison-case"),
]
