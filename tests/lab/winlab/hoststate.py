"""Runtime state of one emulated host: configuration, persistence and counters.

The state file holds only configuration (no timestamps or counters) and is
rewritten only when its serialized form changes, so tests can compare it
byte for byte to prove that check mode wrote nothing.
"""

from __future__ import annotations

import copy
import json
import os
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from . import policy, registry, schema, xmlns
from .membership import Membership

RECENT_LOGONS = 50  # how many logons the stats keep in "logons"


def dump_state(state: dict[str, Any]) -> str:
    """Canonical serialization: stable key order, trailing newline."""
    return json.dumps(state, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def atomic_write(path: Path, text: str) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}.tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


LISTENER_FIELDS = ("Address", "Transport", "Port", "Hostname", "Enabled", "URLPrefix", "CertificateThumbprint")


def validate(state: dict[str, Any]) -> None:
    """Reject a state the server could not serve (ValueError names what is wrong)."""
    for key in ("config", "listeners", "registry", "users"):
        if key not in state:
            raise ValueError(f"state lacks {key!r}")
    try:
        policy.effective(state["config"], registry.Registry(state["registry"]))
    except (KeyError, TypeError, AttributeError) as e:
        raise ValueError(f"config or registry is incomplete: {e!r}") from e
    for entry in state["listeners"]:
        missing = [f for f in LISTENER_FIELDS if f not in entry]
        if missing:
            raise ValueError(f"listener {entry} lacks {missing}")
    if not all(isinstance(u, dict) and "password" in u for u in state["users"].values()):
        raise ValueError("every user needs a password")


