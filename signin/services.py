"""Writes of the sign-in app: accounts met through single sign-on, and second-factor devices."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from django_otp.models import Device
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import Role, User
from signin.errors import SignInRefused
from signin.models import OidcIdentity

# When several groups map to roles, the widest role wins.
ROLE_RANK = [Role.ADMIN, Role.COORDINATOR, Role.REGISTRAR, Role.CONTACT]
BACKUP_CODE_COUNT = 10


def role_from_claims(claims: Mapping[str, object]) -> str | None:
    """The role OIDC_ROLE_MAP gives the groups in OIDC_ROLE_CLAIM, or None."""
    value = claims.get(settings.OIDC_ROLE_CLAIM) or []
    if isinstance(value, str):  # some providers send one space- or comma-separated string
        value = value.replace(",", " ").split()
    if not isinstance(value, Iterable):
        return None
    groups = [g for g in value if isinstance(g, str)]
    roles = {settings.OIDC_ROLE_MAP[g] for g in groups if g in settings.OIDC_ROLE_MAP}
    return next((role for role in ROLE_RANK if role in roles), None)


@transaction.atomic
def sso_user_resolve(*, issuer: str, claims: Mapping[str, object]) -> User:
    """The user the identity provider vouches for, created or updated from its claims.

    1. Match the provider's `sub` (stored at the first sign-in), then the email address
       (only one the provider says is verified, and never an account already tied to
       another `sub` of the same provider: an address passed on must not inherit an account).
    2. No match: create the account only with OIDC_CREATE_USERS.
    3. With OIDC_ROLE_MAP, the role comes from the groups claim each time (none: refused);
       without it roles stay managed in Samverka.
    Raises SignInRefused with a message for the person.
    """
    subject = str(claims.get("sub") or "")
    email = str(claims.get("email") or "").strip().lower()
    if claims.get("email_verified") is False:
        email = ""
    if not subject:
        raise SignInRefused(_("The university's sign-in service sent no user identity."))
    role = role_from_claims(claims) if settings.OIDC_ROLE_MAP else None
    if settings.OIDC_ROLE_MAP and role is None:
        raise SignInRefused(
            _(
                "Your university account has no role in Samverka. Ask a Samverka "
                "administrator to give you access."
            )
        )

    identity = (
        OidcIdentity.objects.select_related("user").filter(issuer=issuer, subject=subject).first()
    )
    user = identity.user if identity else None
    if user is None and email:
        matches = list(User.objects.filter(email__iexact=email)[:2])
        if len(matches) > 1:
            raise SignInRefused(
                _("More than one Samverka account uses your email address. Ask an administrator.")
            )
        if matches:
            user = matches[0]
            if user.oidc_identities.filter(issuer=issuer).exclude(subject=subject).exists():
                raise SignInRefused(
                    _(
                        "Your Samverka account belongs to another university account. Ask an "
                        "administrator."
                    )
                )
    if user is None:
        if not settings.OIDC_CREATE_USERS or not email:
            raise SignInRefused(
                _(
                    "There is no Samverka account for your university account. Ask a Samverka "
                    "administrator to create one."
                )
            )
        user = User(username=email, email=email, role=role or "")
        user.set_unusable_password()
    if not user.is_active:
        raise SignInRefused(_("Your Samverka account is deactivated."))

    user.first_name = str(claims.get("given_name") or user.first_name)[:150]
    user.last_name = str(claims.get("family_name") or user.last_name)[:150]
    if role is not None:
        user.role = role
        user.is_staff = user.is_superuser = role == Role.ADMIN
    user.save()
    OidcIdentity.objects.update_or_create(issuer=issuer, subject=subject, defaults={"user": user})
    return user


# --- Second factor --------------------------------------------------------------------------


def totp_device_for_enrolment(*, user: User) -> TOTPDevice:
    """The user's unconfirmed authenticator (a new secret the first time)."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("-pk").first()
    return device or TOTPDevice.objects.create(user=user, name="Samverka", confirmed=False)


TOO_MANY = gettext_noop("Too many wrong codes. Wait a minute and try again.")


def _checked(device: Device, token: str) -> bool:
    """Whether the device accepts the token; refused while it is throttled (django-otp doubles
    the wait after each wrong code), so codes cannot be guessed at speed."""
    allowed, _details = device.verify_is_allowed()
    if not allowed:
        raise SignInRefused(_(TOO_MANY))
    return device.verify_token(token)


@transaction.atomic
def totp_enrolment_confirm(*, user: User, device: TOTPDevice, token: str) -> list[str]:
    """Confirm the authenticator with a code it shows; returns fresh backup codes (shown once).

    Raises SignInRefused when the code is wrong."""
    device = TOTPDevice.objects.select_for_update().get(pk=device.pk, user=user)
    if not _checked(device, token.strip().replace(" ", "")):
        raise SignInRefused(_("Wrong code. Enter the six digits your authenticator app shows now."))
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    TOTPDevice.objects.filter(user=user, confirmed=False).delete()
    return backup_codes_renew(user=user)


@transaction.atomic
def backup_codes_renew(*, user: User) -> list[str]:
    """Replace the user's backup codes (each works once) and return them."""
    StaticDevice.objects.filter(user=user).delete()
    device = StaticDevice.objects.create(user=user, name="Backup codes", confirmed=True)
    codes = [StaticToken.random_token() for _ in range(BACKUP_CODE_COUNT)]
    StaticToken.objects.bulk_create(StaticToken(device=device, token=code) for code in codes)
    return codes


def second_factor_verify(*, user: User, token: str) -> Device:
    """The confirmed device (authenticator or backup codes) that accepts `token`.

    Raises SignInRefused when none does."""
    token = token.strip().replace(" ", "").lower()
    throttled = False
    if token:
        for model in (TOTPDevice, StaticDevice):
            for device in model.objects.filter(user=user, confirmed=True):
                try:
                    if _checked(device, token):
                        return device
                except SignInRefused:
                    throttled = True
    if throttled:
        raise SignInRefused(_(TOO_MANY))
    raise SignInRefused(
        _(
            "Wrong code. Enter the six digits your authenticator app shows now, or one of your "
            "backup codes."
        )
    )
