"""Short links (design.md §11): POST /api/links stores the page's URL state; GET /l/<id> redirects to it.

A short link is what a QR code on the projector should hold: a few dozen characters instead of a
state of several hundred, so the code stays small enough to scan from the back of a room.
"""

from __future__ import annotations

import re
from typing import Annotated

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import BaseModel, Field

from app.api.jsonio import StrictJSONResponse
from app.api.pages import TEMPLATES
from app.api.schemas import MessageBody
from app.api.sharing import CREATES, STORE_DOWN, SettingsDep, StoreDep, invalid_field, stored
from app.store import Link

router = APIRouter(tags=["share"])

# What a URL fragment may hold without escaping (RFC 3986: pchar / "/" / "?"), `#` excluded: the
# state goes into the Location header as is, so nothing in it can start a header or another URL part.
FRAGMENT = re.compile(r"[A-Za-z0-9\-._~!$&'()*+,;=:@/?%]+")
LINK_ID = re.compile(r"[A-Za-z0-9_-]{1,32}")


class LinkRequest(BaseModel):
    state: Annotated[
        str,
        Field(
            min_length=1,
            description="the page's URL state, the part after `#` (e.g. `v1=eyJz...`); at most the server's "
            "`max_link_state_length` characters",
            examples=["v1=eyJzIjoicm9zZW5icm9jayJ9"],
            # For /openapi.json: the route checks it with FRAGMENT, in words a teacher can read.
            json_schema_extra={"pattern": f"^{FRAGMENT.pattern}$"},
        ),
    ]


class LinkCreated(BaseModel):
    id: str = Field(description="short and unguessable; identical states share one")
    url: str = Field(description="relative to the server: `/l/<id>`", examples=["/l/ZJhjMBRRAds"])


@router.post("/api/links", response_model=LinkCreated, **CREATES)
async def create_link(body: LinkRequest, settings: SettingsDep, store: StoreDep) -> LinkCreated:
    """Store the page's state under a short id; `GET /l/<id>` then opens the page with it."""
    if len(body.state) > settings.max_link_state_length:
        raise invalid_field("state", f"at most {settings.max_link_state_length} characters", "string_too_long")
    if not FRAGMENT.fullmatch(body.state):
        message = "only characters a URL fragment holds unescaped (percent-encode the rest)"
        raise invalid_field("state", message, "value_error")
    link_id = await stored(store.save(Link, body.state))
    return LinkCreated(id=link_id, url=f"/l/{link_id}")


@router.get(
    "/l/{link_id}",
    response_class=RedirectResponse,
    status_code=302,
    responses={
        302: {"description": "the page with the stored state: `Location: /#<state>`"},
        404: {"model": MessageBody, "description": "no such link (an HTML page for browsers)"},
    }
    | STORE_DOWN,
)
async def follow_link(link_id: str, request: Request, store: StoreDep) -> Response:
    """Redirect to the page with the link's state. The Location is relative, so the link works under
    whatever host and scheme the visitor used (a LAN address, a proxy's public name)."""
    state = await stored(store.load(Link, link_id)) if LINK_ID.fullmatch(link_id) else None
    if state is None:
        return _missing(request, link_id)
    return RedirectResponse(f"{request.scope.get('root_path', '')}/#{state}", status_code=302)


def _missing(request: Request, link_id: str) -> Response:
    """404 as a page for a browser (a scanned QR code), as JSON for everything else."""
    if "text/html" in request.headers.get("accept", ""):
        return TEMPLATES.TemplateResponse(request, "missing_link.html", {"link_id": link_id}, status_code=404)
    return StrictJSONResponse({"detail": f"no short link {link_id!r}"}, status_code=404)
