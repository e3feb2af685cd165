"""Persisted documents from a manifest (`GATEWAY_PERSISTED_DOCUMENTS`): documents run by their id
(`documentId`, the GraphQL-over-HTTP specification's appendix) or by a persisted query's hash, and,
with `GATEWAY_PERSISTED_DOCUMENTS_ONLY`, no other document at all (a safelist)."""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

import httpx
import pytest
from graphql import parse

from gateway import persisted
from gateway.app import schema_for
from gateway.persisted import PersistedDocuments, load_persisted_documents, sha256_hex
from gateway.schema.errors import document_coded
from gateway.settings import Settings
from tests.conftest import Gateway

KEY = {"Authorization": "Bearer sk-test"}
JSON = "application/json"
GRAPHQL_RESPONSE = "application/graphql-response+json"
READ = "query Read($id: ID!) { conversation(id: $id) { conversationId metadata { key value } } }"
WRITE = 'mutation Write { createConversation(input: {metadata: [{key: "by", value: "id"}]}) { conversation { id } } }'
TYPENAME = "{ __typename }"
NO_CACHE = "private, no-cache, must-revalidate"


def _codegen_manifest(tmp_path: Path, *documents: str) -> Path:
    """As GraphQL Code Generator's client preset writes it: documents by `sha256:` ids."""
    path = tmp_path / "persisted-documents.json"
    path.write_text(json.dumps({f"sha256:{sha256_hex(document)}": document for document in documents}))
    return path


def _hashed(query: str) -> dict[str, Any]:
    return {"persistedQuery": {"version": 1, "sha256Hash": sha256_hex(query)}}


async def _post(http: httpx.AsyncClient, body: dict[str, Any], accept: str = JSON) -> httpx.Response:
    return await http.post("/graphql", json=body, headers={**KEY, "Accept": accept})


async def _get(http: httpx.AsyncClient, params: dict[str, Any], accept: str = JSON) -> httpx.Response:
    encoded = {name: value if isinstance(value, str) else json.dumps(value) for name, value in params.items()}
    return await http.get("/graphql", params=encoded, headers={**KEY, "Accept": accept})


async def _conversation(http: httpx.AsyncClient) -> str:
    created = await http.post("/v1/conversations", json={"metadata": {"n": "1"}}, headers=KEY)
    conversation_id: str = created.json()["id"]
    return conversation_id


def _read(conversation_id: str) -> dict[str, Any]:
    return {"data": {"conversation": {"conversationId": conversation_id, "metadata": [{"key": "n", "value": "1"}]}}}


async def test_a_manifests_document_runs_by_its_id_by_post_and_get(gateway: Gateway, tmp_path: Path) -> None:
    graphql, upstream = await gateway(persisted_documents=_codegen_manifest(tmp_path, READ, WRITE))
    http = graphql.http
    conversation_id = await _conversation(http)
    document_id = f"sha256:{sha256_hex(READ)}"
    variables = {"id": conversation_id}

    posted = await _post(http, {"documentId": document_id, "variables": variables})
    got = await _get(http, {"documentId": document_id, "variables": variables})
    named = await _post(http, {"documentId": document_id, "variables": variables, "operationName": "Read"})
    unnamed = await _get(http, {"documentId": document_id, "variables": variables, "operationName": ""})
    whole = await _post(http, {"query": READ, "variables": variables})  # not a safelist: any document runs
    other = await _post(http, {"query": TYPENAME})

    for answer in (posted, got, named, unnamed, whole):
        assert answer.status_code == 200
        assert answer.json() == _read(conversation_id)
    assert other.json() == {"data": {"__typename": "Query"}}
    assert upstream.count == 5  # one call each, as the document sent whole


async def test_a_manifests_document_runs_by_a_persisted_querys_hash_at_once(gateway: Gateway, tmp_path: Path) -> None:
    """A worker needs no first request with the document: the manifest is read at start. By the
    hash of its text (what Apollo Client's link sends), with or without the `sha256:` of the
    manifest's id, or by the manifest's id of another form."""
    apollo = tmp_path / "persisted-query-manifest.json"
    apollo.write_text(
        json.dumps(
            {
                "format": "apollo-persisted-query-manifest",
                "version": 1,
                "operations": [{"id": "read-v1", "name": "Read", "type": "query", "body": READ}],
            }
        )
    )
    graphql, _ = await gateway(persisted_documents=apollo)
    http = graphql.http
    conversation_id = await _conversation(http)
    variables = {"id": conversation_id}
    for extensions in (
        _hashed(READ),
        {"persistedQuery": {"version": 1, "sha256Hash": f"sha256:{sha256_hex(READ)}"}},
        {"persistedQuery": {"version": 1, "sha256Hash": "read-v1"}},
    ):
        assert (await _post(http, {"extensions": extensions, "variables": variables})).json() == _read(conversation_id)
        assert (await _get(http, {"extensions": extensions, "variables": variables})).json() == _read(conversation_id)
    by_id = await _post(http, {"documentId": "read-v1", "variables": variables})
    assert by_id.json() == _read(conversation_id)


