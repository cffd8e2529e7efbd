"""The form renderer: Django's own, with the common widgets written in Python.

Django renders every widget through its templates (input.html including attrs.html, one
template per <option>): about 250 Python calls per field. The staff case page draws some
twenty fields (the next steps, the message, the note, the meeting plan), which made the
widgets a sixth of its time (issue 11: p95 <= 30 ms). The templates below are written here
as strings, from the same context Django builds (`Widget.get_context`: attributes, value,
options), so every rule about names, ids, `required` and values stays Django's. Anything
else (a value that is not plain text, a file input showing a current file, other templates)
goes to Django's templates. tests/test_widgets.py renders each widget of the project's forms
both ways and compares.
"""

from __future__ import annotations

from collections.abc import Callable
from html import escape
from typing import Any

from django.forms.models import ModelChoiceIteratorValue
from django.forms.renderers import DjangoTemplates
from django.utils.functional import Promise
from django.utils.safestring import SafeData


def _text(value: Any) -> str | None:
    """`{{ value|stringformat:'s' }}` for the values printed as plain text: str(value),
    escaped; None for anything else (text already marked safe, dates, objects)."""
    if isinstance(value, SafeData):
        return None
    if value is None or isinstance(value, (str, int, Promise, ModelChoiceIteratorValue)):
        return escape(str(value))
    return None


def _attrs(attrs: dict[str, Any]) -> str | None:
    """django/forms/widgets/attrs.html: ` name="value"`, ` name` for True, nothing for False."""
    out = []
    for name, value in attrs.items():
        if value is True:
            out.append(f" {escape(name)}")
        elif value is False:
            continue
        else:
            text = _text(value)
            if text is None:
                return None
            out.append(f' {escape(name)}="{text}"')
    return "".join(out)


def _input(widget: dict[str, Any]) -> str | None:
    """django/forms/widgets/input.html (text, search, date, hidden, checkbox, file, ...)."""
    value = widget["value"]
    attrs = _attrs(widget["attrs"])
    text = None if value is None else _text(value)
    if attrs is None or (value is not None and text is None):
        return None
    shown = "" if value is None else f' value="{text}"'
    return f'<input type="{escape(widget["type"])}" name="{escape(widget["name"])}"{shown}{attrs}>'


def _clearable_file_input(widget: dict[str, Any]) -> str | None:
    """django/forms/widgets/clearable_file_input.html without a current file."""
    if widget["is_initial"]:
        return None
    attrs = _attrs(widget["attrs"])
    if attrs is None:
        return None
    return f'<input type="{escape(widget["type"])}" name="{escape(widget["name"])}"{attrs}>'


def _textarea(widget: dict[str, Any]) -> str | None:
    value = widget["value"]
    attrs = _attrs(widget["attrs"])
    text = _text(value) if value else ""
    if attrs is None or text is None or (value and not isinstance(value, str)):
        return None
    return f'<textarea name="{escape(widget["name"])}"{attrs}>\n{text}</textarea>'


def _select(widget: dict[str, Any]) -> str | None:
    attrs = _attrs(widget["attrs"])
    if attrs is None:
        return None
    out = [f'<select name="{escape(widget["name"])}"{attrs}>']
    for group_name, options, _index in widget["optgroups"]:
        if group_name:
            return None
        for option in options:
            if option["template_name"] != "django/forms/widgets/select_option.html":
                return None
            value = _text(option["value"])
            label = option["label"]
            label = _text(label) if isinstance(label, (str, Promise)) else None
            option_attrs = _attrs(option["attrs"])
            if value is None or label is None or option_attrs is None:
                return None
            # The option's template ends with a newline, which the <select> keeps.
            out.append(f'\n  <option value="{value}"{option_attrs}>{label}</option>\n')
    out.append("\n</select>")
    return "".join(out)


WIDGETS: dict[str, Callable[[dict[str, Any]], str | None]] = {
    **{
        f"django/forms/widgets/{name}.html": _input
        for name in (
            "input",
            "text",
            "search",
            "email",
            "url",
            "number",
            "password",
            "hidden",
            "date",
            "datetime",
            "time",
            "tel",
            "color",
            "checkbox",
            "file",
        )
    },
    "django/forms/widgets/clearable_file_input.html": _clearable_file_input,
    "django/forms/widgets/textarea.html": _textarea,
    "django/forms/widgets/select.html": _select,
}


class WidgetRenderer(DjangoTemplates):
    """FORM_RENDERER: the widgets above in Python, everything else by Django's templates."""

    def render(self, template_name, context, request=None):
        write = WIDGETS.get(template_name)
        if write is not None and "widget" in context:
            html = write(context["widget"])
            if html is not None:
                return html
        return super().render(template_name, context, request=request)
