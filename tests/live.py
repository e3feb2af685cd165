"""A real uvicorn socket on loopback, in a thread, and an ASGI wrapper that records responses."""

from __future__ import annotations

import contextlib
import gzip
import json
import os
import re
import resource
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import uvicorn
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from gateway.protocol import protocol_for
from gateway.server import Server
from gateway.settings import Settings
from tests.openapi import RecordedResponse

__all__ = [
    "GATEWAY",
    "Recorder",
    "free_port",
    "gateway_process",
    "imported_by_create_app",
    "nginx_in_front",
    "serve",
    "serving",
    "wait_until_answering",
]


class Recorder:
    """ASGI middleware keeping every JSON response under ``prefix`` for validation later."""

    def __init__(self, app: ASGIApp, prefix: str = "/v1") -> None:
        self.app = app
        self.prefix = prefix
        self.responses: list[RecordedResponse] = []
        self._lock = threading.Lock()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not scope["path"].startswith(self.prefix):
            await self.app(scope, receive, send)
            return
        status = 0
        compressed = False
        chunks: list[bytes] = []

        async def recording_send(message: Message) -> None:
            nonlocal status, compressed
            if message["type"] == "http.response.start":
                status = message["status"]
                compressed = (b"content-encoding", b"gzip") in message.get("headers", [])
            elif message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))
            await send(message)

        await self.app(scope, receive, recording_send)
        raw = b"".join(chunks)
        if compressed:  # the SDK accepts gzip, and answers of 1 KiB or more come compressed
            raw = gzip.decompress(raw)
        body: Any = json.loads(raw) if raw else None
        with self._lock:
            self.responses.append(RecordedResponse(scope["method"], scope["path"], status, body))


@contextlib.contextmanager
def serving() -> Iterator[Callable[..., str]]:
    """Yields ``start(app, port=0)``, which serves ``app`` on 127.0.0.1 and gives its base URL.

    Every server started in the block stops when it ends, all at once (each takes about 0.1 s to
    close its connections: the GraphQL tests stop two servers for each test run over sockets).
    """
    running: list[tuple[Server, threading.Thread]] = []

    def start(app: ASGIApp, port: int = 0) -> str:
        # The protocol `gateway serve` runs, with its bounds on requests, and its default timeouts.
        protocol: Any = protocol_for(Settings.model_construct())  # uvicorn's annotation names a class
        config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="on", http=protocol)
        server = Server(config)  # the gateway's: told to stop from this thread, it stops at once
        thread = threading.Thread(target=server.run, name="uvicorn", daemon=True)
        running.append((server, thread))
        thread.start()
        deadline = time.monotonic() + 10
        while not server.started:
            if not thread.is_alive() or time.monotonic() > deadline:
                msg = "uvicorn did not start"
                raise RuntimeError(msg)
            time.sleep(0.01)
        return f"http://127.0.0.1:{server.servers[0].sockets[0].getsockname()[1]}"

    try:
        yield start
    finally:
        for server, _ in running:
            server.should_exit = True
        for _, thread in running:
            thread.join(timeout=10)


@contextlib.contextmanager
def serve(app: ASGIApp, port: int = 0) -> Iterator[str]:
    """Serve ``app`` on 127.0.0.1 (at a free port unless given) for the duration; yields its base URL."""
    with serving() as start:
        yield start(app, port)


GATEWAY = Path(sys.executable).with_name("gateway")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def wait_until_answering(process: subprocess.Popen[str], url: str, what: str = "the gateway") -> None:
    """Waits up to 15 s for the server ``process`` started (``what``) to answer ``url``'s /healthz."""
    deadline = time.monotonic() + 15
    while True:
        with contextlib.suppress(httpx.TransportError):
            if httpx.get(f"{url}/healthz").status_code == 200:
                return
        assert process.poll() is None, f"{what} exited early"
        assert time.monotonic() < deadline, f"{what} did not answer /healthz"
        time.sleep(0.05)


@contextlib.contextmanager
def gateway_process(
    *arguments: str,
    env: dict[str, str] | None = None,
    output: list[str] | None = None,
    max_file_bytes: int | None = None,
) -> Iterator[str]:
    """Run ``gateway *arguments`` until the block ends; what it printed goes to ``output``.

    Its output is read as it comes (a thread): left in the pipe, the operation log's lines of a
    few hundred operations filled it (64 KiB), and the gateway stopped answering, blocked on its
    next write.

    With ``max_file_bytes``, no file the process writes may grow past it (``RLIMIT_FSIZE``, as a
    full disk or a quota would stop it; a write past it fails with ``EFBIG``, since Python ignores
    the signal that would kill the process)."""
    port = free_port()
    environment = {**os.environ, **(env or {})}
    if "GATEWAY_PORT" not in (env or {}):
        arguments = (*arguments, "--port", str(port))
    else:
        port = int(environment["GATEWAY_PORT"])
    process = subprocess.Popen([str(GATEWAY), *arguments], env=environment, stderr=subprocess.PIPE, text=True)
    printed: list[str] = []
    reader = threading.Thread(target=printed.extend, args=(process.stderr,), name="gateway-output", daemon=True)
    reader.start()
    if max_file_bytes is not None:  # on the running process: a preexec_fn is unsafe in a threaded one
        resource.prlimit(process.pid, resource.RLIMIT_FSIZE, (max_file_bytes, max_file_bytes))
    url = f"http://127.0.0.1:{port}"
    try:
        wait_until_answering(process, url)
        yield url
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=15)
        reader.join(timeout=15)
        if process.stderr is not None:
            process.stderr.close()
        if output is not None:
            output.append("".join(printed))


