"""Each report's figures as one table, drawn as a chart by pygal and downloadable as CSV/XLSX.

A `Figure` is the one description of what a chart shows: the page's table beneath the chart,
the SVG, the CSV and the XLSX are all made from it, so they show the same numbers.

The SVG is served from its own URL and shown with <img>: pygal writes a <style> element, an
inline <script> (for tooltips) and style attributes. Here the script, the tooltip layer and
every style attribute are removed, and the SVG's response allows exactly its own stylesheet
by hash (`svg_response`), so neither the page nor the image needs 'unsafe-inline'.
"""

from __future__ import annotations

import base64
import csv
import hashlib
import io
import re
import xml.etree.ElementTree as ET
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import pygal
from django.core.cache import cache
from django.http import HttpResponse
from django.utils.formats import date_format, number_format
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from pygal.style import Style

from reports import selectors
from reports.selectors import ReportFilter

# Okabe & Ito's palette: told apart with every common colour-vision deficiency.
PALETTE = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#000000")
STYLE = Style(
    background="#ffffff",
    plot_background="#ffffff",
    foreground="#1b1b1f",
    foreground_strong="#1b1b1f",
    foreground_subtle="#4a4d57",
    opacity="1",
    opacity_hover="1",
    colors=PALETTE,
    font_family="system-ui, -apple-system, 'Segoe UI', Roboto, Arial, sans-serif",
    title_font_size=18,
    label_font_size=13,
    major_label_font_size=13,
    legend_font_size=14,
    value_font_size=13,
)
SVG_NS = "http://www.w3.org/2000/svg"
CHART_ROWS = 30


@dataclass
class Figure:
    name: str
    title: str
    description: str
    columns: list[str]
    rows: list[list[Any]] = field(default_factory=list)
    kind: str = "bar"  # "bar", "hbar" or "line"
    series: tuple[int, ...] = (1,)  # the columns drawn (column 0 labels the rows)

    @cached_property
    def shown(self) -> list[list[Any]]:
        """The rows the chart draws and the page's table lists: all of them up to
        CHART_ROWS; beyond, a bar chart's largest (a bar per row stops being readable, and
        the page rendering 290 municipalities' rows took a third of its time) and a line's
        latest. The CSV and XLSX downloads keep every row."""
        if len(self.rows) <= CHART_ROWS:
            return self.rows
        if self.kind == "line":
            return self.rows[-CHART_ROWS:]
        return sorted(self.rows, key=lambda row: -(_number(row[self.series[0]]) or 0))[:CHART_ROWS]

    @property
    def shown_note(self) -> str:
        """What the chart and the page's table leave out, and where it is."""
        return _(
            "Showing %(shown)s of %(total)s rows – the whole table is in the CSV and XLSX "
            "downloads."
        ) % {
            "shown": number_format(len(self.shown), force_grouping=True),
            "total": number_format(len(self.rows), force_grouping=True),
        }


def _pct(share: float | None) -> str:
    return "–" if share is None else f"{round(share * 100)} %"


def _period(f: ReportFilter) -> str:
    return _("%(start)s to %(end)s") % {
        "start": date_format(f.start, "j M Y"),
        "end": date_format(f.end, "j M Y"),
    }


def funnel_figure(f: ReportFilter) -> Figure:
    data = selectors.funnel(f)
    return Figure(
        name="funnel",
        title=_("From request to project"),
        description=_(
            "Requests received %(period)s and how many reached each step "
            "(ever, as their timelines say), with the share of all received."
        )
        % {"period": _period(f)},
        columns=[_("Step"), _("Cases"), _("Share of received")],
        rows=[[s["label"], s["count"], _pct(s["share"])] for s in data["steps"]],
        kind="hbar",
    )


def endings_figure(f: ReportFilter) -> Figure:
    data = selectors.funnel(f)
    rows = [[e["label"], e["count"]] for e in data["endings"]]
    rows += [
        [_("Closed: %(outcome)s") % {"outcome": o["label"]}, o["count"]] for o in data["outcomes"]
    ]
    rows += [
        [_("Still open"), data["open"]],
        [_("Reopened at some point"), data["reopened"]],
        [_("Handed back at some point"), data["handed_back"]],
    ]
    return Figure(
        name="endings",
        title=_("How the requests ended"),
        description=_(
            "Requests received %(period)s by how they ended: closed (with outcome), declined "
            "or withdrawn; and how many are still open, were reopened or handed back."
        )
        % {"period": _period(f)},
        columns=[_("Ending"), _("Cases")],
        rows=rows,
        kind="hbar",
    )


