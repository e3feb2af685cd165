"""The ``gateway`` command as a user runs it: a real process, flags and GATEWAY_* variables."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx

from tests.openapi import RecordedResponse, validate_response

GATEWAY = Path(sys.executable).with_name("gateway")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@contextlib.contextmanager
def _running(*arguments: str, env: dict[str, str] | None = None, output: list[str] | None = None) -> Iterator[str]:
    """Run ``gateway *arguments`` until the block ends; what it printed goes to ``output``."""
    port = _free_port()
    environment = {**os.environ, **(env or {})}
    if "GATEWAY_PORT" not in (env or {}):
        arguments = (*arguments, "--port", str(port))
    else:
        port = int(environment["GATEWAY_PORT"])
    process = subprocess.Popen([str(GATEWAY), *arguments], env=environment, stderr=subprocess.PIPE, text=True)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 15
        while True:
            try:
                if httpx.get(f"{url}/healthz").status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert process.poll() is None, "the gateway exited early"
            assert time.monotonic() < deadline, "the gateway did not answer /healthz"
            time.sleep(0.05)
        yield url
    finally:
        process.send_signal(signal.SIGTERM)
        _, printed = process.communicate(timeout=15)
        if output is not None:
            output.append(printed)


def test_serve_keeps_data_across_a_restart(tmp_path: Path) -> None:
    database = tmp_path / "data" / "gateway.sqlite3"
    with _running("serve", "--database", str(database)) as url:
        created = httpx.post(f"{url}/v1/conversations", json={"metadata": {"topic": "restart"}})
        assert created.status_code == 200
        validate_response(RecordedResponse("POST", "/v1/conversations", 200, created.json()))
    with _running("serve", "--database", str(database)) as url:
        again = httpx.get(f"{url}/v1/conversations/{created.json()['id']}")
    assert again.json()["metadata"] == {"topic": "restart"}


def test_settings_come_from_gateway_variables(tmp_path: Path) -> None:
    env = {
        "GATEWAY_PORT": str(_free_port()),
        "GATEWAY_DATABASE": str(tmp_path / "env.sqlite3"),
        "GATEWAY_API_KEYS": "sk-one, sk-two",
    }
    with _running("serve-api", env=env) as url:
        refused = httpx.post(f"{url}/v1/conversations", json={})
        accepted = httpx.post(f"{url}/v1/conversations", json={}, headers={"Authorization": "Bearer sk-two"})
    assert refused.status_code == 401
    assert accepted.status_code == 200
    validate_response(RecordedResponse("POST", "/v1/conversations", 401, refused.json()))
    validate_response(RecordedResponse("POST", "/v1/conversations", 200, accepted.json()))
    assert (tmp_path / "env.sqlite3").exists()


def test_serve_prints_where_it_listens(tmp_path: Path) -> None:
    printed: list[str] = []
    with _running("serve", "--database", str(tmp_path / "x.sqlite3"), output=printed) as url:
        pass
    assert f"{url}/v1" in printed[0]