@pytest.mark.parametrize(("accept", "status"), [(JSON, 200), (GRAPHQL_RESPONSE, 400)])
async def test_an_unknown_id_is_not_found_and_nothing_runs(
    accept: str, status: int, gateway: Gateway, tmp_path: Path
) -> None:
    graphql, upstream = await gateway(persisted_documents=_codegen_manifest(tmp_path, READ))
    unknown = f"sha256:{sha256_hex(TYPENAME)}"
    message = (
        f"No persisted document has the id '{unknown}': it is not in the gateway's manifest "
        "(GATEWAY_PERSISTED_DOCUMENTS). Restart the gateway with a manifest generated from the client's "
        "operations, or send the document's text in `query`."
    )
    body = {"errors": [{"message": message, "extensions": {"code": "PERSISTED_DOCUMENT_NOT_FOUND"}}]}
    for answer in (
        await _post(graphql.http, {"documentId": unknown}, accept),
        await _get(graphql.http, {"documentId": unknown}, accept),
    ):
        assert answer.status_code == status
        assert answer.headers["cache-control"] == NO_CACHE
        assert answer.json() == body | ({"data": None} if accept == JSON else {})
    assert upstream.count == 0


async def test_without_a_manifest_an_id_finds_a_document_kept_by_hash(gateway: Gateway) -> None:
    """The specification's `sha256:` id names the same document as a persisted query's hash."""
    graphql, _ = await gateway()
    document_id = f"sha256:{sha256_hex(TYPENAME)}"
    before = await _post(graphql.http, {"documentId": document_id})
    assert before.json()["errors"][0]["extensions"]["code"] == "PERSISTED_DOCUMENT_NOT_FOUND"
    assert "without a manifest" in before.json()["errors"][0]["message"]
    await _post(graphql.http, {"query": TYPENAME, "extensions": _hashed(TYPENAME)})
    after = await _post(graphql.http, {"documentId": document_id})
    assert after.json() == {"data": {"__typename": "Query"}}


async def test_a_mutation_by_id_over_get_is_refused_and_writes_nothing(gateway: Gateway, tmp_path: Path) -> None:
    graphql, upstream = await gateway(persisted_documents=_codegen_manifest(tmp_path, WRITE))
    document_id = f"sha256:{sha256_hex(WRITE)}"
    for params in ({"documentId": document_id}, {"extensions": _hashed(WRITE)}):
        refused = await _get(graphql.http, params)
        assert refused.status_code == 405
        assert refused.headers["allow"] == "POST"
        assert refused.json()["errors"][0]["extensions"]["code"] == "METHOD_NOT_ALLOWED"
    assert upstream.count == 0
    written = await _post(graphql.http, {"documentId": document_id})
    assert written.json()["data"]["createConversation"]["conversation"]["id"]


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (
            {"documentId": f"sha256:{sha256_hex(TYPENAME)}", "query": TYPENAME},
            "Send a document's text in `query` or its id in `documentId`, not both: the gateway runs one document.",
        ),
        (
            {"documentId": f"sha256:{sha256_hex(TYPENAME)}", "extensions": _hashed(TYPENAME)},
            "Name the document by `documentId` or by a persisted query's hash in `extensions`, not both.",
        ),
        ({"documentId": ""}, "The `documentId` must be a persisted document's id: a string, not empty."),
        ({"documentId": 7}, "The `documentId` must be a persisted document's id: a string, not empty."),
        (
            {"documentId": "x", "variables": [1]},
            "The `variables` and `extensions` of a GraphQL request must be JSON objects.",
        ),
        ({"documentId": "x", "operationName": 1}, "The `operationName` of a GraphQL request must be a string."),
        (  # a member too many: Strawberry's view gets it, and refuses it the same way
            {"documentId": "x", "id": "y"},
            "A persisted document request has a `documentId` (a string) and may have `operationName` (a string), "
            "`variables` and `extensions` (JSON objects), and nothing else.",
        ),
    ],
)
async def test_a_malformed_persisted_document_request_is_a_bad_request(
    body: dict[str, Any], message: str, gateway: Gateway, tmp_path: Path
) -> None:
    graphql, upstream = await gateway(persisted_documents=_codegen_manifest(tmp_path, TYPENAME))
    refused = await _post(graphql.http, body)
    assert refused.status_code == 400
    assert refused.json() == {"errors": [{"message": message, "extensions": {"code": "BAD_REQUEST"}}]}
    if "id" not in body and all(isinstance(value, str | dict | list) for value in body.values()):  # a GET's are text
        got = await _get(graphql.http, body)
        assert got.status_code == 400
        assert got.json()["errors"][0]["extensions"]["code"] == "BAD_REQUEST"
    assert upstream.count == 0


