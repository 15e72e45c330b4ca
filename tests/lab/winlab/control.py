"""Loopback control API of a running lab (JSON over HTTP on 127.0.0.1).

    GET  /stats[?host=H]            request counters
    POST /stats/reset[?host=H]      zero the counters
    GET  /state?host=H              current state (same as state/H.json)
    PUT  /state?host=H              replace the state (body: JSON), applied at once
    POST /reload?host=H             re-read state/H.json after editing it by hand
    POST /restore?host=H            back to the scenario state of the last `up`
    POST /redirect?host=H           fault injection (tests only; Windows never redirects): body
                                    {"location": URL, "status": 307, "after_auth": false} makes
                                    the host answer every WS-Man POST with that redirect; null
                                    (or restore) stops it
    POST /certificates?host=H       add a certificate to LocalMachine\\My (body: certstore.issue spec);
                                    replies with its certificates entry (thumbprint, subject, ...)
    GET  /endpoints                 what each host really listens on
    POST /shutdown
"""

from __future__ import annotations

import json
import logging
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, urlsplit

if TYPE_CHECKING:
    from .server import LabServer

log = logging.getLogger(__name__)


class _Handler(BaseHTTPRequestHandler):
    server: _ControlServer  # type: ignore[assignment]
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: object) -> None:
        log.debug("control: " + format, *args)

    def _reply(self, status: int, doc: Any) -> None:
        body = (json.dumps(doc, indent=2, sort_keys=True) + "\n").encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _route(self, method: str) -> None:
        lab = self.server.lab
        url = urlsplit(self.path)
        query = {k: v[0] for k, v in parse_qs(url.query).items()}
        length = int(self.headers.get("Content-Length") or 0)
        payload = self.rfile.read(length) if length else b""
        name = query.get("host")
        if name is not None and name not in lab.hosts:
            self._reply(404, {"error": f"unknown host {name}"})
            return
        hosts = [lab.hosts[name]] if name else list(lab.hosts.values())
        route = (method, url.path.rstrip("/"))
        try:
            if route == ("GET", "/stats"):
                self._reply(200, {h.name: h.stats.snapshot() for h in hosts})
            elif route == ("POST", "/stats/reset"):
                for h in hosts:
                    h.stats.reset()
                    h.flush_stats()
                self._reply(200, {"reset": [h.name for h in hosts]})
            elif route == ("GET", "/state") and name:
                with lab.hosts[name].lock:
                    self._reply(200, lab.hosts[name].state)
            elif route == ("PUT", "/state") and name:
                new_state = json.loads(payload)
                lab.check_users(name, new_state.get("users") or {})
                changed = lab.apply(name, lambda h: h.replace(new_state))
                self._reply(200, {"host": name, "changed": changed})
            elif route == ("POST", "/arm") and name and query.get("action"):
                new_state = json.loads(payload)
                lab.check_users(name, new_state.get("users") or {})
                with lab.hosts[name].lock:
                    lab.hosts[name].armed[query["action"]] = new_state
                self._reply(200, {"host": name, "armed": query["action"]})
            elif route == ("POST", "/redirect") and name:
                lab.hosts[name].redirect = _redirect(json.loads(payload or b"null"))
                self._reply(200, {"host": name, "redirect": lab.hosts[name].redirect})
            elif route in (("POST", "/reload"), ("POST", "/restore")) and name:
                op = "reload" if route[1] == "/reload" else "restore"
                changed = lab.apply(name, lambda h: getattr(h, op)())
                self._reply(200, {"host": name, "changed": changed})
            elif route == ("POST", "/certificates") and name:
                self._reply(200, lab.add_certificate(name, json.loads(payload or b"{}")))
            elif route == ("GET", "/endpoints"):
                self._reply(200, {h.name: lab.network.endpoints(h) for h in hosts})
            elif route == ("POST", "/shutdown"):
                self._reply(200, {"stopping": True})
                threading.Thread(target=lab.stop, daemon=True).start()
            else:
                self._reply(404, {"error": f"no route {method} {url.path}"})
        except (ValueError, KeyError, TypeError) as e:
            self._reply(400, {"error": f"{type(e).__name__}: {e}"})

    def do_GET(self) -> None:
        self._route("GET")

    def do_POST(self) -> None:
        self._route("POST")

    def do_PUT(self) -> None:
        self._route("PUT")


def _redirect(doc: Any) -> dict[str, Any] | None:
    """Validate a /redirect body (ValueError → 400)."""
    if doc is None:
        return None
    if not isinstance(doc, dict) or not isinstance(doc.get("location"), str):
        raise ValueError('expected {"location": URL, "status": 3xx, "after_auth": bool} or null')
    status = int(doc.get("status", 307))
    if not 300 <= status < 400:
        raise ValueError(f"status must be 3xx, got {status}")
    return {"location": doc["location"], "status": status, "after_auth": bool(doc.get("after_auth", False))}


class _ControlServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, lab: LabServer) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.lab = lab


def start(lab: LabServer) -> tuple[_ControlServer, threading.Thread]:
    server = _ControlServer(lab)
    thread = threading.Thread(target=server.serve_forever, name="control", daemon=True)
    thread.start()
    return server, thread
