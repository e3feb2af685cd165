"""The gateway's work around each operation, run by Strawberry in place of schema extensions.

Before the document is parsed: the token limit (a parse option) and the validation rules of the
depth and alias limits (and of disabled introspection). Parsing and validation: each document
text is parsed once and each parsed document validated once, both kept in one bounded cache.
Before execution: the upstream budget, and, for a query, the mark that lets a lost connection stop
it (:mod:`gateway.abandon`). When the operation ends: the errors' codes, then the operation's log
line, which reports those codes; a query stopped because its client went away ends the same way,
its one error `CLIENT_CLOSED_REQUEST`. With tracing on (:mod:`gateway.tracing`), the operation's
span begins with it and ends after its log line (an operation cancelled otherwise, as a stopping
server cancels it, ends its span too).

The cache is bounded by what its documents weigh, not only by their number: a parsed document
keeps a Python object for each of its tokens and nodes, some 600 bytes a token, and 1,024 new
documents of 15,000 tokens each (60 KB apiece, all within the limits) held 3 GB.

Strawberry runs schema extensions through generic machinery: for every request it builds each
extension, and for each of the four stages (operation, parsing, validation, execution) a context
manager that wraps every extension's hook in a new generator and an exit stack. That was a tenth
of the CPU of a small query. :class:`OperationHooks` keeps Strawberry's own pipeline (its
`Schema.execute` still decides what runs, in what order, and what an error becomes) and hands
it a runner whose stages call the gateway's work directly.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections import OrderedDict
from collections.abc import Callable
from types import TracebackType
from typing import TYPE_CHECKING, Any

from graphql import (
    ASTValidationRule,
    DocumentNode,
    ExecutionResult,
    GraphQLError,
    GraphQLSchema,
    OperationDefinitionNode,
    parse,
    specified_rules,
)
from graphql.language import Token
from graphql.language.parser import Parser
from graphql.validation import NoSchemaIntrospectionCustomRule
from strawberry.extensions.runner import SchemaExtensionsRunner
from strawberry.schema.schema import validate_document
from strawberry.types import ExecutionContext
from strawberry.types.graphql import OperationType

from gateway.abandon import CLIENT_CLOSED_REQUEST
from gateway.schema.deprecation import deprecated_uses
from gateway.schema.errors import code_errors
from gateway.schema.limits import Limits, check_budget, validation_rules
from gateway.schema.oplog import log_operation, operation_facts

if TYPE_CHECKING:
    from gateway.tracing import OperationSpan

__all__ = ["OperationHooks"]


BYTES_PER_TOKEN = 640
"""What a parsed document keeps per token, at most (its token, its share of the nodes and their
locations): measured with tracemalloc, 300-450 bytes for the examples' operations and the
introspection query, 600 for a document of 5,000 `__typename`, 560 per character for one of
15,000 one-letter fields."""

CACHE_BYTES = 32 * 2**20
"""The most the parsed documents kept weigh together, as :func:`weight` estimates them: some 900
documents of the examples' size (30-90 KB each), or 3 of the largest the token limit allows."""


def weight(document: DocumentNode, query: str) -> int:
    """What keeping ``document`` (parsed from ``query``) costs, in bytes, estimated from its tokens
    (comments included) and from its text, kept as the cache key and in long tokens' values."""
    tokens = 0
    token = document.loc.start_token if document.loc is not None else None
    while token is not None:
        tokens += 1
        token = token.next
    return tokens * BYTES_PER_TOKEN + 2 * len(query)


class _Document:
    """A parsed document text, its validation errors per set of rules (usually one), its estimates."""

    __slots__ = ("deprecated", "document", "errors", "estimates", "operations", "weight")

    def __init__(self, document: DocumentNode, query: str) -> None:
        self.document = document
        self.weight = weight(document, query)
        self.operations = [
            node.name.value if node.name is not None else "(anonymous)"
            for node in document.definitions
            if isinstance(node, OperationDefinitionNode)
        ]
        """The names of the document's operations, for a request that names none."""
        self.errors: dict[tuple[type[ASTValidationRule], ...], list[GraphQLError]] = {}
        self.estimates: dict[str | None, int] = {}
        """Upstream-call estimates that read no variable, by operation name."""
        self.deprecated: tuple[str, ...] | None = None
        """The deprecated parts of the schema the document names (:func:`deprecated_uses`), once
        it has been found valid."""


