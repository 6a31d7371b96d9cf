"""GET /api/qr: a URL as a QR code (SVG), so a class can open the experiment on the projector.

A page opened on the teacher's own machine has a loopback URL (`http://127.0.0.1:8000/#v1=...`)
that no phone can open, so the code points at `OPTIMLAB_PUBLIC_URL` when it is set, else at this
machine's LAN address (found without sending a packet), else at the URL as given. The answer's
`X-QR-URL` header says which URL the code holds. Only a client on this machine gets the LAN address:
a remote one reached the server by an address it already knows, and is not told the private one.
"""

from __future__ import annotations

import contextlib
import functools
import io
import ipaddress
import re
import socket
import struct
import sys
import time
from typing import Annotated
from urllib.parse import SplitResult, urlsplit, urlunsplit

import segno
from fastapi import APIRouter, Depends, Query, Request, Response
from fastapi.exceptions import RequestValidationError

from app.api.deps import get_pool, get_settings
from app.api.pool import ComputePool
from app.engine.errors import SpecError
from app.engine.limits import DEFAULT_LIMITS
from app.settings import Settings

router = APIRouter(tags=["share"])

# A version-40 code at error level L holds 2953 bytes; beyond ~2000 characters phones struggle anyway.
MAX_URL_LENGTH = DEFAULT_LIMITS.max_qr_url_length
LOOPBACK_HOSTS = {"localhost", "127.0.0.1", "::1"}
# An absolute http(s) URL of printable ASCII: the rule the route enforces and /openapi.json states, one
# regular expression for both (RFC 3986's user info, host and port 0-65535; then path, query, fragment).
URL_PATTERN = (
    r"^[Hh][Tt][Tt][Pp][Ss]?://"
    r"([A-Za-z0-9._~!$&'()*+,;=%:-]*@)?"
    r"(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9._~!$&'()*+,;=%-]+)"
    r"(:(6553[0-5]|655[0-2][0-9]|65[0-4][0-9]{2}|6[0-4][0-9]{3}|[1-5][0-9]{4}|[0-9]{1,4})?)?"
    r"([/?#][!-~]*)?$"
)
URL = re.compile(URL_PATTERN)
SIOCGIFADDR = 0x8915  # Linux ioctl: an interface's IPv4 address
LAN_ADDRESS_SECONDS = 30  # how long a found address is reused: each lesson in presenter mode asks for a new code


def _interface_addresses() -> list[str]:
    """IPv4 addresses of this machine's network interfaces (Linux; an ioctl per interface, no traffic)."""
    if not sys.platform.startswith("linux"):
        return []
    import fcntl  # POSIX only, hence imported here

    addresses = []
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        for _, name in socket.if_nameindex():
            with contextlib.suppress(OSError):  # an interface without an IPv4 address
                request = struct.pack("256s", name.encode()[:15])
                addresses.append(socket.inet_ntoa(fcntl.ioctl(sock.fileno(), SIOCGIFADDR, request)[20:24]))
    return addresses


