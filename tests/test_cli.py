"""The ``gateway`` command as a user runs it: a real process, flags and GATEWAY_* variables."""

from __future__ import annotations

import contextlib
import gc
import importlib
import json
import os
import pkgutil
import platform
import re
import resource
import select
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from importlib import metadata
from pathlib import Path
from typing import Any

import httpx
import pydantic
import pytest
from starlette.applications import Starlette

import gateway
from gateway.app import YOUNG_COLLECTION_THRESHOLD, api_from_environment, app_from_environment
from gateway.embedded.store import SCHEMA_VERSION
from gateway.protocol import MAX_HEAD_BYTES, MAX_PIPELINED_REQUESTS, MAX_URL_BYTES, REFUSAL_LINES_PER_SECOND
from gateway.settings import Settings
from tests.live import GATEWAY, free_port, gateway_process, imported_by_create_app, wait_until_answering
from tests.openapi import RecordedResponse, validate_response


def test_serve_keeps_data_across_a_restart(tmp_path: Path) -> None:
    database = tmp_path / "data" / "gateway.sqlite3"
    with gateway_process("serve", "--database", str(database)) as url:
        created = httpx.post(f"{url}/v1/conversations", json={"metadata": {"topic": "restart"}})
        assert created.status_code == 200
        validate_response(RecordedResponse("POST", "/v1/conversations", 200, created.json()))
    with gateway_process("serve", "--database", str(database)) as url:
        again = httpx.get(f"{url}/v1/conversations/{created.json()['id']}")
    assert again.json()["metadata"] == {"topic": "restart"}


def test_settings_come_from_gateway_variables(tmp_path: Path) -> None:
    env = {
        "GATEWAY_PORT": str(free_port()),
        "GATEWAY_DATABASE": str(tmp_path / "env.sqlite3"),
        "GATEWAY_API_KEYS": "sk-one, sk-two",
    }
    with gateway_process("serve-api", env=env) as url:
        refused = httpx.post(f"{url}/v1/conversations", json={})
        accepted = httpx.post(f"{url}/v1/conversations", json={}, headers={"Authorization": "Bearer sk-two"})
    assert refused.status_code == 401
    assert accepted.status_code == 200
    validate_response(RecordedResponse("POST", "/v1/conversations", 401, refused.json()))
    validate_response(RecordedResponse("POST", "/v1/conversations", 200, accepted.json()))
    assert (tmp_path / "env.sqlite3").exists()


def test_serve_prints_where_it_listens(tmp_path: Path) -> None:
    printed: list[str] = []
    with gateway_process("serve", "--database", str(tmp_path / "x.sqlite3"), output=printed) as url:
        pass
    assert f"{url}/v1" in printed[0]


def test_serve_says_the_project_its_key_acts_in(tmp_path: Path) -> None:
    """`OPENAI_PROJECT_ID` is often set in a shell for OpenAI's SDKs: the banner says it was taken."""
    printed: list[str] = []
    env = {"OPENAI_PROJECT_ID": "proj_shell", "GATEWAY_UPSTREAM_URL": "http://127.0.0.1:9/v1"}
    with gateway_process("serve", "--database", str(tmp_path / "x.sqlite3"), env=env, output=printed):
        pass
    said = "Upstream: http://127.0.0.1:9/v1; without a key of their own, requests act in project proj_shell\n"
    assert said in printed[0]


@pytest.mark.parametrize("factory", [app_from_environment, api_from_environment])
def test_a_server_process_keeps_its_built_objects_out_of_the_cycle_collector(
    factory: Callable[[], Starlette], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """What `gateway serve` (and each `--workers` process) builds at start lives as long as the
    process: frozen, full collections do not scan it again (0.3 ms per operation otherwise). The
    youngest generation is collected rarely: requests' objects are freed by reference counting."""
    monkeypatch.setenv("GATEWAY_DATABASE", str(tmp_path / "frozen.sqlite3"))
    gc.unfreeze()
    thresholds = gc.get_threshold()
    try:
        factory()
        assert gc.get_freeze_count() > 10_000
        assert gc.get_threshold() == (YOUNG_COLLECTION_THRESHOLD, *thresholds[1:])
    finally:
        gc.unfreeze()  # this test process builds many apps; it must not keep them
        gc.set_threshold(*thresholds)


@pytest.mark.parametrize(
    "entry",
    [
        "main()",  # the `gateway` command (here `gateway export-schema`)
        "type(app_from_environment()).__name__",  # each `gateway serve --workers N` process
        "type(api_from_environment()).__name__",  # each `gateway serve-api --workers N` process
    ],
)
def test_server_processes_import_the_gateway_with_the_collector_paused_and_freeze_it_after(
    entry: str, tmp_path: Path
) -> None:
    """The imports' objects live as long as the process: frozen, not scanned by the collector
    while they are made; the collector runs again after."""
    script = (
        "import gc, sys; from gateway.launch import api_from_environment, app_from_environment, main; "
        f"sys.argv = ['gateway', 'export-schema', '--output', {str(tmp_path / 'schema.graphql')!r}]; "
        # A collection before the freeze would be one during the imports.
        "early = []; gc.callbacks.append(lambda phase, info: early.append(gc.get_freeze_count() == 0)); "
        f"made = {entry}; print(made, gc.isenabled(), gc.get_freeze_count() > 50_000, any(early), bool(early))"
    )
    # A fresh interpreter: this test process has imported everything already.
    environment = {**os.environ, "GATEWAY_DATABASE": str(tmp_path / "x.sqlite3")}
    printed = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True, env=environment
    ).stdout
    made = "0" if entry == "main()" else "Starlette"
    assert printed.split() == [made, "True", "True", "False", "True"]
    if entry == "main()":
        assert (tmp_path / "schema.graphql").read_text() == Path("schema.graphql").read_text()


def test_each_worker_reads_every_manifest_it_is_given(tmp_path: Path) -> None:
    """The settings reach the worker processes through their environment: a list of manifests too."""
    documents = {"first": "query First { __typename }", "second": "query Second { __typename }"}
    manifests = []
    for name, document in documents.items():
        manifests.append(tmp_path / f"{name}.json")
        manifests[-1].write_text(json.dumps({name: document}))
    settings = {"GATEWAY_PERSISTED_DOCUMENTS": ",".join(map(str, manifests)), "GATEWAY_PERSISTED_DOCUMENTS_ONLY": "1"}
    database = str(tmp_path / "w.sqlite3")
    with gateway_process("serve", "--workers", "2", "--database", database, env=settings) as url:
        answers = [
            httpx.post(f"{url}/graphql", json={"documentId": name}).json() for name in documents for _ in range(4)
        ]
        refused = httpx.post(f"{url}/graphql", json={"query": "{ __typename }"}).json()
    assert answers == [{"data": {"__typename": "Query"}}] * 8
    assert refused["errors"][0]["extensions"]["code"] == "QUERY_NOT_IN_SAFELIST"


