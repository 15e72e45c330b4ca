"""AWX's side of a job, as far as the collection sees it: credential injectors and the private data dir.

Mirrors (read from the AWX source, commit e21dd0a0 of github.com/ansible/awx):

- ``awx/main/models/credential.py`` ``CredentialType.inject_credential``: every input goes into a
  Jinja namespace (secret fields as ``**********`` in the *safe* copy kept in the database; booleans
  default to False); each ``file`` template is rendered by an ``ImmutableSandboxedEnvironment`` into
  ``mkstemp(dir=<private data dir>/env)`` (mode 0600, **text**: ``open(path, 'w')``), and its
  in-container path becomes ``tower.filename`` (key ``template``) or ``tower.filename.<name>``
  (key ``template.<name>``); then each ``env`` template is rendered with that namespace; ``extra_vars``
  templates go to a YAML file passed as ``-e @file`` (not for inventory updates).
- ``awx/main/fields.py`` ``CredentialTypeInjectorField.validate_env_var_allowed``: no ``ANSIBLE_*``
  variable and none of ``awx/main/constants.py`` ``ENV_BLOCKLIST``; the input/injector JSON schemas
  of ``CredentialTypeInputField`` / ``CredentialTypeInjectorField``.
- ``awx/main/tasks/jobs.py``: ``RunJob.build_args`` (``-u <user> --ask-pass`` for a Machine credential
  with a password, the password answered through the ``SSH password:`` prompt, ``get_password_prompts``),
  ``params['fact_cache_type'] = 'jsonfile'`` when the job template uses the fact cache, ``env/settings``
  with ``suppress_ansible_output``; ``RunInventoryUpdate.build_args``: ``ansible-inventory --list
  --export -i <project>/<source_path> --output <artifacts>/output.json --playbook-dir <its dir>`` with
  ``STANDARD_INVENTORY_UPDATE_ENV``.

One difference, by necessity: AWX runs the job in a container where the private data dir is mounted at
``/runner`` and writes that path into the environment (``get_incontainer_path``). Here the job runs
without a container (ansible-runner's process isolation off), so the in-container root is the private
data dir itself: the same files, reached by their real path.
"""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

import yaml
from jinja2 import sandbox

ROOT = Path(__file__).resolve().parents[2]
CREDENTIAL_TYPES = ROOT / "extensions" / "awx" / "credential_types"

# awx/main/constants.py ENV_BLOCKLIST.
ENV_BLOCKLIST = frozenset((
    "VIRTUAL_ENV", "PATH", "PYTHONPATH", "JOB_ID", "INVENTORY_ID", "INVENTORY_SOURCE_ID", "INVENTORY_UPDATE_ID",
    "AD_HOC_COMMAND_ID", "REST_API_URL", "REST_API_TOKEN", "MAX_EVENT_RES", "CALLBACK_QUEUE", "CALLBACK_CONNECTION",
    "CACHE", "JOB_CALLBACK_DEBUG", "INVENTORY_HOSTVARS", "AWX_HOST", "PROJECT_REVISION", "SUPERVISOR_CONFIG_PATH",
))
# awx/main/constants.py STANDARD_INVENTORY_UPDATE_ENV.
STANDARD_INVENTORY_UPDATE_ENV = {
    "ANSIBLE_INVENTORY_UNPARSED_FAILED": "True",
    "ANSIBLE_INVENTORY_EXPORT": "True",
    "ANSIBLE_VERBOSE_TO_STDERR": "True",
    "ANSIBLE_HOST_PATTERN_MISMATCH": "error",
}
# RunJob.get_password_prompts: the prompt a Machine credential's password answers.
SSH_PASSWORD_PROMPT = r"SSH password:\s*?$"

# CredentialTypeInputField.schema / CredentialTypeInjectorField.schema (awx/main/fields.py).
INPUTS_SCHEMA: dict[str, Any] = {
    "type": "object", "additionalProperties": False,
    "properties": {
        "required": {"type": "array", "items": {"type": "string"}},
        "fields": {"type": "array", "items": {
            "type": "object", "additionalProperties": False, "required": ["id", "label"],
            "properties": {
                "type": {"enum": ["string", "boolean"]}, "format": {"enum": ["ssh_private_key", "url"]},
                "choices": {"type": "array", "minItems": 1, "items": {"type": "string"}, "uniqueItems": True},
                "id": {"type": "string", "pattern": "^[a-zA-Z_]+[a-zA-Z0-9_]*$"},
                "label": {"type": "string"}, "help_text": {"type": "string"}, "multiline": {"type": "boolean"},
                "secret": {"type": "boolean"}, "ask_at_runtime": {"type": "boolean"}, "default": {},
            }}},
    },
}
INJECTORS_SCHEMA: dict[str, Any] = {
    "type": "object", "additionalProperties": False,
    "properties": {
        "file": {"type": "object", "additionalProperties": False,
                 "patternProperties": {r"^template(\.[a-zA-Z_]+[a-zA-Z0-9_]*)?$": {"type": "string"}}},
        "env": {"type": "object", "additionalProperties": False,
                "patternProperties": {"^[a-zA-Z_]+[a-zA-Z0-9_]*$": {"type": "string", "pattern": "^[\x00-\x7f]*$"}}},
        "extra_vars": {"type": "object", "additionalProperties": False,
                       "patternProperties": {r"^[a-zA-Z_\{\}]+[a-zA-Z0-9_\{\}]*$": {}}},
    },
}


