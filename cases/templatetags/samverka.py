from __future__ import annotations

from django import template
from django.utils.functional import Promise

from cases.actors import actor_display
from cases.models import CaseEvent
from workflows.definition import PublicItem, requester_view
from workflows.models import State

register = template.Library()


@register.simple_tag
def field_widget(field):
    """Render a widget with the ARIA attributes that tie it to its help text and errors."""
    described = []
    if field.help_text:
        described.append(f"{field.auto_id}_help")
    attrs = {}
    if field.errors:
        described.append(f"{field.auto_id}_error")
        attrs["aria-invalid"] = "true"
    if described:
        attrs["aria-describedby"] = " ".join(described)
    if field.field.required and field.widget_type not in ("checkbox",):
        attrs["required"] = True
    return field.as_widget(attrs=attrs)


@register.filter
def state_label(value: str) -> str | Promise:
    try:
        return State(value).label
    except ValueError:
        return value


@register.filter
def actor_name(event: CaseEvent) -> str:
    return actor_display(event)


@register.filter
def requester_items(event: CaseEvent) -> list[PublicItem]:
    """What the requester may see of `event` (the one rule in workflows.definition)."""
    return requester_view(event.transition, event.data)


@register.filter
def without_final_period(value) -> str:
    return str(value).rstrip(".")
