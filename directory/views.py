"""Public pages that answer "what" and "who". Swedish first, no login.

"How" (the process) is `workflows.views.how_it_works`: the state machine's own page. The
area page (`cases.views.public.areas`) lives with the cases: it shows what they say about
each area, and the directory knows nothing of cases.
"""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _

from directory import selectors
from directory.suggestions import search_contacts

QUERY_MAX_LENGTH = 200


def forms(request: HttpRequest) -> HttpResponse:
    return render(request, "public/forms.html", {"forms": selectors.form_list()})


def contacts(request: HttpRequest) -> HttpResponse:
    query = request.GET.get("q", "")[:QUERY_MAX_LENGTH].strip()
    area = request.GET.get("area", "")[:100]
    hits = search_contacts(query, area_slug=area)
    return render(
        request,
        "public/contacts.html",
        {
            "query": query,
            "area": area,
            "areas": selectors.area_list(),
            "hits": hits,
        },
    )


def contact(request: HttpRequest, pk: int) -> HttpResponse:
    person = selectors.contact_detail(pk=pk)
    if person is None:
        raise Http404(_("No contact person with this number."))
    return render(request, "public/contact.html", {"person": person})
