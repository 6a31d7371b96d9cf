"""One JSON encoder for every response: strict (no NaN or Infinity), compact."""

from __future__ import annotations

import json
from typing import Any

from fastapi.responses import JSONResponse


def dumps(document: Any) -> str:
    return json.dumps(document, separators=(",", ":"), allow_nan=False)


class StrictJSONResponse(JSONResponse):
    """JSON that a strict parser accepts: the engine never produces NaN, and this proves it."""

    def render(self, content: Any) -> bytes:
        return dumps(content).encode()
