"""Single sign-on behind an authenticating proxy: the user (and their groups) from request
headers, believed only from the proxy's own addresses.

The proxy (oauth2-proxy, an Entra ID application proxy and the like) signs staff in and passes
``COACH_TRUSTED_USER_HEADER``; a request carrying that header from any address outside
``COACH_TRUSTED_PROXIES`` is a forgery: the header is ignored (the request is not signed in)
and the attempt is logged. The address checked is the TCP peer's, never X-Forwarded-For, which
a client can write itself.
"""

from __future__ import annotations

import ipaddress
import logging
import re
import time
from dataclasses import dataclass, field
from typing import Any

from coach.access.audit import SIGN_IN, SIGN_IN_FAILED, AuditLog
from coach.access.roles import ROLES
from coach.config import Settings
from coach.errors import ConfigError

log = logging.getLogger(__name__)

_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@+-]{0,99}$")
Network = ipaddress.IPv4Network | ipaddress.IPv6Network
SEEN_FOR_S = 3600.0  # a user signed in through the proxy is audited again after this long


@dataclass(frozen=True)
class TrustedProxy:
    user_header: str
    role_header: str | None
    proxies: tuple[Network, ...]
    role_map: tuple[tuple[str, str], ...]
    # the audit log (sign-ins, forged headers), and when each (user, peer) was last audited:
    # the header comes with every request, and a sign-in is one event, not one per request
    audit: AuditLog | None = field(default=None, compare=False)
    _seen: dict[tuple[str, str], float] = field(default_factory=dict, compare=False,
                                                repr=False)

    def trusted(self, request: Any) -> bool:
        host = getattr(getattr(request, "client", None), "host", None)
        try:
            address = ipaddress.ip_address(str(host))
        except ValueError:
            return False
        return any(address in net for net in self.proxies)

    def user(self, request: Any) -> str | None:
        """The signed-in user the proxy names, or None (no header, forged or malformed)."""
        value = request.headers.get(self.user_header)
        if value is None:
            return None
        peer = getattr(getattr(request, "client", None), "host", "?")
        if not self.trusted(request):
            log.warning("ignored a %s header (%r) from %s, which is not in "
                        "COACH_TRUSTED_PROXIES", self.user_header, value[:100], peer)
            self._audit(SIGN_IN_FAILED, str(value).strip()[:100] or "?", str(peer),
                        "header from an address not in COACH_TRUSTED_PROXIES")
            return None
        name = str(value).strip()
        if not _NAME.match(name):
            log.warning("ignored a malformed %s header from %s", self.user_header, peer)
            self._audit(SIGN_IN_FAILED, "?", str(peer), "malformed user header")
            return None
        self._audit(SIGN_IN, name, str(peer))
        return name

    def _audit(self, event: str, user: str, peer: str, detail: str = "") -> None:
        """One audit event per (user, peer) an hour: the header comes with every request."""
        if self.audit is None:
            return
        key, at = (f"{event}:{user}", peer), time.monotonic()
        last = self._seen.get(key)
        if last is not None and at - last < SEEN_FOR_S:
            return
        self._seen[key] = at
        if len(self._seen) > 10_000:
            self._seen.clear()
        self.audit.record(event, user, peer=peer, how="proxy", detail=detail)

    def role(self, request: Any) -> str | None:
        """The highest role the proxy's group header maps to, or None."""
        if not self.role_header or not self.trusted(request):
            return None
        groups = set(re.split(r"[,\s]+", request.headers.get(self.role_header, "").strip()))
        mapped = [role for group, role in self.role_map if group in groups]
        return max(mapped, key=ROLES.index) if mapped else None

    def identify(self, request: Any) -> tuple[str | None, str | None]:
        user = self.user(request)
        return user, (self.role(request) if user else None)


def from_settings(settings: Settings, audit: AuditLog | None = None) -> TrustedProxy | None:
    """The proxy configuration, checked; None when single sign-on is off. Sign-ins through
    it, and forged headers, go in ``audit``."""
    if not settings.trusted_user_header:
        return None
    if settings.auth_file is not None:
        raise ConfigError("Set either COACH_AUTH_FILE (passwords) or COACH_TRUSTED_USER_HEADER "
                          "(single sign-on through a proxy), not both.")
    proxies = []
    for part in filter(None, (p.strip() for p in settings.trusted_proxies.split(","))):
        try:
            proxies.append(ipaddress.ip_network(part, strict=False))
        except ValueError as exc:
            raise ConfigError(f"COACH_TRUSTED_PROXIES: {part!r} is not an address or network "
                              "(e.g. 10.0.0.5 or 10.1.0.0/24).") from exc
    if not proxies:
        raise ConfigError("COACH_TRUSTED_USER_HEADER is set but COACH_TRUSTED_PROXIES is empty: "
                          "list the proxy's addresses, or anyone could send the header.")
    pairs = []
    for part in filter(None, (p.strip() for p in settings.role_map.split(","))):
        group, sep, role = part.partition("=")
        if not sep or not group.strip() or role.strip() not in ROLES:
            raise ConfigError(f"COACH_ROLE_MAP: {part!r} should be GROUP=ROLE with ROLE one of "
                              f"{', '.join(ROLES)}.")
        pairs.append((group.strip(), role.strip()))
    return TrustedProxy(settings.trusted_user_header.strip(),
                        (settings.trusted_role_header or "").strip() or None,
                        tuple(proxies), tuple(pairs), audit)


def sign_in_on(settings: Settings) -> bool:
    """Does the web app sign users in (passwords or a trusted proxy)?"""
    return settings.auth_file is not None or bool(settings.trusted_user_header)
