"""How long a 20-item page takes at the start, middle and end of 1,000- and 200,000-item conversations.

Fills two conversations through the store (bulk inserts; the REST API would take 20 at a time),
then asks the built-in REST API for pages over ASGI (the whole HTTP stack, no socket) and prints
the median of many requests at each position. Keyset pagination should make every figure about
the same. Runs in about a minute; writes nothing outside a temporary folder.

    .venv/bin/python bench/storage_pages.py [--sizes 1000 200000] [--repeat 200]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

from gateway.app import create_app
from gateway.embedded.canonical import new_id
from gateway.embedded.store import ConversationStore
from gateway.settings import Settings

BATCH = 5_000


def _message(number: int) -> dict[str, Any]:
    text = f"message number {number}: " + "lorem ipsum " * 8
    return {
        "type": "message",
        "id": new_id("msg"),
        "status": "completed",
        "role": "user",
        "content": [{"type": "input_text", "text": text}],
    }


async def _fill(store: ConversationStore, size: int) -> tuple[str, list[str]]:
    conversation_id = new_id("conv")
    await store.create_conversation("", conversation_id, None, [])
    ids: list[str] = []
    for start in range(0, size, BATCH):
        batch = [_message(number) for number in range(start, min(start + BATCH, size))]
        await store.add_items("", conversation_id, batch)
        ids += [item["id"] for item in batch]
    return conversation_id, ids


async def _median_ms(client: httpx.AsyncClient, url: str, params: dict[str, Any], repeat: int) -> float:
    timings = []
    for _ in range(repeat):
        started = time.perf_counter()
        response = await client.get(url, params=params)
        timings.append(time.perf_counter() - started)
        assert response.status_code == 200
        assert len(response.json()["data"]) == 20
    return statistics.median(timings) * 1000


async def main(sizes: list[int], repeat: int) -> None:
    with tempfile.TemporaryDirectory() as folder:
        settings = Settings(database=Path(folder) / "bench.sqlite3")
        filler = ConversationStore(settings.database)
        await filler.open()
        filled = {}
        for size in sizes:
            started = time.perf_counter()
            filled[size] = await _fill(filler, size)
            print(f"filled {size:>7} items in {time.perf_counter() - started:.1f} s")
        await filler.close()

        app = create_app(settings)
        async with app.router.lifespan_context(app):
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://bench/v1") as client:
                print(f"\nmedian of {repeat} requests for a 20-item page, ms (GET .../items?limit=20&after=...)")
                print(f"{'items':>8} {'order':>5} {'start':>7} {'middle':>7} {'end':>7}")
                for size, (conversation_id, ids) in filled.items():
                    url = f"/conversations/{conversation_id}/items"
                    for order in ("asc", "desc"):
                        sequence = ids if order == "asc" else ids[::-1]
                        row = []
                        for cursor in (None, sequence[size // 2], sequence[-21]):
                            params: dict[str, Any] = {"limit": 20, "order": order}
                            if cursor is not None:
                                params["after"] = cursor
                            row.append(await _median_ms(client, url, params, repeat))
                        print(f"{size:>8} {order:>5} " + " ".join(f"{value:>7.3f}" for value in row))


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1_000, 200_000])
    parser.add_argument("--repeat", type=int, default=200)
    arguments = parser.parse_args()
    asyncio.run(main(arguments.sizes, arguments.repeat))