def credential_type(name: str) -> dict[str, Any]:
    """One shipped credential type (extensions/awx/credential_types/<name>.yml)."""
    return yaml.safe_load((CREDENTIAL_TYPES / ("%s.yml" % name)).read_text(encoding="utf-8"))


class _Tower:
    """AWX's ``TowerNamespace``: ``tower.filename`` or ``tower.filename.<name>``."""


def inject(ctype: dict[str, Any], inputs: dict[str, Any],
           private_data_dir: Path) -> tuple[dict[str, str], dict[str, str]]:
    """Render a credential type's injectors as ``CredentialType.inject_credential`` does.

    Args:
        ctype: the credential type (``inputs``, ``injectors``).
        inputs: the credential's input values.
        private_data_dir: the job's private data dir (files go to its ``env/``).

    Returns:
        ``(env, safe_env)``: what the job process gets, and the copy AWX stores (secrets masked).

    Raises:
        ValueError: an injected variable AWX would refuse (``ANSIBLE_*`` or blocklisted).
    """
    fields = ctype["inputs"].get("fields", [])
    secret = {f["id"] for f in fields if f.get("secret")}
    tower = _Tower()
    namespace: dict[str, Any] = {"tower": tower}
    safe: dict[str, Any] = {"tower": tower}
    for name, value in inputs.items():
        if isinstance(value, bool):
            namespace[name] = safe[name] = value
            continue
        if name in secret:
            safe[name] = "**********"
        elif len(value):
            safe[name] = value
        if len(value):
            namespace[name] = value
    for f in fields:
        if f.get("type") == "boolean" and f["id"] not in inputs:
            namespace[f["id"]] = safe[f["id"]] = False
    injectors = ctype.get("injectors", {})
    env_dir = private_data_dir / "env"
    env_dir.mkdir(parents=True, exist_ok=True)
    jinja = sandbox.ImmutableSandboxedEnvironment()
    for label, template in injectors.get("file", {}).items():
        data = jinja.from_string(template).render(**namespace)
        handle, path = tempfile.mkstemp(dir=env_dir)
        os.close(handle)  # AWX leaves this descriptor open and opens the path again
        with open(path, "w") as handle:  # text, as AWX writes it
            handle.write(data)
        os.chmod(path, stat.S_IRUSR | stat.S_IWUSR)
        if "." not in label:
            tower.filename = path  # type: ignore[attr-defined]
        else:
            if not hasattr(tower, "filename"):
                tower.filename = _Tower()  # type: ignore[attr-defined]
            setattr(tower.filename, label.split(".")[1], path)  # type: ignore[attr-defined]
    env: dict[str, str] = {}
    safe_env: dict[str, str] = {}
    for var, template in injectors.get("env", {}).items():
        if var.startswith("ANSIBLE_") or var in ENV_BLOCKLIST:
            raise ValueError("AWX refuses to inject %s" % var)
        env[var] = jinja.from_string(template).render(**namespace)
        safe_env[var] = jinja.from_string(template).render(**safe)
    return env, safe_env