class OperationHooks:
    """The gateway's stages of an operation, for one schema: limits, caches, error codes, log.

    ``cache_size`` bounds the documents kept and ``cache_bytes`` what they weigh together (least
    recently used first out; a document heavier than ``cache_bytes`` alone is not kept). Parse
    errors are not kept: a bad document costs its parse each time (but for the one asked for
    again right away), and Strawberry reports it as usual.
    """

    def __init__(
        self, limits: Limits, *, introspection: bool = True, cache_size: int = 1024, cache_bytes: int = CACHE_BYTES
    ) -> None:
        self.limits = limits
        self._introspection = introspection
        self._rules: dict[tuple[type[ASTValidationRule], ...], tuple[type[ASTValidationRule], ...]] = {}
        self._cache_size = cache_size
        self._cache_bytes = cache_bytes
        self._documents: OrderedDict[tuple[str, int], _Document] = OrderedDict()
        self.cached_bytes = 0
        """What the kept documents weigh together (:func:`weight`)."""
        self._failed: tuple[tuple[str, int], GraphQLError] | None = None
        """The last document that did not parse, with its error, until it is asked for once more:
        a GET's method check parses its query first, and the operation's stage then need not."""

    def rules(self, defaults: tuple[type[ASTValidationRule], ...]) -> tuple[type[ASTValidationRule], ...]:
        """The validation rules of an operation whose default rules are ``defaults``: those, with
        the field-merging check bounded, and the gateway's limits."""
        rules = self._rules.get(defaults)
        if rules is None:
            rules = validation_rules(self.limits, defaults)
            if not self._introspection:
                rules = (*rules, NoSchemaIntrospectionCustomRule)
            self._rules[defaults] = rules
        return rules

    def runner(self, context: ExecutionContext) -> SchemaExtensionsRunner:
        """What Strawberry's `Schema.create_extensions_runner` returns for one operation."""
        return _Runner(self, context)

    def check(self, schema: GraphQLSchema, query: str) -> tuple[list[str], list[GraphQLError]]:
        """The names of the operations of ``query`` and why the gateway would refuse to run it on
        ``schema`` (the one these hooks serve), as
        an operation's parse and validation would (the token limit, the schema's rules, the
        depth, alias, selection and validation-work limits, introspection when it is off): the
        errors before execution, with their codes. Not the upstream-call budget, which depends on
        the variables' values."""
        try:
            kept = self.parsed(query, self.limits.max_tokens)
        except GraphQLError as error:
            return [], [error]
        rules = self.rules(tuple(specified_rules))
        errors = kept.errors.get(rules)
        if errors is None:
            errors = kept.errors[rules] = validate_document(schema, kept.document, rules)
        return kept.operations, errors

    def document(self, query: str) -> DocumentNode:
        """The document of ``query`` as an operation's would be parsed (the token limit, the cache):
        for a look at it before the operation runs, which then finds it parsed."""
        return self.parsed(query, self.limits.max_tokens).document

    def parsed(self, query: str, max_tokens: int) -> _Document:
        """The document of ``query``, parsed once while it stays in the cache."""
        key = (query, max_tokens)
        documents = self._documents
        kept = documents.get(key)
        if kept is not None:
            documents.move_to_end(key)
            return kept
        failed = self._failed
        if failed is not None and failed[0] == key:
            self._failed = None
            raise failed[1]
        # No local may hold the last failure while this parse runs: a failure's traceback keeps
        # this frame, whose local held the failure before it, whose traceback kept the one before:
        # every document that failed to parse stayed in memory, tokens and all (400 of 165 KB took
        # a server to 4 GB resident).
        del failed
        try:
            document = parse(query, max_tokens=max_tokens)
        except GraphQLError as error:
            _unlink_tokens_read(error)
            self._failed = (key, error)
            raise
        _unlink_tokens(document)
        kept = _Document(document, query)
        if kept.weight > self._cache_bytes:
            return kept
        documents[key] = kept
        self.cached_bytes += kept.weight
        while len(documents) > self._cache_size or self.cached_bytes > self._cache_bytes:
            self.cached_bytes -= documents.popitem(last=False)[1].weight
        return kept


