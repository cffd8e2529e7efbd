"""The widgets written in Python (config.widgets) draw exactly what Django's templates draw."""

from __future__ import annotations

import datetime as dt
import functools

import pytest
from django import forms
from django.forms.renderers import DjangoTemplates
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy, override

from cases.forms import (
    DatePlanForm,
    MeetingForm,
    MeetingRecordForm,
    NoteForm,
    RequestForm,
    TransitionForm,
    WithdrawForm,
)
from config.widgets import WIDGETS, WidgetRenderer
from conversation.forms import ReplyForm, ReplyTemplateForm, StaffMessageForm
from reports.forms import ReportFilterForm
from workflows.definition import transitions

ODD = "<b>\"Eva\" & 'Ek'</b>\nrad två"
CHOICES = [("", "–"), ("a&b", gettext_lazy("Email")), (3, "<three>")]

WIDGET_CASES = [
    (forms.TextInput(), "x"),
    (forms.TextInput(attrs={"autocomplete": "off", "tabindex": "-1", "data-x": None}), ODD),
    (forms.TextInput(attrs={"type": "search", "list": "contact-options"}), None),
    (forms.TextInput(attrs={"placeholder": mark_safe("<i>safe</i>")}), ""),
    (forms.EmailInput(attrs={"autocomplete": "email"}), "eva@boras.example"),
    (forms.URLInput(), "https://example.org/?a=1&b=2"),
    (forms.NumberInput(), 12345),
    (forms.PasswordInput(), "secret"),
    (forms.PasswordInput(render_value=True), "secret"),
    (forms.HiddenInput(), 7),
    (forms.DateInput(attrs={"type": "date"}), dt.date(2026, 12, 6)),
    (
        forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        dt.datetime(2026, 12, 6, 9, 30),
    ),
    (forms.CheckboxInput(), True),
    (forms.CheckboxInput(attrs={"required": True}), False),
    (forms.CheckboxInput(), "on"),
    (forms.FileInput(), None),
    (forms.ClearableFileInput(), None),
    (forms.Textarea(attrs={"rows": 3}), None),
    (forms.Textarea(attrs={"rows": 3}), ODD),
    (forms.Textarea(), mark_safe("<p>safe</p>")),
    (forms.Select(choices=CHOICES), "a&b"),
    (forms.Select(choices=CHOICES), 3),
    (forms.Select(choices=CHOICES, attrs={"disabled": True, "aria-invalid": "true"}), None),
    (forms.Select(choices=[("Grupp", [("1", "Ett"), ("2", "Två")]), ("3", "Tre")]), "2"),
    (forms.SelectMultiple(choices=CHOICES), ["a&b", "3"]),
    (forms.RadioSelect(choices=CHOICES), "a&b"),
    (forms.CheckboxSelectMultiple(choices=CHOICES), ["3"]),
]


@pytest.mark.parametrize(("widget", "value"), WIDGET_CASES)
def test_widget_is_drawn_as_django_templates_draw_it(widget, value):
    for attrs in (None, {"id": "id_f", "required": True, "aria-describedby": "id_f_help"}):
        expected = widget.render("f", value, attrs=attrs, renderer=DjangoTemplates())
        assert widget.render("f", value, attrs=attrs, renderer=WidgetRenderer()) == expected


def test_the_common_widgets_are_written_in_python_not_by_templates(monkeypatch):
    # Otherwise the renderer would be correct but no faster.
    def refuse(*args, **kwargs):
        raise AssertionError("a template was rendered")

    monkeypatch.setattr(DjangoTemplates, "render", refuse)
    renderer = WidgetRenderer()
    by_template = [3, 19, 23, 25, 26]  # text marked safe, option groups, radios, checkboxes
    for i, (widget, value) in enumerate(WIDGET_CASES):
        if i not in by_template:
            assert widget.render("f", value, renderer=renderer).startswith("<")
    assert "django/forms/widgets/select.html" in WIDGETS


FORM_CLASSES = (
    RequestForm,
    NoteForm,
    WithdrawForm,
    DatePlanForm,
    MeetingForm,
    MeetingRecordForm,
    StaffMessageForm,
    ReplyForm,
    ReplyTemplateForm,
    ReportFilterForm,
)


def _forms(renderer, bound: bool) -> list[forms.BaseForm]:
    """Each form unbound, or bound to odd text in every field (so with values and errors)."""
    makers = [functools.partial(c) for c in FORM_CLASSES]
    makers += [functools.partial(TransitionForm, spec=s) for s in transitions().values()]
    built = []
    for make in makers:
        form = make(renderer=renderer)
        if bound:
            form = make(
                renderer=renderer, data={form.add_prefix(name): ODD for name in form.fields}
            )
        built.append(form)
    return built


@pytest.mark.django_db
@pytest.mark.parametrize("language", ["sv", "en"])
@pytest.mark.parametrize("bound", [False, True])
def test_every_field_of_the_forms_is_drawn_as_django_templates_draw_it(directory, language, bound):
    with override(language):
        fast, slow = _forms(WidgetRenderer(), bound), _forms(DjangoTemplates(), bound)
        for fast_form, slow_form in zip(fast, slow, strict=True):
            assert fast_form.is_bound == bound
            for name in fast_form.fields:
                assert str(fast_form[name]) == str(slow_form[name]), (type(fast_form), name)
