"""The page itself: the template, our static files and Plotly.js from the installed package."""

from __future__ import annotations

import posixpath
import re
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


# A static import or re-export: `import ... from "./x.js"`, `export ... from "./x.js"`, `import "./x.js"`.
# A dynamic `import("./x.js")` is not one: what a module loads on first use is not preloaded.
STATIC_IMPORT = re.compile(r"""^\s*(?:import|export)\s*(?:[\w$\s{},*]*?\bfrom\s*)?["'](\.{1,2}/[^"']+)["']""", re.M)


def static_imports(module: str, js_dir: Path = JS_DIR) -> list[str]:
    """The modules `module` imports statically, as paths relative to `js_dir`."""
    folder = posixpath.dirname(module)
    text = (js_dir / module).read_text(encoding="utf-8")
    return [posixpath.normpath(posixpath.join(folder, spec)) for spec in STATIC_IMPORT.findall(text)]


def page_modules(js_dir: Path = JS_DIR, entry: str = ENTRY_MODULE) -> list[str]:
    """The modules the entry module needs before it runs: its static import graph (paths relative to
    `js_dir`), the entry aside. The template preloads exactly these, so the browser fetches them at once
    instead of discovering the graph a level at a time, and fetches none of what the page loads on first
    use (network mode, sweeps, the deck...: design.md §7) before the first draw. Walked from the files, so
    no one keeps a list."""
    needed: set[str] = set()
    pending = [entry]
    while pending:
        module = pending.pop()
        if module in needed:
            continue
        needed.add(module)
        pending.extend(static_imports(module, js_dir))
    return sorted(needed - {entry})


PAGE_MODULES = page_modules()

router = APIRouter(include_in_schema=False)


@router.get("/", response_class=HTMLResponse)
async def index(request: Request) -> HTMLResponse:
    return TEMPLATES.TemplateResponse(request, "index.html", {"page_modules": PAGE_MODULES})


@router.get("/static/vendor/plotly.min.js")
async def plotly_js() -> FileResponse:
    """Served from the `plotly` Python package, so the page works offline and needs no CDN."""
    return FileResponse(PLOTLY_JS, media_type="text/javascript", headers={"Cache-Control": "public, max-age=86400"})
