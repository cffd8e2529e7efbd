from __future__ import annotations

from django import template
from django.utils.translation import gettext as _

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
def state_label(value: str) -> str:
    try:
        return State(value).label
    except ValueError:
        return value


@register.filter
def actor_name(event) -> str:
    if event.actor_id:
        return event.actor.get_full_name() or event.actor.email
    if event.actor_label == "requester":
        return _("Requester")
    if event.actor_label == "contact_link":
        return _("%(name)s (contact person, via email link)") % {
            "name": event.data.get("by_contact", "")
        }
    return _("System")


@register.filter
def without_final_period(value) -> str:
    return str(value).rstrip(".")
