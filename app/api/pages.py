"""The page itself: the template, our static files and Plotly.js from the installed package."""

from __future__ import annotations

from pathlib import Path

import plotly
from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, HTMLResponse
from fastapi.templating import Jinja2Templates

ROOT = Path(__file__).resolve().parent.parent.parent
STATIC_DIR = ROOT / "static"
TEMPLATES = Jinja2Templates(directory=ROOT / "templates")
PLOTLY_JS = Path(plotly.__file__).parent / "package_data" / "plotly.min.js"
JS_DIR = STATIC_DIR / "js"
ENTRY_MODULE = "main.js"


def page_modules(js_dir: Path = JS_DIR) -> list[str]:
    """The page's modules below `js_dir` (paths relative to it), the entry module aside: the template
    preloads them all, so a module added to a folder is preloaded without anyone keeping a list."""
    modules = (path.relative_to(js_dir).as_posix() for path in js_dir.rglob("*.js"))
    return sorted(module for module in modules if module != ENTRY_MODULE)


PAGE_MODULES = page_modules()

router = APIRouter(include_in_schema=False)


@router.get("/", response_class=HTMLResponse)
async def index(request: Request) -> HTMLResponse:
    return TEMPLATES.TemplateResponse(request, "index.html", {"page_modules": PAGE_MODULES})


@router.get("/static/vendor/plotly.min.js")
async def plotly_js() -> FileResponse:
    """Served from the `plotly` Python package, so the page works offline and needs no CDN."""
    return FileResponse(PLOTLY_JS, media_type="text/javascript", headers={"Cache-Control": "public, max-age=86400"})
