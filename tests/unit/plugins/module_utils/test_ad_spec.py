# Copyright: (c) 2026, winauth.winrm contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The AD modules' argument spec, the ad doc fragment and build_ad_settings name the same options."""

from __future__ import annotations

import yaml

from ansible_collections.winauth.winrm.plugins.doc_fragments.ad import ModuleDocFragment
from ansible_collections.winauth.winrm.plugins.module_utils._ad_spec import AD_ARGUMENT_SPEC
from ansible_collections.winauth.winrm.plugins.plugin_utils._ad.base import AD_OPTIONS


def test_spec_fragment_and_settings_agree() -> None:
    plugin_doc = yaml.safe_load(ModuleDocFragment.DOCUMENTATION)["options"]
    action_doc = yaml.safe_load(ModuleDocFragment.ACTION)["options"]
    assert set(AD_ARGUMENT_SPEC) == set(AD_OPTIONS) == set(plugin_doc) == set(action_doc)
    for name, spec in AD_ARGUMENT_SPEC.items():
        assert spec["type"] == action_doc[name]["type"], name
        assert spec.get("default") == action_doc[name].get("default"), name
        assert spec.get("choices") == action_doc[name].get("choices"), name
        assert "env" not in action_doc[name]  # module options document no env; the spec reads it as a fallback
    assert AD_ARGUMENT_SPEC["password"]["no_log"] is True
    envs = {name: [e["name"] for e in doc.get("env", [])] for name, doc in plugin_doc.items() if doc.get("env")}
    assert envs == {name: spec["fallback"][1] for name, spec in AD_ARGUMENT_SPEC.items() if "fallback" in spec}


def test_environment_replaces_a_default_only_when_the_option_is_not_given(monkeypatch) -> None:
    from ansible.module_utils.common.arg_spec import ArgumentSpecValidator

    from ansible_collections.winauth.winrm.plugins.module_utils._ad_spec import with_environment

    monkeypatch.setenv("WINAUTH_AD_TLS_MODE", "starttls")
    monkeypatch.setenv("WINAUTH_AD_AUTH", "bogus")
    monkeypatch.setenv("WINAUTH_AD_CA_CERT", "/etc/ssl/ad.pem")
    given = {"domain": "lab.test", "auth": "ntlm"}
    result = ArgumentSpecValidator(with_environment(AD_ARGUMENT_SPEC, given)).validate(dict(given))
    assert not result.error_messages
    assert result.validated_parameters["tls_mode"] == "starttls"  # from the environment
    assert result.validated_parameters["auth"] == "ntlm"  # written in the task: the environment is ignored
    assert result.validated_parameters["ca_cert"] == "/etc/ssl/ad.pem"  # no default: the plain fallback
    bad = ArgumentSpecValidator(with_environment(AD_ARGUMENT_SPEC, {"domain": "x"})).validate({"domain": "x"})
    assert any("auth" in m for m in bad.error_messages)  # a wrong variable is refused as the option would be
    assert AD_ARGUMENT_SPEC["tls_mode"]["default"] == "ldaps"  # the spec itself is not changed
