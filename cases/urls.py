from django.urls import path

from cases.views import inbox, links, meetings, profile, public, staff

urlpatterns = [
    path("", public.home, name="home"),
    path("areas/", public.areas, name="areas"),
    path("areas/<slug:slug>/", public.area, name="area"),
    path("requests/new/", public.request_new, name="request-new"),
    path("requests/receipt/", public.receipt, name="receipt"),
    path("requests/lost-link/", public.lost_link, name="lost-link"),
    path("track/<str:token>/", public.track, name="track"),
    path("track/<str:token>/withdraw/", public.track_withdraw, name="track-withdraw"),
    path("track/<str:token>/messages/", public.track_message, name="track-message"),
    path(
        "track/<str:token>/meetings/<int:meeting_id>.ics",
        meetings.track_meeting_ics,
        name="track-meeting-ics",
    ),
    path("calendar/<str:token>.ics", meetings.staff_feed, name="staff-calendar-feed"),
    path("act/<str:purpose>/<str:token>/", links.case_link_view, name="case-link"),
    path("privacy/", public.privacy, name="privacy"),
    path("accessibility/", public.accessibility, name="accessibility"),
    path("staff/", inbox.inbox, name="staff-home"),
    path("staff/export.csv", inbox.inbox_export, name="staff-export"),
    path("staff/export.xlsx", inbox.inbox_export, {"fmt": "xlsx"}, name="staff-export-xlsx"),
    path("staff/bulk/", inbox.inbox_bulk, name="staff-bulk"),
    # "Mitt konto" has two parts: this one (notifications, directory entry) and myaccount's
    # (sessions, API tokens). The old address of this part redirects, keeping the method.
    path("staff/account/profile/", profile.profile, name="staff-profile"),
    path("staff/profile/", profile.profile_moved, name="staff-profile-moved"),
    path("staff/cases/<str:reference>/", staff.case_detail, name="staff-case"),
    path(
        "staff/cases/<str:reference>/transitions/<str:name>/",
        staff.case_transition_view,
        name="staff-case-transition",
    ),
    path("staff/cases/<str:reference>/accept/", staff.case_accept_view, name="staff-case-accept"),
    path("staff/cases/<str:reference>/notes/", staff.case_note_view, name="staff-case-note"),
    path("staff/cases/<str:reference>/date/", staff.case_date_view, name="staff-case-date"),
    path(
        "staff/cases/<str:reference>/meetings/",
        meetings.meeting_plan_view,
        name="staff-case-meeting-plan",
    ),
    path(
        "staff/cases/<str:reference>/meetings/<int:meeting_id>/",
        meetings.meeting_detail_view,
        name="staff-case-meeting",
    ),
    path(
        "staff/cases/<str:reference>/meetings/<int:meeting_id>/cancel/",
        meetings.meeting_cancel_view,
        name="staff-case-meeting-cancel",
    ),
    path(
        "staff/cases/<str:reference>/meetings/<int:meeting_id>/record/",
        meetings.meeting_record_view,
        name="staff-case-meeting-record",
    ),
    path(
        "staff/cases/<str:reference>/messages/",
        staff.case_message_view,
        name="staff-case-message",
    ),
]
