"""What graphql-core and Strawberry say of a client's document and variables: the right code, and
values named by their start and end, not repeated whole."""

from __future__ import annotations

from typing import Any

import pytest

from tests.graphql.harness import GraphQLClient, Recording

LONG = "x" * 400_000
SHORTENED = "x" * 80 + "…" + "x" * 20 + "' (400,000 characters)"

LONG_VALUES: dict[str, tuple[dict[str, Any], str]] = {
    "an enum value in a variable": (
        {
            "query": 'query($o: ItemOrder) { conversation(id: "conv_1") '
            "{ items(order: $o) { nodes { __typename } } } }",
            "variables": {"o": LONG},
        },
        "BAD_USER_INPUT",
    ),
    "an enum value in the document": (
        {"query": '{ conversation(id: "conv_1") { items(order: ' + LONG + ") { nodes { __typename } } } }"},
        "GRAPHQL_VALIDATION_FAILED",
    ),
    "an input's unknown field in a variable": (
        {
            "query": "mutation($i: CreateConversationInput!) { createConversation(input: $i) { clientMutationId } }",
            "variables": {"i": {LONG: 1}},
        },
        "BAD_USER_INPUT",
    ),
    "a role deep in a write's input": (
        {
            "query": "mutation($i: AddConversationItemsInput!) "
            "{ addConversationItems(input: $i) { clientMutationId } }",
            "variables": {"i": {"conversationId": "conv_1", "items": [{"message": {"role": LONG, "text": "x"}}]}},
        },
        "BAD_USER_INPUT",
    ),
    "an unknown field": ({"query": "{ " + LONG + " }"}, "GRAPHQL_VALIDATION_FAILED"),
    "an unknown fragment": ({"query": "{ ..." + LONG + " }"}, "GRAPHQL_VALIDATION_FAILED"),
}


@pytest.mark.parametrize("case", sorted(LONG_VALUES))
async def test_a_long_value_is_named_by_its_start_and_end(
    graphql: GraphQLClient, upstream: Recording, case: str
) -> None:
    """graphql-core names what it refuses whole: a 400 KB enum value was a 400 KB error."""
    body, code = LONG_VALUES[case]
    answer = await graphql.http.post(graphql.path, json=body, headers={"Authorization": "Bearer sk-test"})
    errors = answer.json()["errors"]
    assert [error["extensions"]["code"] for error in errors] == [code]
    assert SHORTENED in errors[0]["message"]
    assert len(answer.content) < 1_000
    assert upstream.count == 0


async def test_a_long_unknown_operation_name_is_named_by_its_start_and_end(graphql: GraphQLClient) -> None:
    answer = await graphql.http.post(graphql.path, json={"query": "query A { __typename }", "operationName": LONG})
    assert answer.status_code == 400
    (error,) = answer.json()["errors"]
    assert error == {
        "message": 'Unknown operation named "' + "x" * 80 + "…" + "x" * 20 + '" (400,000 characters).',
        "extensions": {"code": "BAD_REQUEST"},
    }


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("query($id: ID!) { conversation(id: $x) { id } __typename(a: $id) }", "Variable '$x' is not defined."),
        ("query($id: ID!, $unused: ID) { conversation(id: $id) { id } }", "Variable '$unused' is never used."),
        (
            'query($n: String) { conversation(id: "conv_1") { items(first: $n) { nodes { __typename } } } }',
            "Variable '$n' of type 'String' used in position expecting type 'Int'.",
        ),
    ],
)
async def test_a_variable_the_document_gets_wrong_is_a_validation_error(
    graphql: GraphQLClient, upstream: Recording, query: str, message: str
) -> None:
    """Not BAD_USER_INPUT, which is for a value sent: these are the document's, whatever the values."""
    body = await graphql.execute(query, {"id": "conv_1", "n": "5"})
    matching = [error for error in body["errors"] if error["message"] == message]
    assert len(matching) == 1, body["errors"]
    assert matching[0]["extensions"] == {"code": "GRAPHQL_VALIDATION_FAILED"}
    assert upstream.count == 0


async def test_a_variable_whose_value_does_not_fit_is_bad_user_input_at_its_path(graphql: GraphQLClient) -> None:
    body = await graphql.execute("query($id: ID!) { conversation(id: $id) { id } }", {"id": None})
    (error,) = body["errors"]
    assert error["extensions"] == {"code": "BAD_USER_INPUT", "path": "id"}
    assert error["message"] == "Variable '$id' has invalid value: Expected value of non-null type 'ID!' not to be None."
