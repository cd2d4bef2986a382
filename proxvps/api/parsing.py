"""Reading JSON request bodies: every body of this API is a JSON object, and a NUL character anywhere is refused
like a body that is not JSON.

A body that is another JSON value (`"please do not"`, `[]`) is refused at the door: the schemas would otherwise
read their fields from it as from any object, find none, and take the defaults, so the operation would run.
PostgreSQL cannot store NUL in a text column; refusing it here keeps every endpoint from answering a database
error for a string that passed every other check.
"""

from __future__ import annotations

import json
from typing import Any

from django.http import HttpRequest
from ninja.parser import Parser


def _has_nul(value: Any) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_has_nul(k) or _has_nul(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_has_nul(v) for v in value)
    return False


class JsonParser(Parser):
    def parse_body(self, request: HttpRequest) -> Any:
        data = json.loads(request.body)
        if not isinstance(data, dict):
            raise ValueError("the request body is not a JSON object")
        if _has_nul(data):
            raise ValueError("NUL character in the request body")
        return data
