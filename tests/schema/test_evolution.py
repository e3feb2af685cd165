"""The schema changes only as the version allows: a client generated from the last release's schema
keeps working against the code here unless the version says it may not. Breaking changes need a
breaking release (semantic versioning, with Cargo's reading of 0.x: 0.1 to 0.2 may break, 0.1.0 to
0.1.1 may not); dangerous ones a new minor version at least.

`tests/schema/released/` holds the schema of the last release, named by its version. At each
release, replace it with `schema.graphql` under the new version's name. And `gateway diff-schema`,
which lists the changes from the schema a client was generated from.
"""

from __future__ import annotations

import json
import re
import subprocess
import tomllib
from pathlib import Path

import pytest
from graphql import GraphQLObjectType, GraphQLSchema, build_schema, introspection_from_schema

from gateway.cli import main, schema_sdl
from gateway.schema_changes import SchemaChange, UnreadableSchema, compare, read_schema
from tests.live import GATEWAY, gateway_process

ROOT = Path(__file__).resolve().parents[2]
RELEASED = Path(__file__).resolve().parent / "released"
VERSION = re.compile(r"(\d+)\.(\d+)\.(\d+)")


def _version(text: str) -> tuple[int, int, int]:
    matched = VERSION.fullmatch(text)
    assert matched, f"{text!r} is not a version of three numbers"
    major, minor, patch = (int(part) for part in matched.groups())
    return major, minor, patch


def _current_version() -> tuple[int, int, int]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())
    return _version(project["project"]["version"])


def _released() -> tuple[tuple[int, int, int], Path]:
    files = sorted(RELEASED.glob("*.graphql"))
    assert len(files) == 1, f"tests/schema/released/ holds the last release's schema alone, not {files}"
    return _version(files[0].stem), files[0]


def allowed(kind: str, released: tuple[int, int, int], current: tuple[int, int, int]) -> bool:
    """Whether a change of ``kind`` may come in ``current`` after ``released``.

    Breaking: in a new major version, or for 0.x a new minor one, or for 0.0.x any new one (Cargo's
    rule). Dangerous (a client may meet a union member or an enum value it was not generated for,
    and ariadne-codegen's models then fail the whole answer): where a breaking one may, and in a
    new minor version, so that a patch release never changes what a client can receive. Safe ones
    and deprecations (the deprecated part still works): in any.
    """
    if kind in {"safe", "deprecation"} or (kind == "dangerous" and current[:2] > released[:2]):
        return True
    significant = 1 if released[0] else 3 if released[1] == 0 else 2
    return current[:significant] > released[:significant]


def test_no_change_since_the_last_release_goes_beyond_what_the_version_allows() -> None:
    version, path = _released()
    current = _current_version()
    assert current >= version, f"pyproject.toml's version {current} is older than the last release's {version}"
    refused = [change for change in _changes(path) if not allowed(change.kind, version, current)]
    listed = "\n".join(str(change) for change in refused)
    assert not refused, (
        f"These changes to schema.graphql since release {path.stem} need a newer version in pyproject.toml "
        f"than {'.'.join(map(str, current))}:\n{listed}\nA breaking change needs a breaking release (for 0.x, "
        "a new minor version); instead, keep the old field or type (mark it @deprecated(reason: ...)) and add "
        "a new one. A dangerous change needs a new minor version at least."
    )


def _changes(released: Path) -> list[SchemaChange]:
    return compare(build_schema(released.read_text()), build_schema((ROOT / "schema.graphql").read_text()))


@pytest.mark.parametrize(
    ("released", "current", "breaking", "dangerous"),
    [
        ((0, 1, 0), (0, 1, 0), False, False),
        ((0, 1, 0), (0, 1, 1), False, False),
        ((0, 1, 0), (0, 2, 0), True, True),
        ((0, 1, 3), (1, 0, 0), True, True),
        ((0, 0, 3), (0, 0, 4), True, True),
        ((1, 2, 0), (1, 2, 1), False, False),
        ((1, 2, 0), (1, 3, 0), False, True),
        ((1, 2, 0), (2, 0, 0), True, True),
    ],
)
def test_which_versions_may_bring_which_changes(
    released: tuple[int, int, int], current: tuple[int, int, int], breaking: bool, dangerous: bool
) -> None:
    assert allowed("breaking", released, current) is breaking
    assert allowed("dangerous", released, current) is dangerous
    assert allowed("safe", released, current)
    assert allowed("deprecation", released, current)


def _schema(extra: str = "", item: str = "id: ID!\n  text: String!") -> GraphQLSchema:
    return build_schema(
        f"""
        type Query {{ item(id: ID!): Item  items: [Entry!]! }}
        type Item {{ {item} }}
        type Other {{ id: ID! }}
        union Entry = Item{extra}
        enum Role {{ USER ASSISTANT }}
        """
    )


