"""Loopback fakes of the Cloudflare API v4 and the HestiaCP API, answering as their public documentation says.

Each fake checks what the real API checks before it acts (the auth header or body fields, the method and path,
the body's shape) and keeps the zone's records, so a test can assert both the requests it received and the
state they left. Every request is recorded.

- Cloudflare (developers.cloudflare.com/api): `Authorization: Bearer <token>`; GET /zones?name=,
  GET|POST /zones/{zone_id}/dns_records (list filtered by `name.exact` and `type`, paginated by `page` and
  `per_page`), PUT|DELETE /zones/{zone_id}/dns_records/{id}; JSON bodies; every answer wrapped in
  `{success, errors[{code, message}], messages, result[, result_info]}`.
- HestiaCP (hestiacp.com/docs/server-administration/rest-api, web/api/index.php): a form POST to /api/ with
  `access_key` and `secret_key` (or a legacy `hash`), `cmd` and `arg1`..; `v-list-dns-records USER DOMAIN json`
  answers the records as a JSON object keyed by id; a command that ran prints nothing (204); a failed one
  answers `Error: ...` with the status its exit code maps to and the exit code in `Hestia-Exit-Code`.
"""

from __future__ import annotations

import ipaddress
import json
import re
import secrets
import threading
from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Self
from urllib.parse import parse_qs, urlsplit


@dataclass(frozen=True)
class Seen:
    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)

    def form(self) -> dict[str, str]:
        return {key: values[0] for key, values in parse_qs(self.body.decode(), keep_blank_values=True).items()}


@dataclass
class Answer:
    status: int
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)


class FakeServer(ABC):
    """A threaded HTTP server on 127.0.0.1 whose `answer` a subclass writes."""

    def __init__(self) -> None:
        self.seen: list[Seen] = []
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def _handle(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                parts = urlsplit(self.path)
                request = Seen(
                    self.command,
                    parts.path,
                    parse_qs(parts.query, keep_blank_values=True),
                    {key.lower(): value for key, value in self.headers.items()},
                    self.rfile.read(length),
                )
                fake.seen.append(request)
                answer = fake.answer(request)
                self.send_response(answer.status)
                for key, value in answer.headers.items():
                    self.send_header(key, value)
                self.send_header("Content-Length", str(len(answer.body)))
                self.end_headers()
                self.wfile.write(answer.body)

            do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _handle  # noqa: N815 - http.server's names

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.05,), daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    @abstractmethod
    def answer(self, request: Seen) -> Answer:
        """The provider's answer to `request`: each fake answers as its provider documents."""

    def writes(self) -> list[Seen]:
        return [request for request in self.seen if request.method not in ("GET", "HEAD")]

    def __enter__(self) -> Self:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()


# ------------------------------------------------------------------------------------------------ Cloudflare


def _envelope(status: int, result: Any = None, errors: Sequence[tuple[int, str]] = (), **extra: Any) -> Answer:
    body = {
        "success": not errors,
        "errors": [{"code": code, "message": message} for code, message in errors],
        "messages": [],
        "result": result,
        **extra,
    }
    return Answer(status, json.dumps(body).encode(), {"Content-Type": "application/json"})


