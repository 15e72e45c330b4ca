"""The winauth.winrm.explain filter: one line by default, the dict with details=true."""

from __future__ import annotations

import pytest
from ansible.errors import AnsibleFilterError

from ansible_collections.winauth.winrm.plugins.filter.explain import FilterModule, explain


def test_registered_under_its_name() -> None:
    assert FilterModule().filters()["explain"] is explain


def test_one_line_names_layer_cause_and_fix() -> None:
    line = explain("kerberos: Major (851968): Unspecified GSS failure.  Minor code may provide more information, "
                   "Minor (2529638919): Server not found in Kerberos database")
    assert isinstance(line, str)
    assert line.startswith("[kerberos] the KDC knows no account with the SPN")
    assert "Fix: name the host by its FQDN" in line


def test_details_and_result_dicts() -> None:
    got = explain({"msg": "basic: the specified credentials were rejected by the server", "failed": True},
                  details=True)
    assert isinstance(got, dict)
    assert (got["id"], got["layer"]) == ("basic-rejected", "credentials")


def test_unknown_points_at_the_probe() -> None:
    assert explain("weird").startswith("[unknown] no known cause")  # type: ignore[union-attr]


def test_details_must_be_boolean() -> None:
    with pytest.raises(AnsibleFilterError, match="details must be true or false"):
        explain("x", details="yes")  # type: ignore[arg-type]