class Stats:
    """WS-Man request counters; flushed to <host>.stats.json by a background writer."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.requests = 0
        self.by_action: dict[str, int] = {}
        self.http_requests = 0
        self.auth_failures = 0
        self.by_protocol: dict[str, int] = {}
        self.logons: list[dict[str, Any]] = []
        self.dirty = True

    def record_logon(self, logon: dict[str, Any]) -> None:
        """One completed authentication (a session): protocol, account, delegation."""
        with self._lock:
            protocol = str(logon.get("protocol"))
            self.by_protocol[protocol] = self.by_protocol.get(protocol, 0) + 1
            self.logons = [*self.logons[-(RECENT_LOGONS - 1):], logon]
            self.dirty = True

    def count_request(self, action: str) -> None:
        with self._lock:
            self.requests += 1
            self.by_action[action] = self.by_action.get(action, 0) + 1
            self.dirty = True

    def count_http(self, auth_failed: bool = False) -> None:
        with self._lock:
            self.http_requests += 1
            self.auth_failures += int(auth_failed)
            self.dirty = True

    def reset(self) -> None:
        with self._lock:
            self.requests = 0
            self.by_action = {}
            self.http_requests = 0
            self.auth_failures = 0
            self.by_protocol = {}
            self.logons = []
            self.dirty = True

    def snapshot(self) -> dict[str, Any]:
        with self._lock:
            return {
                "requests": self.requests,
                "by_action": dict(sorted(self.by_action.items())),
                "http_requests": self.http_requests,
                "auth_failures": self.auth_failures,
                "logons_by_protocol": dict(sorted(self.by_protocol.items())),
                "logons": list(self.logons),
            }


class HostState:
    """Configuration of one host plus everything that must stay consistent with it."""

    def __init__(self, info: dict[str, Any], state_file: Path, scenario_file: Path, stats_file: Path) -> None:
        self.name: str = info["name"]
        self.address: str = info["address"]
        self.fqdn: str = info["fqdn"]
        self.netbios: str = self.name.upper()
        self.state_file = state_file
        self.scenario_file = scenario_file
        self.stats_file = stats_file
        # One operation at a time per host: WS-Man operations, control requests and
        # reloads all serialize here, so every reply sees one consistent state.
        self.lock = threading.RLock()
        self.stats = Stats()
        self.version = 0
        self.on_change: Callable[[HostState], None] | None = None
        self.listeners_dirty = False
        # Test hook: a state to apply just before the next request of an action arrives,
        # to reproduce races such as Group Policy applying between a client's read and write.
        self.armed: dict[str, dict[str, Any]] = {}
        # Fault injection for tests only (real Windows never redirects): when set, every
        # WS-Man POST is answered {"status": 307, "location": URL}, before authentication or,
        # with "after_auth", once the client has authenticated. Not part of the state file.
        self.redirect: dict[str, Any] | None = None
        self.shells: dict[str, dict[str, Any]] = {}
        self.enumerations: dict[str, dict[str, Any]] = {}
        self._effective: tuple[int, schema.Effective] | None = None
        self.membership: Membership | None = None  # set by the server for domain members
        text = state_file.read_text(encoding="utf-8")
        self.state: dict[str, Any] = json.loads(text)
        self._written = text

    # -- views ---------------------------------------------------------------
    @property
    def registry(self) -> registry.Registry:
        return registry.Registry(self.state["registry"])

    def effective(self) -> schema.Effective:
        """Every config leaf with its effective value and source (GPO wins)."""
        with self.lock:
            if self._effective is None or self._effective[0] != self.version:
                self._effective = (self.version, policy.effective(self.state["config"], self.registry))
            return self._effective[1]

    def value(self, *path: str) -> str:
        return self.effective()[tuple(path)][0]

    def flag(self, *path: str) -> bool:
        return self.value(*path) == "true"

    def member(self) -> Membership | None:
        """The host's domain membership while its state says it is joined."""
        return self.membership if self.state.get("domain_member") else None

    def users(self) -> dict[str, dict[str, Any]]:
        users: dict[str, dict[str, Any]] = self.state["users"]
        return users

    def certificates(self) -> list[dict[str, Any]]:
        certificates: list[dict[str, Any]] = self.state.get("certificates", [])
        return certificates

    # -- mutation ------------------------------------------------------------
    def commit(self) -> bool:
        """Persist the state if it changed; returns True when something was written."""
        with self.lock:
            text = dump_state(self.state)
            if text == self._written:
                return False
            atomic_write(self.state_file, text)
            self._written = text
            self.version += 1
            self.listeners_dirty = True
            return True

    def replace(self, new_state: dict[str, Any]) -> bool:
        """Swap in a whole new state (control API); identity fields stay as they are."""
        with self.lock:
            fresh = copy.deepcopy(new_state)
            for key in ("name", "address", "fqdn"):
                fresh[key] = self.state[key]
            validate(fresh)
            self.state = fresh
            self.shells.clear()
            self.enumerations.clear()
            self.version += 1
            changed = self.commit()
            self.listeners_dirty = True
            return changed

    def fire_armed(self, action: str, resource_uri: str = "") -> None:
        """Apply the state armed for this request (if any) before it is handled.

        A state is armed for an action (``Put``: the next Put) or for an action on one resource
        (``Put config/client/auth``: the next Put of that resource, e.g. the second Put of a run).
        What is armed is a whole state, or ``{"set_registry_value": {path, name, spec}}``: one
        value set on the state as it is *then* (what gpupdate does), keeping earlier writes.
        """
        resource = resource_uri.removeprefix(xmlns.URI_PREFIX)
        with self.lock:
            armed = self.armed.pop("%s %s" % (action, resource), None) or self.armed.pop(action, None)
            if armed is None:
                return
            change = armed.get("set_registry_value")
            if change is None:
                self.replace(armed)
                return
            new_state = copy.deepcopy(self.state)
            key = registry.Registry(new_state["registry"]).create_path(change["path"])
            registry.set_value(key, change["name"], *registry.coerce(change["spec"]))
            self.replace(new_state)

    def reload(self) -> bool:
        """Re-read the state file (after an external edit)."""
        return self.replace(json.loads(self.state_file.read_text(encoding="utf-8")))

    def restore(self) -> bool:
        """Back to the scenario state of the last `labctl up`."""
        self.armed.clear()
        self.redirect = None
        return self.replace(json.loads(self.scenario_file.read_text(encoding="utf-8")))

    def flush_stats(self) -> None:
        if not self.stats.dirty:
            return
        self.stats.dirty = False
        atomic_write(self.stats_file, json.dumps(self.stats.snapshot(), indent=2, sort_keys=True) + "\n")