class FakeCloudflare(FakeServer):
    API = "/client/v4"

    def __init__(self, token: str) -> None:
        super().__init__()
        self.token = token
        self.zones: dict[str, str] = {}
        """zone id -> zone name."""
        self.records: dict[str, dict[str, dict[str, Any]]] = {}
        """zone id -> record id -> record."""

    def add_zone(self, name: str) -> str:
        zone_id = secrets.token_hex(16)
        self.zones[zone_id] = name
        self.records[zone_id] = {}
        return zone_id

    def add_record(self, zone_id: str, name: str, rtype: str, content: str, ttl: int = 1) -> str:
        record_id = secrets.token_hex(16)
        self.records[zone_id][record_id] = self._record(record_id, zone_id, name, rtype, content, ttl, False)
        return record_id

    def _record(
        self, record_id: str, zone_id: str, name: str, rtype: str, content: str, ttl: int, proxied: bool
    ) -> dict[str, Any]:
        return {
            "id": record_id,
            "zone_id": zone_id,
            "zone_name": self.zones[zone_id],
            "name": name,
            "type": rtype,
            "content": content,
            "proxiable": rtype in ("A", "AAAA", "CNAME"),
            "proxied": proxied,
            "ttl": ttl,
            "settings": {},
            "meta": {},
            "comment": None,
            "tags": [],
            "created_on": "2026-01-01T00:00:00Z",
            "modified_on": "2026-01-01T00:00:00Z",
        }

    def state(self, zone_id: str) -> set[tuple[str, str, str, int]]:
        return {(r["name"], r["type"], r["content"], r["ttl"]) for r in self.records[zone_id].values()}

    @staticmethod
    def _page(items: list[Any], request: Seen) -> Answer:
        page = int(request.query.get("page", ["1"])[0])
        per_page = int(request.query.get("per_page", ["20"])[0])
        chunk = items[(page - 1) * per_page : page * per_page]
        info = {"page": page, "per_page": per_page, "count": len(chunk), "total_count": len(items)}
        return _envelope(200, chunk, result_info={**info, "total_pages": max(1, -(-len(items) // per_page))})

    def _invalid(self, body: dict[str, Any], zone_id: str) -> str | None:
        """What Cloudflare would refuse in a record body, or None."""
        name, rtype, content, ttl = body.get("name"), body.get("type"), body.get("content"), body.get("ttl")
        if not isinstance(name, str) or not isinstance(rtype, str) or not isinstance(content, str):
            return "name, type and content are required"
        zone = self.zones[zone_id]
        if name != zone and not name.endswith("." + zone):
            return "DNS name is invalid"
        if rtype in ("A", "AAAA"):
            try:
                address = ipaddress.ip_address(content)
            except ValueError:
                return f"Content for {rtype} record is invalid"
            if address.version != (4 if rtype == "A" else 6):
                return f"Content for {rtype} record is invalid"
        if not (ttl == 1 or (isinstance(ttl, int) and 60 <= ttl <= 86400)):
            return "TTL must be between 60 and 86400 seconds, or 1 for Automatic"
        if rtype not in ("A", "AAAA", "CNAME") and body.get("proxied"):
            return f"{rtype} records cannot be proxied"
        return None

    def answer(self, request: Seen) -> Answer:
        if request.headers.get("authorization") != f"Bearer {self.token}":
            return _envelope(403, errors=[(9109, "Invalid access token")])
        path = request.path.removeprefix(self.API)
        if request.method == "GET" and path == "/zones":
            names = request.query.get("name", [])
            return self._page([{"id": i, "name": n} for i, n in self.zones.items() if not names or n in names], request)
        match = re.fullmatch(r"/zones/([0-9a-f]{32})/dns_records(?:/([0-9a-f]{32}))?", path)
        if match is None or match.group(1) not in self.zones:
            return _envelope(
                404, errors=[(7003, f"Could not route to {path}, perhaps your object identifier is invalid?")]
            )
        zone_id, record_id = match.groups()
        records = self.records[zone_id]
        if record_id is None and request.method == "GET":
            exact, types = request.query.get("name.exact"), request.query.get("type")
            found = [
                r for r in records.values() if (not exact or r["name"] in exact) and (not types or r["type"] in types)
            ]
            return self._page(found, request)
        if request.method in ("POST", "PUT") and request.headers.get("content-type") != "application/json":
            return _envelope(415, errors=[(6003, "Invalid request headers")])
        if record_id is None and request.method == "POST":
            body = request.json()
            problem = self._invalid(body, zone_id)
            if problem:
                return _envelope(400, errors=[(9005, problem)])
            if any(
                (r["name"], r["type"], r["content"]) == (body["name"], body["type"], body["content"])
                for r in records.values()
            ):
                return _envelope(400, errors=[(81058, "An identical record already exists.")])
            new_id = secrets.token_hex(16)
            records[new_id] = self._record(
                new_id,
                zone_id,
                body["name"],
                body["type"],
                body["content"],
                body.get("ttl", 1),
                bool(body.get("proxied")),
            )
            return _envelope(200, records[new_id])
        if record_id is None or record_id not in records:
            return _envelope(404, errors=[(81044, "Record does not exist.")])
        if request.method == "PUT":
            body = request.json()
            problem = self._invalid(body, zone_id)
            if problem:
                return _envelope(400, errors=[(9005, problem)])
            records[record_id] = self._record(
                record_id,
                zone_id,
                body["name"],
                body["type"],
                body["content"],
                body.get("ttl", 1),
                bool(body.get("proxied")),
            )
            return _envelope(200, records[record_id])
        if request.method == "DELETE":
            del records[record_id]
            return _envelope(200, {"id": record_id})
        return _envelope(405, errors=[(10000, "Method not allowed")])


# ------------------------------------------------------------------------------------------------ HestiaCP

E_ARGS, E_INVALID, E_NOTEXIST, E_PASSWORD = 1, 2, 3, 9
_HTTP = {E_ARGS: 400, E_INVALID: 422, E_PASSWORD: 401}
_NAME_VALUED = ("NS", "CNAME", "MX", "PTR", "SRV")


class FakeHestia(FakeServer):
    def __init__(self, access_key: str, secret_key: str) -> None:
        super().__init__()
        self.access_key, self.secret_key = access_key, secret_key
        self.legacy_hash: str | None = None
        """When set, the legacy API key HestiaCP also accepts (as `hash`)."""
        self.domains: dict[tuple[str, str], dict[int, dict[str, str]]] = {}
        """(user, domain) -> id -> record as HestiaCP stores it (RECORD, TYPE, VALUE, TTL...)."""

    def add_domain(self, user: str, domain: str) -> None:
        self.domains[(user, domain)] = {}
        self._add(user, domain, "@", "NS", "ns1.example.net.", "3600")

    def _add(self, user: str, domain: str, record: str, rtype: str, value: str, ttl: str) -> None:
        records = self.domains[(user, domain)]
        new_id = max(records, default=0) + 1
        records[new_id] = {
            "RECORD": record,
            "TYPE": rtype,
            "PRIORITY": "",
            "VALUE": value,
            "ID": str(new_id),
            "SUSPENDED": "no",
            "TIME": "12:00:00",
            "DATE": "2026-01-01",
            "TTL": ttl or "3600",
        }

    def state(self, user: str, domain: str) -> set[tuple[str, str, str, str]]:
        return {(r["RECORD"], r["TYPE"], r["VALUE"], r["TTL"]) for r in self.domains[(user, domain)].values()}

    @staticmethod
    def _fail(code: int, message: str) -> Answer:
        return Answer(_HTTP.get(code, 400), f"Error: {message}".encode(), {"Hestia-Exit-Code": str(code)})

    @staticmethod
    def _value(rtype: str, value: str) -> str:
        """As v-add-dns-record stores it: a trailing dot added to names."""
        return value if rtype not in _NAME_VALUED or value.endswith(".") else value + "."

    def answer(self, request: Seen) -> Answer:
        if request.method != "POST" or request.path != "/api/":
            return Answer(405, b"Error: data received is null or invalid")
        form = request.form()
        legacy = self.legacy_hash is not None and form.get("hash") == self.legacy_hash
        if not legacy and (form.get("access_key"), form.get("secret_key")) != (self.access_key, self.secret_key):
            return self._fail(E_PASSWORD, "authentication failed")
        command = form.get("cmd", "")
        args = [form[f"arg{n}"] for n in range(1, 14) if f"arg{n}" in form]
        if len(args) < 2:
            return self._fail(E_ARGS, f"not enough arguments for {command}")
        records = self.domains.get((args[0], args[1]))
        if records is None:
            return self._fail(E_NOTEXIST, f"dns domain {args[1]} doesn't exist")
        if command == "v-list-dns-records":
            body = json.dumps({str(k): v for k, v in sorted(records.items())}, indent=4).encode()
            return Answer(200, body, {"Content-Type": "application/json; charset=utf-8", "Hestia-Exit-Code": "0"})
        if command == "v-add-dns-record" and len(args) >= 5:
            record, rtype, value = args[2].lower(), args[3].upper(), args[4]
            ttl = args[8] if len(args) > 8 else ""
            self._add(args[0], args[1], record, rtype, self._value(rtype, value), ttl)
            return Answer(204, b"", {"Hestia-Exit-Code": "0"})
        if command in ("v-change-dns-record", "v-delete-dns-record") and len(args) >= 3:
            if not args[2].isdigit() or int(args[2]) not in records:
                return self._fail(E_NOTEXIST, f"ID={args[2]} doesn't exist")
            if command == "v-delete-dns-record":
                del records[int(args[2])]
                return Answer(204, b"", {"Hestia-Exit-Code": "0"})
            if len(args) < 6:
                return self._fail(E_ARGS, "not enough arguments")
            entry = records[int(args[2])]
            rtype = args[4].upper()
            entry.update(RECORD=args[3].lower(), TYPE=rtype, VALUE=self._value(rtype, args[5]))
            if len(args) > 8 and args[8]:
                entry["TTL"] = args[8]
            return Answer(204, b"", {"Hestia-Exit-Code": "0"})
        return self._fail(E_ARGS, f"{command}: wrong arguments")
