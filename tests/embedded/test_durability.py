"""Killing the server with SIGKILL in the middle of a write burst loses no write it had answered."""

from __future__ import annotations

import asyncio
import contextlib
import signal
import sqlite3
import subprocess
import time
from pathlib import Path

import httpx

from tests.live import GATEWAY, free_port

WRITERS = 20


async def test_no_answered_write_is_lost_on_sigkill(tmp_path: Path) -> None:
    database = tmp_path / "killed.sqlite3"
    port = free_port()
    process = await asyncio.create_subprocess_exec(
        str(GATEWAY), "serve-api", "--port", str(port), "--database", str(database), stderr=subprocess.DEVNULL
    )
    enough = asyncio.Event()
    base = f"http://127.0.0.1:{port}/v1"
    answered: list[str] = []
    try:
        async with httpx.AsyncClient(base_url=base, timeout=5, limits=httpx.Limits(max_connections=WRITERS)) as client:
            deadline = time.monotonic() + 15
            while True:
                with contextlib.suppress(httpx.TransportError):
                    if (await client.get("/conversations/conv_none")).status_code == 404:
                        break
                assert time.monotonic() < deadline, "serve-api did not start"
                await asyncio.sleep(0.05)
            conversation_id = (await client.post("/conversations", json={})).json()["id"]

            async def write(writer: int) -> None:
                for number in range(10_000):
                    try:
                        response = await client.post(
                            f"/conversations/{conversation_id}/items",
                            json={"items": [{"role": "user", "content": f"writer {writer} message {number}"}]},
                        )
                    except httpx.TransportError:
                        return  # the server is gone
                    assert response.status_code == 200
                    answered.append(response.json()["data"][0]["id"])
                    if len(answered) >= 200:
                        enough.set()

            async def kill() -> None:
                await enough.wait()
                process.send_signal(signal.SIGKILL)

            await asyncio.gather(kill(), *(write(writer) for writer in range(WRITERS)))
    finally:
        if process.returncode is None:
            process.kill()
        await process.wait()
    assert process.returncode == -signal.SIGKILL
    with sqlite3.connect(database) as connection:
        stored = {
            row[0]
            for row in connection.execute("SELECT item_id FROM items WHERE conversation_id = ?", (conversation_id,))
        }
    assert len(answered) >= 200
    assert set(answered) <= stored
