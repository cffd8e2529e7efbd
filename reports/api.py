"""REST API v1 for the reports: the same figures and filters as /staff/reports/, for
coordinators, registrars and administrators. Bad filter input is a 400 naming the field."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.generics import GenericAPIView
from rest_framework.parsers import JSONParser
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response

from api.schema import ApiAutoSchema
from directory.models import Municipality
from reports import selectors
from reports.forms import ReportFilterForm
from reports.selectors import ReportFilter

FILTERS = [
    OpenApiParameter(
        "period",
        OpenApiTypes.STR,
        enum=["year", "term", "quarter", "custom"],
        description="The period of the cases received (default: year).",
    ),
    OpenApiParameter("year", OpenApiTypes.INT, description="Default: this year."),
    OpenApiParameter(
        "term", OpenApiTypes.STR, enum=["VT", "HT"], description="VT: Jan–Jun; HT: Jul–Dec."
    ),
    OpenApiParameter("quarter", OpenApiTypes.INT, enum=[1, 2, 3, 4]),
    OpenApiParameter("start", OpenApiTypes.DATE, description="First day of a custom period."),
    OpenApiParameter("end", OpenApiTypes.DATE, description="Last day of a custom period."),
    OpenApiParameter("municipality", OpenApiTypes.STR, description="Municipality code (SCB)."),
    OpenApiParameter("area", OpenApiTypes.STR, description="Area slug."),
    OpenApiParameter("form", OpenApiTypes.STR, description="Form of collaboration slug."),
    OpenApiParameter("contact", OpenApiTypes.EMAIL, description="Contact person's email."),
]


class CountSerializer(serializers.Serializer):
    key = serializers.CharField()
    label = serializers.CharField()  # type: ignore[assignment]
    count = serializers.IntegerField()


class StepSerializer(CountSerializer):
    share = serializers.FloatField(allow_null=True, help_text="Of the requests received, 0..1.")


class PeriodSerializer(serializers.Serializer):
    start = serializers.DateField()
    end = serializers.DateField()


class FunnelSerializer(serializers.Serializer):
    period = PeriodSerializer()
    received = serializers.IntegerField()
    steps = StepSerializer(many=True)
    endings = CountSerializer(many=True)
    outcomes = CountSerializer(many=True)
    open = serializers.IntegerField()
    reopened = serializers.IntegerField()
    handed_back = serializers.IntegerField()
    refreshed_at = serializers.DateTimeField(allow_null=True)


class MeasureSerializer(serializers.Serializer):
    key = serializers.CharField()
    label = serializers.CharField()  # type: ignore[assignment]
    count = serializers.IntegerField()
    median = serializers.IntegerField(allow_null=True, help_text="Working days.")
    p90 = serializers.IntegerField(allow_null=True, help_text="Working days.")


class LeadTimesSerializer(serializers.Serializer):
    period = PeriodSerializer()
    measures = MeasureSerializer(many=True)
    answered = serializers.IntegerField()
    answered_in_time = serializers.IntegerField()
    share_in_time = serializers.FloatField(allow_null=True)
    promised_days = serializers.IntegerField(allow_null=True)
    refreshed_at = serializers.DateTimeField(allow_null=True)


class MunicipalityRowSerializer(serializers.Serializer):
    code = serializers.CharField()
    municipality = serializers.CharField()
    received = serializers.IntegerField()
    states = serializers.DictField(child=serializers.IntegerField(), help_text="State now.")
    projects = serializers.IntegerField()
    activities = serializers.IntegerField()
    participants = serializers.IntegerField()


class MunicipalitiesSerializer(serializers.Serializer):
    period = PeriodSerializer()
    municipalities = MunicipalityRowSerializer(many=True)
    refreshed_at = serializers.DateTimeField(allow_null=True)


class ReportView(GenericAPIView):
    schema = ApiAutoSchema()
    parser_classes = [JSONParser]
    permission_classes = [IsAuthenticated]
    pagination_class = None
    has_query_params = True  # bad filter input is a documented 400

    def get_queryset(self):
        return Municipality.objects.none()

    def report_filter(self, request: Request) -> ReportFilter:
        user = request.user
        if not (user.is_coordinator or user.is_registrar):  # type: ignore[union-attr]
            raise PermissionDenied(gettext("Only coordinators and registrars see the reports."))
        # A filter given empty is an error here (the HTML form reads empty as "not chosen").
        blank = [p.name for p in FILTERS if request.query_params.get(p.name, None) == ""]
        if blank:
            raise ValidationError(
                {name: [gettext("This field may not be blank.")] for name in blank}
            )
        form = ReportFilterForm(request.query_params)
        if not form.is_valid():
            raise ValidationError({k: [str(e) for e in v] for k, v in form.errors.items()})
        return form.report_filter()

    def envelope(self, f: ReportFilter, body: dict[str, Any]) -> dict[str, Any]:
        state = selectors.freshness()
        return {
            "period": {"start": f.start, "end": f.end},
            **body,
            "refreshed_at": state.refreshed_at if state else None,
        }


class FunnelView(ReportView):
    serializer_class = FunnelSerializer

    @extend_schema(
        operation_id="reports_funnel",
        parameters=FILTERS,
        responses={200: FunnelSerializer},
        tags=["reports"],
        summary="Requests received in the period and how far they got (the funnel)",
    )
    def get(self, request: Request) -> Response:
        f = self.report_filter(request)
        return Response(FunnelSerializer(self.envelope(f, selectors.funnel(f))).data)


class LeadTimesView(ReportView):
    serializer_class = LeadTimesSerializer

    @extend_schema(
        operation_id="reports_lead_times",
        parameters=FILTERS,
        responses={200: LeadTimesSerializer},
        tags=["reports"],
        summary="Median and 90th percentile lead times in working days",
    )
    def get(self, request: Request) -> Response:
        f = self.report_filter(request)
        return Response(LeadTimesSerializer(self.envelope(f, selectors.lead_times(f))).data)


class MunicipalitiesView(ReportView):
    serializer_class = MunicipalitiesSerializer

    @extend_schema(
        operation_id="reports_municipalities",
        parameters=FILTERS,
        responses={200: MunicipalitiesSerializer},
        tags=["reports"],
        summary="Per municipality: requests by state, projects, activities and participants",
    )
    def get(self, request: Request) -> Response:
        f = self.report_filter(request)
        codes = dict(Municipality.objects.values_list("pk", "code"))
        rows = [
            {**row, "code": codes.get(row["municipality_id"], "")}
            for row in selectors.per_municipality(f)
        ]
        body = self.envelope(f, {"municipalities": rows})
        return Response(MunicipalitiesSerializer(body).data)
