"""The Guild's GraphQL ESLint rules (`@graphql-eslint/eslint-plugin`, pinned in `tests/schema/lint`)
over `schema.graphql` and the example operations: names, descriptions and the Relay connection
rules as the tools of the teams that generate clients from the schema read them."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
LINT = Path(__file__).resolve().parent / "lint"


def _lint(root: Path) -> list[tuple[str, int, str, str]]:
    """Each problem ESLint finds in ``root``'s `schema.graphql` and `examples/operations`:
    (file, line, rule, message)."""
    node = shutil.which("node")
    assert node is not None, "node is needed for the lint (make test installs its packages)"
    eslint = LINT / "node_modules" / "eslint" / "bin" / "eslint.js"
    assert eslint.is_file(), "run `npm ci --prefix tests/schema/lint` (make test does)"
    command = [node, str(eslint), "--config", str(LINT / "eslint.config.mjs"), "--format", "json"]
    run = subprocess.run(
        [*command, "schema.graphql", "examples/operations"],
        cwd=root,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert run.returncode in {0, 1}, run.stdout + run.stderr  # 1: problems found; 2: ESLint failed
    files: list[dict[str, Any]] = json.loads(run.stdout)
    assert {Path(file["filePath"]).name for file in files} >= {"schema.graphql", "LoadConversation.graphql"}
    return [
        (Path(file["filePath"]).name, message["line"], message["ruleId"], message["message"])
        for file in files
        for message in file["messages"]
    ]


def test_the_schema_and_the_example_operations_pass_the_lint() -> None:
    assert _lint(ROOT) == []


def test_the_lint_finds_what_it_is_there_for(tmp_path: Path) -> None:
    """The same configuration on a schema and an operation that break its rules."""
    schema = (ROOT / "schema.graphql").read_text()
    broken = schema.replace("  hasPreviousPage: Boolean!", "  hasPreviousPage: Boolean", 1).replace(
        "type Conversation implements Node {\n",
        'type Conversation implements Node {\n  """Who made it."""\n  made_by: String\n',
        1,
    )
    assert broken.count("made_by") == 1
    (tmp_path / "schema.graphql").write_text(broken)
    operations = tmp_path / "examples" / "operations"
    shutil.copytree(ROOT / "examples" / "operations", operations)
    # No `id` on the conversation: a normalized cache (Apollo's, urql's Graphcache) cannot key it.
    (operations / "Title.graphql").write_text("query Title($id: ID!) {\n  conversation(id: $id) { createdAt }\n}\n")
    found = {(file, rule) for file, _, rule, _ in _lint(tmp_path)}
    assert found == {
        ("schema.graphql", "@graphql-eslint/naming-convention"),
        ("schema.graphql", "@graphql-eslint/relay-page-info"),
        ("Title.graphql", "@graphql-eslint/require-selections"),
    }