def private_data_dir(base: Path, *, inventory: dict[str, Any] | None = None, extravars: dict[str, Any] | None = None,
                     password: str | None = None, cmdline: str = "", envvars: dict[str, str] | None = None,
                     project: dict[str, str] | None = None) -> Path:
    """Lay out a private data dir the way AWX hands it to ansible-runner.

    Args:
        base: an empty directory.
        inventory: written to ``inventory/hosts`` (AWX writes the inventory there as a script/JSON).
        extravars: ``env/extravars`` (the job template's extra variables).
        password: the Machine credential's password, answering ``SSH password:`` (``env/passwords``).
        cmdline: ``env/cmdline`` (AWX's ``-u <user> --ask-pass`` and the job template's options).
        envvars: ``env/envvars`` (the injected credential environment and AWX's own settings).
        project: files of the project checkout, ``project/<path>`` → content.

    Returns:
        The directory.
    """
    env = base / "env"
    env.mkdir(parents=True, exist_ok=True)
    (base / "project").mkdir(exist_ok=True)
    if inventory is not None:
        (base / "inventory").mkdir(exist_ok=True)
        (base / "inventory" / "hosts").write_text(yaml.safe_dump(inventory), encoding="utf-8")
    (env / "extravars").write_text(yaml.safe_dump(extravars or {}), encoding="utf-8")
    (env / "passwords").write_text(yaml.safe_dump({SSH_PASSWORD_PROMPT: password} if password else {}),
                                   encoding="utf-8")
    if cmdline:
        (env / "cmdline").write_text(cmdline, encoding="utf-8")
    (env / "envvars").write_text(yaml.safe_dump(envvars or {}), encoding="utf-8")
    # RunJob writes its own settings: the output goes to the events only.
    (env / "settings").write_text(json.dumps({"job_timeout": 600, "suppress_ansible_output": True,
                                              "suppress_output_file": False}), encoding="utf-8")
    for rel, content in (project or {}).items():
        target = base / "project" / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(content, encoding="utf-8")
    for path in env.iterdir():
        path.chmod(0o600)
    return base


def artifacts_text(base: Path) -> str:
    """Everything a job left on disk (events, stdout, the fact cache, the command), as one text."""
    chunks = []
    for path in sorted((base / "artifacts").rglob("*")):
        if path.is_file():
            chunks.append(path.read_text(encoding="utf-8", errors="replace"))
    return "\n".join(chunks)


def run_job(base: Path, spec: dict[str, Any], prefix: list[str] | None = None,
            env: dict[str, str] | None = None) -> dict[str, Any]:
    """Run ``awx_job.py`` on ``spec`` (``prefix``: e.g. the lab name space's command) and return its result.

    Args:
        base: the private data dir.
        spec: the job (``awx_job.py``'s docstring); ``private_data_dir`` is filled in.
        prefix: argv put before ``python awx_job.py`` (labns.py ... --).
        env: the environment of the process (the runner passes it on to Ansible, plus env/envvars).
    """
    spec = {**spec, "private_data_dir": str(base)}
    spec_path, result_path = base.parent / (base.name + ".spec.json"), base.parent / (base.name + ".result.json")
    spec_path.write_text(json.dumps(spec), encoding="utf-8")
    cmd = [*(prefix or []), sys.executable, str(Path(__file__).with_name("awx_job.py")), str(spec_path),
           str(result_path)]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=600, env=env, check=False)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    result: dict[str, Any] = json.loads(result_path.read_text(encoding="utf-8"))
    return result


def events(base: Path, ident: str = "1") -> list[dict[str, Any]]:
    """The job events ansible-runner wrote (``artifacts/<ident>/job_events``), in order."""
    folder = base / "artifacts" / ident / "job_events"
    found = [json.loads(p.read_text(encoding="utf-8")) for p in folder.glob("*.json")]
    return sorted(found, key=lambda e: e.get("counter", 0))


def task_results(base: Path, task: str, ident: str = "1") -> dict[str, dict[str, Any]]:
    """``{host: res}`` of the runner_on_ok / runner_on_failed events of the task named ``task``."""
    out = {}
    for event in events(base, ident):
        data = event.get("event_data", {})
        if event.get("event") in ("runner_on_ok", "runner_on_failed", "runner_on_unreachable") and \
                data.get("task") == task:
            out[data["host"]] = {**data.get("res", {}), "_event": event["event"]}
    return out


def fact_cache(base: Path, host: str, ident: str = "1") -> dict[str, Any]:
    """The jsonfile fact cache entry of a host (what AWX reads back into the host's facts).

    ansible-core 2.19 changed the format (ansible/ansible#86028, ansible/ansible-runner#1441): the file
    is ``s1_<host>`` holding ``{"__payload__": "<the facts as JSON>"}``; up to 2.18 it is ``<host>`` with
    the facts. Both are read; which one was found is not hidden: exactly one must exist.
    """
    cache = base / "artifacts" / ident / "fact_cache"
    found = [p for p in (cache / host, cache / ("s1_" + host)) if p.is_file()]
    assert len(found) == 1, "fact cache of %s: %s" % (host, sorted(p.name for p in cache.iterdir()))
    data: dict[str, Any] = json.loads(found[0].read_text(encoding="utf-8"))
    if found[0].name.startswith("s1_"):
        data = json.loads(data["__payload__"])
    return data
