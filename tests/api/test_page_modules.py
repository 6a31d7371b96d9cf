"""The page preloads its modules from a list the server makes from static/js/ (app/api/pages.py), so a
module added to a folder is preloaded, and one moved or removed is not asked for."""

from __future__ import annotations

import re
from pathlib import Path

import httpx

from app.api.pages import JS_DIR, page_modules

PRELOAD = re.compile(r'<link rel="modulepreload" href="/static/js/([^"]+)">')


def test_the_index_preloads_every_module_of_static_js_but_the_entry(client: httpx.Client) -> None:
    on_disk = {path.relative_to(JS_DIR).as_posix() for path in JS_DIR.rglob("*.js")} - {"main.js"}
    preloaded = PRELOAD.findall(client.get("/").text)
    assert len(preloaded) == len(set(preloaded))
    assert set(preloaded) == on_disk
    assert any("/" in module for module in preloaded)  # the rooms' sub-folders are walked too


def test_every_preloaded_module_is_served_as_javascript(client: httpx.Client) -> None:
    for module in PRELOAD.findall(client.get("/").text):
        response = client.get(f"/static/js/{module}")
        assert response.status_code == 200, module
        assert response.headers["content-type"].startswith("text/javascript"), module


def test_the_list_follows_the_folder(tmp_path: Path) -> None:
    (tmp_path / "main.js").write_text("")
    (tmp_path / "ui").mkdir()
    (tmp_path / "ui" / "dom.js").write_text("")
    (tmp_path / "ui" / "notes.md").write_text("")
    (tmp_path / "a.js").write_text("")
    assert page_modules(tmp_path) == ["a.js", "ui/dom.js"]
