"""GET /docs (Swagger UI) and /redoc (ReDoc), served whole by this app: a classroom without internet
still has its API reference, and the pages keep the same strict CSP as everything else (design.md §6).

FastAPI's own pages load both from a CDN and start Swagger UI with an inline script, which the CSP
forbids. The assets come from the `fastapi-offline` package (Swagger UI, Apache-2.0; ReDoc, MIT) and
Swagger UI is started from a file of ours, `static/docs/swagger-init.js`.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles

from app.api.pages import STATIC_DIR, TEMPLATES

ASSETS_URL = "/docs/assets"

router = APIRouter(include_in_schema=False)


def docs_assets() -> StaticFiles:
    """The package's Swagger UI and ReDoc bundles, and our start-up script, under one URL."""
    return StaticFiles(directory=STATIC_DIR / "docs", packages=[("fastapi_offline", "static")])


@router.get("/docs", response_class=HTMLResponse)
async def swagger_ui(request: Request) -> HTMLResponse:
    return TEMPLATES.TemplateResponse(request, "docs/swagger.html", _context(request))


@router.get("/redoc", response_class=HTMLResponse)
async def redoc(request: Request) -> HTMLResponse:
    return TEMPLATES.TemplateResponse(request, "docs/redoc.html", _context(request))


def _context(request: Request) -> dict[str, str]:
    """Where the page finds its assets and the schema, behind a proxy's path prefix too."""
    root = request.scope.get("root_path", "").rstrip("/")
    return {
        "title": request.app.title,
        "assets": root + ASSETS_URL,
        "openapi_url": root + (request.app.openapi_url or "/openapi.json"),
        "favicon": root + "/static/favicon.svg",
    }
