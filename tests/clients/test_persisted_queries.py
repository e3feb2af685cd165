"""Frontend clients with automatic persisted queries on (Apollo Client 4, urql), real ones, against `gateway serve`.

Such a client first sends a query's SHA-256 hash without its document. The gateway keeps no
documents by hash: it answers as a server without persisted queries does
(`PersistedQueryNotSupported`), and the client sends the document and hashes no more. Answered
anything else (Strawberry's "No GraphQL query found in the request"), both clients failed every
query: Apollo Client 4 and urql fall back only on that message or its code.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import httpx
import pytest

from tests.live import gateway_process

HERE = Path(__file__).resolve().parent
HASH_ONLY = {"method": "POST", "query": False, "hash": True, "status": 400}
WHOLE = {"method": "POST", "query": True, "hash": False, "status": 200}


def test_apollo_client_and_urql_with_persisted_queries_send_the_document_and_get_their_data(tmp_path: Path) -> None:
    node = shutil.which("node")
    assert node is not None, "node runs the clients (make test installs their packages)"
    installed = (HERE / "node_modules" / "@apollo" / "client").is_dir()
    assert installed, "run `npm ci --prefix tests/clients` (make test does)"
    with gateway_process("serve", "--database", str(tmp_path / "clients.sqlite3")) as url:
        command = [node, str(HERE / "persisted.mjs"), f"{url}/graphql"]
        ran = subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)
    assert ran.returncode == 0, ran.stderr
    clients = json.loads(ran.stdout)
    expected = [{"data": {"__typename": "Query"}}] * 2
    assert clients["apollo"]["answers"] == expected
    # The hash alone, refused; the document; then the document alone (the link hashes no more).
    assert clients["apollo"]["requests"] == [HASH_ONLY, WHOLE, WHOLE]
    assert clients["urql"]["answers"] == expected
    # urql sends a query's requests with GET.
    get = [{**request, "method": "GET"} for request in (HASH_ONLY, WHOLE, WHOLE)]
    assert clients["urql"]["requests"] == get


@pytest.mark.parametrize("accept", ["*/*", "application/graphql-response+json"])
def test_a_hash_without_its_document_is_refused_as_persisted_queries_not_supported(accept: str, tmp_path: Path) -> None:
    """Over GET too, where a browser's request (no `query`, `Accept: */*`) gets GraphiQL's page:
    a GET with `extensions` is a GraphQL request."""
    extensions = {"persistedQuery": {"version": 1, "sha256Hash": "ab" * 32}}
    not_supported = {"message": "PersistedQueryNotSupported", "extensions": {"code": "PERSISTED_QUERY_NOT_SUPPORTED"}}
    with gateway_process("serve", "--database", str(tmp_path / "hash.sqlite3")) as url:
        posted = httpx.post(f"{url}/graphql", json={"extensions": extensions}, headers={"Accept": accept})
        got = httpx.get(f"{url}/graphql", params={"extensions": json.dumps(extensions)}, headers={"Accept": accept})
        page = httpx.get(f"{url}/graphql", headers={"Accept": "text/html"})
        no_document = httpx.post(f"{url}/graphql", json={"variables": {}}, headers={"Accept": accept})
    for answer in (posted, got):
        assert answer.status_code == 400
        assert answer.json() == {"errors": [not_supported]}
    assert page.status_code == 200
    assert "graphiql" in page.text.lower()
    assert no_document.status_code == 400
    assert no_document.json()["errors"] == [
        {
            "message": "The request has no GraphQL document: send it as the `query` member of a JSON body (POST), "
            "or as the `query` parameter (GET).",
            "extensions": {"code": "BAD_REQUEST"},
        }
    ]