def test_each_kind_of_change_is_named_breaking_first() -> None:
    changes = compare(_schema(), _schema(" | Other", item="id: ID!\n  text: String\n  added: Int"))
    assert [(change.kind, change.code) for change in changes] == [
        ("breaking", "FIELD_CHANGED_KIND"),
        ("dangerous", "TYPE_ADDED_TO_UNION"),
        ("safe", "TYPE_ADDED"),  # Int, which the old schema did not use
        ("safe", "FIELD_ADDED"),
    ]
    assert str(changes[0]) == "breaking: FIELD_CHANGED_KIND: Field Item.text changed type from String! to String."


def test_a_deprecation_is_a_change_of_its_own() -> None:
    """graphql-core reports none; a client generated before should learn what to move off."""
    old = build_schema("type Query { a(x: Int): Role  b: String }\ninput In { k: Int }\nenum Role { USER OLD }")
    new = build_schema(
        'type Query { a(x: Int @deprecated(reason: "Ignored.")): Role @deprecated(reason: "Use b.")  b: String '
        'c(i: In): Int }\ninput In { k: Int @deprecated }\nenum Role { USER OLD @deprecated(reason: "Use USER.") }'
    )
    assert [str(change) for change in compare(old, new) if change.kind == "deprecation"] == [
        "deprecation: ARGUMENT_DEPRECATION_ADDED: Argument Query.a(x:) is deprecated: Ignored.",
        "deprecation: ENUM_VALUE_DEPRECATION_ADDED: Enum value Role.OLD is deprecated: Use USER.",
        "deprecation: FIELD_DEPRECATION_ADDED: Field Query.a is deprecated: Use b.",
        "deprecation: INPUT_FIELD_DEPRECATION_ADDED: Input field In.k is deprecated: No longer supported",
    ]
    assert [change.kind for change in compare(new, new)] == []  # deprecated on both sides: nothing new


def test_the_release_check_finds_a_field_removed_from_the_real_schema() -> None:
    """What the release test says when a change takes a field away."""
    released = build_schema(schema_sdl())
    changed = build_schema(schema_sdl())
    function_call = changed.type_map["FunctionCall"]
    assert isinstance(function_call, GraphQLObjectType)
    del function_call.fields["callId"]
    assert [str(change) for change in compare(released, changed)] == [
        "breaking: FIELD_REMOVED: Field FunctionCall.callId was removed."
    ]
    assert not allowed("breaking", (0, 1, 0), (0, 1, 1))


def test_a_schema_is_read_from_sdl_or_from_an_introspection_result() -> None:
    sdl = schema_sdl()
    introspection = introspection_from_schema(build_schema(sdl))
    for text in (json.dumps(introspection), json.dumps({"data": introspection})):
        assert compare(read_schema(sdl, "a"), read_schema(text, "b")) == []


@pytest.mark.parametrize(
    ("text", "said"),
    [
        ("type Query {", "old.graphql is not a GraphQL schema: Syntax Error: Expected Name, found <EOF>."),
        (
            "type Query { a: Strin }",
            "old.graphql is not a GraphQL schema: Unknown type 'Strin'. Did you mean 'String'?",
        ),
        ("{", "old.graphql is not JSON: Expecting property name enclosed in double quotes: line 1 column 2 (char 1)"),
        ('{"data": {}}', 'old.graphql is JSON but not an introspection result (no "__schema")'),
        ('{"__schema": {}}', "old.graphql is not a whole introspection result: it has no 'types'"),
        ('{"__schema": {"types": [5]}}', "old.graphql is not a well-formed introspection result: "),
        ('{"__schema": {"types": "abc"}}', "old.graphql is not a well-formed introspection result: "),
    ],
)
def test_what_is_not_a_schema_is_named_with_why(text: str, said: str) -> None:
    with pytest.raises(UnreadableSchema) as raised:
        read_schema(text, "old.graphql")
    assert str(raised.value).startswith(said)


