"""Did a reply really come from its sender's domain? SPF, DKIM and DMARC, as the receiving mail
server recorded them (RFC 8601 `Authentication-Results`) and, where configured, DKIM checked
here with dkimpy.

Only what our own receiving server wrote counts. Anyone can put an `Authentication-Results:
mx.hb.se; dmarc=pass` header into the mail they send; the receiving server adds its own above
its `Received` header, so a header counts only when

- its authserv-id (the first word) is INBOUND_AUTHSERV_ID, and
- at most INBOUND_AUTHSERV_HOPS `Received` headers stand above it (0: the receiving server's
  header is above every `Received`; 1 when local delivery, e.g. Dovecot's LMTP, adds one more).

Everything further down was written before the message reached us: ignored.

The verdict, in this order (DMARC's rules: a pass needs a domain aligned with the From address):
1. a DKIM signature checked here, by the From domain (or its parent or child domain): pass;
2. the receiving server's dmarc=pass: pass; dmarc=fail: fail;
3. its dkim=pass by an aligned domain (header.d / header.i), or spf=pass for an aligned
   envelope sender (smtp.mailfrom): pass;
4. any spf=fail/softfail, dkim=fail, or a signature that did not verify here: fail;
5. otherwise: none (nothing either way, e.g. a domain without SPF and DKIM).
A failed reply is still taken in, and flagged for staff; never dropped.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from email.message import Message

from django.conf import settings

from inbound.models import Verdict

logger = logging.getLogger(__name__)


# dkimpy's DNS lookup (`dnsfunc(name, timeout=5) -> bytes | None`): None is dkimpy's own (real
# DNS). DNS is outside the house; the tests set this to a function that answers with the
# public key of the key they signed with.
dns_txt: Callable[..., bytes | None] | None = None


@dataclass
class Result:
    method: str
    result: str
    props: dict[str, str] = field(default_factory=dict)


@dataclass
class Authentication:
    verdict: str = Verdict.UNCHECKED
    details: str = ""


def _strip_comments(value: str) -> str:
    """RFC 5322 comments (nested parentheses) out, quoted strings kept."""
    out, depth, quoted, escaped = [], 0, False, False
    for char in value:
        if escaped:
            if depth == 0:
                out.append(char)
            escaped = False
        elif char == "\\":
            escaped = True
            if depth == 0:
                out.append(char)
        elif quoted:
            out.append(char)
            if char == '"':
                quoted = False
        elif char == "(":
            depth += 1
        elif char == ")" and depth:
            depth -= 1
        elif depth == 0:
            out.append(char)
            if char == '"':
                quoted = True
    return "".join(out)


def _split(value: str, separator: str) -> list[str]:
    """Split on `separator` outside quoted strings."""
    parts: list[str] = []
    current: list[str] = []
    quoted = False
    for char in value:
        if char == '"':
            quoted = not quoted
        if char == separator and not quoted:
            parts.append("".join(current))
            current = []
        else:
            current.append(char)
    parts.append("".join(current))
    return parts


def results_parse(value: str) -> tuple[str, list[Result]]:
    """One Authentication-Results header: its authserv-id and its results (RFC 8601 § 2.2)."""
    parts = [p.strip() for p in _split(_strip_comments(value), ";")]
    head = parts[0].split()
    authserv_id = head[0].lower() if head else ""
    results = []
    for part in parts[1:]:
        words = _split(" ".join(part.split()), " ")
        if not words or "=" not in words[0]:
            continue  # "none" (no results), or something we do not understand
        method, result = words[0].split("=", 1)
        props = {}
        for word in words[1:]:
            if "=" in word:
                name, prop = word.split("=", 1)
                props[name.lower()] = prop.strip('"').lower()
        results.append(Result(method.split("/")[0].lower(), result.lower(), props))
    return authserv_id, results


def trusted_results(message: Message) -> list[Result]:
    """The results our receiving server wrote (see the module's docstring), top down."""
    authserv_id = settings.INBOUND_AUTHSERV_ID.lower()
    if not authserv_id:
        return []
    results: list[Result] = []
    received = 0
    for name, value in message.raw_items():
        name = name.lower()
        if name == "received":
            received += 1
        elif name == "authentication-results" and received <= settings.INBOUND_AUTHSERV_HOPS:
            header_id, header_results = results_parse(" ".join(str(value).split()))
            if header_id == authserv_id:
                results += header_results
    return results


def aligned(domain: str, from_domain: str) -> bool:
    """Relaxed alignment, approximated: the same domain, or one a subdomain of the other."""
    domain, from_domain = domain.strip(".").lower(), from_domain.strip(".").lower()
    if not domain or not from_domain:
        return False
    return (
        domain == from_domain
        or from_domain.endswith("." + domain)
        or domain.endswith("." + from_domain)
    )


def _domain(value: str) -> str:
    return value.rsplit("@", 1)[-1]


def dkim_check(raw: bytes) -> list[tuple[str, bool]]:
    """Each DKIM signature of the message checked here: (signing domain, verified)."""
    import dkim

    checker = dkim.DKIM(raw, minkey=1024, timeout=5)
    signatures = [value for name, value in checker.headers if name.lower() == b"dkim-signature"]
    checked = []
    for index, signature in enumerate(signatures):
        try:
            tags = dkim.util.parse_tag_value(signature)
            domain = tags.get(b"d", b"").decode("ascii", "replace").lower()
        except Exception:  # noqa: BLE001 - a malformed signature verifies nothing
            domain = ""
        try:
            if dns_txt is None:
                ok = bool(checker.verify(idx=index))
            else:
                ok = bool(checker.verify(idx=index, dnsfunc=dns_txt))
        except Exception as exc:  # noqa: BLE001 - dkim's errors, DNS errors: not verified
            logger.info("DKIM signature %s of %s did not verify: %s", index, domain, exc)
            ok = False
        checked.append((domain, ok))
    return checked


def authenticate(message: Message, raw: bytes, sender: str) -> Authentication:
    """The verdict on `message` from `sender` (see the module's docstring)."""
    results = trusted_results(message)
    checked = dkim_check(raw) if settings.INBOUND_DKIM_VERIFY else None
    if not settings.INBOUND_AUTHSERV_ID and checked is None:
        return Authentication()
    from_domain = _domain(sender)
    details = []
    if settings.INBOUND_AUTHSERV_ID:
        shown = [
            f"{r.method}={r.result}"
            + "".join(f" {k}={v}" for k, v in r.props.items() if k in SHOWN_PROPS)
            for r in results
        ]
        details.append(f"{settings.INBOUND_AUTHSERV_ID}: " + ("; ".join(shown) or "no results"))
    if checked is not None:
        shown = [f"d={d} {'pass' if ok else 'fail'}" for d, ok in checked]
        details.append("DKIM checked here: " + ("; ".join(shown) or "no signature"))
    return Authentication(_verdict(results, checked or [], from_domain), " · ".join(details))


SHOWN_PROPS = ("header.from", "header.d", "header.i", "smtp.mailfrom")


def _verdict(results: list[Result], checked: list[tuple[str, bool]], from_domain: str) -> str:
    if any(ok and aligned(d, from_domain) for d, ok in checked):
        return Verdict.PASS
    dmarc = [r.result for r in results if r.method == "dmarc"]
    if "pass" in dmarc:
        return Verdict.PASS
    if "fail" in dmarc:
        return Verdict.FAIL
    for r in results:
        if r.result != "pass":
            continue
        if r.method == "dkim":
            signer = r.props.get("header.d") or _domain(r.props.get("header.i", ""))
            if aligned(signer, from_domain):
                return Verdict.PASS
        if r.method == "spf" and aligned(_domain(r.props.get("smtp.mailfrom", "")), from_domain):
            return Verdict.PASS
    failed = any(
        (r.method == "spf" and r.result in ("fail", "softfail"))
        or (r.method == "dkim" and r.result == "fail")
        for r in results
    )
    if failed or any(not ok for _d, ok in checked):
        return Verdict.FAIL
    return Verdict.NONE
