"""Every error as FastAPI's 422 shape (or 413/503), never a 500."""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse

from app.api.jsonio import StrictJSONResponse
from app.api.pool import Overloaded
from app.engine.errors import SpecError

log = logging.getLogger("optimlab")


def validation_detail(where: str, err: SpecError) -> list[dict]:
    return [{"loc": [where, *err.loc], "msg": err.msg, "type": err.type}]


def spec_error_response(err: SpecError, where: str = "body") -> JSONResponse:
    return StrictJSONResponse({"detail": validation_detail(where, err)}, status_code=422)


def _clean(errors: list[dict]) -> list[dict]:
    """Pydantic's errors without the raw input and exception objects, which may not be JSON."""
    keep = ("loc", "msg", "type")
    return [{k: e[k] for k in keep if k in e} for e in errors]


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(SpecError)
    async def on_spec_error(_: Request, err: SpecError) -> JSONResponse:
        return spec_error_response(err)

    @app.exception_handler(RequestValidationError)
    async def on_validation_error(_: Request, err: RequestValidationError) -> JSONResponse:
        return StrictJSONResponse({"detail": _clean(list(err.errors()))}, status_code=422)

    @app.exception_handler(Overloaded)
    async def on_overloaded(_: Request, __: Overloaded) -> JSONResponse:
        return StrictJSONResponse(
            {"detail": "the server is busy with other computations; retry in a moment"},
            status_code=503,
            headers={"Retry-After": "1"},
        )

    @app.exception_handler(Exception)
    async def on_unexpected(request: Request, err: Exception) -> JSONResponse:
        # Last resort: a bug of ours must not look like the user's fault, nor take the server down.
        log.exception("unexpected error on %s %s", request.method, request.url.path)
        return StrictJSONResponse(
            {"detail": f"the request could not be processed ({type(err).__name__}); it was logged"},
            status_code=400,
        )
