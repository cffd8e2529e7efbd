from __future__ import annotations

from django.urls import path

from workflows import views

urlpatterns = [
    path("how-it-works/", views.how_it_works, name="how-it-works"),
]
