"""Coordinators publish activities here; saving goes through services.activity_save, so a
change of time or place sends the participants a calendar update."""

from __future__ import annotations

from django.contrib import admin, messages
from django.db.models import Count, Q, QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from activities import services
from activities.forms import ActivityAdminForm
from activities.models import Activity, Registration, RegistrationStatus


class RegistrationInline(admin.TabularInline):
    model = Registration
    extra = 0
    can_delete = False
    fields = ("name", "email", "municipality", "role", "needs", "status", "attended", "created_at")
    readonly_fields = fields
    ordering = ("pk",)

    def has_add_permission(self, request, obj=None) -> bool:
        return False  # people register through the public form


@admin.register(Activity)
class ActivityAdmin(admin.ModelAdmin):
    form = ActivityAdminForm
    list_display = ("title", "kind", "starts_at", "capacity", "confirmed", "waiting", "published")
    list_filter = ("kind", "published")
    search_fields = ("title", "place")
    filter_horizontal = ("municipalities", "areas")
    inlines = [RegistrationInline]
    actions = ["cancel_activities"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Activity]:
        return (
            super()
            .get_queryset(request)
            .annotate(
                n_confirmed=Count(
                    "registrations", filter=Q(registrations__status=RegistrationStatus.CONFIRMED)
                ),
                n_waiting=Count(
                    "registrations", filter=Q(registrations__status=RegistrationStatus.WAITING)
                ),
            )
        )

    @admin.display(description=_("Confirmed seats"), ordering="n_confirmed")
    def confirmed(self, activity) -> int:
        return activity.n_confirmed

    @admin.display(description=_("Waiting list"), ordering="n_waiting")
    def waiting(self, activity) -> int:
        return activity.n_waiting

    def save_model(self, request, obj, form, change) -> None:
        if not change:
            obj.created_by = request.user
        services.activity_save(activity=obj, changed=form.changed_data, actor=request.user)

    @admin.action(description=_("Cancel the selected activities (participants are told)"))
    def cancel_activities(self, request: HttpRequest, queryset: QuerySet[Activity]) -> None:
        for activity in queryset:
            services.activity_cancel(activity=activity, actor=request.user)
        count = queryset.count()
        self.message_user(
            request,
            ngettext("%(n)d activity cancelled.", "%(n)d activities cancelled.", count)
            % {"n": count},
            messages.SUCCESS,
        )
