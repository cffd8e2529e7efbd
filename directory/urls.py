from __future__ import annotations

from django.urls import path

from directory import views

urlpatterns = [
    path("forms/", views.forms, name="forms"),
    path("contacts/", views.contacts, name="contacts"),
    path("contacts/<int:pk>/", views.contact, name="contact"),
]
