"""Queries over GET: allowed; a mutation over GET is refused (405), judged by the operation the request names."""

from __future__ import annotations

import pytest

from tests.graphql.harness import GraphQLClient, Recording

DOCUMENT = """query Read { __typename }
mutation Write { createConversation(input: {}) { conversation { id } } }"""


async def test_the_named_operation_decides_whether_get_is_allowed(graphql: GraphQLClient, upstream: Recording) -> None:
    headers = {"Authorization": "Bearer sk-test"}

    answers = [
        await graphql.http.get(graphql.path, params={"query": DOCUMENT, "operationName": name}, headers=headers)
        for name in ("Read", "Write", "Read", "Write")
    ]

    assert [answer.status_code for answer in answers] == [200, 405, 200, 405]
    assert answers[0].json() == {"data": {"__typename": "Query"}}
    assert answers[1].headers["allow"] == "POST"
    assert answers[1].json()["errors"][0]["extensions"]["code"] == "METHOD_NOT_ALLOWED"
    assert upstream.count == 0


@pytest.mark.parametrize("name", ["variables", "extensions"])
async def test_a_parameter_that_is_not_json_is_named_in_the_error(
    name: str, graphql: GraphQLClient, upstream: Recording
) -> None:
    params = {"query": "{ __typename }", name: "{not json"}
    answer = await graphql.http.get(graphql.path, params=params, headers={"Authorization": "Bearer sk-test"})
    assert answer.status_code == 400
    assert answer.json() == {
        "errors": [
            {"message": f"The `{name}` query parameter is not valid JSON.", "extensions": {"code": "BAD_REQUEST"}}
        ]
    }
    assert upstream.count == 0


async def test_variables_and_extensions_are_read_from_the_query_string(graphql: GraphQLClient) -> None:
    query = "query($a: String!) { __type(name: $a) { name } }"
    params = {"query": query, "variables": '{"a": "Query"}', "extensions": '{"x": {}}'}
    answer = await graphql.http.get(graphql.path, params=params, headers={"Authorization": "Bearer sk-test"})
    assert (answer.status_code, answer.json()) == (200, {"data": {"__type": {"name": "Query"}}})
    refused = await graphql.http.get(
        graphql.path, params={**params, "variables": '{"a": 5}'}, headers={"Authorization": "Bearer sk-test"}
    )
    assert refused.json()["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"


async def test_no_answer_may_be_kept_by_a_cache(graphql: GraphQLClient, upstream: Recording) -> None:
    """`Cache-Control: no-store` on every answer of the endpoint and the built-in API: by GET or
    POST, answered or refused, in either media type. A proxy told to cache GETs kept them, keyed by
    URL alone (tests/test_proxy.py: another key's requests got the server's conversation)."""
    http = graphql.http
    key = {"Authorization": "Bearer sk-test"}
    graphql_response = {**key, "Accept": "application/graphql-response+json"}
    answers = {
        "GET": await http.get(graphql.path, params={"query": "{ __typename }"}, headers=key),
        "GET, graphql-response": await http.get(
            graphql.path, params={"query": "{ __typename }"}, headers=graphql_response
        ),
        "POST": await http.post(graphql.path, json={"query": "{ __typename }"}, headers=key),
        "a field error": await http.get(graphql.path, params={"query": '{ conversation(id: "conv_x") { id } }'}),
        "invalid": await http.get(graphql.path, params={"query": "{ nope }"}, headers=graphql_response),
        "a mutation by GET": await http.get(graphql.path, params={"query": DOCUMENT, "operationName": "Write"}),
        "not JSON": await http.post(graphql.path, content=b"{", headers={"Content-Type": "application/json"}),
        "too large": await http.post(graphql.path, json={"query": " " * (2 << 20)}),
        "the built-in API": await http.get("/v1/conversations/conv_x", headers=key),
        "/healthz": await http.get("/healthz"),
        "/readyz": await http.get("/readyz"),
        "a path it does not serve": await http.get("/graphq"),
    }
    statuses = {name: answer.status_code for name, answer in answers.items()}
    assert statuses == {
        "GET": 200,
        "GET, graphql-response": 200,
        "POST": 200,
        "a field error": 200,
        "invalid": 400,
        "a mutation by GET": 405,
        "not JSON": 400,
        "too large": 413,
        "the built-in API": 404,
        "/healthz": 200,
        "/readyz": 200,
        "a path it does not serve": 404,
    }
    assert {name: answer.headers.get_list("cache-control") for name, answer in answers.items()} == {
        name: ["no-store"] for name in answers
    }