def _unlink_tokens(document: DocumentNode) -> None:
    """Drops the link of each of the document's tokens to the one before, which nothing reads once
    it is parsed (graphql-core drops both links when it pickles a document).

    The lexer links each token to the one before and the one after: every document was a chain of
    reference cycles as long as its tokens, which reference counting never frees. Such garbage waits
    for a collection of the oldest generation, which a server's collector settings make rare
    (:func:`gateway.app.long_lived`): 300 new documents of 15,000 tokens left 2.6 million objects
    waiting in a server process, and 245 MiB resident after the collection ran, against 108 MiB
    with the links dropped. The chain forward stays (:func:`weight` counts it; the nodes' ``loc``
    hold their first and last tokens, for the errors' locations)."""
    _unlink_from(document.loc.start_token if document.loc is not None else None)


def _unlink_from(token: Token | None) -> None:
    """Drops the backward link of ``token`` and of every token after it."""
    while token is not None:
        token.prev = None
        token = token.next


_PARSE_CODE = parse.__code__
"""The code of graphql-core's `parse`, whose frame holds its parser."""


def _unlink_tokens_read(error: GraphQLError) -> None:
    """As :func:`_unlink_tokens`, for the tokens a parse read before it failed with ``error``: its
    traceback keeps the parser, and so the chain of every token it read, which was cyclic too. A
    failed parse of 15,000 tokens left as many objects to the collector (each then also waited
    in the hooks' last failure, :meth:`OperationHooks.parsed`)."""
    parser = _failed_parser(error)
    if parser is None:
        return
    token = parser._lexer.token  # the one way to the tokens read
    while token.prev is not None:
        token = token.prev
    _unlink_from(token)


def _failed_parser(error: GraphQLError) -> Parser | None:
    """The parser of graphql-core's `parse` in ``error``'s traceback, if any. Only that frame's
    locals are read: reading a frame's locals keeps a copy of them on the frame, and the locals of
    the frames that caught the error hold it, which would then hold itself."""
    trace = error.__traceback__
    while trace is not None:
        if trace.tb_frame.f_code is _PARSE_CODE:
            return next((value for value in trace.tb_frame.f_locals.values() if isinstance(value, Parser)), None)
        trace = trace.tb_next
    return None


def _operation_not_named(context: ExecutionContext, names: list[str]) -> GraphQLError | None:
    """The request error of a document of several operations (``names``) with no `operationName`, or None.

    The specification makes it an error; Strawberry would run the first operation instead
    (its `ExecutionContext.operation_name` falls back to the first one's name).
    """
    if len(names) < 2 or getattr(context, "_provided_operation_name", None) is not None:
        return None
    return GraphQLError(
        f"The document holds {len(names)} operations ({', '.join(names[:5])}{', ...' if len(names) > 5 else ''}); "
        "name the one to run in `operationName`.",
        extensions={"code": "BAD_REQUEST"},
    )


class _Stage:
    """One stage of the operation, as the sync and async context manager Strawberry enters."""

    __slots__ = ("_cancelled", "_enter", "_exit")

    def __init__(
        self,
        enter: Callable[[], None] | None,
        leave: Callable[[], None] | None,
        cancelled: Callable[[], None] | None = None,
    ) -> None:
        self._enter = enter
        self._exit = leave
        self._cancelled = cancelled

    def __enter__(self) -> None:
        if self._enter is not None:
            self._enter()

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, traceback: TracebackType | None
    ) -> None:
        # As a generator hook: the work after `yield` runs only when the stage ended normally.
        if kind is None:
            if self._exit is not None:
                self._exit()
        elif kind is asyncio.CancelledError and self._cancelled is not None:
            self._cancelled()

    async def __aenter__(self) -> None:
        self.__enter__()

    async def __aexit__(
        self, kind: type[BaseException] | None, error: BaseException | None, traceback: TracebackType | None
    ) -> None:
        self.__exit__(kind, error, traceback)


