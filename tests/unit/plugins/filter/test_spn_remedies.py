# Copyright: (c) 2026, winauth.winrm contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The spn_validation role's filters: input checks, and that they are the readiness rules."""

from __future__ import annotations

from typing import Any

import pytest
from ansible.errors import AnsibleFilterError

from ansible_collections.winauth.winrm.plugins.filter.spn_remedies import (
    FilterModule,
    ntlm_readiness,
    ntlm_readiness_markdown,
    spn_remedies,
)

PLAN: dict[str, Any] = {"host": "srv01-ip", "target": "127.0.30.1", "protocol": "ntlm", "spn": "HTTP/127.0.30.1",
                        "reason": "Kerberos would fail (the target is an IP address: ...); ntlm is tried next",
                        "fix": {"ansible_host": "srv01.lab.test"}}


def test_registered_names() -> None:
    assert set(FilterModule().filters()) == {"spn_remedies", "ntlm_readiness", "ntlm_readiness_markdown"}


def test_round_trip() -> None:
    found = spn_remedies([PLAN])
    assert found["srv01-ip"]["recommended_vars"] == {"ansible_host": "srv01.lab.test"}
    doc = ntlm_readiness([PLAN], found, after=[{**PLAN, "protocol": "kerberos", "reason": "Kerberos to ..."}],
                         generated="now")
    assert doc["summary"]["ntlm"] == 1 and doc["summary"]["kerberos_after"] == 1 and doc["failures"] == {}
    assert "| srv01-ip | " in ntlm_readiness_markdown(doc)


@pytest.mark.parametrize(("call", "message"), [
    (lambda: spn_remedies("srv01"), "must be the list query('winauth.winrm.auth_plan', ...) returns, got str"),
    (lambda: spn_remedies([PLAN], spn_info=["x"]), "spn_info must be a dictionary, got list"),
    (lambda: spn_remedies([PLAN], policy="steal"), "must be one of service_class, port_spn, move"),
    (lambda: spn_remedies([PLAN], fix="yes"), "fix must be true or false"),
    (lambda: ntlm_readiness([PLAN], {}, fail_on="ntlm"), "fail_on must be a list"),
    (lambda: ntlm_readiness([PLAN], {}, fail_on=["kerberos"]), "fail_on must be a list"),
    (lambda: ntlm_readiness([PLAN], {}, after="x"), "the input must be the list"),
    (lambda: ntlm_readiness_markdown({"hosts": []}), "must be the report winauth.winrm.ntlm_readiness returns"),
])
def test_wrong_input_names_what_was_wrong(call: Any, message: str) -> None:
    with pytest.raises(AnsibleFilterError, match=message.replace("(", r"\(").replace(")", r"\)")):
        call()
