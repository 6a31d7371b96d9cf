"""Every error as FastAPI's 422 shape (or 413/503), never a 500."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.exception_handlers import http_exception_handler
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from starlette.exceptions import HTTPException

from app.api.jsonio import StrictJSONResponse
from app.api.middleware import UnexpectedErrorMiddleware
from app.api.pool import ComputationFailed, Overloaded
from app.engine.errors import SpecError


def validation_detail(where: str, err: SpecError) -> list[dict]:
    return [{"loc": [where, *err.loc], "msg": err.msg, "type": err.type}]


def spec_error_response(err: SpecError, where: str = "body") -> JSONResponse:
    return StrictJSONResponse({"detail": validation_detail(where, err)}, status_code=422)


def _request_loc(loc: tuple[int | str, ...], body: Any) -> list[int | str]:
    """`loc` as the request spells it. Pydantic names the member of a tagged union it validated
    (["body", "vary", "start", "resolution"]) where the request only has `"kind": "start"`: that
    step goes, as in the engine's own errors (["body", "vary", "resolution"]). One per object: in
    `{"kind": "seed", "seed": 3}` the key after the tag is the request's own "seed"."""
    node: Any = {"body": body}
    path: list[int | str] = []
    tag_dropped = False
    for part in loc:
        if not tag_dropped and isinstance(node, dict) and node.get("kind") == part:
            tag_dropped = True
            continue
        tag_dropped = False
        path.append(part)
        if isinstance(node, dict):
            node = node.get(part)
        elif isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node):
            node = node[part]
        else:
            node = None
    return path


def _clean(errors: list[dict], body: Any) -> list[dict]:
    """Pydantic's errors at the request's own locations, without the raw input and exception
    objects, which may not be JSON."""
    return [{"loc": _request_loc(e["loc"], body), "msg": e["msg"], "type": e["type"]} for e in errors]


def unreadable_json(err: Exception) -> str | None:
    """Why a body that FastAPI could not parse is not JSON we read, or None for other failures.

    FastAPI answers a plain 400 when `json.loads` fails with anything but a JSONDecodeError: invalid
    UTF-8, nesting deeper than the parser's recursion limit, an integer of thousands of digits.
    """
    if isinstance(err, UnicodeDecodeError):
        return f"the body is not UTF-8 text ({err.reason} at byte {err.start})"
    if isinstance(err, RecursionError):
        return "the JSON is nested too deeply"
    if isinstance(err, ValueError):  # int(): "Exceeds the limit (4300 digits) for integer string conversion"
        return "a number in the JSON has too many digits"
    return None


def install_error_handlers(app: FastAPI) -> None:
    """The handlers, and the last-resort middleware for everything else. Called before any other
    middleware is added, so that one is innermost and its answer gets the security headers too."""
    app.add_middleware(UnexpectedErrorMiddleware)

    @app.exception_handler(SpecError)
    async def on_spec_error(_: Request, err: SpecError) -> JSONResponse:
        return spec_error_response(err)

    @app.exception_handler(RequestValidationError)
    async def on_validation_error(_: Request, err: RequestValidationError) -> JSONResponse:
        return StrictJSONResponse({"detail": _clean(list(err.errors()), err.body)}, status_code=422)

    @app.exception_handler(HTTPException)
    async def on_http_error(request: Request, err: HTTPException) -> Response:
        reason = unreadable_json(err.__cause__) if err.status_code == 400 and err.__cause__ else None
        if reason is None:
            return await http_exception_handler(request, err)
        detail = [{"loc": ["body"], "msg": f"JSON decode error: {reason}", "type": "json_invalid"}]
        return StrictJSONResponse({"detail": detail}, status_code=422)

    @app.exception_handler(ComputationFailed)
    async def on_computation_failed(_: Request, err: ComputationFailed) -> JSONResponse:
        """Before any response began: a server limit the request ran into is a 422 naming it; a lost
        worker (killed, out of memory) is a 503, as the next try gets a fresh one."""
        if err.limit is not None:
            detail = [{"loc": ["body"], "msg": err.detail, "type": f"limit.{err.limit}"}]
            return StrictJSONResponse({"detail": detail}, status_code=422)
        return StrictJSONResponse({"detail": err.detail}, status_code=503, headers={"Retry-After": "1"})

    @app.exception_handler(Overloaded)
    async def on_overloaded(_: Request, __: Overloaded) -> JSONResponse:
        return StrictJSONResponse(
            {"detail": "the server is busy with other computations; retry in a moment"},
            status_code=503,
            headers={"Retry-After": "1"},
        )
