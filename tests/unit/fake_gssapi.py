# Copyright: (c) 2026, winauth.winrm contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The one fake python-gssapi of the unit tests: what ``_kerberos.kdc`` calls, recorded; no KDC.

Install it with :func:`install` (over ``kdc.gssapi``); every Kerberos test (kdc, the LDAP
bind's password logon, the lookup's ticket checks) uses this one double.
"""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest

from ansible_collections.winauth.winrm.plugins.plugin_utils._kerberos import kdc


class FakeGSSError(Exception):
    """gssapi.raw.GSSError."""


class FakeGSSAPI:
    """The parts of python-gssapi that kdc uses (same attribute spelling), recording every call.

    Args:
        fail_password: the text of the GSSError a password logon raises.
        fail_cache: the text of the GSSError inquiring the default cache raises.
        fail_ticket: the text of the GSSError a service-ticket request raises.
        fail_store: the text of the GSSError storing a TGT into a MEMORY ccache raises.
    """

    def __init__(self, fail_password: str | None = None, fail_cache: str | None = None,
                 fail_ticket: str | None = None, fail_store: str | None = None) -> None:
        self.calls: list[tuple[Any, ...]] = []
        self.fail_password = fail_password
        self.fail_cache = fail_cache
        self.fail_ticket = fail_ticket
        self.fail_store = fail_store
        self.stores: dict[str, Any] = {}  # MEMORY ccache name -> creds stored there

    def module(self) -> SimpleNamespace:
        """Stands in for the ``gssapi`` module."""
        return SimpleNamespace(
            Name=self.name,
            NameType=SimpleNamespace(user="user", hostbased_service="hostbased_service"),
            Credentials=self.credentials,
            SecurityContext=self.security_context,
            OID=SimpleNamespace(from_int_seq=lambda dotted: ("OID", dotted)),
            raw=SimpleNamespace(GSSError=FakeGSSError, acquire_cred_with_password=self._acquire,
                                store_cred_into=self._store),
        )

    def name(self, text: str, name_type: str) -> tuple[str, str]:
        self.calls.append(("Name", text, name_type))
        return (text, name_type)

    def _acquire(self, name: Any, password: bytes, usage: str) -> Any:
        self.calls.append(("acquire_cred_with_password", name, password, usage))
        if self.fail_password:
            raise FakeGSSError(self.fail_password)
        return SimpleNamespace(creds="TGT for %s" % name[0])

    def _store(self, store: dict[bytes, bytes], creds: Any, usage: str, mech: Any, overwrite: bool) -> None:
        self.calls.append(("store_cred_into", store, creds, usage, mech, overwrite))
        if self.fail_store:
            raise FakeGSSError(self.fail_store)
        self.stores[store[b"ccache"].decode()] = creds

    def credentials(self, usage: str) -> Any:
        self.calls.append(("Credentials", usage))
        fake = self

        class Creds:
            def inquire(self) -> None:
                fake.calls.append(("inquire",))
                if fake.fail_cache:
                    raise FakeGSSError(fake.fail_cache)

        return Creds()

    def security_context(self, name: Any, creds: Any, usage: str) -> Any:
        self.calls.append(("SecurityContext", name, creds, usage))
        fake = self

        class Context:
            def step(self) -> bytes:
                fake.calls.append(("step",))
                if fake.fail_ticket:
                    raise FakeGSSError(fake.fail_ticket)
                return b"AP-REQ"

        return Context()


def install(monkeypatch: pytest.MonkeyPatch, **kwargs: Any) -> FakeGSSAPI:
    """Put a :class:`FakeGSSAPI` (``kwargs`` as its failures) in place of python-gssapi for kdc."""
    fake = FakeGSSAPI(**kwargs)
    monkeypatch.setattr(kdc, "gssapi", fake.module(), raising=False)
    monkeypatch.setattr(kdc, "HAS_GSSAPI", True)
    return fake
