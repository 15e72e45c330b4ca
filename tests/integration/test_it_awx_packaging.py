"""Issue 11: the artifact and its metadata as AWX, ansible-builder, Galaxy and the docs site read them.

No lab needed; these check what the collection ships: the sample execution environment
(``ansible-builder create``), the requirements an EE build will install (``ansible-builder
introspect`` of the built and installed tarball, compared with requirements.txt and bindep.txt),
``ansible-galaxy collection install`` from the tarball on the ansible-core line this pytest runs
on (scripts/test.sh runs it on the oldest and the newest), the credential types against AWX's own
schemas, and the docs site (every plugin's seealso reaches a docsite page; guides.rst is current).
galaxy-importer runs as its own step of scripts/test.sh (it takes half a minute).
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import awx_support as awx
import jsonschema
import pytest
import yaml
from jinja2 import meta, sandbox

ROOT = Path(__file__).resolve().parents[2]
EE = ROOT / "extensions" / "ee"
PLUGIN_DIRS = {"module": "modules", "lookup": "lookup", "inventory": "inventory", "filter": "filter"}
DOCSITE_LABEL = re.compile(r"^\.\. _([^:]+):\s*$", re.M)


def _run(*cmd: str, env: dict[str, str] | None = None, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=300, env=env, cwd=cwd, check=False)
    assert proc.returncode == 0, "%s failed:\n%s\n%s" % (" ".join(cmd), proc.stdout[-3000:], proc.stderr[-3000:])
    return proc


def _tool(name: str) -> str:
    """A console script of this venv (found next to the running Python, not on PATH)."""
    path = Path(sys.executable).with_name(name)
    assert path.exists(), "%s is not installed in this venv: bash scripts/bootstrap.sh (requirements-awx.txt)" % name
    return str(path)


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, Path]]:
    """(tarball, collections dir it was installed into with ansible-galaxy)."""
    tmp = tmp_path_factory.mktemp("artifact")
    _run(_tool("ansible-galaxy"), "collection", "build", "--force", "--output-path", str(tmp), str(ROOT))
    built = sorted(tmp.glob("winauth-winrm-*.tar.gz"))
    assert len(built) == 1, built
    tarball = built[0]
    _run(_tool("ansible-galaxy"), "collection", "install", "--force", "-p", str(tmp / "coll"), str(tarball))
    yield tarball, tmp / "coll"


def _plain_env(collections: Path) -> dict[str, str]:
    """An environment that sees only the installed artifact (not the checkout on .build)."""
    env = {k: v for k, v in os.environ.items() if k not in ("ANSIBLE_COLLECTIONS_PATH", "PYTHONPATH")}
    return {**env, "ANSIBLE_COLLECTIONS_PATH": str(collections), "ANSIBLE_COLLECTIONS_SCAN_SYS_PATH": "False"}


def test_install_from_the_tarball_works_on_this_line(installed: tuple[Path, Path]) -> None:
    tarball, collections = installed
    root = collections / "ansible_collections" / "winauth" / "winrm"
    manifest = json.loads((root / "MANIFEST.json").read_text(encoding="utf-8"))
    assert manifest["collection_info"]["version"] == yaml.safe_load((ROOT / "galaxy.yml").read_text())["version"]
    env = _plain_env(collections)
    listed = _run(_tool("ansible-galaxy"), "collection", "list", "winauth.winrm", "-p", str(collections), env=env)
    assert "winauth.winrm" in listed.stdout
    doc = json.loads(_run(_tool("ansible-doc"), "--json", "-t", "module", "winauth.winrm.winrm_probe", env=env).stdout)
    assert doc["winauth.winrm.winrm_probe"]["doc"]["filename"].startswith(str(root))
    # The shipped playbooks and the sample EE / credential types are in the artifact and load from it.
    for playbook in ("audit_harden", "kerberos_preflight", "kerberos_keytab"):
        _run(_tool("ansible-playbook"), "--syntax-check", "-i", "localhost,", "winauth.winrm.%s" % playbook, env=env)
    for shipped in ("extensions/ee/execution-environment.yml", "extensions/ee/krb5.conf",
                    "extensions/awx/credential_types/winauth_ad.yml", "docs/awx.md", "docs/docsite/extra-docs.yml"):
        assert (root / shipped).is_file(), shipped


def test_sample_ee_build_context(tmp_path: Path) -> None:
    context = tmp_path / "context"
    _run(_tool("ansible-builder"), "create", "-f", str(EE / "execution-environment.yml"), "-c", str(context),
         "--output-filename", "Containerfile")
    containerfile = (context / "Containerfile").read_text(encoding="utf-8")
    final = containerfile.rsplit("FROM ", 1)[1]  # the final stage: what the job container has
    assert "ENV KRB5_CONFIG=/etc/winauth/krb5.conf" in final
    assert re.search(r"^ENV KRB5CCNAME=(FILE|DIR):", final, re.M), "the EE must use a FILE or DIR ccache"
    assert "COPY _build/configs/krb5.conf /etc/winauth/krb5.conf" in final
    assert (context / "_build" / "configs" / "krb5.conf").read_bytes() == (EE / "krb5.conf").read_bytes()
    krb5 = (EE / "krb5.conf").read_text(encoding="utf-8")
    assert re.search(r"^\s*default_ccache_name = FILE:", krb5, re.M) and re.search(r"^\s*rdns = false", krb5, re.M)
    galaxy = yaml.safe_load((context / "_build" / "requirements.yml").read_text(encoding="utf-8"))
    assert [c["name"] for c in galaxy["collections"]] == ["winauth.winrm"]
    # The builder stage introspects the collections it installed: that is where our requirements enter.
    assert "introspect.py introspect" in containerfile


def _lines(path: Path) -> list[str]:
    """The requirement lines of a requirements.txt / bindep.txt (comments and blanks dropped)."""
    out = []
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            out.append(line)
    return out


def test_introspect_lists_exactly_the_collection_requirements(installed: tuple[Path, Path]) -> None:
    meta_ee = yaml.safe_load((ROOT / "meta" / "execution-environment.yml").read_text(encoding="utf-8"))
    assert meta_ee == {"version": 1, "dependencies": {"python": "requirements.txt", "system": "bindep.txt"}}
    found = yaml.safe_load(_run(_tool("ansible-builder"), "introspect", str(installed[1])).stdout)
    ours = " # from collection winauth.winrm"
    assert all(line.endswith(ours) for line in found["python"] + found["system"]), found
    assert [line[: -len(ours)].strip() for line in found["python"]] == _lines(ROOT / "requirements.txt")
    assert [line[: -len(ours)].strip() for line in found["system"]] == _lines(ROOT / "bindep.txt")


# -- credential types -------------------------------------------------------------------------------------------

@pytest.mark.parametrize("name", ["winauth_ad", "krb5_conf", "keytab"])
def test_credential_type_is_what_awx_accepts(name: str, tmp_path: Path) -> None:
    ctype = awx.credential_type(name)
    assert set(ctype) == {"name", "description", "kind", "inputs", "injectors"} and ctype["kind"] == "cloud"
    jsonschema.validate(ctype["inputs"], awx.INPUTS_SCHEMA)
    jsonschema.validate(ctype["injectors"], awx.INJECTORS_SCHEMA)
    fields = {f["id"]: f for f in ctype["inputs"]["fields"]}
    assert set(ctype["inputs"]["required"]) <= set(fields)
    for f in fields.values():  # CredentialTypeInputField.validate: defaults of the field's type
        if "default" in f:
            assert isinstance(f["default"], {"string": str, "boolean": bool}[f.get("type", "string")])
        if f.get("choices"):
            assert f.get("default", f["choices"][0]) in f["choices"]
    # Every template names only defined fields (and tower), as AWX's injector validation requires.
    jinja = sandbox.ImmutableSandboxedEnvironment()
    for group in ("file", "env", "extra_vars"):
        for template in ctype["injectors"].get(group, {}).values():
            assert meta.find_undeclared_variables(jinja.parse(template)) <= set(fields) | {"tower"}, template
    # Rendered with every input set and with only the required ones (AWX injects only what a credential has):
    # no secret in the environment AWX stores (safe_env), and no empty value where a default exists.
    full = {f: ("s3cret-%s" % f if spec.get("secret") else "value-%s" % f) for f, spec in fields.items()}
    for inputs in (full, {f: full[f] for f in ctype["inputs"]["required"]}):
        env, safe = awx.inject(ctype, inputs, tmp_path / ("%s-%d" % (name, len(inputs))))
        assert set(env) == set(safe) == set(ctype["injectors"]["env"])
        assert not [v for v in safe.values() if "s3cret-" in v], safe
        for var, template in ctype["injectors"]["env"].items():
            if "default(" in template:
                assert env[var], (var, template)


def test_ad_credential_sets_the_env_of_every_ad_option() -> None:
    """The injected names are the ones the AD options read (plugins/doc_fragments/ad.py, via ansible-doc)."""
    doc = json.loads(_run(_tool("ansible-doc"), "--json", "-t", "lookup", "winauth.winrm.auth_plan").stdout)
    options = doc["winauth.winrm.auth_plan"]["doc"]["options"]
    names = {env["name"]: option for option, spec in options.items() for env in spec.get("env", [])
             if env["name"].startswith("WINAUTH_AD_")}
    injected = set(awx.credential_type("winauth_ad")["injectors"]["env"])
    assert injected == set(names), (sorted(injected), sorted(names))
    assert {names[n] for n in injected} == {"domain", "server", "username", "password", "auth", "tls_mode", "ca_cert"}


# -- docs site --------------------------------------------------------------------------------------------------

def test_docsite_guide_index_is_current() -> None:
    proc = subprocess.run([sys.executable, str(ROOT / "scripts" / "docsite.py"), "--check"], capture_output=True,
                          text=True, timeout=60, check=False)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    index = yaml.safe_load((ROOT / "docs" / "docsite" / "extra-docs.yml").read_text(encoding="utf-8"))
    for section in index["sections"]:
        for entry in section["toctree"]:
            ref = entry["ref"] if isinstance(entry, dict) else entry
            assert (ROOT / "docs" / "docsite" / "rst" / ("%s.rst" % ref)).is_file(), ref


def _plugins() -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for kind, folder in PLUGIN_DIRS.items():
        names = {p.stem for p in (ROOT / "plugins" / folder).glob("*.py") if p.stem != "__init__"}
        if kind == "filter":  # filters are documented in <name>.yml next to the plugin file
            names = {p.stem for p in (ROOT / "plugins" / folder).glob("*.yml")}
        found[kind] = sorted("winauth.winrm.%s" % n for n in names)
    return found


def test_every_plugin_links_the_docsite() -> None:
    """Every module, lookup, inventory and filter plugin found in the tree, as ansible-doc renders it."""
    labels = set()
    for page in (ROOT / "docs" / "docsite" / "rst").glob("*.rst"):
        labels |= set(DOCSITE_LABEL.findall(page.read_text(encoding="utf-8")))
    assert labels, "no docsite labels"
    missing, unknown = [], []
    for kind, names in _plugins().items():
        docs: dict[str, Any] = json.loads(_run(_tool("ansible-doc"), "--json", "-t", kind, *names).stdout)
        assert set(docs) == set(names), (kind, sorted(docs))
        for name, entry in docs.items():
            refs = [s["ref"] for s in entry["doc"].get("seealso", []) if "ref" in s]
            if not any(r in labels for r in refs):
                missing.append("%s %s" % (kind, name))
            unknown += ["%s: %s" % (name, r) for r in refs if r.startswith("ansible_collections.winauth.") and
                        r not in labels]
    assert not missing, ("no seealso to the docs site (extend the winauth.winrm.wsman or winauth.winrm.ad fragment, "
                         "or add a ref to ansible_collections.winauth.winrm.docsite.guides): %s" % missing)
    assert not unknown, "seealso refs to docsite labels that do not exist: %s" % unknown


def test_every_role_has_a_readme_and_argument_specs() -> None:
    """galaxy-importer refuses a role without README.md; ansible-doc -t role needs the argument specs."""
    for role in sorted(p for p in (ROOT / "roles").iterdir() if p.is_dir()):
        assert (role / "README.md").is_file(), "%s has no README.md" % role.name
        specs = yaml.safe_load((role / "meta" / "argument_specs.yml").read_text(encoding="utf-8"))
        for entry, spec in specs["argument_specs"].items():
            assert spec.get("short_description") and spec.get("description"), (role.name, entry)
