"""Pages behind the signed links in the assignment email. No login: the link is the authority.

GET only shows what the link will do (mail scanners and link previews open links); the POST
from that page acts. A used, expired or tampered link gets a page that says so, and nothing
changes.
"""

from __future__ import annotations

from django.core.exceptions import NON_FIELD_ERRORS
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from cases.errors import CaseError, CaseValidationError
from cases.forms import LinkActionForm
from cases.services import case_accept_by_link, case_link_read, case_transition_by_link
from workflows.definition import transitions


def _refused(request, exc: CaseError):
    return render(request, "public/link_refused.html", {"message": exc.message}, status=exc.status)


@never_cache
@require_http_methods(["GET", "POST"])
def case_link_view(request, purpose: str, token: str):
    try:
        link = case_link_read(token=token, purpose=purpose)
    except CaseError as exc:
        return _refused(request, exc)
    spec = transitions()[link.transition] if link.transition else None
    form = LinkActionForm(request.POST or None, spec=spec) if spec else None
    status = 200
    if request.method == "POST":
        try:
            if spec is None:
                case_accept_by_link(link=link)
            else:
                data = {f.name: request.POST.get(f.name, "") for f in spec.fields}
                case_transition_by_link(link=link, data=data)
        except CaseValidationError as exc:
            assert form is not None  # only a step with fields validates them
            form.is_valid()
            for field, errors in exc.fields.items():
                name = field if field in form.fields else None
                # The form's own check and the service may say the same thing ("This field
                # is required."): each message is shown once.
                shown = {str(e) for e in form.errors.get(name or NON_FIELD_ERRORS, [])}
                for error in errors:
                    if error not in shown:
                        form.add_error(name, error)
                        shown.add(error)
            status = 400
        except CaseError as exc:
            return _refused(request, exc)
        else:
            return render(request, "public/link_done.html", {"purpose": purpose, "case": link.case})
    return render(
        request,
        "public/link_confirm.html",
        {"purpose": purpose, "case": link.case, "contact": link.contact, "form": form},
        status=status,
    )
