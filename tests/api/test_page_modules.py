"""The page preloads the modules its first draw needs, from a list the server makes by walking main.js's
static imports (app/api/pages.py): a module added to that graph is preloaded, one moved or removed is not
asked for, and what the page imports on first use (network mode, sweeps, the deck...) is not fetched early."""

from __future__ import annotations

import re
from pathlib import Path

import httpx

from app.api.pages import page_modules

PRELOAD = re.compile(r'<link rel="modulepreload" href="/static/js/([^"]+)">')
# Imported on first use (static/js/main.js, design.md §7): none is among the first draw's modules.
LAZY_ROOMS = ("network/page.js", "network/views.js", "sweeps/", "teach/deck.js", "teach/presenter.js")


def test_the_index_preloads_the_first_draws_modules_and_none_loaded_on_first_use(client: httpx.Client) -> None:
    preloaded = PRELOAD.findall(client.get("/").text)
    assert len(preloaded) == len(set(preloaded))
    assert preloaded == page_modules()
    assert {"state/store.js", "views/plots.js", "page/lazy.js"} <= set(preloaded)  # rooms' sub-folders too
    assert "main.js" not in preloaded
    assert not [module for module in preloaded if module.startswith(LAZY_ROOMS)]


def test_every_preloaded_module_is_served_as_javascript(client: httpx.Client) -> None:
    for module in PRELOAD.findall(client.get("/").text):
        response = client.get(f"/static/js/{module}")
        assert response.status_code == 200, module
        assert response.headers["content-type"].startswith("text/javascript"), module


def test_the_list_follows_the_static_imports_and_skips_dynamic_ones(tmp_path: Path) -> None:
    (tmp_path / "ui").mkdir()
    (tmp_path / "later").mkdir()
    (tmp_path / "main.js").write_text(
        'import { a } from "./a.js";\n'
        "import {\n  h,\n  notice,\n} from './ui/dom.js';\n"
        'const later = () => import("./later/panel.js");\n'
        '// a comment that says from "./nowhere.js"\n'
    )
    (tmp_path / "a.js").write_text('export { h } from "./ui/dom.js";\nimport "./ui/side-effect.js";\n')
    (tmp_path / "ui" / "dom.js").write_text('import { a } from "../a.js";\n')  # a circle ends the walk too
    (tmp_path / "ui" / "side-effect.js").write_text("")
    (tmp_path / "ui" / "unused.js").write_text("")
    (tmp_path / "later" / "panel.js").write_text('import { h } from "../ui/dom.js";\n')
    assert page_modules(tmp_path) == ["a.js", "ui/dom.js", "ui/side-effect.js"]
