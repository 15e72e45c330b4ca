# Copyright: (c) 2026, winauth.winrm contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import annotations

import subprocess
import sys
from typing import Any

import pytest
import yaml

from ansible_collections.winauth.winrm.plugins.doc_fragments.ad import ModuleDocFragment
from ansible_collections.winauth.winrm.plugins.plugin_utils._ad import base as _ad_base
from ansible_collections.winauth.winrm.plugins.plugin_utils._ad.base import AD_OPTIONS, ADPluginBase
from ansible_collections.winauth.winrm.plugins.plugin_utils._ad.errors import ADConnectError
from ansible_collections.winauth.winrm.plugins.plugin_utils._ad.settings import AUTHS, TLS_MODES
from ansible_collections.winauth.winrm.plugins.plugin_utils._kerberos.kdc import KerberosError
from ansible_collections.winauth.winrm.plugins.plugin_utils._wsman.errors import SettingsError


class PluginError(Exception):
    pass


class Plugin(ADPluginBase):
    AD_PLUGIN = "winauth.winrm.example"
    AD_ERROR = PluginError

    def __init__(self, **options: Any) -> None:
        self.options = {k: None for k in AD_OPTIONS}
        self.options.update(tls_mode="ldaps", auth="kerberos", validate_certs=True, timeout=10)
        self.options.update(options)

    def get_option(self, option: str) -> Any:
        return self.options[option]


def test_options_are_the_doc_fragment_and_the_factory_keywords() -> None:
    documented = yaml.safe_load(ModuleDocFragment.DOCUMENTATION)["options"]
    assert set(documented) == set(AD_OPTIONS)
    assert AD_OPTIONS == ("domain", "server", "port", "tls_mode", "auth", "username", "password", "ca_cert",
                          "validate_certs", "search_base", "timeout")
    assert documented["auth"]["choices"] == list(AUTHS)  # the choices are the constants
    assert documented["tls_mode"]["choices"] == list(TLS_MODES)


def test_settings_and_connection_from_the_options(monkeypatch: pytest.MonkeyPatch) -> None:
    made: list[Any] = []
    monkeypatch.setattr(_ad_base, "ADConnection", lambda settings: made.append(settings) or "conn")
    plugin = Plugin(domain="LAB.TEST", server="dc1,dc2", timeout="7")
    assert plugin.ad_configured()
    assert plugin.ad_connection() == "conn"
    assert (made[0].domain, made[0].servers, made[0].timeout) == ("lab.test", ("dc1", "dc2"), 7)
    assert not Plugin().ad_configured()


@pytest.mark.parametrize("error", [ADConnectError("no domain controller reachable: dc1:636 unreachable"),
                                   KerberosError("wrong password (Preauthentication failed)"),
                                   SettingsError("unsupported transport 'digest'")])
def test_every_collection_error_becomes_the_plugins_error(error: Exception) -> None:
    with pytest.raises(PluginError) as caught:
        with Plugin().ad_errors():
            raise error
    assert str(caught.value) == "winauth.winrm.example: %s" % error
    assert caught.value.__cause__ is None and caught.value.__suppress_context__


def test_other_errors_pass_unchanged() -> None:
    with pytest.raises(KeyError):
        with Plugin().ad_errors():
            raise KeyError("a bug is not an AD error")


@pytest.mark.parametrize("plugin", ["lookup.auth_plan", "inventory.ad"])
def test_plugins_do_not_import_pywinrm_on_load(plugin: str) -> None:
    code = ("import sys; import ansible_collections.winauth.winrm.plugins.%s; "
            "print(sorted(m for m in sys.modules if m == 'winrm' or m.startswith('winrm.')))" % plugin)
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False,
                         env={"PYTHONPATH": ":".join(sys.path)})
    assert run.returncode == 0, run.stderr
    assert run.stdout.strip() == "[]"
