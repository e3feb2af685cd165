"""Strawberry's parser cache, with parse errors reported the way uncached ones are."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

from graphql import GraphQLError
from strawberry.extensions import ParserCache

__all__ = ["DocumentCache"]


class DocumentCache(ParserCache):
    """Parses each document text once (per parse options, such as the token limit).

    Strawberry's `ParserCache` raises a syntax error from its own hook, outside the place where
    Strawberry turns parse errors into a result, so the error would skip the error codes. On a
    parse error this one leaves the document unset: Strawberry then parses it itself and reports
    the same error as usual. Errors are not cached, so a bad document costs its parse each time.
    """

    def on_parse(self) -> Iterator[None]:
        context = self.execution_context
        with contextlib.suppress(GraphQLError):
            context.graphql_document = self.cached_parse_document(context.query, **context.parse_options)
        yield