def imported_by_create_app(module: str, **settings: Any) -> bool:
    """Whether building the gateway's app with ``settings`` imports ``module``, in a fresh
    interpreter (a test process has imported everything already)."""
    given = ", ".join(f"{name}={value!r}" for name, value in settings.items())
    script = (
        "import sys; from gateway.app import create_app; from gateway.settings import Settings; "
        f"create_app(Settings({given})); print({module!r} in sys.modules)"
    )
    printed = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True).stdout
    return printed.strip() == "True"


ROOT = Path(__file__).resolve().parents[1]
NGINX = ROOT / "build" / "tools" / "nginx" / "usr" / "sbin" / "nginx"
"""Debian's nginx binary, which `make test` unpacks there (installing the package would start a
system nginx on port 80); a machine's own nginx otherwise."""
PROXY_PREFIX = "/gw"
"""Where the README's nginx block serves the gateway."""


def readme_nginx_block() -> str:
    """The nginx configuration of the README's *Behind a reverse proxy*, as it stands there."""
    readme = (ROOT / "README.md").read_text()
    section = readme.split("### Behind a reverse proxy", 1)[1]
    found = re.search(r"```nginx\n(.*?)```", section, re.DOTALL)
    assert found is not None, "the README's *Behind a reverse proxy* has no nginx block"
    return found.group(1)


@contextlib.contextmanager
def nginx_in_front(gateway_url: str, folder: Path, *, caching: bool = False, strip: bool = True) -> Iterator[str]:
    """Runs nginx with the README's block in front of the gateway at ``gateway_url`` until the
    block ends; yields the base URL it serves the gateway at (`http://127.0.0.1:<port>/gw`).

    Its access log, `folder/access.log`, has a line per request: nginx's request id, the status,
    how nginx's cache served it (`-` when it is not asked), and the request line. With
    ``caching``, nginx keeps every answer of status 200 ten minutes (`proxy_cache_valid`), keyed
    by its URL, as an operator caching GETs at the proxy sets it up, unless the answer says not to.
    Without ``strip``, nginx passes the prefix on (`proxy_pass http://gateway;`, as a proxy that
    cannot rewrite paths does), for a gateway with `GATEWAY_PATH_PREFIX`."""
    binary = NGINX if NGINX.exists() else shutil.which("nginx")
    assert binary is not None, "nginx is needed: make test unpacks Debian's nginx into build/tools/nginx"
    port = free_port()
    block = readme_nginx_block()
    substitutions = [
        ("server 127.0.0.1:8000;", f"server {gateway_url.removeprefix('http://')};"),
        ("listen 80;", f"listen 127.0.0.1:{port};"),
    ]
    if not strip:
        substitutions.append(("proxy_pass http://gateway/;", "proxy_pass http://gateway;"))
    if caching:
        location = f"location {PROXY_PREFIX}/ {{"
        substitutions.append((location, f"{location} proxy_cache answers; proxy_cache_valid 200 10m;"))
    for given, ours in substitutions:
        assert block.count(given) == 1, given
        block = block.replace(given, ours)
    temporary = " ".join(
        f"{kind}_temp_path {folder / kind};" for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    )
    # Run as root (as CI does), nginx's workers would be `nobody`, who cannot write bodies to the
    # temporary folders under the test's own (mode 0700): they stay root's.
    user = "user root;\n" if os.geteuid() == 0 else ""
    (folder / "nginx.conf").write_text(
        f"{user}daemon off;\nworker_processes 1;\npid {folder / 'nginx.pid'};\nerror_log {folder / 'error.log'} warn;\n"
        "events { worker_connections 256; }\n"
        "http {\n"
        "log_format ids '$request_id $status $upstream_cache_status \"$request\"';\n"
        f"proxy_cache_path {folder / 'cache'} keys_zone=answers:1m;\n"
        f"access_log {folder / 'access.log'} ids;\n{temporary}\n{block}}}\n"
    )
    process = subprocess.Popen(
        [str(binary), "-p", str(folder), "-e", str(folder / "error.log"), "-c", str(folder / "nginx.conf")],
        stderr=subprocess.PIPE,
        text=True,
    )
    url = f"http://127.0.0.1:{port}{PROXY_PREFIX}"
    try:
        wait_until_answering(process, url, f"nginx (its log: {folder / 'error.log'})")
        yield url
    finally:
        process.send_signal(signal.SIGQUIT)  # nginx's graceful stop
        process.communicate(timeout=15)
