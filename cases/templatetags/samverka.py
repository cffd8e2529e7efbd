from __future__ import annotations

from html import escape as html_escape

from django import template
from django.utils.functional import Promise
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from cases.actors import actor_display
from cases.models import CaseEvent, EventKind
from workflows.definition import PublicItem, StaffItem, requester_view, staff_view
from workflows.models import State

register = template.Library()


@register.simple_tag
def field_widget(field, errors=None):
    """Render a widget with the ARIA attributes that tie it to its help text and errors."""
    if errors is None:
        errors = field.errors
    described = []
    if field.help_text:
        described.append(f"{field.auto_id}_help")
    attrs = {}
    if errors:
        described.append(f"{field.auto_id}_error")
        attrs["aria-invalid"] = "true"
    if described:
        attrs["aria-describedby"] = " ".join(described)
    if field.field.required and field.widget_type not in ("checkbox",):
        attrs["required"] = True
    return field.as_widget(attrs=attrs)


@register.simple_tag
def field(field) -> SafeString:
    """A form field: its label (marked when required), help text, errors and widget.

    Written here rather than as a template (templates/includes/field.html only calls this):
    the staff case page draws some twenty fields, and a template include per field was a
    tenth of the page's time (issue 11)."""
    errors = field.errors
    required = ""
    if field.field.required:
        required = format_html(' <span class="req">({})</span>', gettext("required"))
    help_text = ""
    if field.help_text:
        help_text = format_html(
            '<p class="help" id="{}_help">{}</p>', field.auto_id, field.help_text
        )
    shown_errors = ""
    if errors:
        shown_errors = format_html(
            '<p class="error" id="{}_error">{}</p>',
            field.auto_id,
            mark_safe("".join(format_html("{} ", e) for e in errors)),
        )
    return format_html(
        '<div class="field{}">\n  <label for="{}">{}{}</label>\n  {}\n  {}\n  {}\n</div>\n',
        " has-error" if errors else "",
        field.id_for_label,
        field.label,
        required,
        help_text,
        shown_errors,
        field_widget(field, errors),
    )


@register.simple_tag
def options(choices) -> SafeString:
    """`<option>`s of (value, label) pairs, e.g. the contact picker's datalist (36 and more
    options: a template loop cost more than the rest of the picker)."""
    return mark_safe(
        "".join(
            f'<option value="{html_escape(value)}">{html_escape(label)}</option>'
            for value, label in choices
        )
    )


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


@register.filter
def staff_items(event: CaseEvent) -> list[StaffItem]:
    """Every field of a transition event, labelled (the one rule in workflows.definition)."""
    return staff_view(event.transition, event.data)


# What happened, as a sentence per transition; {actor} acted, {contact} is the person assigned.
TRANSITION_SENTENCES = {
    "assign_contact": _("{contact} was assigned as contact person by {actor}"),
    "hand_back": _("{actor} handed the case back to the coordinators"),
    "record_meeting": _("{actor} recorded a meeting"),
    "start_workshop": _("{actor} planned a workshop"),
    "start_project": _("{actor} started a project"),
    "close": _("{actor} closed the case"),
    "decline": _("{actor} declined the case"),
    "withdraw": _("{actor} withdrew the request"),
    "reopen": _("{actor} reopened the case"),
}


MEETING_SENTENCES: dict[str, Promise] = {
    EventKind.MEETING_PLANNED: _("{actor} planned a meeting on {when}"),
    EventKind.MEETING_CHANGED: _("{actor} changed the meeting, now on {when}"),
    EventKind.MEETING_CANCELLED: _("{actor} cancelled the meeting on {when}"),
    EventKind.MEETING_RECORDED: _("{actor} recorded the minutes of the meeting on {when}"),
}


@register.filter
def meeting_when(event: CaseEvent) -> str:
    """ "2027-06-03 09:00": the time of the meeting a meeting event is about."""
    return (event.data.get("starts_at") or "")[:16].replace("T", " ")