def test_diff_schema_lists_what_changed_from_an_older_schema(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    old = tmp_path / "old.graphql"
    new = tmp_path / "new.graphql"
    old.write_text("type Query { a: String!, b: Int }\nenum Role { USER }")
    new.write_text("type Query { a: String, c: Int }\nenum Role { USER ASSISTANT }")
    assert main(["diff-schema", str(old), str(new)]) == 1
    assert capsys.readouterr().out.splitlines() == [
        "breaking: FIELD_REMOVED: Field Query.b was removed.",
        "breaking: FIELD_CHANGED_KIND: Field Query.a changed type from String! to String.",
        "dangerous: VALUE_ADDED_TO_ENUM: Enum value Role.ASSISTANT was added.",
        "2 breaking changes, 1 dangerous, 0 deprecations, 1 safe (--safe lists them).",
    ]
    assert main(["diff-schema", str(new), str(new)]) == 0
    assert capsys.readouterr().out == "No changes.\n"
    old.write_text("type Query { a: String }")
    assert main(["diff-schema", "--safe", str(old), str(new)]) == 0
    assert capsys.readouterr().out.splitlines() == [
        "safe: TYPE_ADDED: Int was added.",
        "safe: TYPE_ADDED: Role was added.",
        "safe: FIELD_ADDED: Field Query.c was added.",
        "0 breaking changes, 0 dangerous, 0 deprecations, 3 safe.",
    ]


def test_diff_schema_compares_with_this_release_by_default_and_reads_standard_input() -> None:
    """As a team upgrading the gateway runs it, with the schema its client was generated from."""
    older = schema_sdl().replace("The ID that links a call and its output.", "The call's ID.", 1)
    run = _diff("-", given=older)
    assert (run.returncode, run.stderr) == (0, "")
    assert run.stdout.splitlines()[-1] == "0 breaking changes, 0 dangerous, 0 deprecations, 1 safe (--safe lists them)."

    unchanged = _diff(str(ROOT / "schema.graphql"))
    assert (unchanged.returncode, unchanged.stdout) == (0, "No changes.\n")


def _diff(*arguments: str, given: str | None = None) -> subprocess.CompletedProcess[str]:
    """`gateway diff-schema` as a user runs it, ``given`` on its standard input."""
    return subprocess.run(
        [str(GATEWAY), "diff-schema", *arguments], input=given, capture_output=True, text=True, check=False, timeout=60
    )


def test_diff_schema_names_a_file_it_cannot_read(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["diff-schema", str(tmp_path / "missing.graphql")]) == 2
    assert (
        capsys.readouterr().err == f"gateway: cannot read {tmp_path / 'missing.graphql'}: No such file or directory\n"
    )
    binary = tmp_path / "schema.bin"
    binary.write_bytes(b"\xff\xfe")
    assert main(["diff-schema", str(binary)]) == 2
    assert capsys.readouterr().err == f"gateway: cannot read {binary}: not UTF-8 text (invalid start byte at byte 0)\n"


def test_the_readmes_diff_schema_example_says_what_it_shows() -> None:
    """The README's example, from this repository's history: it needs the history (a clone that
    is not shallow)."""
    (block,) = re.findall(
        r"^```console\n\$ (git show \w+:schema.graphql) \| gateway diff-schema -\n(.*?)^```$",
        (ROOT / "README.md").read_text(),
        re.MULTILINE | re.DOTALL,
    )
    command, shown = block
    older = subprocess.run(command.split(), cwd=ROOT, capture_output=True, text=True, check=False)
    if older.returncode != 0:
        pytest.skip(f"`{command}` needs the repository's history: {older.stderr.strip()}")
    run = _diff("-", given=older.stdout)
    assert (run.returncode, run.stdout) == (1, shown)


def test_diff_schema_introspects_a_running_gateway_with_the_headers_given(tmp_path: Path) -> None:
    """Before a deploy: from the deployed gateway's schema (its URL) to this release's. A running
    gateway of this code says no change: its introspection is its SDL, the specification's
    directives included (`@oneOf`, printed without a description in SDL, is not a change)."""
    printed: list[str] = []
    with gateway_process("serve", "--database", str(tmp_path / "db.sqlite3"), output=printed) as url:
        live = _diff(f"{url}/graphql", "--header", "Authorization: Bearer sk-diff", "--header", "X-Request-Id: diffed")
        both = _diff(f"{url}/graphql", str(ROOT / "schema.graphql"))
        slash = _diff(f"{url}/graphql/")
        elsewhere = _diff(f"{url}/healthz")
    assert (live.returncode, live.stdout, live.stderr) == (0, "No changes.\n", "")
    assert (both.returncode, both.stdout) == (0, "No changes.\n")
    (logged,) = [json.loads(line) for line in printed[0].splitlines() if line.startswith('{"requestId":"diffed"')]
    assert (logged["operationName"], logged["key"]) == ("IntrospectionQuery", "client")
    assert slash.returncode == 2
    assert slash.stderr == f"gateway: {url}/graphql/ redirects to {url}/graphql: give that address\n"
    assert elsewhere.returncode == 2
    assert elsewhere.stderr == (
        f"gateway: {url}/healthz refused introspection (405): METHOD_NOT_ALLOWED: "
        "POST is not allowed at '/healthz': use GET, HEAD.\n"
    )


def test_diff_schema_says_why_an_endpoint_gave_no_schema(tmp_path: Path) -> None:
    with gateway_process(
        "serve", "--database", str(tmp_path / "db.sqlite3"), env={"GATEWAY_INTROSPECTION": "false"}
    ) as url:
        refused = _diff(f"{url}/graphql")
    assert refused.returncode == 2
    assert refused.stderr == (
        f"gateway: {url}/graphql refused introspection (400): GRAPHQL_VALIDATION_FAILED: GraphQL introspection "
        "has been disabled, but the requested query contained the field '__schema'.\n"
    )
    gone = _diff(url)  # the server has stopped
    assert gone.returncode == 2
    assert gone.stderr.startswith(f"gateway: cannot introspect {url}: ")
    malformed = _diff("--header", "Authorization", "schema.graphql")
    assert malformed.returncode == 2
    assert malformed.stderr.endswith("gateway: error: --header takes 'NAME: VALUE', not 'Authorization'\n")
