"""Which deprecated parts of the schema each operation uses: in its log line, its span's and the
metrics. The schema deprecates nothing yet; these tests deprecate a field, an enum value of an
input and an input field of the gateway's own schema as a later release would (`@deprecated`),
and one SDL schema has every kind."""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

import pytest
from graphql import build_schema, parse
from prometheus_client.parser import text_string_to_metric_families

import gateway.cli
from gateway.schema.deprecation import deprecated_uses
from gateway.settings import Settings
from tests.conftest import Gateway

KEY = {"Authorization": "Bearer sk-deprecated", "apollographql-client-name": "web-chat"}
READ = "query Read($id: ID!) { conversation(id: $id) { conversationId createdAt } }"
WRITE = """mutation Write {
  createConversation(
    input: {items: [{message: {role: SYSTEM, text: "Be brief."}}], metadata: [{key: "k", value: "v"}]}
  ) {
    conversation { id }
  }
}"""
FRESH = "query Fresh($id: ID!) { conversation(id: $id) { conversationId } }"

SDL = """
type Query {
  a: String @deprecated(reason: "Use b.")
  b(old: Int @deprecated, new: Int): String
  c(input: In, role: Role): String
  d: Obj
}
type Obj { e: Int @deprecated(reason: "Gone soon.") f: Int }
input In { old: Int @deprecated, keep: Int }
enum Role { USER OLD @deprecated(reason: "Use USER.") }
"""


@pytest.mark.parametrize(
    ("document", "uses"),
    [
        (
            "{ a x: a b(old: 1) c(input: {old: 1, keep: 2}, role: OLD) d { e f } }",
            ("In.old", "Obj.e", "Query.a", "Query.b(old:)", "Role.OLD"),
        ),
        ("{ b(new: 1) c(input: {keep: 1}, role: USER) d { f } }", ()),
        ("query Q($role: Role) { c(role: $role) ...F } fragment F on Query { d { e } }", ("Obj.e",)),
    ],
)
def test_the_deprecated_parts_a_document_names_are_found_by_their_coordinates(
    document: str, uses: tuple[str, ...]
) -> None:
    """Each once, sorted; through fragments; an enum value given in a variable is not in the document."""
    assert deprecated_uses(build_schema(SDL), parse(document)) == uses


def _lines(caplog: pytest.LogCaptureFixture) -> list[dict[str, Any]]:
    return [json.loads(record.getMessage()) for record in caplog.records if record.name == "gateway.operations"]


@pytest.mark.usefixtures("deprecating")
async def test_each_operations_line_and_the_metrics_say_which_deprecated_parts_it_used(
    gateway: Gateway, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="gateway.operations")
    graphql, _ = await gateway(metrics=True)
    http = graphql.http
    written = await http.post("/graphql", json={"query": WRITE}, headers=KEY)
    conversation_id = written.json()["data"]["createConversation"]["conversation"]["id"]
    for query in (READ, READ, FRESH):  # the second READ finds its document's uses kept
        answer = await http.post("/graphql", json={"query": query, "variables": {"id": conversation_id}}, headers=KEY)
        assert "errors" not in answer.json()

    lines = _lines(caplog)
    assert [(line["operationName"], line.get("deprecated"), line["clientName"]) for line in lines] == [
        ("Write", ["CreateConversationInput.metadata", "MessageInputRole.SYSTEM"], "web-chat"),
        ("Read", ["Conversation.createdAt"], "web-chat"),
        ("Read", ["Conversation.createdAt"], "web-chat"),
        ("Fresh", None, "web-chat"),
    ]
    scraped = (await http.get("/metrics")).text
    counted = {
        sample.labels["coordinate"]: sample.value
        for family in text_string_to_metric_families(scraped)
        for sample in family.samples
        if sample.name == "gateway_deprecated_uses_total"
    }
    assert counted == {"Conversation.createdAt": 2, "CreateConversationInput.metadata": 1, "MessageInputRole.SYSTEM": 1}


@pytest.mark.usefixtures("deprecating")
async def test_introspection_and_an_invalid_document_name_no_deprecated_use(
    gateway: Gateway, caplog: pytest.LogCaptureFixture
) -> None:
    """GraphiQL's introspection asks whether each field is deprecated: that is no use of one."""
    caplog.set_level(logging.INFO, logger="gateway.operations")
    graphql, _ = await gateway()
    introspection = '{ __type(name: "Conversation") { fields(includeDeprecated: true) { name isDeprecated } } }'
    answer = (await graphql.http.post("/graphql", json={"query": introspection})).json()
    assert {"name": "createdAt", "isDeprecated": True} in answer["data"]["__type"]["fields"]
    await graphql.http.post("/graphql", json={"query": "{ conversation(id: 1) { createdAt nope } }"})
    assert [line.get("deprecated") for line in _lines(caplog)] == [None, None]


@pytest.mark.usefixtures("deprecating")
def test_check_documents_names_each_document_that_uses_deprecated_parts(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """For a frontend's CI: its documents still run, and it learns which of them use what a later
    release may remove."""
    manifest = tmp_path / "manifest.json"
    manifest.write_text(json.dumps({"read": READ, "fresh": FRESH, "write": WRITE}))
    assert gateway.cli.check_documents([manifest], Settings()) == 0
    assert capsys.readouterr().out.splitlines() == [
        "read (Read): DEPRECATED: it uses Conversation.createdAt, which a later release may remove.",
        "write (Write): DEPRECATED: it uses CreateConversationInput.metadata, MessageInputRole.SYSTEM, "
        "which a later release may remove.",
        "All 3 documents would run on this gateway. 2 of them use deprecated parts of the schema.",
    ]
