"""Real frontends' pagers over a conversation's items: Apollo Client 4's normalized cache with
`relayStylePagination`, and urql's Graphcache with `relayPagination`.

Each merges pages by their cursors and `pageInfo`: a cursor or a `hasNextPage`/`hasPreviousPage`
that is off shows in the cache as a gap, a repeat or a pager that never stops.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import httpx

from tests.live import gateway_process

HERE = Path(__file__).resolve().parent
TEXTS = [f"m{number:02}" for number in range(1, 13)]
CREATE = """mutation Create($items: [ConversationItemInput!]!) {
  createConversation(input: {items: $items}) { conversation { conversationId } }
}"""


def _paged(tmp_path: Path, script: str) -> dict[str, Any]:
    """What the client run by ``script`` (in this folder) gave back, paging a conversation of the
    twelve messages `TEXTS` both ways against a live `gateway serve`."""
    node = shutil.which("node")
    assert node is not None, "node runs the client (make test installs its packages)"
    with gateway_process("serve", "--database", str(tmp_path / "paging.sqlite3")) as url:
        items = [{"message": {"role": "USER", "text": text}} for text in TEXTS]
        created = httpx.post(f"{url}/graphql", json={"query": CREATE, "variables": {"items": items}}).json()
        conversation_id = created["data"]["createConversation"]["conversation"]["conversationId"]
        command = [node, str(HERE / script), f"{url}/graphql", conversation_id]
        ran = subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)
    assert ran.returncode == 0, ran.stderr
    paged: dict[str, Any] = json.loads(ran.stdout)
    return paged


def _merged_both_ways(paged: dict[str, Any]) -> None:
    # Pages of 5 from the start, each merged after the ones before.
    assert paged["forwards"]["pages"] == [TEXTS[:5], TEXTS[:10], TEXTS]
    # Pages of 5 from the end, each merged before the ones after.
    assert paged["backwards"]["pages"] == [TEXTS[7:], TEXTS[2:], TEXTS]
    for direction in ("forwards", "backwards"):
        page_info = paged[direction]["pageInfo"]
        assert (page_info["hasNextPage"], page_info["hasPreviousPage"]) == (False, False)


def test_apollo_clients_cache_pages_a_conversation_forwards_and_backwards(tmp_path: Path) -> None:
    _merged_both_ways(_paged(tmp_path, "paging.mjs"))


def test_urqls_graphcache_pages_a_conversation_forwards_and_backwards(tmp_path: Path) -> None:
    """urql's normalized cache with `relayPagination`, the other common frontend pager: it answers
    each page's query with every page fetched so far, merged by cursors and `pageInfo`."""
    paged = _paged(tmp_path, "graphcache.mjs")
    _merged_both_ways(paged)
    for direction in ("forwards", "backwards"):
        assert paged[direction]["warnings"] == []  # no key, type or field Graphcache could not place