def test_serve_with_workers_answers_from_worker_processes(tmp_path: Path) -> None:
    printed: list[str] = []
    with gateway_process("serve", "--workers", "2", "--database", str(tmp_path / "w.sqlite3"), output=printed) as url:
        created = httpx.post(f"{url}/v1/conversations", json={"metadata": {"topic": "workers"}})
        query = 'query($id: ID!) { conversation(id: $id) { metadataValue(key: "topic") } }'
        answered = httpx.post(f"{url}/graphql", json={"query": query, "variables": {"id": created.json()["id"]}})
    assert answered.json() == {"data": {"conversation": {"metadataValue": "workers"}}}
    assert "Started parent process" in printed[0]
    # A worker process logs its operations as the single process does (it starts from a fresh interpreter).
    logged = [json.loads(line) for line in printed[0].splitlines() if line.startswith("{")]
    assert [(line["operationType"], line["upstreamCalls"]) for line in logged] == [("query", 1)]


@pytest.mark.parametrize(
    ("arguments", "variables", "said"),
    [
        (
            ["serve"],
            {"GATEWAY_KEEP_ALIVE": "0"},
            "gateway: GATEWAY_KEEP_ALIVE: Input should be greater than 0 (got '0')",
        ),
        (["serve", "--port", "70000"], {}, "gateway: --port: Input should be less than or equal to 65535 (got 70000)"),
        (
            ["serve"],
            {"GATEWAY_CORS_ORIGINS": "http://localhost:5173,https://app.example.com/"},
            "gateway: GATEWAY_CORS_ORIGINS: each origin as a browser sends it, scheme://host[:port] in lower case "
            "with no path (https://app.example.com, http://localhost:5173), or * for any: "
            "'https://app.example.com/' never matches (got 'http://localhost:5173,https://app.example.com/')\n",
        ),
        (
            ["serve", "--upstream-url", "api.openai.com/v1"],
            {},
            "gateway: --upstream-url: an http:// or https:// URL of the API's base, such as https://api.openai.com/v1 "
            "(got 'api.openai.com/v1')\n",
        ),
        (
            ["serve"],
            {"GATEWAY_UPSTREAM_URL": "https://sk-live-secret@api.openai.com/v1"},
            # Not repeated: the part before @ may be a key.
            "gateway: GATEWAY_UPSTREAM_URL: a URL without a user or password: put the key in GATEWAY_API_KEY, "
            "or let each client send its own\n",
        ),
        (
            ["serve", "--upstream-url", "http://[api/v1"],
            {},
            "gateway: --upstream-url: an http:// or https:// URL of the API's base, such as https://api.openai.com/v1 "
            "(got 'http://[api/v1')\n",
        ),
        (
            ["serve", "--upstream-url", "http://api.example:99999/v1"],
            {},
            "gateway: --upstream-url: an http:// or https:// URL of the API's base, such as https://api.openai.com/v1 "
            "(got 'http://api.example:99999/v1')\n",
        ),
        (
            ["serve"],
            {"GATEWAY_KEEP_ALIVE": "//[x"},  # a value no URL parser reads is still named
            "gateway: GATEWAY_KEEP_ALIVE: Input should be a valid number, unable to parse string as a number "
            "(got '//[x')\n",
        ),
        (
            ["serve"],
            {"GATEWAY_CORS_ORIGINS": "null"},
            "gateway: GATEWAY_CORS_ORIGINS: not `null`: it is the origin of every sandboxed frame and local file, "
            "so allowing it allows them all (use * if any page may call the gateway) (got 'null')\n",
        ),
        (["serve-api"], {"GATEWAY_WORKERS": "two"}, "gateway: GATEWAY_WORKERS: Input should be a valid integer"),
        # Named, not echoed: every call would have failed (HTTP headers carry ASCII).
        (
            ["serve"],
            {"OPENAI_API_KEY": "sk-cl\u00e9"},
            "gateway: OPENAI_API_KEY: an API key has only printable ASCII characters\n",
        ),
        (["serve"], {"OPENAI_PROJECT_ID": "proj_caf\u00e9"}, "gateway: OPENAI_PROJECT_ID: a project id has only"),
        (["serve"], {"GATEWAY_ORGANIZATION": "org\tx"}, "gateway: GATEWAY_ORGANIZATION: an organization id has only"),
        (
            ["serve"],
            {"GATEWAY_PERSISTED_DOCUMENTS": "/no/such/manifest.json"},
            "gateway: GATEWAY_PERSISTED_DOCUMENTS: cannot read the manifest '/no/such/manifest.json': No such file or "
            "directory (got '/no/such/manifest.json')\n",
        ),
        (
            ["serve"],
            {"GATEWAY_PERSISTED_DOCUMENTS_ONLY": "true"},
            "gateway: GATEWAY_PERSISTED_DOCUMENTS_ONLY: runs only the documents of a manifest: set "
            "GATEWAY_PERSISTED_DOCUMENTS to one too (got 'true')\n",
        ),
        (
            ["serve"],
            {"GATEWAY_METRICS": "true", "PROMETHEUS_MULTIPROC_DIR": "/no/such/directory"},
            "gateway: PROMETHEUS_MULTIPROC_DIR: with GATEWAY_METRICS on, a directory that exists: the workers "
            "write their metrics there (got '/no/such/directory')\n",
        ),
        (
            ["serve"],
            {"GATEWAY_TRACING": "true", "OTEL_EXPORTER_OTLP_PROTOCOL": "grpc"},
            "gateway: OTEL_EXPORTER_OTLP_PROTOCOL: with GATEWAY_TRACING on, `http/protobuf` (or unset): the gateway "
            "sends OTLP over HTTP, not gRPC (got 'grpc')\n",
        ),
        (
            ["serve"],
            {"GATEWAY_TRACING": "true", "OTEL_TRACES_EXPORTER": "zipkin"},
            "gateway: OTEL_TRACES_EXPORTER: with GATEWAY_TRACING on, `otlp` (or unset): the gateway sends its "
            "traces over OTLP (got 'zipkin')\n",
        ),
        (
            ["serve"],
            {"GATEWAY_TRACING": "true", "OTEL_TRACES_SAMPLER": "ratio"},
            "gateway: OTEL_TRACES_SAMPLER: with GATEWAY_TRACING on, one of always_on, always_off, traceidratio, "
            "parentbased_always_on, parentbased_always_off, parentbased_traceidratio (got 'ratio')\n",
        ),
        (
            ["serve"],
            {"GATEWAY_TRACING": "true", "OTEL_EXPORTER_OTLP_ENDPOINT": "collector:4318"},
            "gateway: OTEL_EXPORTER_OTLP_ENDPOINT: with GATEWAY_TRACING on, an http:// or https:// URL "
            "(got 'collector:4318')\n",
        ),
        (
            ["serve"],
            {"GATEWAY_TRACING": "true", "OTEL_BSP_MAX_QUEUE_SIZE": "100", "OTEL_BSP_MAX_EXPORT_BATCH_SIZE": "512"},
            "gateway: OTEL_BSP_MAX_EXPORT_BATCH_SIZE: with GATEWAY_TRACING on, at most OTEL_BSP_MAX_QUEUE_SIZE (100): "
            "a batch is taken from the queue (got '512')\n",
        ),
    ],
)
def test_a_bad_setting_is_named_without_a_traceback(arguments: list[str], variables: dict[str, str], said: str) -> None:
    """An operator's mistake in a flag or a GATEWAY_* variable: one line naming it, and exit status 2."""
    finished = subprocess.run(
        [str(GATEWAY), *arguments],
        check=False,
        env={**os.environ, **variables},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert finished.returncode == 2
    assert finished.stderr.startswith(said)
    assert "Traceback" not in finished.stderr
    assert finished.stdout == ""


def test_version_says_the_release_and_what_it_runs_on_in_one_line() -> None:
    finished = subprocess.run(
        [str(GATEWAY), "--version"],
        check=False,
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "COLUMNS": "40"},
    )
    assert finished.returncode == 0
    assert finished.stdout == (
        f"gateway {metadata.version('gateway')} (strawberry-graphql {metadata.version('strawberry-graphql')}, "
        f"graphql-core {metadata.version('graphql-core')}, uvicorn {metadata.version('uvicorn')}; "
        f"Python {platform.python_version()})\n"
    )