async def test_a_get_by_id_is_not_answered_with_graphiql(gateway: Gateway, tmp_path: Path) -> None:
    graphql, _ = await gateway(persisted_documents=_codegen_manifest(tmp_path, TYPENAME))
    answer = await graphql.http.get(
        "/graphql", params={"documentId": f"sha256:{sha256_hex(TYPENAME)}"}, headers={"Accept": "text/html,*/*"}
    )
    assert answer.json() == {"data": {"__typename": "Query"}}


@pytest.mark.parametrize(("accept", "status"), [(JSON, 200), (GRAPHQL_RESPONSE, 400)])
async def test_only_the_manifests_documents_run_when_it_is_a_safelist(
    accept: str, status: int, gateway: Gateway, tmp_path: Path
) -> None:
    graphql, upstream = await gateway(
        persisted_documents=_codegen_manifest(tmp_path, READ), persisted_documents_only=True
    )
    http = graphql.http
    conversation_id = await _conversation(http)
    variables = {"id": conversation_id}
    by_id = await _post(http, {"documentId": f"sha256:{sha256_hex(READ)}", "variables": variables}, accept)
    by_hash = await _get(http, {"extensions": _hashed(READ), "variables": variables}, accept)
    by_text = await _post(http, {"query": READ, "variables": variables}, accept)  # exactly the manifest's text
    # The same document spaced and commented otherwise, by GET and POST (as Apollo Router's safelist has it).
    spaced = "# the client's own text\n" + READ.replace("{ ", "{\n  ").replace("(id: $id)", "( id : $id )")
    by_spaced_text = await _get(http, {"query": spaced, "variables": variables}, accept)
    spaced_again = await _post(http, {"query": spaced, "variables": variables}, accept)
    for answer in (by_id, by_hash, by_text, by_spaced_text, spaced_again):
        assert answer.json() == _read(conversation_id)
    assert upstream.count == 5

    refusals = {
        "QUERY_NOT_IN_SAFELIST": [
            await _post(http, {"query": TYPENAME}, accept),
            # The same fields in another order: another document.
            await _get(
                http,
                {
                    "query": READ.replace(
                        "conversationId metadata { key value }", "metadata { key value } conversationId"
                    ),
                    "variables": variables,
                },
                accept,
            ),
            await _post(http, {"query": TYPENAME, "extensions": _hashed(TYPENAME)}, accept),  # and not kept
            await _post(http, {"query": "{ __schema { types { name } } }"}, accept),  # GraphiQL's too
        ],
        "PERSISTED_QUERY_NOT_IN_LIST": [
            await _post(http, {"extensions": _hashed(TYPENAME)}, accept),
            await _get(http, {"extensions": _hashed(TYPENAME)}, accept),
            # A manifest's ids may be of any form (Apollo's `createOperationId`): not a bad request.
            await _post(http, {"extensions": {"persistedQuery": {"version": 1, "sha256Hash": "read-v2"}}}, accept),
        ],
        "PERSISTED_DOCUMENT_NOT_FOUND": [await _post(http, {"documentId": f"sha256:{sha256_hex(TYPENAME)}"}, accept)],
    }
    for code, answers in refusals.items():
        for answer in answers:
            assert answer.status_code == status, code
            assert answer.headers["cache-control"] == NO_CACHE
            body = answer.json()
            assert body.get("data", None) is None
            assert [error["extensions"]["code"] for error in body["errors"]] == [code]
    assert refusals["QUERY_NOT_IN_SAFELIST"][0].json()["errors"][0]["message"] == (
        "The gateway runs only the documents of its manifest (GATEWAY_PERSISTED_DOCUMENTS_ONLY), and this document "
        "is not one of them: send one of the manifest's documents (spacing, comments and the order of its "
        "definitions may differ, not its fields), or its id (`documentId`). A new operation needs a new manifest, "
        "generated from the client's operations."
    )
    assert refusals["PERSISTED_QUERY_NOT_IN_LIST"][0].json()["errors"][0]["message"] == (
        f"The persisted query's hash '{sha256_hex(TYPENAME)}' names no document of the gateway's manifest, and the "
        "gateway runs only those (GATEWAY_PERSISTED_DOCUMENTS_ONLY): the client's operation is not in the manifest "
        "the gateway was started with."
    )
    not_found = refusals["PERSISTED_DOCUMENT_NOT_FOUND"][0].json()["errors"][0]["message"]
    assert "send the document's text" not in not_found  # it would be refused
    assert upstream.count == 5