def lead_times_figure(f: ReportFilter) -> Figure:
    data = selectors.lead_times(f)
    return Figure(
        name="lead-times",
        title=_("Lead times in working days"),
        description=_(
            "Median and 90th percentile, in Swedish working days, from received to each step, "
            "for requests received %(period)s. Answered within the promised %(days)s working "
            "days: %(share)s (%(in_time)s of %(answered)s)."
        )
        % {
            "period": _period(f),
            "days": data["promised_days"] if data["promised_days"] is not None else "–",
            "share": _pct(data["share_in_time"]),
            "in_time": data["answered_in_time"],
            "answered": data["answered"],
        },
        columns=[_("From received to"), _("Median"), _("90th percentile"), _("Cases")],
        rows=[[m["label"], m["median"], m["p90"], m["count"]] for m in data["measures"]],
        kind="hbar",
        series=(1, 2),
    )


def municipalities_figure(f: ReportFilter) -> Figure:
    rows = selectors.per_municipality(f)
    states = [str(label) for _key, label in selectors.STATE_KEYS]
    return Figure(
        name="municipalities",
        title=_("Requests per municipality"),
        description=_(
            "Requests received %(period)s per municipality, by their state now; projects "
            "started; network activities held and their participants."
        )
        % {"period": _period(f)},
        columns=[_("Municipality"), _("Requests received"), *states, _("Projects started")]
        + [_("Activities held"), _("Participants")],
        rows=[
            [r["municipality"], r["received"], *r["states"].values(), r["projects"]]
            + [r["activities"], r["participants"]]
            for r in rows
        ],
        kind="hbar",
        series=(1, len(states) + 2),
    )


def areas_figure(f: ReportFilter) -> Figure:
    rows = selectors.per_area(f)
    states = [str(label) for _key, label in selectors.STATE_KEYS]
    return Figure(
        name="areas",
        title=_("Requests per area"),
        description=_(
            "Requests received %(period)s per area of collaboration (a request may name several "
            "areas), by their state now, and the projects started."
        )
        % {"period": _period(f)},
        columns=[_("Area"), _("Requests received"), *states, _("Projects started")],
        rows=[[r["area"], r["received"], *r["states"].values(), r["projects"]] for r in rows],
        kind="hbar",
        series=(1, len(states) + 2),
    )


def trend_figure(f: ReportFilter) -> Figure:
    return Figure(
        name="trend",
        title=_("Requests per month"),
        description=_("Requests received per month %(period)s, and how many became projects.")
        % {"period": _period(f)},
        columns=[_("Month"), _("Requests received"), _("Became projects")],
        rows=[[m["month"], m["received"], m["projects"]] for m in selectors.trend(f)],
        kind="line",
        series=(1, 2),
    )


def load_figure(f: ReportFilter) -> Figure:
    data = selectors.load(f)
    rows = [[r["name"], r["open"], r["capacity"], r["waiting"]] for r in data["contacts"][:25]]
    rows.append([_("Not assigned"), data["unassigned_open"], "", data["unassigned_waiting"]])
    return Figure(
        name="load",
        title=_("Load now: open cases per contact person"),
        description=_(
            "Open cases per contact person now against their capacity, most loaded first "
            "(at most 25), and the cases waiting too long (a reminder due or sent). "
            "%(over)s contact persons are over capacity; %(waiting)s cases wait too long."
        )
        % {"over": data["over_capacity"], "waiting": data["waiting"]},
        columns=[_("Contact person"), _("Open cases"), _("Capacity"), _("Waiting too long")],
        rows=rows,
        kind="hbar",
        series=(1, 2),
    )


FIGURES: dict[str, Callable[[ReportFilter], Figure]] = {
    "funnel": funnel_figure,
    "endings": endings_figure,
    "lead-times": lead_times_figure,
    "trend": trend_figure,
    "municipalities": municipalities_figure,
    "areas": areas_figure,
    "load": load_figure,
}


def figures(names: list[str], f: ReportFilter) -> list[Figure]:
    """The figures of `names`, each built once per refresh of the sums and language.

    They change only when the refresh runs (every few minutes; the page says when), so the
    cache key holds the refresh time: a refresh, the button included, makes new keys, and
    a page never shows figures older than the time it states. The reports page draws seven
    of them: ~0.7 s to build at 1,000,000 cases, then read from the cache.
    """
    state = selectors.freshness()
    stamp = state.refreshed_at.timestamp() if state and state.refreshed_at else 0
    scope = f"{get_language()}:{stamp}:{f.start}:{f.end}:{f.municipality_id}:{f.area_id}"
    scope += f":{f.form_id}:{f.contact_id}"
    keys = {name: f"reports:figure:{name}:{scope}" for name in names}
    found = cache.get_many(list(keys.values()))
    built = {key: FIGURES[name](f) for name, key in keys.items() if key not in found}
    if built:
        cache.set_many(built, 3600)
    return [found.get(key) or built[key] for key in keys.values()]