def test_the_servers_organization_and_project_are_read_where_openais_sdks_read_them(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("OPENAI_ORG_ID", "org-shell")
    monkeypatch.setenv("OPENAI_PROJECT_ID", "proj_shell")
    monkeypatch.setenv("GATEWAY_API_KEY", "")
    settings = Settings()
    assert (settings.api_key, settings.organization, settings.project) == (None, "org-shell", "proj_shell")
    monkeypatch.setenv("GATEWAY_PROJECT", "proj_gateway")  # the gateway's own name first, as for the key
    assert Settings().project == "proj_gateway"


def test_origins_are_taken_in_every_form_a_browser_sends() -> None:
    given = " http://localhost:5173, https://app.example.com:8443,http://[::1]:3000,capacitor://localhost,*"
    assert Settings(cors_origins=given).cors_origins == {
        "http://localhost:5173",
        "https://app.example.com:8443",
        "http://[::1]:3000",
        "capacitor://localhost",
        "*",
    }


@pytest.mark.parametrize("command", ["serve", "serve-api"])
@pytest.mark.parametrize("case", ["not sqlite", "a folder", "under a file", "newer release"])
def test_a_database_file_that_cannot_serve_is_named_without_a_traceback(
    command: str, case: str, tmp_path: Path
) -> None:
    """Checked before the server starts, as a setting is: it was found in each server process's
    start-up, and said in a traceback of thirty lines with exit status 3, after the GraphiQL URL."""
    path = tmp_path / "conversations.sqlite3"
    if case == "not sqlite":
        path.write_text("a list of conversations, but not SQLite's\n" * 20)
        said = f"cannot use {path} as a SQLite database: file is not a database"
    elif case == "a folder":
        path.mkdir()
        said = f"cannot use {path}: it is a folder; name a file in it"
    elif case == "under a file":
        path.write_text("")
        path = path / "conversations.sqlite3"
        said = f"cannot use {path}: its folder {path.parent} cannot be made (File exists)"
    else:
        with contextlib.closing(sqlite3.connect(path)) as connection:
            connection.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
        said = (
            f"cannot use {path}: a newer release wrote it (schema version {SCHEMA_VERSION + 1}; this one knows up "
            f"to {SCHEMA_VERSION}). Run that release or a later one."
        )
    finished = subprocess.run(
        [str(GATEWAY), command, "--port", str(free_port())],
        check=False,
        env={**os.environ, "GATEWAY_DATABASE": str(path)},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert (finished.returncode, finished.stderr, finished.stdout) == (2, f"gateway: GATEWAY_DATABASE: {said}\n", "")


def test_a_database_given_by_flag_is_named_by_its_flag(tmp_path: Path) -> None:
    folder = tmp_path / "folder"
    folder.mkdir()
    finished = subprocess.run(
        [str(GATEWAY), "serve", "--database", str(folder)], check=False, capture_output=True, text=True, timeout=60
    )
    assert (finished.returncode, finished.stderr) == (
        2,
        f"gateway: --database: cannot use {folder}: it is a folder; name a file in it\n",
    )


@pytest.mark.parametrize("command", ["serve", "serve-api"])
def test_a_port_in_use_is_named_before_the_banner(command: str, tmp_path: Path) -> None:
    """A second `make serve` printed the GraphiQL URL of the first server, then uvicorn's error in
    the middle of its start-up lines, exit status 3: a browser opened at that URL met the other
    server. No database is made either."""
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        finished = subprocess.run(
            [str(GATEWAY), command, "--port", str(port), "--database", str(tmp_path / "db.sqlite3")],
            check=False,
            capture_output=True,
            text=True,
            timeout=60,
        )
    said = f"gateway: --port: port {port} of 127.0.0.1 is in use (another server?): choose another port\n"
    assert (finished.returncode, finished.stderr, finished.stdout) == (2, said, "")
    assert not (tmp_path / "db.sqlite3").exists()


def test_a_host_that_is_not_this_machines_is_named_before_the_banner(tmp_path: Path) -> None:
    finished = subprocess.run(
        [str(GATEWAY), "serve", "--port", str(free_port())],
        check=False,
        env={**os.environ, "GATEWAY_HOST": "192.0.2.1", "GATEWAY_DATABASE": str(tmp_path / "db.sqlite3")},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert finished.returncode == 2
    assert finished.stderr.startswith("gateway: GATEWAY_HOST: cannot listen on 192.0.2.1 port ")
    assert finished.stderr.count("\n") == 1


def test_serve_raises_its_soft_limit_on_open_files_to_the_hard_limit(tmp_path: Path) -> None:
    """Each connection holds a descriptor: under systemd's default soft limit (1,024), 1,000 idle
    connections had every other client's connection dropped. Checked here with a soft limit of 256."""
    hard = resource.getrlimit(resource.RLIMIT_NOFILE)[1]
    if hard != resource.RLIM_INFINITY and hard <= 512:
        pytest.skip(f"the hard limit on open files here is {hard}")
    port = free_port()
    command = f"ulimit -Sn 256 && exec {GATEWAY} serve --port {port} --database {tmp_path / 'f.sqlite3'}"
    process = subprocess.Popen(["bash", "-c", command], stderr=subprocess.PIPE, text=True)
    try:
        wait_until_answering(process, f"http://127.0.0.1:{port}")
        limits = Path(f"/proc/{process.pid}/limits").read_text()
        soft, limit = next(line.split()[3:5] for line in limits.splitlines() if line.startswith("Max open files"))
        assert soft == limit == str(hard)
        # 400 connections at once, past the 256 it was given, and /healthz is still answered.
        connections = [socket.create_connection(("127.0.0.1", port), timeout=10) for _ in range(400)]
        try:
            assert httpx.get(f"http://127.0.0.1:{port}/healthz").status_code == 200
        finally:
            for connection in connections:
                connection.close()
    finally:
        process.terminate()
        printed = process.communicate(timeout=15)[1]
    assert f"Open files: up to {hard:,} (the soft limit was 256)" in printed


def test_serve_stops_within_gateway_shutdown_timeout_and_lets_requests_under_way_finish(tmp_path: Path) -> None:
    """uvicorn waits for the requests under way with no bound once told to stop: a client that
    trickled its body (or took its answer a byte at a time) held the server for as long as it liked."""
    port = free_port()
    settings = {"GATEWAY_SHUTDOWN_TIMEOUT": "2", "GATEWAY_BODY_TIMEOUT": "60"}
    command = [str(GATEWAY), "serve-api", "--port", str(port), "--database", str(tmp_path / "d.sqlite3")]
    process = subprocess.Popen(
        [*command, "--bench-latency-ms", "500"], env={**os.environ, **settings}, stderr=subprocess.PIPE, text=True
    )
    try:
        wait_until_answering(process, f"http://127.0.0.1:{port}")
        head = b"POST /v1/conversations HTTP/1.1\r\nHost: api\r\nContent-Type: application/json\r\n"
        with (
            socket.create_connection(("127.0.0.1", port), timeout=10) as stalled,
            socket.create_connection(("127.0.0.1", port), timeout=10) as creating,
        ):
            stalled.sendall(head + b"Content-Length: 100\r\n\r\n{")  # and never the rest
            creating.sendall(head + b"Content-Length: 2\r\n\r\n{}")  # answered in 0.5 s
            time.sleep(0.2)
            stopping = time.monotonic()
            process.send_signal(signal.SIGTERM)
            answer = _whole_answer(creating)
            assert answer.startswith(b"HTTP/1.1 200 "), answer  # under way when told to stop: finished
            assert b'"object":"conversation"' in answer
            printed = process.communicate(timeout=30)[1]
            assert time.monotonic() - stopping < 10  # the stalled body would have held it 60 s
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()
    assert "timeout graceful shutdown exceeded" in printed
    assert "Traceback" not in printed  # each cancelled request was an ASGI exception with its traceback


def _answer_on(connection: socket.socket) -> bytes:
    """One HTTP/1.1 request for /healthz on ``connection``; the answer's head and body."""
    connection.sendall(b"GET /healthz HTTP/1.1\r\nHost: gateway\r\n\r\n")
    answer = b""
    while b"\r\n\r\n" not in answer or not answer.endswith(b"}"):
        chunk = connection.recv(4096)
        if not chunk:
            break
        answer += chunk
    return answer


def test_an_idle_client_connection_is_kept_for_gateway_keep_alive_seconds(tmp_path: Path) -> None:
    """A proxy in front of the gateway needs it to keep idle connections longer than the proxy does."""
    settings = {"GATEWAY_KEEP_ALIVE": "1.5"}
    with gateway_process("serve", "--database", str(tmp_path / "k.sqlite3"), env=settings) as url:
        address = httpx.URL(url)
        with socket.create_connection((address.host, address.port or 80), timeout=10) as connection:
            assert _answer_on(connection).startswith(b"HTTP/1.1 200 ")
            time.sleep(0.3)
            assert _answer_on(connection).startswith(b"HTTP/1.1 200 ")  # still open, and reused
            time.sleep(3)
            connection.settimeout(0.5)  # uvicorn's default (5 s) would still hold it open: a timeout
            assert connection.recv(1) == b""  # closed by the gateway once idle for 1.5 s


def test_a_client_slow_to_send_its_headers_is_disconnected_after_gateway_header_timeout(tmp_path: Path) -> None:
    """uvicorn bounds only the idle time between requests: a connection that sent nothing, or a
    request's headers sent a byte at a time, held its descriptor for good."""
    settings = {"GATEWAY_HEADER_TIMEOUT": "1"}
    with gateway_process("serve", "--database", str(tmp_path / "h.sqlite3"), env=settings) as url:
        address = httpx.URL(url)
        where = (address.host, address.port or 80)
        with (
            socket.create_connection(where, timeout=10) as silent,
            socket.create_connection(where, timeout=10) as slow,
            socket.create_connection(where, timeout=10) as reused,
        ):
            slow.sendall(b"GET /healthz HTTP/1.1\r\n")
            assert _answer_on(reused).startswith(b"HTTP/1.1 200 ")
            reused.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")  # the next request, never finished
            started = time.monotonic()
            for connection in (silent, slow, reused):
                connection.settimeout(5)
                assert connection.recv(1) == b""  # closed by the gateway
            assert time.monotonic() - started < 4
        # A request sent in time, in pieces, is answered as usual.
        with socket.create_connection(where, timeout=10) as patient:
            patient.sendall(b"GET /healthz HTTP/1.1\r\n")
            time.sleep(0.5)
            patient.sendall(b"Host: gateway\r\n\r\n")
            assert patient.recv(4096).startswith(b"HTTP/1.1 200 ")


def test_a_client_that_pauses_in_its_body_past_gateway_body_timeout_is_disconnected(tmp_path: Path) -> None:
    settings = {"GATEWAY_BODY_TIMEOUT": "1"}
    body = b'{"query": "{ __typename }"}'
    head = b"POST /graphql HTTP/1.1\r\nHost: gateway\r\nContent-Type: application/json\r\n"
    head += b"Content-Length: %d\r\n\r\n" % len(body)
    with gateway_process("serve", "--database", str(tmp_path / "b.sqlite3"), env=settings) as url:
        address = httpx.URL(url)
        where = (address.host, address.port or 80)
        with socket.create_connection(where, timeout=10) as stalled:
            stalled.sendall(head + body[:10])
            started = time.monotonic()
            stalled.settimeout(5)
            assert stalled.recv(1) == b""  # closed by the gateway, nothing answered
            assert time.monotonic() - started < 4
        # A body sent in pieces, each within the bound, is read and answered as usual.
        with socket.create_connection(where, timeout=10) as patient:
            patient.sendall(head)
            for start in range(0, len(body), 10):
                time.sleep(0.6)
                patient.sendall(body[start : start + 10])
            answer = b""
            while not answer.endswith(b"}}"):  # uvicorn writes the head and the body apart
                chunk = patient.recv(4096)
                assert chunk, answer
                answer += chunk
            assert answer.startswith(b"HTTP/1.1 200 ")
            assert answer.endswith(b'{"data":{"__typename":"Query"}}')


def test_a_client_that_takes_none_of_its_answer_for_gateway_send_timeout_is_dropped(tmp_path: Path) -> None:
    """uvicorn writes an answer whole into the connection's buffer, where it stays until the client
    takes it: one that never read held its answer in the gateway's memory for good (20 answers of
    8 MB each: 164 MiB, still held 70 s later)."""
    printed: list[str] = []
    settings = {"GATEWAY_SEND_TIMEOUT": "2"}
    with gateway_process("serve", "--database", str(tmp_path / "s.sqlite3"), env=settings, output=printed) as url:
        message = {"type": "message", "role": "user", "content": "x" * 2**20}
        created = httpx.post(f"{url}/v1/conversations", json={"items": [message] * 8}, timeout=60).json()
        selection = (
            "items(first: 8) { edges { node { ... on Message { content { ... on InputTextContent { text } } } } } }"
        )
        body = json.dumps({"query": f'{{ conversation(id: "{created["id"]}") {{ {selection} }} }}'}).encode()
        request = b"POST /graphql HTTP/1.1\r\nHost: gateway\r\nContent-Type: application/json\r\nConnection: close\r\n"
        request += b"Content-Length: %d\r\n\r\n" % len(body) + body
        address = httpx.URL(url)
        with socket.socket() as idle, socket.socket() as slow:
            # Small receive buffers: the answers wait in the gateway, not in the kernel's buffers.
            idle.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
            slow.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 65536)
            for connection in (idle, slow):
                connection.settimeout(10)
                connection.connect((address.host, address.port or 80))
            idle.sendall(request)
            slow.sendall(request)
            # A client that takes its answer a piece at a time, pausing under the timeout, gets all of it.
            answer, pauses = b"", 0
            while chunk := slow.recv(2**20):
                answer += chunk
                if len(answer) // 2**20 > pauses:
                    time.sleep(0.6)
                    pauses += 1
            assert pauses > 4  # longer in all than the timeout
            head, _, content = answer.partition(b"\r\n\r\n")
            assert head.startswith(b"HTTP/1.1 200 ")
            assert b"content-length: %d\r\n" % len(content) in head
            assert len(content) > 8 * 2**20
            time.sleep(1)  # the idle client's answer has waited longer still
            taken = 0
            idle.settimeout(5)
            with contextlib.suppress(ConnectionResetError):
                while chunk := idle.recv(65536):
                    taken += len(chunk)
            # Dropped: what the client got is what the kernel's buffers held (about 2.7 MB on loopback).
            assert taken < len(content) / 2
        assert httpx.get(f"{url}/healthz").status_code == 200
    assert "Traceback" not in printed[0]


def _whole_answer(connection: socket.socket) -> bytes:
    """Everything ``connection`` receives until the gateway closes it."""
    answer = b""
    while chunk := connection.recv(65536):
        answer += chunk
    return answer


def _error_of(answer: bytes) -> tuple[bytes, Any]:
    """The status line and the decoded JSON body of one HTTP answer."""
    head, _, body = answer.partition(b"\r\n\r\n")
    assert b"content-type: application/json" in head.lower(), head
    return head.partition(b"\r\n")[0], json.loads(body)


def _sent_until_closed(connection: socket.socket, piece: bytes = b"a" * 16384) -> tuple[int, bytes]:
    """Bytes sent on ``connection`` (``piece`` at a time, up to 8 MiB) until the gateway answered
    or closed it, and its answer."""
    sent = 0
    while sent < 64 * MAX_HEAD_BYTES:
        try:
            connection.sendall(piece)
        except OSError:  # closed by the gateway
            break
        sent += len(piece)
        time.sleep(0.005)
        if select.select([connection], [], [], 0)[0]:  # an answer, or the end of the connection
            with contextlib.suppress(OSError):
                return sent, connection.recv(65536)
            break
    return sent, b""


def test_a_url_or_headers_past_their_bounds_are_refused_in_the_paths_error_shape(tmp_path: Path) -> None:
    """uvicorn read a request's line and headers without a bound, gathering them by concatenation
    (a 64 MB header took 6 s of CPU), and a URL over 65,535 bytes got a plain-text 400."""
    printed: list[str] = []
    query = b"GET /graphql?query=%7B__typename%7D%23"  # `{__typename}#`, then a comment
    with gateway_process("serve", "--database", str(tmp_path / "u.sqlite3"), output=printed) as url:
        address = httpx.URL(url)
        where = (address.host, address.port or 80)

        def ask(request: bytes) -> bytes:
            with socket.create_connection(where, timeout=10) as connection:
                connection.sendall(request)
                return _whole_answer(connection)

        def get(target: bytes) -> bytes:
            return ask(b"GET " + target + b" HTTP/1.1\r\nHost: gateway\r\nConnection: close\r\n\r\n")

        longest = query[4:] + b"a" * (MAX_URL_BYTES - len(query) + 4)
        assert len(longest) == MAX_URL_BYTES
        assert get(longest).endswith(b'{"data":{"__typename":"Query"}}')
        status, error = _error_of(get(longest + b"a"))
        assert status == b"HTTP/1.1 414 Request-URI Too Long"
        assert error["errors"][0]["extensions"] == {"code": "URL_TOO_LONG", "limit": MAX_URL_BYTES}
        assert "send the query in a POST body" in error["errors"][0]["message"]
        status, error = _error_of(get(b"/v1/conversations/conv_" + b"a" * MAX_URL_BYTES))
        assert status.startswith(b"HTTP/1.1 414 ")
        assert error["error"]["code"] == "url_too_long"
        assert error["error"]["type"] == "invalid_request_error"

        body = b'{"query": "{ __typename }"}'

        def post(headers: bytes) -> bytes:
            head = b"POST /graphql HTTP/1.1\r\nHost: gateway\r\nContent-Type: application/json\r\n" + headers
            return head + b"Content-Length: %d\r\n\r\n" % len(body) + body

        roomy = b"X-Padding: " + b"a" * (MAX_HEAD_BYTES - 200) + b"\r\n"
        assert ask(post(roomy + b"Connection: close\r\n")).endswith(b'{"data":{"__typename":"Query"}}')
        for too_many in (b"X-Padding: " + b"a" * MAX_HEAD_BYTES + b"\r\n", b"X-A: a\r\n" * (MAX_HEAD_BYTES // 8 + 1)):
            status, error = _error_of(ask(post(too_many)))
            assert status == b"HTTP/1.1 431 Request Header Fields Too Large"
            assert error["errors"][0]["extensions"] == {"code": "HEADERS_TOO_LARGE", "limit": MAX_HEAD_BYTES}
        status, error = _error_of(ask(b"GET /v1/conversations HTTP/1.1\r\nHost: x\r\n" + too_many + b"\r\n"))
        assert status.startswith(b"HTTP/1.1 431 ")
        assert error["error"]["code"] == "headers_too_large"
        # The next request on a kept-alive connection is bounded alike; the one before it is answered.
        answer = ask(post(b"") + post(b"X-Padding: " + b"a" * 2 * MAX_HEAD_BYTES + b"\r\n"))
        assert answer.startswith(b"HTTP/1.1 200 ")
        assert b'{"data":{"__typename":"Query"}}HTTP/1.1 431 ' in answer

        # A header that never ends is refused once past the bound, not read to its end.
        with socket.create_connection(where, timeout=10) as endless:
            endless.sendall(b"GET /graphql HTTP/1.1\r\nHost: gateway\r\nX-Padding: ")
            sent, answer = _sent_until_closed(endless)
            assert sent <= 16 * MAX_HEAD_BYTES  # the bound, and what a busy host reads late
            if answer:  # else the connection was reset before the answer could be read
                assert answer.startswith(b"HTTP/1.1 431 ")

        # A client still sending after the refusal reads the answer and then the connection's
        # end, not a reset: the gateway reads on (and drops what comes) for a while.
        with socket.create_connection(where, timeout=10) as sending:
            sending.sendall(b"GET /graphql HTTP/1.1\r\nHost: gateway\r\nX-Padding: " + b"a" * (MAX_HEAD_BYTES + 1))
            time.sleep(0.5)  # refused meanwhile
            for _ in range(3):  # closed at once, the connection was reset here: BrokenPipeError
                sending.sendall(b"a" * 65536)
                time.sleep(0.2)
            status, error = _error_of(_whole_answer(sending))
            assert status == b"HTTP/1.1 431 Request Header Fields Too Large"
            assert error["errors"][0]["extensions"]["code"] == "HEADERS_TOO_LARGE"

        # A chunked body's trailer fields, gathered the same way: a body in pieces of one byte with
        # a trailer is read, and a trailer that never ends gets the connection closed.
        chunked = b"POST /graphql HTTP/1.1\r\nHost: gateway\r\nContent-Type: application/json\r\n"
        chunked += b"Transfer-Encoding: chunked\r\n\r\n" + b"".join(b"1\r\n%c\r\n" % byte for byte in body) + b"0\r\n"
        answer = ask(chunked + b"X-Checksum: 1\r\nConnection: close\r\n\r\n")
        assert answer.endswith(b'{"data":{"__typename":"Query"}}')
        with socket.create_connection(where, timeout=10) as endless:
            endless.sendall(chunked + b"X-Checksum: ")
            assert _sent_until_closed(endless)[0] <= 16 * MAX_HEAD_BYTES

        # A body in more chunks than the bound: each chunk costs the parser's callbacks whatever its
        # size (a 2 MB body in chunks of a byte took 2.5 s of CPU). Closed with no answer.
        for path in (b"/graphql", b"/v1/conversations"):
            with socket.create_connection(where, timeout=10) as chunky:
                chunky.sendall(b"POST " + path + b" HTTP/1.1\r\nHost: gateway\r\nContent-Type: application/json\r\n")
                chunky.sendall(b"Transfer-Encoding: chunked\r\n\r\n")
                sent, answer = _sent_until_closed(chunky, b"1\r\n \r\n" * 2731)  # JSON's white space
                assert sent <= 16 * MAX_HEAD_BYTES  # MAX_BODY_CHUNKS of them are 384 KiB
                assert answer == b""
    assert "Traceback" not in printed[0]


def _answers(stream: bytes) -> list[tuple[bytes, bytes]]:
    """The status line and body of each HTTP answer in ``stream`` (each with a Content-Length)."""
    answers = []
    while stream:
        head, _, rest = stream.partition(b"\r\n\r\n")
        lines = head.split(b"\r\n")
        length = next(int(line.partition(b":")[2]) for line in lines if line.lower().startswith(b"content-length:"))
        answers.append((lines[0], rest[:length]))
        stream = rest[length:]
    return answers


def test_a_refused_request_pipelined_behind_others_is_answered_after_them(tmp_path: Path) -> None:
    """A request refused for its URL or headers, sent on a kept-alive connection behind requests
    still being answered, was answered at once and the connection ended: the earlier requests'
    answers were lost, here the ids of conversations the API had created."""
    printed: list[str] = []
    arguments = ("serve-api", "--database", str(tmp_path / "p.sqlite3"), "--bench-latency-ms", "300")
    create = b"POST /v1/conversations HTTP/1.1\r\nHost: api\r\nContent-Type: application/json\r\n"
    create += b"Content-Length: 2\r\n\r\n{}"
    refused = {
        b"414": b"GET /v1/conversations/conv_" + b"a" * MAX_URL_BYTES + b" HTTP/1.1\r\nHost: api\r\n\r\n",
        b"431": b"GET /healthz HTTP/1.1\r\nHost: api\r\nX-Padding: " + b"a" * MAX_HEAD_BYTES + b"\r\n\r\n",
        b"400": b"GET /healthz HTTP/1.1\r\nHost: api\r\nBad Header: a\r\n\r\n",  # a malformed request
    }
    with gateway_process(*arguments, output=printed) as url:
        address = httpx.URL(url)
        for status, request in refused.items():
            with socket.create_connection((address.host, address.port or 80), timeout=10) as connection:
                connection.sendall(create + create + request)  # both still running when it is read
                answers = _answers(_whole_answer(connection))
            assert [line.split(b" ")[1] for line, _ in answers] == [b"200", b"200", status]
            for _, body in answers[:2]:  # both created, and both answers whole
                assert httpx.get(f"{url}/v1/conversations/{json.loads(body)['id']}").status_code == 200
        # A client that goes on sending after the refused request (its body, say: 1.5 MiB here) still
        # reads every answer: nothing more is read until the answers before the refusal are written,
        # and then what comes is dropped until the client is done.
        with socket.create_connection((address.host, address.port or 80), timeout=10) as connection:
            connection.sendall(create + create + refused[b"431"].removesuffix(b"\r\n\r\n"))

            def go_on() -> None:
                with contextlib.suppress(OSError):
                    for _ in range(24):
                        connection.sendall(b"a" * 65536)
                        time.sleep(0.02)

            sending = threading.Thread(target=go_on)
            sending.start()
            answers = _answers(_whole_answer(connection))
            sending.join()
        assert [line.split(b" ")[1] for line, _ in answers] == [b"200", b"200", b"431"]
        # A malformed body (a chunk's size) is the request being answered: refused at once, and the
        # connection's end tells the app, which waited for the rest of the body.
        with socket.create_connection((address.host, address.port or 80), timeout=5) as connection:
            chunked = create.replace(b"Content-Length: 2", b"Transfer-Encoding: chunked").removesuffix(b"{}")
            connection.sendall(chunked + b"1\r\n{\r\nzz\r\n")
            assert _whole_answer(connection).startswith(b"HTTP/1.1 400 ")
    assert "Traceback" not in printed[0]
    # Logged as what they are: uvicorn logged "Invalid HTTP request received." for each.
    assert printed[0].count("Refused a request from 127.0.0.1:") == 3
    assert "with 414: The request's URL is longer than 65,535 bytes" in printed[0]
    assert printed[0].count("Invalid HTTP request received.") == 2  # the malformed ones


def _refused_at_once(url: str, count: int) -> None:
    """``count`` requests the server refuses or cannot parse, sent at once on as many connections
    (so that they come within the same second), each answered."""
    address = httpx.URL(url)
    with contextlib.ExitStack() as stack:
        connections = [
            stack.enter_context(socket.create_connection((address.host, address.port or 80), timeout=10))
            for _ in range(count)
        ]
        for number, connection in enumerate(connections):
            if number % 2:
                connection.sendall(b"NOT HTTP AT ALL\r\n\r\n")
            else:
                connection.sendall(b"GET /" + b"a" * MAX_URL_BYTES + b" HTTP/1.1\r\nHost: gateway\r\n\r\n")
        for connection in connections:
            assert _whole_answer(connection).split(b" ")[1] in {b"400", b"414"}


def _refusal_lines(printed: str) -> tuple[int, list[int]]:
    """How many refusals were logged one by one, and the counts of the lines counting the rest."""
    one_by_one = printed.count("Invalid HTTP request received.") + printed.count("Refused a request from")
    counted = [
        int(line.split("parse ")[1].split(" ")[0])
        for line in printed.splitlines()
        if "Refused or could not parse" in line
    ]
    return one_by_one, counted


def test_refused_and_malformed_requests_are_logged_at_most_ten_a_second_then_counted(tmp_path: Path) -> None:
    """Any client can send requests the server refuses or cannot parse, as many as it likes: a line
    for each crowded the log (and journald drops a service's lines past its own bound, the
    operations' lines with them)."""
    printed: list[str] = []
    with gateway_process("serve", "--database", str(tmp_path / "u.sqlite3"), output=printed) as url:
        _refused_at_once(url, 60)
        time.sleep(1.5)  # the line counting the rest comes at the end of the second
        assert httpx.get(f"{url}/healthz").status_code == 200  # served throughout
    one_by_one, counted = _refusal_lines(printed[0])
    assert counted  # 60 sent at once
    assert one_by_one + sum(counted) == 60
    assert one_by_one <= REFUSAL_LINES_PER_SECOND * (len(counted) + 1)
    assert f"at most {REFUSAL_LINES_PER_SECOND} a second are logged one by one" in printed[0]


def test_a_server_stopped_within_the_second_still_counts_the_refusals_it_left_out(tmp_path: Path) -> None:
    """The line counting the rest comes at the second's end: a server stopped before it lost it."""
    printed: list[str] = []
    with gateway_process("serve", "--database", str(tmp_path / "u.sqlite3"), output=printed) as url:
        _refused_at_once(url, 30)
    # stopped (SIGTERM) as soon as the last answer came
    one_by_one, counted = _refusal_lines(printed[0])
    assert one_by_one + sum(counted) == 30  # on the code before, 20 were lost (with the stop well within the second)


def test_requests_pipelined_past_the_bound_are_refused_after_those_before_them(tmp_path: Path) -> None:
    """httptools parses all that came in one read, and uvicorn queues each pipelined request it
    finds, whatever their number: 256 KB of small requests on each of 20 connections held the
    process at 431 MiB (from 65), about 2.4 KB a request."""
    printed: list[str] = []
    arguments = ("serve-api", "--database", str(tmp_path / "q.sqlite3"), "--bench-latency-ms", "50")
    health = b"GET /healthz HTTP/1.1\r\nHost: api\r\n\r\n"
    with gateway_process(*arguments, output=printed) as url:
        address = httpx.URL(url)
        with socket.create_connection((address.host, address.port or 80), timeout=10) as connection:
            connection.sendall(health * (MAX_PIPELINED_REQUESTS + 1 + 1000))  # one answered, the rest queued
            answers = _answers(_whole_answer(connection))
        assert [line for line, _ in answers[:-1]] == [b"HTTP/1.1 200 OK"] * (MAX_PIPELINED_REQUESTS + 1)
        status, body = answers[-1]
        assert status == b"HTTP/1.1 429 Too Many Requests"
        assert json.loads(body)["error"]["code"] == "too_many_pipelined_requests"
        # Within the bound, each is answered in turn and the connection stays open.
        with socket.create_connection((address.host, address.port or 80), timeout=10) as connection:
            connection.sendall(health * (MAX_PIPELINED_REQUESTS + 1))
            stream = b""
            while stream.count(b"HTTP/1.1 200 OK") < MAX_PIPELINED_REQUESTS + 1 or not stream.endswith(b"}"):
                stream += connection.recv(65536)
            assert _answer_on(connection).startswith(b"HTTP/1.1 200 ")
    assert f"with 429: More than {MAX_PIPELINED_REQUESTS} requests" in printed[0]


def test_a_websocket_handshake_is_refused_saying_why_without_a_warning(tmp_path: Path) -> None:
    """uvicorn logged two warnings for each, the second advising to install a WebSocket library;
    then a graphql-ws client got GraphiQL's page with 200 ("Unexpected server response: 200")."""
    printed: list[str] = []
    upgrade = {
        "Connection": "Upgrade",
        "Upgrade": "websocket",
        "Sec-WebSocket-Version": "13",
        "Sec-WebSocket-Key": "dGhlIHNhbXBsZSBub25jZQ==",
        "Sec-WebSocket-Protocol": "graphql-transport-ws",
    }
    with (
        gateway_process("serve", "--database", str(tmp_path / "w.sqlite3"), output=printed) as url,
        httpx.Client(base_url=url) as client,
    ):
        for params in ({}, {"query": "{ __typename }"}):
            answer = client.get("/graphql", params=params, headers=upgrade)
            assert answer.status_code == 400
            assert answer.headers["content-type"] == "application/json"
            (error,) = answer.json()["errors"]
            assert error["extensions"] == {"code": "BAD_REQUEST"}
            assert "not over WebSocket" in error["message"]
        # The connection is kept, and a request without the upgrade is answered.
        assert client.get("/graphql", params={"query": "{ __typename }"}).json() == {"data": {"__typename": "Query"}}
        # Another upgrade (HTTP/2 over cleartext) is ignored, as RFC 9110 lets a server.
        h2c = {"Connection": "Upgrade, HTTP2-Settings", "Upgrade": "h2c", "HTTP2-Settings": ""}
        assert client.get("/graphql", params={"query": "{ __typename }"}, headers=h2c).status_code == 200
    assert "WARNING" not in printed[0]
    assert "WebSocket" not in printed[0]


def test_a_client_gone_in_the_middle_of_its_body_leaves_no_traceback_in_the_log(tmp_path: Path) -> None:
    """Starlette raises `ClientDisconnect` to the app reading the body; uvicorn logged each such
    request as an "Exception in ASGI application", with its traceback, at ERROR."""
    printed: list[str] = []
    head = b"Host: gateway\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n"
    with gateway_process("serve", "--database", str(tmp_path / "d.sqlite3"), output=printed) as url:
        address = httpx.URL(url)
        for path in (b"/graphql", b"/v1/conversations", b"/v1/conversations/conv_1/items"):
            with socket.create_connection((address.host, address.port or 80), timeout=10) as leaving:
                leaving.sendall(b"POST " + path + b" HTTP/1.1\r\n" + head + b'{"a": ')
                time.sleep(0.2)  # the app is waiting for the rest of the body
        assert httpx.get(f"{url}/healthz").status_code == 200
        time.sleep(0.2)
    assert "Traceback" not in printed[0]
    assert "Exception in ASGI application" not in printed[0]


@pytest.mark.parametrize(("upstream_url", "imported"), [(None, False), ("http://127.0.0.1:9/v1", True)])
def test_aiohttp_is_imported_only_for_a_networked_upstream(
    upstream_url: str | None, imported: bool, tmp_path: Path
) -> None:
    """A tenth of a second of start-up: the built-in upstream is called in-process, without it. For a
    networked one it is imported when the app is built, before the server process freezes its objects."""
    database = str(tmp_path / "x.sqlite3")
    assert imported_by_create_app("aiohttp", database=database, upstream_url=upstream_url) is imported


def _annotation_strings(cls: type) -> list[str]:
    """The annotations of a class, and of its Strawberry resolvers, that are written as strings."""
    found = [
        f"{cls.__qualname__}.{name}"
        for name, value in vars(cls).get("__annotations__", {}).items()
        if isinstance(value, str)
    ]
    definition = getattr(cls, "__strawberry_definition__", None)
    for field in getattr(definition, "fields", ()):
        if field.base_resolver is not None and field.base_resolver.wrapped_func.__module__ == cls.__module__:
            function = field.base_resolver.wrapped_func
            found += [
                f"{function.__qualname__} {name}"
                for name, value in function.__annotations__.items()
                if isinstance(value, str)
            ]
    return found


def test_the_gateways_types_and_models_are_annotated_with_objects_not_strings() -> None:
    """Strawberry and pydantic evaluate an annotation written as a string (every annotation of a module
    with ``from __future__ import annotations``) as they make the class: 0.07-0.1 s of start-up for the
    gateway's 140 GraphQL types and 116 models. Their modules write annotations as objects instead."""
    strings: list[str] = []
    for module_info in pkgutil.walk_packages(gateway.__path__, "gateway."):
        if module_info.name == "gateway.__main__":
            continue  # importing it runs the command
        module = importlib.import_module(module_info.name)
        for value in vars(module).values():
            made_here = isinstance(value, type) and value.__module__ == module.__name__
            if made_here and (hasattr(value, "__strawberry_definition__") or issubclass(value, pydantic.BaseModel)):
                strings += _annotation_strings(value)
    assert strings == []


def _check(*manifests: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(GATEWAY), "check-documents", *map(str, manifests)],
        check=False,
        env={**os.environ, **(env or {})},
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_check_documents_says_which_documents_the_gateway_would_refuse_and_why(tmp_path: Path) -> None:
    """For a frontend's CI: each reason, as a request's refusal would give it, then a count."""
    deep = "query Deep { conversation(id: 1) { items { edges { node { __typename } } } } }"
    documents = {
        "fine": "query Fine { __typename }",
        "unknown": "query Unknown { nope }",
        "broken": "query Broken {",
        "deep": deep,
    }
    manifest = tmp_path / "manifest.json"
    manifest.write_text(json.dumps(documents))
    other = tmp_path / "other.json"
    other.write_text(json.dumps({"fine-too": documents["fine"]}))

    checked = _check(manifest, other, env={"GATEWAY_MAX_DEPTH": "4"})
    assert checked.returncode == 1
    assert checked.stdout.splitlines() == [
        "unknown (Unknown): GRAPHQL_VALIDATION_FAILED: Cannot query field 'nope' on type 'Query'. "
        "Did you mean 'node' or 'nodes'?",
        "broken (no operation): GRAPHQL_PARSE_FAILED: Syntax Error: Expected Name, found <EOF>.",
        "deep (Deep): OPERATION_TOO_DEEP: The operation nests 5 levels deep; the limit is 4. "
        "Split it into smaller ones.",
        "3 of 4 documents would be refused by this gateway.",
    ]
    assert checked.stderr == ""

    documents.pop("unknown")
    documents.pop("broken")
    manifest.write_text(json.dumps(documents))
    passed = _check(manifest, other)  # the default depth limit, 15
    assert (passed.returncode, passed.stdout) == (0, "All 2 documents would run on this gateway.\n")

    unreadable = _check(tmp_path / "missing.json")
    assert unreadable.returncode == 2
    assert (
        unreadable.stderr
        == f"gateway: cannot read the manifest '{tmp_path / 'missing.json'}': No such file or directory\n"
    )


@pytest.mark.parametrize("command", ["serve", "serve-api"])
def test_answers_do_not_name_the_server_software(command: str, tmp_path: Path) -> None:
    with gateway_process(command, "--database", str(tmp_path / "db.sqlite3")) as url:
        answers = [httpx.get(f"{url}/healthz"), httpx.get(f"{url}/v1/conversations/conv_x"), httpx.get(f"{url}/nope")]
    assert [answer.status_code for answer in answers] == [200, 404, 404]
    for answer in answers:
        assert "server" not in answer.headers
        assert "date" in answer.headers


def test_every_setting_is_in_the_readmes_configuration_table_with_its_default() -> None:
    """The table is where an operator looks; a setting added without its row was found by no one."""
    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text()
    table = [
        [cell.strip() for cell in line.strip().strip("|").split("|")]
        for line in readme[readme.index("## Configuration") : readme.index("## Tests")].splitlines()
        if line.startswith("| ")
    ]
    documented: set[str] = set()
    for _, variables, default, _ in table:
        named = re.findall(r"`(GATEWAY)?(_[A-Z_]+)`", variables)
        prefix = "GATEWAY_UPSTREAM" if "GATEWAY_UPSTREAM_" in variables else "GATEWAY"
        names = [f"GATEWAY{name}" if whole else f"{prefix}{name}" for whole, name in named]
        documented.update(names)
        shown = re.findall(r"`([^`]+)`", default)
        if len(names) == 1 and len(shown) == 1 and default.startswith("`"):  # one setting, one default
            field = Settings.model_fields[names[0].removeprefix("GATEWAY_").lower()]
            value = field.default
            expected = str(value).lower() if isinstance(value, bool) else str(value).removesuffix(".0")
            assert shown[0] == expected, names[0]
    own = {f"GATEWAY_{name.upper()}" for name, field in Settings.model_fields.items() if field.validation_alias is None}
    own -= {"GATEWAY_BENCH_LATENCY_MS"}  # the bench's, not an operator's (bench/README.md)
    assert own <= documented, sorted(own - documented)
    assert documented <= own | {"GATEWAY_API_KEY", "GATEWAY_ORGANIZATION", "GATEWAY_PROJECT"}, sorted(documented - own)
