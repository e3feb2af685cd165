"""Queries over GET: allowed; a mutation over GET is refused (405), judged by the operation the request names."""

from __future__ import annotations

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
