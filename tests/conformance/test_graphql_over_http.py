"""The `graphql-http` server audit (written by others, for the GraphQL-over-HTTP spec) against `gateway serve`."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import httpx

from tests.live import gateway_process

HERE = Path(__file__).resolve().parent


def test_the_graphql_http_audit_passes_with_no_warning(tmp_path: Path) -> None:
    node = shutil.which("node")
    assert node is not None, "node is needed for the audit (make test installs its packages)"
    assert (HERE / "node_modules" / "graphql-http").is_dir(), "run `npm ci --prefix tests/conformance` (make test does)"
    with gateway_process("serve", "--database", str(tmp_path / "audit.sqlite3")) as url:
        audit = subprocess.run(
            [node, str(HERE / "audit.mjs"), f"{url}/graphql"], capture_output=True, text=True, timeout=120, check=False
        )
    summary = audit.stdout.strip().splitlines()[-1]
    print(summary)
    counts = re.fullmatch(r"graphql-http audit: (\d+) ok, (\d+) warnings, (\d+) errors", summary)
    assert counts is not None, audit.stdout + audit.stderr
    assert (int(counts[2]), int(counts[3])) == (0, 0), audit.stdout
    assert int(counts[1]) >= 60
    assert audit.returncode == 0


ACCEPT_NEW = {"Accept": "application/graphql-response+json"}


def test_requests_that_fail_before_execution(tmp_path: Path) -> None:
    with gateway_process("serve", "--database", str(tmp_path / "x.sqlite3")) as url:
        endpoint = f"{url}/graphql"
        invalid = httpx.post(endpoint, json={"query": "{ nope }"}, headers=ACCEPT_NEW)
        legacy = httpx.post(endpoint, json={"query": "{ nope }"}, headers={"Accept": "application/json"})
        mutation_over_get = httpx.get(
            endpoint, params={"query": "mutation { createConversation(input: {}) { __typename } }"}
        )
        not_json = httpx.post(endpoint, content=b"{", headers={"Content-Type": "application/json"})
    assert invalid.status_code == 400
    assert invalid.headers["content-type"] == "application/graphql-response+json"
    assert "data" not in invalid.json()
    assert invalid.json()["errors"][0]["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED"
    assert legacy.status_code == 200
    assert legacy.headers["content-type"].startswith("application/json")
    assert mutation_over_get.status_code == 405
    assert not_json.status_code == 400
