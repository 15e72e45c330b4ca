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
