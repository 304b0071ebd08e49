"""Where webhooks may go. A subscriber chooses the URL and the worker POSTs to it from inside the
deployment: a URL naming the deployment's own networks (the database, the metrics endpoint, a
cloud's metadata service at 169.254.169.254) would make the worker reach, for anyone holding
`webhooks:manage`, what is not reachable from outside (server-side request forgery).

So a URL whose host is, or resolves to, a loopback, private, link-local, multicast, reserved,
unspecified or otherwise non-public address is refused, when it is subscribed (422 naming
`url`) and again at each delivery: a name may resolve to a public address when subscribed and
to an internal one later (DNS rebinding). At delivery the worker connects to the very addresses
it checked (`pinned`), never resolving the name a second time. Deliveries go over HTTPS: the
events of SEA cases must not cross a network in clear. An on-premise receiver is allowed by
`EHP_WEBHOOK_ALLOW_PRIVATE_NETWORKS`, plain HTTP by `EHP_WEBHOOK_ALLOW_HTTP`.
"""

import ipaddress
import socket
from dataclasses import dataclass, field
from typing import Any

import httpx

from ehp_api.core.config import Settings
from ehp_api.core.i18n import N_, tr

Address = ipaddress.IPv4Address | ipaddress.IPv6Address

# The kinds of network refused, told apart in this order (a loopback address is also private).
_KINDS = (
    ("is_unspecified", N_("unspecified")),
    ("is_loopback", N_("loopback")),
    ("is_link_local", N_("link-local")),
    ("is_multicast", N_("multicast")),
    ("is_private", N_("private")),
    ("is_reserved", N_("reserved")),
)


@dataclass(frozen=True)
class Refusal:
    """Why a URL is not a destination: a stable `code`, and a message with its fields."""

    code: str
    message: str
    params: dict[str, str] = field(default_factory=dict)

    def reason(self) -> str:
        """In the request's language (English outside a request: the worker's log)."""
        params = {k: tr(v) if k == "kind" else v for k, v in self.params.items()}
        return tr(self.message, **params)


def kind_of(address: Address) -> str | None:
    """The kind of network `address` belongs to when it is not a public one, else None. An
    IPv6 address carrying an IPv4 one (mapped, 6to4) is judged by that one too."""
    for candidate in _embedded(address):
        for attribute, kind in _KINDS:
            if getattr(candidate, attribute):
                return kind
        if not candidate.is_global:  # shared address space (100.64.0.0/10) and the like
            return N_("non-public")
    return None


def _embedded(address: Address) -> list[Address]:
    if isinstance(address, ipaddress.IPv6Address):
        inner = [a for a in (address.ipv4_mapped, address.sixtofour) if a is not None]
        return [address, *inner]
    return [address]


def resolve(host: str, port: int) -> list[Address]:
    """Every address `host` names: itself when it is one, else what the resolver answers (an
    empty list when it answers nothing)."""
    try:
        return [ipaddress.ip_address(host)]
    except ValueError:
        pass
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError):
        return []
    found: list[Address] = []
    for *_, sockaddr in infos:
        address = ipaddress.ip_address(str(sockaddr[0]).split("%", 1)[0])
        if address not in found:
            found.append(address)
    return found


def scheme_refusal(url: httpx.URL, settings: Settings) -> Refusal | None:
    if url.scheme == "https" or (url.scheme == "http" and settings.webhook_allow_http):
        return None
    return Refusal(
        "https_required",
        N_(
            "must be an https URL: events are not sent over a network in clear "
            "(EHP_WEBHOOK_ALLOW_HTTP allows http)"
        ),
    )


def address_refusal(host: str, addresses: list[Address], settings: Settings) -> Refusal | None:
    """Why the worker may not connect to `host` at `addresses`, or None."""
    if settings.webhook_allow_private_networks:
        return None
    for address in addresses:
        if kind := kind_of(address):
            named = host != str(address)
            return Refusal(
                "forbidden_address",
                _RESOLVES_TO if named else _IS,
                {"host": host, "address": str(address), "kind": kind},
            )
    return None


_IS = N_(
    "{address} is a {kind} address: webhooks go to public addresses only "
    "(EHP_WEBHOOK_ALLOW_PRIVATE_NETWORKS allows an on-premise receiver)"
)
_RESOLVES_TO = N_(
    "{host} resolves to {address}, a {kind} address: webhooks go to public addresses only "
    "(EHP_WEBHOOK_ALLOW_PRIVATE_NETWORKS allows an on-premise receiver)"
)


def subscription_refusal(url: str, settings: Settings) -> Refusal | None:
    """Why `url` may not be subscribed, or None. A host that does not resolve (yet) is let
    through: it is judged again at each delivery, which fails until it resolves."""
    parsed = httpx.URL(url)
    if refusal := scheme_refusal(parsed, settings):
        return refusal
    host = parsed.raw_host.decode("ascii")
    return address_refusal(host, resolve(host, _port(parsed)), settings)


@dataclass(frozen=True)
class Pinned:
    """A request to `url` sent to one checked address: the URL names the address, `Host` and
    TLS (its SNI and certificate check) the URL's host."""

    url: httpx.URL
    headers: dict[str, str]
    extensions: dict[str, Any]


def destinations(url: str, settings: Settings) -> list[Pinned] | Refusal | None:
    """How to reach `url` now: one `Pinned` per address its host resolves to (to try in turn),
    a `Refusal` (not to retry), or None when the host does not resolve (to retry later)."""
    parsed = httpx.URL(url)
    if refusal := scheme_refusal(parsed, settings):
        return refusal
    host = parsed.raw_host.decode("ascii")
    addresses = resolve(host, _port(parsed))
    if not addresses:
        return None
    if refusal := address_refusal(host, addresses, settings):
        return refusal
    return [pinned(parsed, address) for address in addresses]


def pinned(url: httpx.URL, address: Address) -> Pinned:
    host_header = url.netloc.decode("ascii")  # host[:port], without any userinfo
    extensions = {"sni_hostname": url.raw_host.decode("ascii")} if url.scheme == "https" else {}
    return Pinned(url.copy_with(host=str(address)), {"host": host_header}, extensions)


def _port(url: httpx.URL) -> int:
    return url.port or (443 if url.scheme == "https" else 80)
