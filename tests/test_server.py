"""The gateway's uvicorn server (`gateway.server`): woken only by requests and by being told to stop."""

from __future__ import annotations

import signal
import socket
import subprocess
import threading
import time
from email.utils import parsedate_to_datetime
from pathlib import Path

import httpx
import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse
from starlette.routing import Route

from gateway.protocol import MAX_URL_BYTES
from gateway.server import Server
from tests.live import GATEWAY, free_port, serve, wait_until_answering


def _context_switches(pid: int) -> int:
    """How many times the main thread of process ``pid`` has been taken off a CPU so far: each time
    it sleeps (waiting for its sockets or timers), and each time the kernel preempts it."""
    status = Path(f"/proc/{pid}/task/{pid}/status").read_text()
    fields = dict(line.split(":", 1) for line in status.splitlines())
    return int(fields["voluntary_ctxt_switches"]) + int(fields["nonvoluntary_ctxt_switches"])


def _worker_processes(pid: int) -> list[int]:
    """The worker processes uvicorn's supervisor (process ``pid``) has spawned."""
    children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    return [int(child) for child in children if b"spawn_main" in Path(f"/proc/{child}/cmdline").read_bytes()]


def _idle_wake_ups(tmp_path: Path, *options: str) -> tuple[list[int], str]:
    """How many times in 2 s the main thread of an idle `gateway serve *options` (of each of its
    workers, if it has any) was taken off a CPU, and what the server printed once told to stop."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    command = [str(GATEWAY), "serve", *options, "--port", str(port), "--database", str(tmp_path / "d.sqlite3")]
    process = subprocess.Popen(command, stderr=subprocess.PIPE, text=True)
    try:
        wait_until_answering(process, url)
        with httpx.Client(base_url=url, headers={"Connection": "close"}) as client:  # through the built-in API
            created = client.post(
                "/graphql", json={"query": "mutation { createConversation(input: {}) { conversation { id } } }"}
            )
            assert "errors" not in created.json(), created.text
        servers = _worker_processes(process.pid) or [process.pid]
        time.sleep(0.3)  # the closed connections' last events
        before = [_context_switches(server) for server in servers]
        time.sleep(2)
        after = [_context_switches(server) for server in servers]
        process.send_signal(signal.SIGTERM)
        printed = process.communicate(timeout=15)[1]  # told to stop, it wakes and stops
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()
    return [later - earlier for earlier, later in zip(before, after, strict=True)], printed


def test_an_idle_gateway_process_wakes_for_nothing(tmp_path: Path) -> None:
    """uvicorn's main loop wakes ten times a second, whatever the traffic (to look at whether it is
    to stop, and to date its answers): about 2 ms of CPU a second in an idle gateway, and 2% of an
    operation's CPU at concurrency 1. The gateway's sleeps until a request or a signal comes."""
    (wake_ups,), printed = _idle_wake_ups(tmp_path)
    assert "Finished server process" in printed
    assert wake_ups <= 3  # uvicorn's own loop: about 20 (a little room for a slow host's last events)


def test_the_idle_workers_of_gateway_serve_wake_for_nothing_either(tmp_path: Path) -> None:
    """uvicorn's supervisor makes each worker's server itself: uvicorn's own, tick included (20
    wake-ups in 2 s each, on the code before). Its health checks, twice a second, are answered by
    a thread of the worker's own, not by its event loop."""
    wake_ups, printed = _idle_wake_ups(tmp_path, "--workers", "2")
    assert len(wake_ups) == 2
    assert printed.count("Finished server process") == 2
    assert all(count <= 3 for count in wake_ups), wake_ups


def _started(config: uvicorn.Config) -> tuple[Server, threading.Thread]:
    """The gateway's server for ``config``, running in a thread of its own, once it has started."""
    server = Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        assert thread.is_alive()
        time.sleep(0.01)
    return server, thread


def test_setting_should_exit_from_another_thread_stops_the_server_at_once() -> None:
    """What `gateway serve`'s signal handler does (uvicorn's `handle_exit` sets it), and the tests'
    servers: with no tick to look at it, setting it must wake the loop itself."""
    server, thread = _started(uvicorn.Config(Starlette(), port=0, log_level="warning", lifespan="off"))
    time.sleep(0.3)  # asleep in its main loop
    server.should_exit = True
    thread.join(timeout=5)
    assert not thread.is_alive()  # with the wake-up lost, it would sleep for good


def _answers_dates(url: str) -> tuple[float, float, float]:
    """The time just before a request, the second its answer's `Date` names, and the time just after."""
    before = time.time()
    answer = httpx.get(f"{url}/")
    after = time.time()
    return before, parsedate_to_datetime(answer.headers["date"]).timestamp(), after


def test_an_answer_is_dated_with_the_second_it_is_made_in() -> None:
    """uvicorn's tick rewrote the date once a second, at its own pace: an answer could carry the
    second before. The gateway's dates each answer when it is made."""

    async def hello(request: Request) -> PlainTextResponse:
        return PlainTextResponse("hello")

    with serve(Starlette(routes=[Route("/", hello)])) as url:
        before, dated, after = _answers_dates(url)
        assert int(before) <= dated <= after
        assert httpx.get(f"{url}/").headers["server"] == "uvicorn"  # the configured headers follow, as before
        time.sleep(1.02 - time.time() % 1)  # into the next second
        before, later, after = _answers_dates(url)
        assert later > dated
        assert int(before) <= later <= after
        host, port = url.removeprefix("http://").split(":")
        with socket.create_connection((host, int(port)), timeout=10) as connection:  # a refusal's head
            connection.sendall(b"GET /" + b"a" * MAX_URL_BYTES + b" HTTP/1.1\r\nHost: gateway\r\n\r\n")
            head = connection.recv(65536).split(b"\r\n\r\n")[0].decode()
        assert head.startswith("HTTP/1.1 414 ")
        refused = parsedate_to_datetime(head.split("\r\ndate: ", 1)[1].split("\r\n")[0]).timestamp()
        assert later <= refused <= time.time()


def test_with_limit_max_requests_uvicorns_loop_runs_and_stops_after_them() -> None:
    """uvicorn's `limit_max_requests` is counted in its tick: with it set, the gateway's server
    keeps uvicorn's loop (the gateway does not set it)."""
    config = uvicorn.Config(Starlette(), port=0, log_level="warning", lifespan="off", limit_max_requests=2)
    server, thread = _started(config)
    port = server.servers[0].sockets[0].getsockname()[1]
    for _ in range(2):
        assert httpx.get(f"http://127.0.0.1:{port}/", headers={"Connection": "close"}).status_code == 404
    thread.join(timeout=5)
    assert not thread.is_alive()