async def test_a_safelist_refuses_a_get_that_is_not_its_own_before_looking_for_a_mutation(
    gateway: Gateway, tmp_path: Path
) -> None:
    """Any GET's query is looked at for a mutation (405) before it runs; with a safelist, only the
    manifest's documents: another is refused as not the manifest's, a mutation's text among them."""
    graphql, upstream = await gateway(
        persisted_documents=_codegen_manifest(tmp_path, WRITE), persisted_documents_only=True
    )
    other = WRITE.replace("{ id }", "{ id createdAt }")
    refused = await _get(graphql.http, {"query": other})
    assert refused.status_code == 200
    assert refused.json()["errors"][0]["extensions"]["code"] == "QUERY_NOT_IN_SAFELIST"
    for text in (WRITE, WRITE.replace("{ id }", "{id}")):
        not_allowed = await _get(graphql.http, {"query": text})
        assert not_allowed.status_code == 405
    assert upstream.count == 0


def test_a_safelist_matches_a_document_spaced_commented_or_ordered_otherwise_and_nothing_else() -> None:
    document = "query Read($id: ID!) { conversation(id: $id) { ...Head items { nodes { ...Item } } } }"
    fragments = "fragment Head on Conversation { id createdAt } fragment Item on ConversationItem { __typename }"
    documents = PersistedDocuments({"a": f"{document} {fragments}", "b": "query Other { __typename }"})
    reordered = (
        "# the fragments first, as a client may put them\n"
        "fragment Item on ConversationItem{__typename}\n"
        "fragment Head on Conversation { id, createdAt }\n"
        "query Read ( $id : ID! ) {\n  conversation(id: $id) { ...Head items { nodes { ...Item } } }\n}\n"
    )
    assert documents.trusts(reordered)
    assert documents.trusts(reordered)  # again, from the texts kept
    assert not documents.trusts(document.replace("...Head items", "items") + " " + fragments)  # another selection
    assert not documents.trusts(document)  # its fragments missing
    assert not documents.trusts("{ __typename }")  # anonymous: the manifest's exact text only
    assert not documents.trusts("query Read { __typename }")  # a name is not a document
    assert not documents.trusts("query Read(")  # does not parse
    # Past four times the longest document and 4 KiB, a text is not parsed: not even this one.
    padding = " " * (documents.longest_variant - len(reordered) + 1)
    assert documents.trusts(reordered + padding[:-1])
    assert not documents.trusts(reordered + padding)


async def test_a_safelists_hash_sent_with_the_wrong_document_is_a_bad_request(gateway: Gateway, tmp_path: Path) -> None:
    graphql, upstream = await gateway(
        persisted_documents=_codegen_manifest(tmp_path, TYPENAME), persisted_documents_only=True
    )
    refused = await _post(graphql.http, {"query": TYPENAME, "extensions": _hashed(READ)})
    assert refused.status_code == 400
    assert refused.json()["errors"][0]["extensions"]["code"] == "BAD_REQUEST"
    assert upstream.count == 0


