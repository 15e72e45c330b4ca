"""Every WinRM policy value the lab knows makes its config leaf Source="GPO" and read-only, as on Windows."""

from __future__ import annotations

import pytest
import wsman_helpers as wh
from winlab import policy
from winrm.exceptions import WSManFaultError

ROOT = r"SOFTWARE\Policies\Microsoft\Windows\WinRM"

# (policy key, [(value name, REG type, data)], config leaf path, the value the leaf then shows, a value to Put)
CASES = [
    # 0 everywhere but Service AllowNegotiate, which would cut this NTLM connection.
    *[(sub, [(name, "DWORD", int(keep))], path, str(keep).lower(), str(not keep).lower())
      for (sub, name), path in policy.DWORD_POLICIES.items()
      for keep in [(sub, name) == ("Service", "AllowNegotiate")]],
    ("Service", [("CbtHardeningLevel", "String", "strict"), ("CBTHardeningLevelStatus", "DWORD", 1)],
     ("Service", "Auth", "CbtHardeningLevel"), "Strict", "Relaxed"),
    ("Service", [("IPv4Filter", "String", "*"), ("IPv6Filter", "String", ""), ("AllowAutoConfig", "DWORD", 1)],
     ("Service", "IPv4Filter"), "*", "10.0.0.1"),
    ("Service", [("IPv6Filter", "String", "::1"), ("IPv4Filter", "String", "*"), ("AllowAutoConfig", "DWORD", 1)],
     ("Service", "IPv6Filter"), "::1", "*"),
    ("Client", [("TrustedHostsList", "String", "a.lab.test"), ("TrustedHosts", "DWORD", 1)],
     ("Client", "TrustedHosts"), "a.lab.test", "b.lab.test"),
]


@pytest.mark.parametrize(("sub", "values", "path", "shown", "other"), CASES, ids=["/".join(c[2]) for c in CASES])
def test_policy_value_marks_the_leaf_gpo_and_refuses_put(fresh, sub, values, path, shown, other) -> None:
    p = wh.protocol(fresh, "win02")
    key = ROOT + "\\" + sub
    assert wh.return_value(wh.reg_call(p, "CreateKey", sSubKeyName=key)) == 0
    for name, kind, data in values:
        param = {"uValue": data} if kind == "DWORD" else {"sValue": data}
        assert wh.return_value(wh.reg_call(p, "Set%sValue" % kind, sSubKeyName=key, sValueName=name, **param)) == 0
    resource = wh.CONFIG + "".join("/" + part.lower() for part in path[:-1])
    xml = p.send_message(wh.envelope(wh.TRANSFER + "Get", resource)).decode()
    assert '<cfg:%s Source="GPO">%s</cfg:%s>' % (path[-1], shown, path[-1]) in xml
    before = fresh.state_bytes("win02")
    body = '<cfg:{e} xmlns:cfg="{r}"><cfg:{leaf}>{v}</cfg:{leaf}></cfg:{e}>'.format(
        e=path[-2], r=resource, leaf=path[-1], v=other)
    with pytest.raises(WSManFaultError) as err:
        wh.put(p, resource, body)
    assert err.value.wsman_fault_code == 2150858890
    assert fresh.state_bytes("win02") == before


def test_config_service_exposes_rootsddl_as_windows_does(fresh, recorded) -> None:
    xml = wh.protocol(fresh, "win02").send_message(wh.envelope(wh.TRANSFER + "Get", wh.CONFIG + "/service")).decode()
    recorded_xml = (recorded / "config-get.response.xml").read_text()
    sddl = recorded_xml.split("RootSDDL>")[1].split("<")[0]
    assert "<cfg:RootSDDL>%s</cfg:RootSDDL>" % sddl in xml