class _Runner(SchemaExtensionsRunner):
    """Strawberry's extension runner, with the gateway's stages and no extensions."""

    def __init__(self, hooks: OperationHooks, context: ExecutionContext) -> None:
        super().__init__(context, [])
        self._hooks = hooks
        self._started = 0.0
        self._document: _Document | None = None
        self._span: OperationSpan | None = None

    def operation(self) -> Any:
        return _Stage(self._begin, self._end, self._abandoned)

    def parsing(self) -> Any:
        return _Stage(self._parse, self._parsed)

    def validation(self) -> Any:
        return _Stage(self._validate, None)

    def executing(self) -> Any:
        return _Stage(self._execute, self._executed)

    def _begin(self) -> None:
        self._started = time.perf_counter()
        context = self.execution_context
        context.parse_options["max_tokens"] = self._hooks.limits.max_tokens
        context.validation_rules = self._hooks.rules(context.validation_rules)
        tracing = getattr(context.context, "tracing", None)
        if tracing is not None:
            self._span = tracing.operation(context.context.trace_parent)

    def _parse(self) -> None:
        context = self.execution_context
        options = context.parse_options
        if context.graphql_document is not None or not context.query or options.keys() != {"max_tokens"}:
            return  # Strawberry parses (or reports a missing query) itself
        with contextlib.suppress(GraphQLError):
            self._document = self._hooks.parsed(context.query, options["max_tokens"])
            context.graphql_document = self._document.document

    def _parsed(self) -> None:
        if self._document is None:  # Strawberry parsed the document itself: its failure keeps the tokens read
            for error in self.execution_context.pre_execution_errors or ():
                _unlink_tokens_read(error)

    def _validate(self) -> None:
        context = self.execution_context
        kept = self._document
        if kept is None or context.graphql_document is not kept.document or context.pre_execution_errors is not None:
            return  # not a cached document: Strawberry validates it itself
        rules = tuple(context.validation_rules)
        errors = kept.errors.get(rules)
        if errors is None:
            errors = kept.errors[rules] = validate_document(context.schema._schema, kept.document, rules)
        unnamed = None if errors else _operation_not_named(context, kept.operations)
        context.pre_execution_errors = [unnamed] if unnamed is not None else list(errors)
        if not errors and kept.deprecated is None:
            kept.deprecated = deprecated_uses(context.schema._schema, kept.document)

    def _execute(self) -> None:
        context = self.execution_context
        kept = self._document
        known = kept.estimates if kept is not None and context.graphql_document is kept.document else None
        try:
            check_budget(context, self._hooks.limits.upstream_budget, known)
        except Exception as error:  # a bug here is the operation's error: masked and logged
            context.result = ExecutionResult(data=None, errors=[GraphQLError(str(error), original_error=error)])
        abandonment = getattr(context.context, "abandonment", None)
        if abandonment is not None and context.operation_type is OperationType.QUERY:
            abandonment.executing_query = True  # from here a lost connection stops it

    def _executed(self) -> None:
        abandonment = getattr(self.execution_context.context, "abandonment", None)
        if abandonment is not None:
            abandonment.executing_query = False

    def _abandoned(self) -> None:
        """The operation was cancelled: if its client went away, it is logged as such (with the
        upstream calls it made), then the view ends the request."""
        context = self.execution_context
        abandonment = getattr(context.context, "abandonment", None)
        if abandonment is None or not abandonment.abandoned:
            if self._span is not None:
                self._span.cancel()
            return
        message = "The client closed its connection before the answer: the query was stopped."
        error = GraphQLError(message, extensions={"code": CLIENT_CLOSED_REQUEST})
        context.result = ExecutionResult(data=None, errors=[error])
        self._end()

    def _end(self) -> None:
        context = self.execution_context
        code_errors(context)
        manifest = getattr(context.context, "manifest", None)
        in_manifest = None if manifest is None else bool(context.query) and manifest.trusts(context.query)
        kept = self._document
        deprecated = (kept.deprecated or ()) if kept is not None and context.graphql_document is kept.document else ()
        span = self._span
        if span is None:
            log_operation(context, self._started, None, in_manifest, deprecated)
            return
        log_operation(context, self._started, span.trace_id, in_manifest, deprecated)
        request_id = getattr(context.context, "request_id", None)
        span.end(context, operation_facts(context), request_id, in_manifest, deprecated)
