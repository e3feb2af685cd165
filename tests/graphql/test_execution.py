"""The executor's shortcuts answer exactly what graphql-core's own path answers.

``gateway/schema/execution.py`` completes plain values and plain leaf fields without graphql-core's
per-field machinery, and ``build_schema`` resolves union and interface members by class. All must
be invisible: the same data, the same errors at the same paths.
"""

from __future__ import annotations

import enum
import gc
import weakref
from collections.abc import Callable
from typing import Any, NewType, cast

import httpx
import orjson
import pytest
import strawberry
from graphql import GraphQLEnumType, GraphQLObjectType
from graphql.execution import executor
from strawberry.extensions import ParserCache, SchemaExtension
from strawberry.schema.config import StrawberryConfig

import gateway.schema
from gateway import graphql_view
from gateway.schema import _resolve_abstract_types_by_class, execution, pages
from tests.graphql.conftest import Seed
from tests.graphql.full_selection import selection_for
from tests.graphql.harness import GraphQLClient
from tests.samples import ITEM_SAMPLES


async def test_every_field_of_every_item_type_is_the_same_without_the_shortcuts(
    seed: Seed, graphql: GraphQLClient, http: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    conversation_id = await seed(*(ITEM_SAMPLES[kind] for kind in sorted(ITEM_SAMPLES)))
    selection = selection_for("ConversationItem")
    query = f"""query($c: ID!) {{
      conversation(id: $c) {{ __typename conversationId createdAt metadata {{ key value }}
        items(first: 100) {{ edges {{ cursor node {selection} }} pageInfo {{ hasNextPage endCursor }} }} }}
      node(id: "Q29udmVyc2F0aW9uOmNvbnZfbm9uZQ==") {{ __typename }}
    }}"""
    fast = await graphql.execute(query, {"c": conversation_id})
    assert len(fast["data"]["conversation"]["items"]["edges"]) == len(ITEM_SAMPLES)

    shortcut_classes = [cls for cls in _subclasses(execution.GatewayExecutionContext) if cls.leaf_fields]
    assert shortcut_classes, "the schema does not use the gateway's execution context"
    for cls in shortcut_classes:
        monkeypatch.setattr(cls, "leaf_fields", {})
    monkeypatch.setattr(execution.GatewayExecutionContext, "execute_field", _graphql_core_execute_field)
    monkeypatch.setattr(execution.GatewayExecutionContext, "plain_values", False)
    plain = await graphql.execute(query, {"c": conversation_id})

    assert fast == plain


async def test_every_field_of_every_item_type_is_the_same_read_straight_as_read_the_usual_way(
    seed: Seed, graphql: GraphQLClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Pages are read straight into the GraphQL objects (gateway/schema/pages.py); the answer, to
    the byte, is the one the REST models and the conversion give."""
    conversation_id = await seed(*(ITEM_SAMPLES[kind] for kind in sorted(ITEM_SAMPLES)))
    selection = selection_for("ConversationItem")
    query = f"""query($c: ID!) {{ conversation(id: $c) {{
      items(first: 100) {{ edges {{ cursor node {selection} }} }}
      newest: items(last: 3, order: DESC) {{ nodes {selection} }} }} }}"""
    read: list[bool] = []

    def reader(body: bytes, conversation: str) -> pages.ReadPage | None:
        page = pages.read_item_page(body, conversation)
        read.append(page is not None)
        return page

    monkeypatch.setattr(graphql_view, "read_item_page", reader)
    straight = await graphql.execute(query, {"c": conversation_id})
    assert read == [True, True], "a page of the samples was not read straight"
    assert len(straight["data"]["conversation"]["items"]["edges"]) == len(ITEM_SAMPLES)

    monkeypatch.setattr(graphql_view, "read_item_page", lambda body, conversation: None)
    usual = await graphql.execute(query, {"c": conversation_id})
    assert orjson.dumps(straight) == orjson.dumps(usual)


def _graphql_core_execute_field(self: Any, *arguments: Any) -> Any:
    return super(execution.GatewayExecutionContext, self).execute_field(*arguments)


def _subclasses(cls: type[Any]) -> list[type[Any]]:
    found = []
    for sub in cls.__subclasses__():
        found += [sub, *_subclasses(sub)]
    return found


class Colour(enum.Enum):
    RED = "red"


@strawberry.type
class Thing:
    name: str
    colour: Colour
    size: int | None


@strawberry.type
class Things:
    @strawberry.field
    def things(self) -> list[Thing | None]:
        broken: Any = Thing(name=None, colour="mauve", size=2**40)  # type: ignore[arg-type]
        return [Thing(name="ok", colour=Colour.RED, size=None), broken]


async def test_values_the_leaf_types_refuse_are_reported_as_graphql_core_reports_them() -> None:
    """A null for a non-null leaf, an unknown enum value, an Int out of range: located errors, as ever."""
    query = "{ things { __typename name colour size } }"
    plain = strawberry.Schema(Things)
    shortcut = strawberry.Schema(Things)
    shortcut.execution_context_class = execution.execution_context_for(shortcut._schema)
    assert shortcut.execution_context_class.leaf_fields  # the shortcut is on for these fields

    expected, got = await plain.execute(query), await shortcut.execute(query)

    assert (
        got.data
        == expected.data
        == {"things": [{"__typename": "Thing", "name": "ok", "colour": "RED", "size": None}, None]}
    )
    assert [(error.message, error.path) for error in got.errors or []] == [
        (error.message, error.path) for error in expected.errors or []
    ]
    assert got.errors


Label = NewType("Label", str)
LABEL = strawberry.scalar(
    name="Label",
    serialize=lambda value: value or None,  # an empty label: the scalar itself answers null
    parse_value=str,
    description="A non-empty label.",
)


@strawberry.type
class Circle:
    radius: float
    tags: list[str]
    label: Label = Label("round")


@strawberry.type
class Square:
    side: int

    @strawberry.field
    def area(self) -> int:
        return self.side * self.side


@strawberry.type
class Drawing:
    title: str
    shapes: list[Circle | Square]
    nested: list[list[Circle | None]] | None


@strawberry.type
class Canvas:
    @strawberry.field
    def drawings(self, broken: str = "") -> list[Drawing]:
        shapes: list[Any] = [Circle(radius=1.5, tags=["a", "b"]), Square(side=3)]
        shapes += {
            "tags": [Circle(radius=2.0, tags=None)],  # type: ignore[arg-type]
            "label": [Circle(radius=2.0, tags=[], label=Label(""))],
            "shape": ["not a shape"],
        }.get(broken, [])
        return [
            Drawing(title="one", shapes=shapes, nested=[[Circle(radius=0.5, tags=[]), None], []]),
            Drawing(title="two", shapes=[], nested=None),
        ]


def _schemas(
    query: type[Any], *extensions: Callable[[], SchemaExtension]
) -> tuple[strawberry.Schema, strawberry.Schema]:
    """The same schema twice: graphql-core's own executor, and the gateway's (members by class)."""
    config = StrawberryConfig(scalar_map={Label: LABEL})
    plain = strawberry.Schema(query, extensions=extensions, config=config)
    shortcut = strawberry.Schema(query, extensions=extensions, config=config)
    _resolve_abstract_types_by_class(shortcut._schema)
    shortcut.execution_context_class = execution.execution_context_for(shortcut._schema)
    return plain, shortcut


def _gateway_context(schema: strawberry.Schema) -> type[execution.GatewayExecutionContext]:
    context_class = schema.execution_context_class
    assert isinstance(context_class, type)
    assert issubclass(context_class, execution.GatewayExecutionContext)
    return cast("type[execution.GatewayExecutionContext]", context_class)


def _outcome(result: Any) -> tuple[Any, list[tuple[str, Any]]]:
    return result.data, [(error.message, error.path) for error in result.errors or []]


@pytest.mark.parametrize(
    "query",
    [
        # plain all the way down: lists of unions, nested lists, typenames, aliases, fragments
        """{ drawings { title shapes { __typename ... on Circle { radius tags r: radius } ... on Square { side } }
             nested { radius } } }""",
        "query Q { drawings { ...D } } fragment D on Drawing { title shapes { ... on Circle { tags } } }",
        # a member with a resolver field: that value takes graphql-core's path
        "{ drawings { shapes { __typename ... on Square { side area } ... on Circle { radius } } } }",
        # directives: plans of this execution only
        """query Q($t: Boolean!) { drawings { title @include(if: $t)
             shapes { ... on Circle @skip(if: $t) { radius } } } }""",
        # a null in a non-null list, a null from a scalar, a string where an object belongs: errors as ever
        '{ drawings(broken: "tags") { shapes { __typename ... on Circle { radius tags label } } } }',
        '{ drawings(broken: "label") { shapes { __typename ... on Circle { radius tags label } } } }',
        '{ drawings(broken: "shape") { shapes { __typename ... on Circle { radius tags label } } } }',
    ],
)
async def test_plain_values_answer_what_graphql_core_answers(query: str) -> None:
    plain, shortcut = _schemas(Canvas)
    for variables in ({"t": True}, {"t": False}, {"t": True}):
        expected = await plain.execute(query, variable_values=variables)
        got = await shortcut.execute(query, variable_values=variables)
        assert _outcome(got) == _outcome(expected)
        assert expected.data or expected.errors


async def test_plans_are_kept_with_the_parsed_operation(monkeypatch: pytest.MonkeyPatch) -> None:
    """Built once per parsed document; per execution when directives make the selection depend on variables."""
    _, shortcut = _schemas(Canvas, lambda: ParserCache(maxsize=8))
    context_class = _gateway_context(shortcut)
    built: list[Any] = []
    original = context_class._plan

    def counting(self: Any, *arguments: Any) -> Any:
        built.append(arguments[0])
        return original(self, *arguments)

    monkeypatch.setattr(context_class, "_plan", counting)
    query = "{ drawings { shapes { ... on Circle { radius } } } }"

    first = await shortcut.execute(query)
    assert built, "no value was completed by a plan"
    after_first = len(built)
    second = await shortcut.execute(query)

    assert first.data == second.data
    assert not first.errors
    assert len(built) == after_first  # the second execution used the kept plans

    with_directive = "query Q($t: Boolean!) { drawings { shapes { ... on Circle @include(if: $t) { radius } } } }"
    for variables in ({"t": True}, {"t": False}):
        before = len(built)
        assert not (await shortcut.execute(with_directive, variable_values=variables)).errors
        assert len(built) > before


async def test_plans_go_with_their_operation() -> None:
    _, shortcut = _schemas(Canvas)  # no parser cache: each execution parses its own document
    context_class = _gateway_context(shortcut)

    for _ in range(3):
        assert not (await shortcut.execute("{ drawings { title } }")).errors
    gc.collect()

    assert context_class.operation_plans == {}


async def test_a_kept_plan_does_not_keep_the_execution_that_built_it(monkeypatch: pytest.MonkeyPatch) -> None:
    _, shortcut = _schemas(Canvas, lambda: ParserCache(maxsize=8))  # the plans are kept
    context_class = shortcut.execution_context_class
    executions: list[weakref.ref[Any]] = []
    original = context_class.__init__

    def remember(self: Any, *arguments: Any, **keywords: Any) -> None:
        original(self, *arguments, **keywords)
        executions.append(weakref.ref(self))

    monkeypatch.setattr(context_class, "__init__", remember)
    result = await shortcut.execute("{ drawings { shapes { __typename ... on Square { side } } } }")
    assert not result.errors
    del result
    gc.collect()

    assert executions
    assert all(reference() is None for reference in executions)


async def test_item_ids_are_completed_by_plans_too(
    seed: Seed, graphql: GraphQLClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A frontend selects each item's Relay `id`: a resolver field, read by plans all the same."""
    conversation_id = await seed(*(ITEM_SAMPLES["message"] for _ in range(3)))
    resolved: list[str] = []
    execute_field = execution.GatewayExecutionContext.execute_field

    def counting(self: Any, parent_type: Any, source: Any, fields: Any, *rest: Any) -> Any:
        resolved.append(f"{parent_type.name}.{fields[0].node.name.value}")
        return execute_field(self, parent_type, source, fields, *rest)

    monkeypatch.setattr(execution.GatewayExecutionContext, "execute_field", counting)
    query = """query($c: ID!) { conversation(id: $c) { items(first: 3) { nodes {
      __typename ... on ConversationItemFields { id itemId } } } } }"""
    data = (await graphql.execute(query, {"c": conversation_id}))["data"]

    nodes = data["conversation"]["items"]["nodes"]
    assert len(nodes) == 3
    for node in nodes:
        fetched = await graphql.execute("query($id: ID!) { node(id: $id) { id } }", {"id": node["id"]})
        assert fetched["data"]["node"]["id"] == node["id"]
    assert not [name for name in resolved if name.startswith("Message.")]


async def test_a_known_record_answers_its_fields_without_tasks(
    seed: Seed, graphql: GraphQLClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`createdAt` and `metadata` of a conversation whose record is read answer at once.

    graphql-core runs an object's awaitable fields in a task each, gathered, once there are two:
    with `items` beside them that was three tasks per conversation. Where the record is not read
    yet (a mutation's payload) the same fields still read it.
    """
    conversation_id = await seed(ITEM_SAMPLES["message"], metadata={"topic": "tasks"})
    gathered: list[int] = []
    gather = vars(executor)["gather_with_cancel"]  # what graphql-core's executor calls

    def counting(*awaitables: Any) -> Any:
        gathered.append(len(awaitables))
        return gather(*awaitables)

    monkeypatch.setattr(executor, "gather_with_cancel", counting)
    fields = "createdAt metadata { key value } items(last: 1) { nodes { __typename } }"
    read = await graphql.execute(f"query($c: ID!) {{ conversation(id: $c) {{ {fields} }} }}", {"c": conversation_id})
    assert read["data"]["conversation"]["metadata"] == [{"key": "topic", "value": "tasks"}]
    assert gathered == []

    add = '{conversationId: $c, items: [{message: {role: USER, text: "hi"}}]}'
    written = await graphql.execute(
        f"mutation($c: ID!) {{ addConversationItems(input: {add}) {{ conversation {{ {fields} }} }} }}",
        {"c": conversation_id},
    )
    conversation = written["data"]["addConversationItems"]["conversation"]
    assert (conversation["createdAt"], conversation["metadata"]) == (
        read["data"]["conversation"]["createdAt"],
        [{"key": "topic", "value": "tasks"}],
    )
    assert gathered == [3]  # the record is read there: the three fields wait at once


class Mood(enum.StrEnum):
    """A string enum: each member equals its value."""

    GLAD = "glad"
    SAD = "sad"


def _coerced(coerce: Callable[[Any], Any], value: Any) -> tuple[str, Any]:
    try:
        return "value", coerce(value)
    except Exception as error:  # what each coercion raises is compared
        return type(error).__name__, str(error)


def test_enum_names_are_what_the_enum_type_itself_answers() -> None:
    """The shortcut's enum coercion (a dict of members) answers every value as Strawberry's type does."""

    @strawberry.type
    class Moods:
        mood: Mood = Mood.GLAD
        colour: Colour = Colour.RED

    schema = gateway.schema.build_schema()._schema
    enums = [
        named
        for named in [*schema.type_map.values(), *strawberry.Schema(Moods)._schema.type_map.values()]
        if isinstance(named, GraphQLEnumType) and not named.name.startswith("__")
    ]
    assert {"MessageRole", "CallStatus", "Mood", "Colour"} <= {named.name for named in enums}
    for named in enums:
        fast = execution._output_coercion(named)
        assert fast is not named.coerce_output_value  # a dict of its members
        assert execution._output_coercion(named) is fast  # made once
        members = list(named.wrapped_cls)  # type: ignore[attr-defined]
        others = ["glad", "red", "nothing", None, 3, Mood.SAD, Colour.RED, *(member.value for member in members)]
        for value in [*members, *others]:
            assert _coerced(fast, value) == _coerced(named.coerce_output_value, value), (named.name, value)


@strawberry.interface
class Shape:
    name: str


@strawberry.type
class Round(Shape):
    radius: float


@strawberry.type
class Flat(Shape):
    side: int


class RoundSubclass(Round):
    """Not a Strawberry type of its own: an instance of it is a `Round`."""


class Lookalike:
    """An object that looks like any type it is asked about: its attributes are computed."""

    def __getattr__(self, name: str) -> Any:
        if name == "__as_strawberry_type__":
            return Round
        raise AttributeError(name)


@strawberry.type
class Shapes:
    shapes: list[Shape]


def test_object_types_are_checked_as_strawberry_checks_them() -> None:
    """The plans' check of a value's type, kept per class, answers what Strawberry's `is_type_of` answers."""
    schema = strawberry.Schema(Shapes, types=[Round, Flat])._schema
    types = [schema.type_map["Round"], schema.type_map["Flat"]]
    assert all(isinstance(named, GraphQLObjectType) and named.is_type_of for named in types)
    cast_round = strawberry.cast(Round, Flat(name="cast", side=1))
    values: list[Any] = [
        Round(name="r", radius=1.0),
        Flat(name="f", side=2),
        RoundSubclass(name="s", radius=2.0),
        cast_round,  # a Flat cast to Round, met after plain Flats
        Flat(name="g", side=3),  # the cast was its instance's own
        Lookalike(),
        "not an object",
        None,
    ]
    for named in types:
        assert isinstance(named, GraphQLObjectType)
        strawberrys: Any = named.is_type_of  # it ignores its info
        check = execution._type_check(named)
        assert execution._type_check(named) is check  # made once
        for value in values * 2:  # again, from what is kept
            assert check(value) is (strawberrys(value, None) is True), (named.name, value)
