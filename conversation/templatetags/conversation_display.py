"""The conversation as the case page and the tracking page show it, written in Python.

A 50-message conversation was the largest part of both pages (issue 11: p95 <= 30 ms): even
with each message prepared as a dict, the template's loop (a dozen variables, branches and
translations per message) cost about 150 Python calls per message, the model instances
behind it as many again. Here the messages come as plain rows (conversation.selectors.
case_messages_shown), the translated words are looked up once per page, and each message is
written with one f-string; every text in it is escaped (`esc` is the standard library's
html.escape, which Django's escape() wraps). The HTML is what the template printed.
"""

from __future__ import annotations

import re
from html import escape as esc
from typing import Any

from django import template
from django.template.defaultfilters import filesizeformat
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape, format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext

from conversation.models import Channel, Direction

register = template.Library()

# The marker the attachment URL is built around once per page (a reverse() per file was a
# tenth of the list's cost); ids are digits, so it cannot occur in a real URL.
_ID = 999999999


@register.simple_tag(takes_context=True)
def conversation(context: template.Context) -> SafeString:
    """The context's `conversation_messages` (rows of case_messages_shown) for `case`, as the
    requester (`for_requester`: files by `token`, no flags or refused files) or staff (files
    by the case's reference) see them."""
    case: Any = context.get("case")
    for_requester = bool(context.get("for_requester"))
    rows = context.get("conversation_messages") or ()
    if not rows:
        return format_html(
            '<ol class="conversation" data-testid="conversation">\n'
            '  <li class="muted">{}</li>\n</ol>',
            gettext("No messages yet."),
        )
    if for_requester:
        file_url = reverse("track-attachment", args=[context.get("token"), _ID])
        requester = gettext("You")
    else:
        file_url = reverse("staff-attachment", args=[case.reference, _ID])
        requester = case.requester_name
    url_head, url_tail = (esc(part) for part in file_url.split(str(_ID)))
    university = gettext("The university")
    by_email = f" · {esc(gettext('by email'))}"
    erased = f'<p class="muted">{esc(gettext("Removed under the retention rules."))}</p>'
    files_label = esc(gettext("Files"))
    tz = timezone.get_current_timezone()
    out = ['<ol class="conversation" data-testid="conversation">']
    for m in rows:
        incoming = m["direction"] == Direction.FROM_REQUESTER
        if incoming:
            who = requester
        elif m["author__email"] is not None:
            # As User.get_full_name() or the address.
            full = f"{m['author__first_name']} {m['author__last_name']}".strip()
            who = full or m["author__email"]
        else:
            who = university
        at = m["created_at"].astimezone(tz)  # as the `date` filter does
        if m["erased_at"]:
            body = erased
        else:
            body = f'<div class="msg-body user-text">{_paragraphs(m["body"])}</div>'
        files = ""
        if m["files"]:
            items = "".join(
                f'<li><a href="{url_head}{pk}{url_tail}" download>{esc(filename)}</a> '
                f'<span class="muted">({esc(filesizeformat(size))})</span></li>'
                for pk, filename, size in m["files"]
            )
            files = f'\n    <ul class="files" aria-label="{files_label}">\n      {items}\n    </ul>'
        # Why a message was flagged, and the files refused, are for staff only.
        flag = refused = ""
        if not for_requester:
            flag, refused = _flag(m), _refused(m)
        out.append(
            f'  <li class="msg {"msg-in" if incoming else "msg-out"}" id="msg-{m["id"]}"'
            ' data-testid="message">\n'
            f'    <p class="msg-meta"><strong>{esc(who)}</strong>\n'
            # date:'c' and date:"Y-m-d H:i"
            f'      · <time datetime="{at.isoformat()}">{at.strftime("%Y-%m-%d %H:%M")}</time>'
            f"{by_email if m['channel'] == Channel.EMAIL else ''}\n"
            f"      {flag}\n"
            "    </p>\n"
            f"    {body}{files}{refused}\n"
            "  </li>"
        )
    out.append("</ol>")
    return mark_safe("\n".join(out))


_NEWLINES = re.compile(r"\r\n|\r")
_BLANK_LINES = re.compile("\n{2,}")


def _paragraphs(text: str) -> str:
    """The `linebreaks` filter (django.utils.html.linebreaks, escaping), without its wrappers
    for lazy text: paragraphs at blank lines, <br> at single line breaks."""
    paragraphs = _BLANK_LINES.split(_NEWLINES.sub("\n", text))
    return "\n\n".join(f"<p>{esc(p)}</p>".replace("\n", "<br>") for p in paragraphs)


def _flag(m: dict) -> str:
    if not m["flagged"]:
        return ""
    reasons = m["flag_reasons"] or ()
    parts: list[str] = []
    if "case_ended" in reasons:
        parts.append(escape(gettext("after the case ended")))
    if "sender" in reasons:
        text = gettext("sent from another address: %(sender)s") % {
            "sender": escape(m["sender_email"])
        }
        parts.append(" " + text)
    if "unauthenticated" in reasons:
        parts.append(
            format_html(
                ' <span data-testid="unauthenticated">{}</span>',
                gettext("sender not verified: SPF/DKIM/DMARC failed"),
            )
        )
    return format_html(' <span class="badge badge-warn">{}</span>', mark_safe("".join(parts)))


def _refused(m: dict) -> str:
    if not m["refused_files"]:
        return ""
    return format_html(
        '\n    <p class="muted">{} {}</p>',
        gettext("Files not accepted:"),
        mark_safe(
            "; ".join(format_html("{} ({})", f["name"], f["reason"]) for f in m["refused_files"])
        ),
    )
