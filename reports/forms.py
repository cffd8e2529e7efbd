"""The reports' filters: a period (year, term, quarter or custom) and municipality, area, form
and contact person. One form for the pages, the downloads and the API, so they agree."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.forms.utils import flatatt
from django.utils import timezone
from django.utils.html import escape, format_html
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _

from directory.models import Area, CollaborationForm, ContactPerson, Municipality
from reports.selectors import ReportFilter

PERIODS = (
    ("year", _("Year")),
    ("term", _("Term")),
    ("quarter", _("Quarter")),
    ("custom", _("Custom period")),
)
# Reporting terms are the halves of the calendar year: VT (spring) January–June, HT (autumn)
# July–December.
TERMS = (("VT", _("Spring term (VT)")), ("HT", _("Autumn term (HT)")))
QUARTERS = tuple((str(q), str(q)) for q in range(1, 5))
MAX_DAYS = 366 * 5 + 1


def period_bounds(
    period: str, year: int, term: str | None, quarter: int | None
) -> tuple[dt.date, dt.date]:
    if period == "term" and term:
        return (
            (dt.date(year, 1, 1), dt.date(year, 6, 30))
            if term == "VT"
            else (
                dt.date(year, 7, 1),
                dt.date(year, 12, 31),
            )
        )
    if period == "quarter" and quarter:
        first = dt.date(year, 3 * quarter - 2, 1)
        last_month_end = (
            dt.date(year + 1, 1, 1) if quarter == 4 else dt.date(year, 3 * quarter + 1, 1)
        )
        return first, last_month_end - dt.timedelta(days=1)
    return dt.date(year, 1, 1), dt.date(year, 12, 31)


class LongSelect(forms.Select):
    """A <select> of thousands of options (every contact person), written here: Django's
    template per option took about 0.6 s of the reports page at 5,000 contact persons, and
    its model choices one model instance each (half of the rest): the options are read as
    (value, label) pairs, the label being the model's `label_field` (what its str() shows)."""

    def __init__(self, *args, label_field: str = "name", **kwargs):
        super().__init__(*args, **kwargs)
        self.label_field = label_field

    def render(self, name, value, attrs=None, renderer=None):
        field = self.choices.field
        pairs = [] if field.empty_label is None else [("", field.empty_label)]
        pairs += field.queryset.values_list(field.to_field_name or "pk", self.label_field)
        chosen = {str(v) for v in self.format_value(value)}
        options = "\n  ".join(
            f'<option value="{escape(key)}"{" selected" if str(key) in chosen else ""}>'
            f"{escape(label)}</option>"
            for key, label in pairs
        )
        return format_html(
            "<select{}>\n  {}\n</select>",
            flatatt({"name": name, **self.build_attrs(self.attrs, attrs)}),
            mark_safe(options),
        )


class ReportFilterForm(forms.Form):
    period = forms.ChoiceField(label=_("Period"), choices=PERIODS, required=False)
    year = forms.IntegerField(label=_("Year"), min_value=2000, max_value=2100, required=False)
    term = forms.ChoiceField(label=_("Term"), choices=(("", "–"), *TERMS), required=False)
    quarter = forms.ChoiceField(label=_("Quarter"), choices=(("", "–"), *QUARTERS), required=False)
    start = forms.DateField(
        label=_("From"), required=False, help_text=_("For a custom period: YYYY-MM-DD.")
    )
    end = forms.DateField(label=_("To"), required=False, help_text=_("YYYY-MM-DD."))
    municipality = forms.ModelChoiceField(
        label=_("Municipality"),
        queryset=Municipality.objects.all(),
        to_field_name="code",
        required=False,
        empty_label=_("All"),
    )
    area = forms.ModelChoiceField(
        label=_("Area"),
        queryset=Area.objects.all(),
        to_field_name="slug",
        required=False,
        empty_label=_("All"),
    )
    form = forms.ModelChoiceField(
        label=_("Form of collaboration"),
        queryset=CollaborationForm.objects.all(),
        to_field_name="slug",
        required=False,
        empty_label=_("All"),
    )
    contact = forms.ModelChoiceField(
        label=_("Contact person"),
        queryset=ContactPerson.objects.order_by("name"),
        to_field_name="email",
        required=False,
        empty_label=_("All"),
        widget=LongSelect,
    )

    def clean(self):
        data = super().clean()
        period = data.get("period") or "year"
        if period == "term" and not data.get("term") and "term" not in self.errors:
            self.add_error("term", _("Choose a term (VT or HT)."))
        if period == "quarter" and not data.get("quarter") and "quarter" not in self.errors:
            self.add_error("quarter", _("Choose a quarter (1–4)."))
        if period == "custom":
            start, end = data.get("start"), data.get("end")
            if start is None and "start" not in self.errors:
                self.add_error("start", _("Enter the first day of the period."))
            if end is None and "end" not in self.errors:
                self.add_error("end", _("Enter the last day of the period."))
            if start and end and end < start:
                self.add_error("end", _("The last day cannot come before the first day."))
            elif start and end and (end - start).days > MAX_DAYS:
                self.add_error("end", _("A period can be at most five years."))
        return data

    def report_filter(self) -> ReportFilter:
        """The filter from what was valid; a field with an error falls back to its default
        (the period: the current year), so the other filters still apply."""
        if not hasattr(self, "cleaned_data"):
            self.is_valid()
        data = {k: v for k, v in self.cleaned_data.items() if k not in self.errors}
        today = timezone.localdate()
        period = data.get("period") or "year"
        year = data.get("year") or today.year
        if (
            period == "custom"
            and data.get("start")
            and data.get("end")
            and not self.errors.get("end")
        ):
            start, end = data["start"], data["end"]
        else:
            quarter = data.get("quarter")
            start, end = period_bounds(
                period, year, data.get("term") or None, int(quarter) if quarter else None
            )
        return ReportFilter(
            start=start,
            end=end,
            municipality_id=data["municipality"].pk if data.get("municipality") else None,
            area_id=data["area"].pk if data.get("area") else None,
            form_id=data["form"].pk if data.get("form") else None,
            contact_id=data["contact"].pk if data.get("contact") else None,
        )