@register.filter
def event_sentence(event: CaseEvent) -> str:
    """The timeline's line for `event`, in plain words: who did what."""
    actor = actor_display(event)
    if event.kind == EventKind.CREATED:
        return str(_("The request was received"))
    if event.kind == EventKind.NOTE:
        return str(_("{actor} added an internal note")).format(actor=actor)
    if event.kind == EventKind.ACCEPTED:
        return str(_("{actor} accepted the case")).format(actor=actor)
    if event.kind == EventKind.MESSAGE:
        if event.data.get("direction") == "from_requester":
            if event.data.get("channel") == "email":
                return str(_("The requester replied by email"))
            return str(_("The requester wrote a message"))
        return str(_("{actor} wrote to the requester")).format(actor=actor)
    if event.kind == EventKind.DATE_PLANNED:
        return str(_("{actor} planned a meeting on {date}")).format(
            actor=actor, date=event.data.get("date", "")
        )
    if event.kind in MEETING_SENTENCES:
        return str(MEETING_SENTENCES[event.kind]).format(actor=actor, when=meeting_when(event))
    template = TRANSITION_SENTENCES.get(event.transition)
    if template is None:
        return f"{state_label(event.from_state)} → {state_label(event.to_state)} · {actor}"
    sentence = str(template).format(actor=actor, contact=event.data.get("contact_name", ""))
    if event.data.get("reassigned_from"):
        sentence += " " + str(_("(before: {name})")).format(name=event.data["reassigned_from"])
    return sentence


def _linebreaksbr(value: object) -> str:
    """The `linebreaksbr` filter, escaping: line breaks as <br>."""
    text = html_escape(str(value).replace("\r\n", "\n").replace("\r", "\n"))
    return text.replace("\n", "<br>")


@register.simple_tag
def timeline_entries(timeline: list[dict]) -> SafeString:
    """The staff timeline's entries (events and emails; times from the view's at_iso and
    at_text), written here: a template loop cost about 330 Python calls per entry, and a
    case with a 50-message conversation has a hundred entries and more (issue 11)."""
    email = html_escape(gettext("Email"))
    read_it = html_escape(gettext("read it"))
    internal = html_escape(gettext("internal"))
    out = []
    for entry in timeline:
        e = entry["item"]
        if entry["type"] == "email":
            css = "tl-email"
            subject = f" “{html_escape(e.subject)}”" if e.subject else ""
            reason = f' <span class="muted">({html_escape(e.reason)})</span>' if e.reason else ""
            text = (
                f"{email}{subject} → {html_escape(e.recipient)} · "
                f"{html_escape(str(e.get_status_display()))}{reason}"
            )
        else:
            css = f"tl-{html_escape(entry['type'])}" + (" tl-note" if e.kind == "note" else "")
            text = f'<span class="tl-sentence">{html_escape(event_sentence(e))}</span>'
            if e.kind == "note":
                text += f"<br>{_linebreaksbr(e.data.get('text', ''))}"
            if e.kind == "message":
                message_id = html_escape(str(e.data.get("message_id", "")))
                text += f' · <a href="#msg-{message_id}">{read_it}</a>'
            if e.kind == "transition":
                items = staff_items(e)
                if items:
                    shown = "".join(
                        f"<div><dt>{html_escape(str(item.label))}"
                        + ("" if item.public else f' <span class="muted">({internal})</span>')
                        + f"</dt><dd>{_linebreaksbr(item.value)}</dd></div>"
                        for item in items
                        if item.name != "contact_name"
                    )
                    text += f'\n        <dl class="tl-data">{shown}</dl>'
        out.append(
            f'    <li class="{css}">\n'
            f'      <time datetime="{entry["at_iso"]}">{entry["at_text"]}</time>\n'
            f"      {text}\n"
            "    </li>"
        )
    return mark_safe("\n".join(out))
