"""A request's objects are freed when it ends, by reference counting alone.

A reference cycle anywhere in a request (its context, loaders, execution) keeps everything the
request reached, every item it fetched included, until Python's cycle collector runs: memory
grows between collections and each collection costs CPU in proportion. These tests run a
request with the collector off and check that nothing of it is left.

A request with a field error is not among them: the error keeps its traceback, whose frames hold
the execution that keeps the error (Python's exceptions make that cycle by design).
"""

from __future__ import annotations

import asyncio
import gc
import weakref

import pytest

from gateway.schema import GatewayContext
from tests.graphql.conftest import Seed, messages
from tests.graphql.harness import GraphQLClient

QUERY = """query($c: ID!) {
  conversation(id: $c) { createdAt metadata { key value }
    items(last: 5) { pageInfo { hasPreviousPage } edges { cursor node { __typename ... on Message { role
      content { ... on InputTextContent { text } ... on OutputTextContent { text } } } } } } }
}"""
"""Reads: a conversation and a page of its items."""

MUTATION = """mutation($c: ID!) { addConversationItems(input: {conversationId: $c,
  items: [{message: {role: USER, text: "hello"}}]}) { conversation { items(last: 2) { nodes { __typename } } } } }"""


@pytest.mark.parametrize("http", ["asgi"], indirect=True)
@pytest.mark.parametrize("operation", [QUERY, MUTATION])
async def test_a_request_leaves_nothing_for_the_cycle_collector(
    seed: Seed, graphql: GraphQLClient, request_contexts: list[weakref.ref[GatewayContext]], operation: str
) -> None:
    conversation_id = await seed(*messages(6))
    contexts = request_contexts
    await graphql.execute(QUERY, {"c": conversation_id})  # warm: caches filled, lazy imports done
    gc.collect()
    contexts.clear()

    gc.disable()
    try:
        answer = await graphql.execute(operation, {"c": conversation_id})
        for _ in range(5):  # callbacks of finished tasks run on the next turns of the loop
            await asyncio.sleep(0)
        left = [reference() for reference in contexts]
    finally:
        gc.enable()

    assert answer.get("data"), answer
    assert len(left) == 1
    assert left[0] is None, "the request's context is still alive: a reference cycle holds it"