def test_both_manifest_formats_find_each_document_by_id_and_by_hash(tmp_path: Path) -> None:
    codegen = load_persisted_documents(_codegen_manifest(tmp_path, READ, WRITE))
    apollo_path = tmp_path / "apollo.json"
    apollo_path.write_text(
        json.dumps(
            {
                "format": "apollo-persisted-query-manifest",
                "version": 1,
                "operations": [
                    {"id": sha256_hex(READ), "name": "Read", "type": "query", "body": READ},
                    {"id": "w", "name": "Write", "type": "mutation", "body": WRITE},
                    {"id": "w", "name": "Write", "type": "mutation", "body": WRITE, "clientName": "web"},
                ],
            }
        )
    )
    apollo = load_persisted_documents(apollo_path)
    assert len(codegen) == len(apollo) == 2
    for documents in (codegen, apollo):
        assert documents.get(f"sha256:{sha256_hex(READ)}") == READ
        assert documents.get_by_hash(sha256_hex(WRITE).upper()) == WRITE
        assert documents.get(sha256_hex(TYPENAME)) is None
        assert documents.trusts(READ)
        assert documents.trusts(READ + " ")
        assert not documents.trusts(TYPENAME)
    assert apollo.get("w") == apollo.get_by_hash("w") == WRITE
    assert apollo.get(sha256_hex(READ)) == READ


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("nope", "is not JSON"),
        ("[" * 100_000, "is not JSON: depth limit exceeded"),  # no RecursionError from the standard library
        ("[]", "a manifest is GraphQL Code Generator's persisted-documents.json"),
        ("{}", "holds no documents"),
        ('{"a": 1}', "the manifest's document 'a' must be a GraphQL document's text"),
        ('{"a": "  "}', "the manifest's document 'a' must be a GraphQL document's text"),
        ('{"format": "x", "operations": []}', "the manifest's format is 'x', version None"),
        (
            '{"format": "apollo-persisted-query-manifest", "version": 1, "operations": {}}',
            "the manifest's `operations` must be a list",
        ),
        (
            '{"format": "apollo-persisted-query-manifest", "version": 1, "operations": [{"body": "{ a }"}]}',
            "each of the manifest's operations has a string `id` and a `body`",
        ),
        (
            '{"format": "apollo-persisted-query-manifest", "version": 1, "operations": '
            '[{"id": "a", "body": "{ a }"}, {"id": "a", "body": "{ b }"}]}',
            "the manifest gives the id 'a' to two different documents",
        ),
    ],
)
def test_a_manifest_the_gateway_cannot_read_says_what_is_wrong(text: str, message: str, tmp_path: Path) -> None:
    path = tmp_path / "manifest.json"
    path.write_text(text)
    with pytest.raises(ValueError, match="manifest") as refused:
        load_persisted_documents(path)
    assert message in str(refused.value)


async def test_several_manifests_are_read_together(gateway: Gateway, tmp_path: Path) -> None:
    """One for each client, or for each release still in use: given comma-separated."""
    web, ios = tmp_path / "web", tmp_path / "ios"
    web.mkdir()
    ios.mkdir()
    graphql, _ = await gateway(
        persisted_documents=f"{_codegen_manifest(web, TYPENAME)}, {_codegen_manifest(ios, READ)}",
        persisted_documents_only=True,
    )
    typename = await _post(graphql.http, {"documentId": f"sha256:{sha256_hex(TYPENAME)}"})
    assert typename.json() == {"data": {"__typename": "Query"}}
    conversation_id = await _conversation(graphql.http)
    read = await _post(graphql.http, {"documentId": f"sha256:{sha256_hex(READ)}", "variables": {"id": conversation_id}})
    assert read.json() == _read(conversation_id)


def test_manifests_that_give_one_id_to_different_documents_are_refused(tmp_path: Path) -> None:
    first, second = tmp_path / "first.json", tmp_path / "second.json"
    first.write_text(json.dumps({"op-1": TYPENAME, "op-2": READ}))
    second.write_text(json.dumps({"op-2": READ, "op-3": WRITE}))
    assert len(load_persisted_documents(first, second)) == 3  # the same document under one id: once
    second.write_text(json.dumps({"op-1": READ}))
    with pytest.raises(ValueError, match="different documents") as refused:
        load_persisted_documents(first, second)
    assert (
        str(refused.value)
        == f"the manifests {str(first)!r} and {str(second)!r} give the id 'op-1' to different documents"
    )


