"""create_app(): wires settings, the worker pool, routes, middleware and static files."""

from __future__ import annotations

import torch
from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware
from fastapi.staticfiles import StaticFiles

from app import __version__
from app.api import catalog, code, datasets, decks, docs, experiments, health, links, pages, qr, sweeps, trainings
from app.api.errors import install_error_handlers
from app.api.flights import FlightCache
from app.api.jsonio import StrictJSONResponse
from app.api.middleware import HeadMiddleware, RequestBodyMiddleware, SecurityHeadersMiddleware
from app.api.pool import ComputePool
from app.api.sharing import CreationLimit
from app.engine.catalog import catalog as build_catalog
from app.engine.catalog import keep_probes_in
from app.settings import Settings
from app.store import Store


def start_engine(settings: Settings) -> None:
    """What every process that computes or routes needs first: the server, and the workers' fork server."""
    # Each run works on tiny tensors: intra-op threads only add overhead and contention.
    torch.set_num_threads(1)
    keep_probes_in(settings.cache_dir)  # probed once per installation, not at every start (design.md §4)
    build_catalog()  # probe the optimizers once, at start-up, not on the first request


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings()
    start_engine(settings)
    pool = ComputePool(settings.workers, settings.max_pending, settings.max_seconds, settings.worker_memory_bytes)
    app = FastAPI(
        lifespan=pool.running,  # the worker processes, warm before the first request
        title="optimlab",
        version=__version__,
        description="Real torch.optim optimizers and LR schedulers on 2-D loss surfaces.",
        default_response_class=StrictJSONResponse,
        docs_url=None,  # app/api/docs.py serves /docs and /redoc without a CDN
        redoc_url=None,
    )
    app.state.settings = settings
    app.state.pool = pool
    app.state.flights = FlightCache(app.state.pool, settings.result_cache_bytes)
    app.state.store = Store(settings.store_url, settings.store_connections)
    app.state.creation_limit = CreationLimit(settings.share_rate_limit)
    install_error_handlers(app)
    for module in (health, catalog, datasets, experiments, sweeps, trainings, code, qr, links, decks, docs, pages):
        app.include_router(module.router)
    app.mount(docs.ASSETS_URL, docs.docs_assets(), name="docs-assets")
    app.mount("/static", StaticFiles(directory=pages.STATIC_DIR), name="static")
    if settings.cors_origins:
        app.add_middleware(CORSMiddleware, allow_origins=settings.cors_origins, allow_methods=["GET", "POST"])
    app.add_middleware(RequestBodyMiddleware, max_bytes=settings.max_body_bytes, seconds=settings.request_seconds)
    app.add_middleware(HeadMiddleware)
    # Added last, so outermost: even the body limit's early 413 carries the security headers.
    app.add_middleware(SecurityHeadersMiddleware, frame_ancestors=settings.frame_ancestors)
    return app


def __getattr__(name: str) -> FastAPI:
    """`app.main:app` for an ASGI server of one's own (`uvicorn app.main:app --workers N`), built on first
    use (PEP 562): importing create_app (`optimlab serve`, the workers' preload, the tests) builds nothing."""
    if name != "app":
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    app = globals()["app"] = create_app()
    return app
