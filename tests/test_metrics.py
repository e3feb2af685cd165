"""Prometheus metrics at `/metrics` (`GATEWAY_METRICS`), read back with prometheus_client's own parser."""

from __future__ import annotations

import asyncio
import hashlib
import json
from pathlib import Path

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from tests.conftest import Gateway
from tests.live import gateway_process, imported_by_create_app

KEY = {"Authorization": "Bearer sk-metrics"}
READ = "query Read($id: ID!) { conversation(id: $id) { conversationId createdAt } }"


def _samples(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    """Every sample of the exposition, by name and labels."""
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


async def _scrape(http: httpx.AsyncClient) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    answer = await http.get("/metrics")
    assert answer.status_code == 200
    assert answer.headers["content-type"] == "text/plain; version=0.0.4; charset=utf-8"
    return _samples(answer.text)


async def test_each_operation_is_counted_as_its_log_line_has_it(gateway: Gateway) -> None:
    graphql, upstream = await gateway(metrics=True)
    http = graphql.http
    created = await http.post("/v1/conversations", json={}, headers=KEY)
    conversation_id = created.json()["id"]
    before = upstream.count

    ok = await http.post("/graphql", json={"query": READ, "variables": {"id": conversation_id}}, headers=KEY)
    missing = await http.post("/graphql", json={"query": READ, "variables": {"id": "conv_missing"}}, headers=KEY)
    unparsed = await http.post("/graphql", json={"query": "{ conversation("}, headers=KEY)
    digest = hashlib.sha256(b"{ __typename }").hexdigest()
    unknown = await http.post(
        "/graphql", json={"extensions": {"persistedQuery": {"version": 1, "sha256Hash": digest}}}, headers=KEY
    )
    assert ok.json()["data"]["conversation"]["conversationId"] == conversation_id
    assert missing.json()["errors"][0]["extensions"]["code"] == "NOT_FOUND"
    assert unparsed.json()["errors"][0]["extensions"]["code"] == "GRAPHQL_PARSE_FAILED"
    assert unknown.json()["errors"][0]["extensions"]["code"] == "PERSISTED_QUERY_NOT_FOUND"

    samples = await _scrape(http)
    operations = "gateway_operations_total"
    assert samples[operations, (("operation_type", "query"), ("outcome", "ok"))] == 1
    assert samples[operations, (("operation_type", "query"), ("outcome", "error"))] == 1
    assert samples[operations, (("operation_type", "none"), ("outcome", "error"))] == 2
    assert samples[operations, (("operation_type", "mutation"), ("outcome", "ok"))] == 0
    errors = "gateway_operation_errors_total"
    assert {labels: value for (name, labels), value in samples.items() if name == errors} == {
        (("code", "NOT_FOUND"),): 1,
        (("code", "GRAPHQL_PARSE_FAILED"),): 1,
        (("code", "PERSISTED_QUERY_NOT_FOUND"),): 1,
    }
    # The refusal has no duration: nothing ran.
    assert samples["gateway_operation_duration_seconds_count", (("operation_type", "query"),)] == 2
    assert samples["gateway_operation_duration_seconds_count", (("operation_type", "none"),)] == 1
    assert samples["gateway_upstream_calls_total", ()] == upstream.count - before
    assert samples["gateway_requests_overloaded_total", ()] == 0
    assert samples["gateway_upstream_objects_unknown_total", ()] == 0
    assert [name for name, _ in samples if name.endswith("_created")] == []


async def test_objects_the_schema_cannot_name_are_counted(gateway: Gateway) -> None:
    """Each object of a known kind holding a value the schema has no name for, answered as its union's
    Unknown member (gateway/upstream/reading.py): an operator's alert that the schema is behind."""
    graphql, upstream = await gateway(metrics=True)
    image = {"type": "input_image", "detail": "ultra", "image_url": "https://example.com/a.png"}
    items = [
        {"id": "msg_1", "type": "message", "role": "narrator", "status": "completed", "content": []},
        {"id": "msg_2", "type": "message", "role": "user", "status": "completed", "content": [image, image]},
    ]
    page = {"object": "list", "data": items, "first_id": "msg_1", "last_id": "msg_2", "has_more": False}
    upstream.fault = lambda request: httpx.Response(200, json=page) if request.url.path.endswith("/items") else None
    conversation_id = (await graphql.http.post("/v1/conversations", json={}, headers=KEY)).json()["id"]
    query = "query($id: ID!) { conversation(id: $id) { items(first: 2) { nodes { __typename } } } }"
    data = await graphql.data(query, {"id": conversation_id}, key="sk-metrics")
    assert data["conversation"]["items"]["nodes"] == [
        {"__typename": "UnknownConversationItem"},
        {"__typename": "Message"},
    ]
    samples = await _scrape(graphql.http)
    assert samples["gateway_upstream_objects_unknown_total", ()] == 3  # the message and the two parts


async def test_requests_refused_for_overload_are_counted(gateway: Gateway) -> None:
    graphql, upstream = await gateway(metrics=True, max_concurrent_requests=1)
    release, held = asyncio.Event(), asyncio.Event()

    async def hold(request: httpx.Request) -> httpx.Response | None:
        held.set()
        await release.wait()
        return None

    upstream.slow_fault = hold
    running = asyncio.create_task(graphql.http.post("/graphql", json={"query": READ, "variables": {"id": "c"}}))
    await asyncio.wait_for(held.wait(), timeout=10)
    for _ in range(3):
        refused = await graphql.http.post("/graphql", json={"query": "{ __typename }"})
        assert refused.status_code == 503
    release.set()
    await running
    samples = await _scrape(graphql.http)
    assert samples["gateway_requests_overloaded_total", ()] == 3


async def test_without_the_setting_there_is_no_metrics_endpoint(gateway: Gateway) -> None:
    graphql, _ = await gateway()
    assert (await graphql.http.get("/metrics")).status_code == 404


def test_the_workers_metrics_are_summed_whichever_answers(tmp_path: Path) -> None:
    """`gateway serve --workers 2`: each worker writes its values in a directory of its own files
    (prometheus_client's multiprocess mode); every scrape, whichever worker answers it, sums them."""
    directory = tmp_path / "metrics"
    directory.mkdir()
    settings = {"GATEWAY_METRICS": "true", "PROMETHEUS_MULTIPROC_DIR": str(directory)}
    database = str(tmp_path / "workers.sqlite3")
    with gateway_process("serve", "--workers", "2", "--database", database, env=settings) as url:
        for _ in range(40):  # a connection each: the workers take them as they come
            answer = httpx.post(f"{url}/graphql", json={"query": "{ __typename }"}, headers={"Connection": "close"})
            assert answer.json() == {"data": {"__typename": "Query"}}
        scrapes = [_samples(httpx.get(f"{url}/metrics", headers={"Connection": "close"}).text) for _ in range(10)]
        writers = {path.name.rsplit("_", 1)[1] for path in directory.glob("counter_*.db")}
    assert len(writers) == 2, writers  # both workers counted operations
    for samples in scrapes:
        assert samples["gateway_operations_total", (("operation_type", "query"), ("outcome", "ok"))] == 40
    assert any(directory.iterdir())  # a directory given is kept


def test_a_directory_the_command_makes_for_its_workers_is_removed_when_it_stops(tmp_path: Path) -> None:
    settings = {"GATEWAY_METRICS": "true", "TMPDIR": str(tmp_path)}
    database = str(tmp_path / "workers.sqlite3")
    with gateway_process("serve", "--workers", "2", "--database", database, env=settings) as url:
        httpx.post(f"{url}/graphql", json={"query": "{ __typename }"})
        made = list(tmp_path.glob("gateway-metrics-*"))
        assert len(made) == 1
        assert list(made[0].glob("*.db"))
        samples = _samples(httpx.get(f"{url}/metrics").text)
        assert samples["gateway_operations_total", (("operation_type", "query"), ("outcome", "ok"))] == 1
    assert not made[0].exists()


@pytest.mark.parametrize("accept", ["application/openmetrics-text; version=1.0.0"])
async def test_a_scraper_that_asks_for_openmetrics_gets_it(accept: str, gateway: Gateway) -> None:
    graphql, _ = await gateway(metrics=True)
    await graphql.http.post("/graphql", json={"query": "{ __typename }"})
    answer = await graphql.http.get("/metrics", headers={"Accept": accept})
    assert answer.headers["content-type"].startswith("application/openmetrics-text; version=1.0.0")
    assert answer.text.endswith("# EOF\n")


@pytest.mark.parametrize(("metrics", "imported"), [(False, False), (True, True)])
def test_prometheus_client_is_imported_only_with_metrics_on(metrics: bool, imported: bool, tmp_path: Path) -> None:
    database = str(tmp_path / "x.sqlite3")
    assert imported_by_create_app("prometheus_client", database=database, metrics=metrics) is imported


async def test_operations_are_counted_by_how_their_document_came_and_whether_the_manifest_has_it(
    gateway: Gateway, tmp_path: Path
) -> None:
    manifest = tmp_path / "persisted-documents.json"
    manifest.write_text(json.dumps({f"sha256:{hashlib.sha256(READ.encode()).hexdigest()}": READ}))
    graphql, _ = await gateway(metrics=True, persisted_documents=manifest)
    http = graphql.http
    created = await http.post("/v1/conversations", json={}, headers=KEY)
    variables = {"id": created.json()["id"]}
    digest = hashlib.sha256(READ.encode()).hexdigest()
    for body in (
        {"query": READ, "variables": variables},
        {"query": READ.replace(" { ", "{"), "variables": variables},
        {"documentId": f"sha256:{digest}", "variables": variables},
        {"extensions": {"persistedQuery": {"version": 1, "sha256Hash": digest}}, "variables": variables},
        {"query": "query Other { __typename }"},
        {"documentId": "sha256:unknown"},
    ):
        await http.post("/graphql", json=body, headers=KEY)
    samples = await _scrape(http)
    counted = {
        labels: value for (name, labels), value in samples.items() if name == "gateway_operation_documents_total"
    }
    assert {labels: value for labels, value in counted.items() if value} == {
        (("document_from", "query"), ("in_manifest", "true")): 2,
        (("document_from", "query"), ("in_manifest", "false")): 1,
        (("document_from", "documentId"), ("in_manifest", "true")): 1,
        (("document_from", "persistedQuery"), ("in_manifest", "true")): 1,
        (("document_from", "documentId"), ("in_manifest", "unknown")): 1,  # refused: no document to look at
    }
    assert len(counted) == 9  # every child made up front, at 0
