"""Apollo Client's `clientAwareness` (a real client, against `gateway serve`): the name and version
it is given reach the operation's log line (the README's *Logs*)."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

from tests.live import gateway_process

HERE = Path(__file__).resolve().parent


def test_apollo_clients_name_and_version_are_in_its_operations_log_line(tmp_path: Path) -> None:
    node = shutil.which("node")
    assert node is not None, "node runs the clients (make test installs their packages)"
    printed: list[str] = []
    with gateway_process("serve", "--database", str(tmp_path / "clients.sqlite3"), output=printed) as url:
        ran = subprocess.run(
            [node, str(HERE / "awareness.mjs"), f"{url}/graphql", "web-chat", "4.2.0"],
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
    assert ran.returncode == 0, ran.stderr
    assert json.loads(ran.stdout) == {"__typename": "Query"}
    (line,) = [json.loads(line) for line in printed[0].splitlines() if '"operationName":"Awareness"' in line]
    assert (line["clientName"], line["clientVersion"], line["errorCodes"]) == ("web-chat", "4.2.0", [])