@pytest.mark.parametrize(
    "document",
    [
        "query Fine { __typename }",
        "query Unknown { nope }",
        "query Broken {",
        "query Deep { conversation(id: 1) { items { edges { node { __typename } } } } }",
        "query Many { " + " ".join(f"a{n}: __typename" for n in range(12)) + " }",
        "query Introspects { __schema { queryType { name } } }",
    ],
)
async def test_check_documents_says_what_a_request_of_the_document_gets(document: str, gateway: Gateway) -> None:
    """`gateway check-documents` and a request refuse a document with the same codes and messages."""
    limits: dict[str, Any] = {"max_depth": 4, "max_aliases": 10, "introspection": False}
    graphql, _ = await gateway(**limits)
    answer = (await graphql.http.post("/graphql", json={"query": document})).json()
    schema = schema_for(Settings(**limits))
    _, errors = schema.hooks.check(schema._schema, document)
    checked = []
    for error in errors:
        extensions: dict[str, Any] = dict(error.extensions or {})
        message = document_coded(error, extensions)
        checked.append((extensions["code"], message))
    assert checked == [(error["extensions"]["code"], error["message"]) for error in answer.get("errors", [])]


async def test_the_operation_log_says_how_each_document_came(
    gateway: Gateway, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """For an operator following the frontends' move to persisted documents: by text, by id, by hash."""
    caplog.set_level(logging.INFO, logger="gateway.operations")
    graphql, _ = await gateway(persisted_documents=_codegen_manifest(tmp_path, READ))
    http = graphql.http
    variables = {"id": await _conversation(http)}
    await _post(http, {"query": READ, "variables": variables})
    await _get(http, {"documentId": f"sha256:{sha256_hex(READ)}", "variables": variables})
    await _post(http, {"extensions": _hashed(READ), "variables": variables})
    await _post(http, {"query": TYPENAME, "extensions": _hashed(TYPENAME)})  # kept by hash: it came whole
    await _post(http, {"extensions": _hashed("{ other }")})  # not found
    await _post(http, {"documentId": "sha256:unknown"})
    logged = [json.loads(record.getMessage()) for record in caplog.records if record.name == "gateway.operations"]
    assert [(line["documentFrom"], line["errorCodes"]) for line in logged] == [
        ("query", []),
        ("documentId", []),
        ("persistedQuery", []),
        ("query", []),
        ("persistedQuery", ["PERSISTED_QUERY_NOT_FOUND"]),
        ("documentId", ["PERSISTED_DOCUMENT_NOT_FOUND"]),
    ]


async def test_with_a_manifest_that_is_not_a_safelist_each_line_says_whether_its_document_is_in_it(
    gateway: Gateway, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """A safelist's roll-out: the manifests first, alone, and the log shows what it would refuse."""
    caplog.set_level(logging.INFO, logger="gateway.operations")
    manifest = _codegen_manifest(tmp_path, READ)
    graphql, _ = await gateway(persisted_documents=manifest)
    http = graphql.http
    variables = {"id": await _conversation(http)}
    await _post(http, {"query": READ, "variables": variables})
    await _post(http, {"query": "# spaced otherwise\n" + READ.replace(" { ", "{"), "variables": variables})
    await _post(http, {"documentId": f"sha256:{sha256_hex(READ)}", "variables": variables})
    await _post(http, {"query": "query Other { __typename }"})
    await _post(http, {"query": "{ conversation("})
    logged = [json.loads(record.getMessage()) for record in caplog.records if record.name == "gateway.operations"]
    assert [(line["operationName"], line["inManifest"]) for line in logged] == [
        ("Read", True),
        ("Read", True),
        ("Read", True),
        ("Other", False),
        (None, False),
    ]
    caplog.clear()
    for settings in ({}, {"persisted_documents": manifest, "persisted_documents_only": True}):
        graphql, _ = await gateway(**settings)
        await _post(graphql.http, {"query": READ, "variables": variables})
    logged = [json.loads(record.getMessage()) for record in caplog.records if record.name == "gateway.operations"]
    assert len(logged) == 2
    assert not any("inManifest" in line for line in logged)


def test_a_text_looked_at_once_is_answered_again_without_a_parse(monkeypatch: pytest.MonkeyPatch) -> None:
    documents = PersistedDocuments({"a": READ})
    parsed: list[str] = []

    def counted(source: str, **options: Any) -> Any:
        parsed.append(source)
        return parse(source, **options)

    monkeypatch.setattr(persisted, "parse", counted)
    spaced, other = READ.replace(" { ", "{"), READ.replace("conversationId ", "")
    assert [documents.trusts(text) for text in (spaced, other, spaced, other)] == [True, False, True, False]
    assert parsed.count(spaced) == parsed.count(other) == 1