# --- SVG ------------------------------------------------------------------------------------


def _number(value: Any) -> float | None:
    return value if isinstance(value, int | float) and not isinstance(value, bool) else None


def render_svg(figure: Figure) -> tuple[str, str]:
    """The chart as SVG text without script or style attributes, and its stylesheet's
    CSP hash source ('sha256-…')."""
    chart_class = {"bar": pygal.Bar, "hbar": pygal.HorizontalBar, "line": pygal.Line}[figure.kind]
    rows = figure.shown
    description = figure.description
    if len(rows) < len(figure.rows):
        description += " " + figure.shown_note
    height = max(360, 110 + 34 * len(rows) * len(figure.series)) if figure.kind == "hbar" else 420
    chart = chart_class(
        style=STYLE,
        js=[],
        disable_xml_declaration=True,
        width=900,
        height=min(height, 2400),
        print_values=figure.kind != "line",
        show_y_guides=figure.kind != "hbar",
        legend_at_bottom=True,
        truncate_label=-1,
        truncate_legend=-1,
        x_label_rotation=45 if figure.kind == "line" and len(rows) > 12 else 0,
        no_data_text=_("No data"),
        margin_bottom=10,
    )
    chart.title = figure.title
    if figure.kind == "hbar":
        rows = list(reversed(rows))  # pygal draws the first row at the bottom
    chart.x_labels = [str(row[0]) for row in rows]
    for column in figure.series:
        chart.add(figure.columns[column], [_number(row[column]) for row in rows])
    return clean_svg(chart.render(is_unicode=True), figure.title, description)


def clean_svg(text: str, title_text: str, description: str) -> tuple[str, str]:
    ET.register_namespace("", SVG_NS)
    ET.register_namespace("xlink", "http://www.w3.org/1999/xlink")
    root = ET.fromstring(text)
    for parent in list(root.iter()):
        for child in list(parent):
            tag = child.tag.rsplit("}", 1)[-1]
            classes = (child.get("class") or "").split()
            if tag == "script" or "tooltip-overlay" in classes or "tooltip" in classes:
                parent.remove(child)
    for element in root.iter():
        element.attrib.pop("style", None)
    styles = [el for el in root.iter(f"{{{SVG_NS}}}style")]
    css = "".join(el.text or "" for el in styles)
    for el in styles[1:]:
        for parent in root.iter():
            if el in list(parent):
                parent.remove(el)
    if styles:
        styles[0].text = css
    # Named for assistive technology when opened on its own (on the page, <img alt> names it).
    root.set("role", "img")
    root.set("aria-labelledby", "chart-title chart-desc")
    title = ET.Element(f"{{{SVG_NS}}}title", {"id": "chart-title"})
    title.text = title_text
    desc = ET.Element(f"{{{SVG_NS}}}desc", {"id": "chart-desc"})
    desc.text = description
    root.insert(0, desc)
    root.insert(0, title)
    svg = ET.tostring(root, encoding="unicode")
    digest = base64.b64encode(hashlib.sha256(css.encode()).digest()).decode()
    return svg, f"'sha256-{digest}'"


def svg_response(figure: Figure) -> HttpResponse:
    svg, style_hash = render_svg(figure)
    response = HttpResponse(svg, content_type="image/svg+xml; charset=utf-8")
    # Stricter than the site's policy: nothing but this chart's own stylesheet.
    response["Content-Security-Policy"] = (
        f"default-src 'none'; style-src {style_hash}; frame-ancestors 'self'"
    )
    response["Cache-Control"] = "private, max-age=60"
    return response


# --- CSV and XLSX ---------------------------------------------------------------------------


def csv_response(figure: Figure) -> HttpResponse:
    # As the case export: UTF-8 with a byte-order mark and ";" for Swedish Excel.
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out, delimiter=";")
    writer.writerow(figure.columns)
    writer.writerows(figure.rows)
    response = HttpResponse(out.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="samverka-{figure.name}.csv"'
    return response


def xlsx_response(figure: Figure) -> HttpResponse:
    # openpyxl (about 15 MB per process) is imported by the exports only.
    from openpyxl import Workbook  # type: ignore[import-untyped]

    book = Workbook(write_only=True)
    # Excel refuses a sheet name longer than 31 characters or with any of : \\ / ? * [ ]
    sheet = book.create_sheet(re.sub(r"[:\\/?*\[\]]", "", figure.title)[:31])
    sheet.append(figure.columns)
    for row in figure.rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    response = HttpResponse(
        out.getvalue(),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = f'attachment; filename="samverka-{figure.name}.xlsx"'
    return response
