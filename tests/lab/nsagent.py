"""Run Python functions inside the lab name space from a process that stays outside it.

    from winlab.client import Lab
    lab = Lab(run_dir)
    with lab.agent(extra_path=[tests_dir]) as ns:
        ns.call("domain_probes:kinit", principal="ansible@LAB.TEST", password=..., ccache=...)
        ns.call("domain_probes:winrm_whoami", endpoint=..., env={"KRB5CCNAME": "FILE:..."})

Tests must not move their own process into another mount name space (the rest of the
session would resolve names through the lab DC), and starting one interpreter per
client action costs half a second each. The agent is one Python process started
through labns.py (DNS = the lab DC, KRB5_CONFIG = the lab's krb5.conf) that runs
``module:function`` calls sent as JSON lines:

    request  {"call": "module:function", "kwargs": {...}, "env": {"KRB5CCNAME": ...}}
    reply    {"result": <JSON>} | {"error": {"type": "InvalidCredentialsError", "message": "..."}}

``env`` is applied for that call only. Arguments and results must be JSON values.
Stdlib only.
"""

from __future__ import annotations

import importlib
import json
import os
import select
import subprocess
import sys
import traceback
from pathlib import Path
from types import TracebackType
from typing import IO, Any

HERE = Path(__file__).resolve().parent


class AgentError(Exception):
    """A call failed inside the agent; `type` is the exception's class name there."""

    def __init__(self, type_name: str, message: str, trace: str = "") -> None:
        super().__init__(f"{type_name}: {message}")
        self.type = type_name
        self.message = message
        self.trace = trace


class NsAgent:
    """Client side: a running agent process."""

    def __init__(self, run_dir: str | Path, extra_path: list[str] | None = None,
                 env: dict[str, str] | None = None) -> None:
        import labns

        run_dir = Path(run_dir).resolve()
        reason = labns.unavailable()
        if reason:
            raise AgentError("LabNSError", reason)
        child_env = labns.environment(run_dir, env)
        child_env["NSAGENT_PATH"] = os.pathsep.join([str(HERE), *(extra_path or [])])
        argv = labns.command(run_dir, sys.executable, str(Path(__file__).resolve()), "serve")
        self.log = run_dir / "nsagent.log"
        with open(self.log, "ab") as log:  # the child keeps its own descriptor
            self._proc = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=log,
                                          env=child_env, text=True, bufsize=1)

    def call(self, target: str, /, *, env: dict[str, str] | None = None, timeout: float = 120.0,
             **kwargs: Any) -> Any:
        """Run ``module:function(**kwargs)`` in the agent; raises AgentError when it raised."""
        assert self._proc.stdin is not None and self._proc.stdout is not None
        request = {"call": target, "kwargs": kwargs, "env": env or {}}
        try:
            self._proc.stdin.write(json.dumps(request) + "\n")
            self._proc.stdin.flush()
        except BrokenPipeError as e:
            raise AgentError("AgentDied", f"the agent exited (rc {self._proc.poll()}); see {self.log}") from e
        ready, _w, _x = select.select([self._proc.stdout], [], [], timeout)
        line = self._proc.stdout.readline() if ready else ""
        if not line:
            raise AgentError("AgentDied", f"no reply to {target} within {timeout:.0f} s "
                                          f"(rc {self._proc.poll()}); see {self.log}")
        reply = json.loads(line)
        if "error" in reply:
            err = reply["error"]
            raise AgentError(err["type"], err["message"], err.get("trace", ""))
        return reply["result"]

    def close(self) -> None:
        if self._proc.poll() is None:
            assert self._proc.stdin is not None
            self._proc.stdin.close()
            try:
                self._proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self._proc.kill()
                self._proc.wait()
        if self._proc.stdout is not None:
            self._proc.stdout.close()

    def __enter__(self) -> NsAgent:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()


def _run(request: dict[str, Any]) -> Any:
    module_name, _colon, function = str(request["call"]).partition(":")
    func = getattr(importlib.import_module(module_name), function)
    saved = {k: os.environ.get(k) for k in request.get("env", {})}
    os.environ.update(request.get("env", {}))
    try:
        return func(**request.get("kwargs", {}))
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def serve(stdin: IO[str], reply_fd: int) -> None:
    """Agent side: answer requests until stdin closes."""
    with os.fdopen(reply_fd, "w", buffering=1) as out:
        for line in stdin:
            try:
                reply: dict[str, Any] = {"result": _run(json.loads(line))}
            except Exception as e:  # report every failure to the caller, keep serving
                reply = {"error": {"type": type(e).__name__, "message": str(e), "trace": traceback.format_exc()}}
            out.write(json.dumps(reply, default=str) + "\n")


def main() -> int:
    if sys.argv[1:] != ["serve"]:
        print(__doc__, file=sys.stderr)
        return 2
    sys.path[:0] = [p for p in os.environ.get("NSAGENT_PATH", "").split(os.pathsep) if p]
    reply_fd = os.dup(1)
    os.dup2(2, 1)  # whatever the called code prints (or its subprocesses) must not corrupt the replies
    sys.stdout = sys.stderr
    serve(sys.stdin, reply_fd)
    return 0


if __name__ == "__main__":
    sys.exit(main())