def lan_address() -> str | None:
    """This machine's private IPv4 address on the local network, or None (looked up every 30 s at most)."""
    return _lan_address_during(int(time.monotonic() // LAN_ADDRESS_SECONDS))


@functools.lru_cache(maxsize=1)
def _lan_address_during(period: int) -> str | None:
    """The host name's address first (`gethostbyname(gethostname())`; Debian maps it to 127.0.1.1,
    so it is often loopback), then the interfaces' own addresses. Nothing here sends a packet."""
    candidates = []
    with contextlib.suppress(OSError):
        candidates.append(socket.gethostbyname(socket.gethostname()))
    with contextlib.suppress(OSError):
        candidates.extend(_interface_addresses())
    for candidate in candidates:
        address = ipaddress.ip_address(candidate)
        if address.is_private and not (address.is_loopback or address.is_link_local):
            return candidate
    return None


def no_lan_address() -> None:
    """For a remote client: the machine's private address is not theirs to learn."""
    return None


def from_this_machine(request: Request) -> bool:
    """Whether the client is on this machine (after uvicorn's proxy headers, when a local proxy forwards)."""
    if request.client is None:
        return False
    try:
        return ipaddress.ip_address(request.client.host).is_loopback
    except ValueError:  # not an IP address (a Unix socket's peer, a test client's name)
        return False


def _with_host(parts: SplitResult, host: str) -> str:
    netloc = host if parts.port is None else f"{host}:{parts.port}"
    return urlunsplit(parts._replace(netloc=netloc))


def qr_target(url: str, public_url: str | None, find_lan_address=lan_address) -> str:
    """The URL a student's phone can open for the page at `url`.

    `public_url` (a base URL, possibly with a path prefix behind a proxy) replaces the scheme, host
    and port; otherwise a loopback host becomes the LAN address. The path, query and fragment — the
    experiment itself — are kept.
    """
    try:
        parts = urlsplit(url)
    except ValueError:  # a bracketed host that is no IPv6 address: the URL is encoded as it is
        return url
    if public_url:
        base = urlsplit(public_url)
        path = base.path.rstrip("/") + "/" + parts.path.lstrip("/")
        return urlunsplit((base.scheme, base.netloc, path, parts.query, parts.fragment))
    if parts.hostname in LOOPBACK_HOSTS:
        address = find_lan_address()
        if address:
            return _with_host(parts, address)
    return url


def _invalid(message: str) -> RequestValidationError:
    return RequestValidationError([{"loc": ("query", "url"), "msg": message, "type": "value_error"}])


def validate_url(url: str) -> str:
    """An absolute http(s) URL of printable ASCII characters (a browser's `location.href` is one)."""
    if not URL.fullmatch(url):
        raise _invalid("the URL must be absolute (http:// or https://, a host, an optional port 0-65535), "
                       "printable ASCII without spaces (percent-encode the rest)")  # fmt: skip
    return url


def qr_for(url: str, public_url: str | None, local_client: bool) -> tuple[str, bytes]:
    """The URL the code holds and the code as SVG (see qr_target and qr_svg); only a client on this
    machine is given its LAN address."""
    target = qr_target(url, public_url, lan_address if local_client else no_lan_address)
    if len(target) > MAX_URL_LENGTH:  # a long OPTIMLAB_PUBLIC_URL prefix can push it over
        raise SpecError(("url",), f"the URL is longer than {MAX_URL_LENGTH} characters")
    return target, qr_svg(target)


def qr_svg(text: str) -> bytes:
    """`text` as a QR code: dark modules on a white square with the standard 4-module quiet zone.

    Error level L (boosted where the symbol has room) keeps long experiment URLs scannable; the SVG
    has a viewBox and no size, so the page sizes it with CSS.
    """
    code = segno.make(text, error="l", micro=False)
    buffer = io.BytesIO()
    code.save(
        buffer, kind="svg", xmldecl=False, omitsize=True, border=4, dark="#000", light="#fff",
        svgclass="qr-svg", lineclass=None, title="QR code of this experiment's link", nl=False,
    )  # fmt: skip
    return buffer.getvalue()


@router.get(
    "/api/qr",
    response_class=Response,
    responses={200: {"content": {"image/svg+xml": {}}, "description": "the QR code; `X-QR-URL` holds the encoded URL"}},
)
async def qr_code(
    url: Annotated[
        str,
        # The pattern for /openapi.json only: validate_url checks it, with a message a teacher can read.
        Query(
            min_length=1,
            max_length=MAX_URL_LENGTH,
            json_schema_extra={"pattern": URL_PATTERN},
            description="the page's URL, absolute",
        ),
    ],
    settings: Annotated[Settings, Depends(get_settings)],
    pool: Annotated[ComputePool, Depends(get_pool)],
    request: Request,
) -> Response:
    """The page's URL as an SVG QR code, pointed at an address the class can reach. Made in a worker
    process (a long URL's code is ~100 ms of CPU), where the bounded pool keeps a flood of them from
    slowing everything else (design.md §12)."""
    try:
        target, svg = await pool.run(qr_for, validate_url(url), settings.public_url, from_this_machine(request))
    except SpecError as err:
        raise _invalid(err.msg) from None
    return Response(
        svg,
        media_type="image/svg+xml",
        headers={"X-QR-URL": target, "Cache-Control": "no-store"},
    )
