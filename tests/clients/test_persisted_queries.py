"""Frontend clients with automatic persisted queries on (Apollo Client 4, urql), real ones, against `gateway serve`.

Such a client first sends a query's SHA-256 hash without its document. The gateway keeps documents
by hash: the first time, it answers `PersistedQueryNotFound`, the client sends the document with
its hash, and from then on the hash alone. With `GATEWAY_PERSISTED_QUERIES=false` it answers as a
server without persisted queries does (`PersistedQueryNotSupported`), and the client sends the
document and hashes no more. Answered anything else (Strawberry's "No GraphQL query found in the
request"), both clients failed every query: they fall back only on those messages or their codes.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.live import gateway_process

HERE = Path(__file__).resolve().parent


def _request(method: str, *, query: bool, hash_: bool, status: int) -> dict[str, Any]:
    return {"method": method, "query": query, "hash": hash_, "status": status}


def _clients(url: str) -> dict[str, Any]:
    node = shutil.which("node")
    assert node is not None, "node runs the clients (make test installs their packages)"
    installed = (HERE / "node_modules" / "@apollo" / "client").is_dir()
    assert installed, "run `npm ci --prefix tests/clients` (make test does)"
    ran = subprocess.run(
        [node, str(HERE / "persisted.mjs"), f"{url}/graphql"], capture_output=True, text=True, timeout=120, check=False
    )
    assert ran.returncode == 0, ran.stderr
    clients: dict[str, Any] = json.loads(ran.stdout)
    expected = [{"data": {"__typename": "Query"}}] * 2
    for name in ("apollo", "apolloGet", "urql"):
        assert clients[name]["answers"] == expected, name
    return clients


def test_apollo_client_and_urql_send_a_document_once_then_its_hash_alone(tmp_path: Path) -> None:
    with gateway_process("serve", "--database", str(tmp_path / "clients.sqlite3")) as url:
        clients = _clients(url)
    # Not found (400: both clients prefer application/graphql-response+json), the document with
    # its hash, then the hash alone, answered.
    assert clients["apollo"]["requests"] == [
        _request("POST", query=False, hash_=True, status=400),
        _request("POST", query=True, hash_=True, status=200),
        _request("POST", query=False, hash_=True, status=200),
    ]
    # With `useGETForHashedQueries`, the hash alone goes by GET, and the document by POST.
    assert clients["apolloGet"]["requests"] == [
        _request("GET", query=False, hash_=True, status=400),
        _request("POST", query=True, hash_=True, status=200),
        _request("GET", query=False, hash_=True, status=200),
    ]
    # urql sends a query's requests with GET.
    assert clients["urql"]["requests"] == [
        _request("GET", query=False, hash_=True, status=400),
        _request("GET", query=True, hash_=True, status=200),
        _request("GET", query=False, hash_=True, status=200),
    ]


def test_with_persisted_queries_off_the_clients_send_whole_documents(tmp_path: Path) -> None:
    env = {"GATEWAY_PERSISTED_QUERIES": "false"}
    with gateway_process("serve", "--database", str(tmp_path / "clients.sqlite3"), env=env) as url:
        clients = _clients(url)
    # The hash alone, refused; the document; then the document alone (the link hashes no more).
    for name, method in (("apollo", "POST"), ("apolloGet", "GET"), ("urql", "GET")):
        whole = "GET" if name == "urql" else "POST"
        assert clients[name]["requests"] == [
            _request(method, query=False, hash_=True, status=400),
            _request(whole, query=True, hash_=False, status=200),
            _request(whole, query=True, hash_=False, status=200),
        ], name


@pytest.mark.parametrize("accept", ["*/*", "application/graphql-response+json"])
def test_with_persisted_queries_off_a_hash_alone_is_not_supported(accept: str, tmp_path: Path) -> None:
    """Over GET too, where a browser's request (no `query`, `Accept: */*`) gets GraphiQL's page:
    a GET with `extensions` is a GraphQL request."""
    extensions = {"persistedQuery": {"version": 1, "sha256Hash": "ab" * 32}}
    not_supported = {"message": "PersistedQueryNotSupported", "extensions": {"code": "PERSISTED_QUERY_NOT_SUPPORTED"}}
    env = {"GATEWAY_PERSISTED_QUERIES": "false"}
    with gateway_process("serve", "--database", str(tmp_path / "hash.sqlite3"), env=env) as url:
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


def _node(*arguments: str) -> str:
    node = shutil.which("node")
    assert node is not None, "node runs the clients (make test installs their packages)"
    ran = subprocess.run(
        [node, str(HERE / "manifest.mjs"), *arguments], capture_output=True, text=True, timeout=120, check=False
    )
    assert ran.returncode == 0, ran.stderr
    return ran.stdout


def test_apollos_persisted_query_list_tools_work_with_a_safelisted_gateway(tmp_path: Path) -> None:
    """Apollo's own tools: @apollo/generate-persisted-query-manifest writes the manifest of the
    example operations, as a frontend's build would; a gateway started with it as a safelist runs
    what Apollo Client sends through @apollo/persisted-query-lists' link, each operation as its id
    in the manifest and no document, at the first request."""
    manifest_path = tmp_path / "persisted-query-manifest.json"
    _node("generate", str(manifest_path))
    manifest = json.loads(manifest_path.read_text())
    assert manifest["format"] == "apollo-persisted-query-manifest"
    assert len(manifest["operations"]) == 9
    env = {"GATEWAY_PERSISTED_DOCUMENTS": str(manifest_path), "GATEWAY_PERSISTED_DOCUMENTS_ONLY": "true"}
    with gateway_process("serve", "--demo", "--database", str(tmp_path / "list.sqlite3"), env=env) as url:
        ran = json.loads(_node("run", f"{url}/graphql", str(manifest_path), "conv_demo_weather"))
        refused = httpx.post(f"{url}/graphql", json={"query": "query Nope { __typename }"})
    assert ran["sent"] == 1
    assert ran["loaded"][-1] == "By its id."
    assert ran["requests"] == [
        {"method": "POST", "query": False, "hash": ran["ids"]["SendMessage"], "status": 200},
        {"method": "POST", "query": False, "hash": ran["ids"]["LoadConversation"], "status": 200},
    ]
    assert refused.json()["errors"][0]["extensions"]["code"] == "QUERY_NOT_IN_SAFELIST"
