"""How django-axes counts failed sign-ins here (settings: AXES_*).

Two counters, both in the database (every process sees them):

- per account: `LOGIN_FAILURE_LIMIT` failures for one username, from any client, lock that
  account for `LOGIN_LOCKOUT_MINUTES`;
- per client: `LOGIN_CLIENT_FAILURE_LIMIT` failures from one address, for any usernames or API
  tokens, lock that client. The client limit is higher: a campus or a municipality signs in
  from behind one address, and a few typos there must not lock everyone out.

A wrong API token has no username, so it counts for its client only (counting it under an
empty username would add every client's wrong tokens together).
"""

from __future__ import annotations

from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_client_parameters, get_client_username
from django.conf import settings
from django.db.models import Sum
from django.http import HttpRequest


def username_of(request: HttpRequest, credentials: dict | None) -> str | None:
    """The username a sign-in tried, as stored: trimmed and lowercased, so that
    "Anna@HB.example" and "anna@hb.example " count as one account."""
    if credentials is not None:
        username = credentials.get("username")
    else:
        data = getattr(request, "data", None) or request.POST
        username = data.get("username")
    if not isinstance(username, str):
        return None
    return username.strip().lower()[:255] or None


def lockout_parameters(request, credentials: dict | None) -> list[str]:
    if username_of(request, credentials):
        return ["username", "ip_address"]
    return ["ip_address"]


class LockoutHandler(AxesDatabaseHandler):
    """axes' database handler with a limit per parameter: the per-client count is scaled to
    the account limit, so that axes' one comparison (failures >= AXES_FAILURE_LIMIT) applies
    `LOGIN_CLIENT_FAILURE_LIMIT` to clients and `LOGIN_FAILURE_LIMIT` to accounts."""

    def get_failures(self, request, credentials: dict | None = None) -> int:
        account_limit = settings.LOGIN_FAILURE_LIMIT
        username = get_client_username(request, credentials)
        filters = get_client_parameters(
            username, request.axes_ip_address, request.axes_user_agent, request, credentials
        )
        worst = 0
        for filter_kwargs, attempts in zip(
            filters, self.get_user_attempts(request, credentials), strict=True
        ):
            count = attempts.aggregate(n=Sum("failures_since_start"))["n"] or 0
            if "username" not in filter_kwargs:
                count = count * account_limit // settings.LOGIN_CLIENT_FAILURE_LIMIT
            worst = max(worst, count)
        return worst
