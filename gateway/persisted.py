"""Automatic persisted queries (Apollo's APQ, which Apollo Client and urql speak): documents kept by
their SHA-256 hash, so that a client sends a query's hash alone once the gateway has seen its text.

A request whose `extensions` hold `{"persistedQuery": {"version": 1, "sha256Hash": H}}`:

* with its document: the hash is checked against the document's text (a client cannot put a
  document under another's hash) and, once the operation has run (it parsed and validated), the
  document is kept under it;
* without: the document kept under `H` is run, or, if there is none, the answer is the error
  `PersistedQueryNotFound` (code `PERSISTED_QUERY_NOT_FOUND`), on which both clients send the
  hash again with the document.

The documents are kept per worker, in memory, the least recently used first out when they pass
:data:`MAX_DOCUMENTS` or :data:`MAX_BYTES`: a client whose hash reaches a worker that does not
know it (another worker, a restart) gets `PersistedQueryNotFound` and sends its document once more.

A manifest (:class:`PersistedDocuments`, `GATEWAY_PERSISTED_DOCUMENTS`) is read at start instead:
a frontend's build writes it, with every document the frontend sends (trusted documents). Its
documents are found by their ids (`documentId`, the GraphQL-over-HTTP specification's persisted
documents appendix) and by their hashes, in every worker from the first request; with
`GATEWAY_PERSISTED_DOCUMENTS_ONLY` they are the only documents that run (a safelist), sent by id,
by hash, or whole (the same document however spaced or commented: :meth:`PersistedDocuments.trusts`).
"""

from __future__ import annotations

import hashlib
import json
import re
from collections import OrderedDict
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from cross_web import HTTPException
from graphql import DocumentNode, FragmentDefinitionNode, GraphQLError, OperationDefinitionNode, parse, print_ast

from gateway.jsoncodec import loads
from gateway.quoting import quoted

__all__ = [
    "APOLLO_MANIFEST_FORMAT",
    "MAX_BYTES",
    "MAX_DOCUMENTS",
    "PersistedDocuments",
    "PersistedQueries",
    "load_persisted_documents",
    "normal_form",
    "requested_hash",
    "sha256_hex",
]

MAX_DOCUMENTS = 4096
"""The most documents one worker keeps by hash."""
MAX_BYTES = 8 * 2**20
"""The most their texts weigh together (as UTF-8, with :data:`_ENTRY_BYTES` each): thousands of
ordinary documents, and at least eight of the largest request body the gateway reads by default."""
_ENTRY_BYTES = 200
"""What a kept document costs beyond its text: its hash and the store's entry."""
_SHA256_HEX = re.compile(r"[0-9a-fA-F]{64}")
_OPERATION_NAME = re.compile(r"\b(?:query|mutation|subscription)\s+([_A-Za-z][_0-9A-Za-z]*)")
"""An operation's name in a document's text (or in a comment or a string: a candidate, not a proof)."""
_SHAPE = '{"persistedQuery": {"version": 1, "sha256Hash": "<the document\'s SHA-256, 64 hexadecimal digits>"}}'


def sha256_hex(query: str) -> str:
    """The hash a client sends for ``query``: SHA-256 of its UTF-8 text, in lower-case hexadecimal."""
    return hashlib.sha256(query.encode()).hexdigest()


def requested_hash(persisted: object) -> str:
    """The document hash a request's `persistedQuery` extension (``persisted``) names, in lower
    case, or an `HTTPException` (400) saying what is wrong with it."""
    if not isinstance(persisted, dict):
        raise HTTPException(400, f"The `persistedQuery` extension must be an object: {_SHAPE}.")
    version = persisted.get("version")
    if version != 1 or isinstance(version, bool):
        raise HTTPException(
            400, "The persisted query's `version` must be 1, the only version of automatic persisted queries."
        )
    digest = persisted.get("sha256Hash")
    if not isinstance(digest, str) or not _SHA256_HEX.fullmatch(digest):
        raise HTTPException(
            400, "The persisted query's `sha256Hash` must be the document's SHA-256, as 64 hexadecimal digits."
        )
    return digest.lower()


class PersistedQueries:
    """Documents by the SHA-256 of their text, the least recently used first out past
    ``max_documents`` or ``max_bytes``."""

    def __init__(self, *, max_documents: int = MAX_DOCUMENTS, max_bytes: int = MAX_BYTES) -> None:
        self.max_documents = max_documents
        self.max_bytes = max_bytes
        self._documents: OrderedDict[str, tuple[str, int]] = OrderedDict()
        self.kept_bytes = 0
        """What the kept documents weigh together."""

    def __len__(self) -> int:
        return len(self._documents)

    def get(self, digest: str) -> str | None:
        """The document kept under ``digest``, if any."""
        kept = self._documents.get(digest)
        if kept is None:
            return None
        self._documents.move_to_end(digest)
        return kept[0]

    def keep(self, digest: str, query: str) -> None:
        """Keeps ``query`` under ``digest`` (its :func:`sha256_hex`, which the caller has checked).
        A document heavier than the whole store is not kept."""
        if digest in self._documents:
            self._documents.move_to_end(digest)
            return
        weight = len(query.encode()) + _ENTRY_BYTES
        if weight > self.max_bytes:
            return
        self._documents[digest] = (query, weight)
        self.kept_bytes += weight
        while len(self._documents) > self.max_documents or self.kept_bytes > self.max_bytes:
            _, (_, dropped) = self._documents.popitem(last=False)
            self.kept_bytes -= dropped


APOLLO_MANIFEST_FORMAT = "apollo-persisted-query-manifest"
"""The `format` of Apollo's persisted query manifest (`@apollo/generate-persisted-query-manifest`)."""


class PersistedDocuments:
    """A manifest's documents (trusted documents, a safelist), by id.

    Each document is found by its id in the manifest, and by its SHA-256 document identifier of
    the GraphQL-over-HTTP specification (`sha256:` and the lower-case hex of its text's SHA-256,
    which is also what GraphQL Code Generator's client preset writes as the id). A persisted
    query's hash (APQ) finds it by either, with or without the `sha256:` prefix.
    """

    def __init__(self, documents: Mapping[str, str]) -> None:
        self._texts = frozenset(documents.values())
        # The manifests' own ids are set last: an id of theirs names its document, whatever else.
        by_id = {f"sha256:{sha256_hex(text)}": text for text in self._texts}
        self._ids: dict[str, list[str]] = {}
        for document_id, text in documents.items():
            by_id[document_id] = text
            self._ids.setdefault(text, []).append(document_id)
        self._by_id = by_id
        self.longest_variant = 4 * max(map(len, self._texts), default=0) + 4096
        """The longest text :meth:`trusts` parses to match it to a document of another spacing."""
        self._variants = PersistedQueries(max_documents=MAX_DOCUMENTS, max_bytes=MAX_BYTES)
        """Texts found to be the manifest's documents spaced or ordered otherwise, by themselves."""
        self._strangers = PersistedQueries(max_documents=MAX_DOCUMENTS, max_bytes=MAX_BYTES)
        """Texts within the bound found not to be: a client sending one again is not parsed again."""
        self._by_name: dict[str, list[str]] | None = None
        self._forms: dict[str, str | None] = {}

    def __len__(self) -> int:
        """How many different documents the manifest holds."""
        return len(self._texts)

    def ids_by_text(self) -> dict[str, list[str]]:
        """Each document, with the ids the manifests give it."""
        return self._ids

    def get(self, document_id: str) -> str | None:
        """The document whose id is ``document_id``, if any."""
        return self._by_id.get(document_id)

    def get_by_hash(self, sha256_hash: str) -> str | None:
        """The document a persisted query's `sha256Hash` names: its id in the manifest, or the
        SHA-256 of its text (in hexadecimal, either case)."""
        return self._by_id.get(sha256_hash) or self._by_id.get(f"sha256:{sha256_hash.lower()}")

    def trusts(self, query: str) -> bool:
        """Whether ``query`` is one of the manifest's documents: its text, or the same document spaced,
        commented or with its definitions in another order (the same :func:`normal_form`), as Apollo
        Router's safelist matches them.

        Only a text at most :attr:`longest_variant` long is parsed for that: four times the longest
        document's length and 4 KiB, room for any spacing and comments, while a client cannot make
        the gateway parse more than that. The texts looked at so are kept, those found and those
        not apart (a few thousand each, 8 MiB at most), and answered again without a parse.
        """
        if query in self._texts:
            return True
        if len(query) > self.longest_variant:
            return False
        if self._variants.get(query) is not None:
            return True
        if self._strangers.get(query) is not None:
            return False
        trusted = self._same_document(query)
        (self._variants if trusted else self._strangers).keep(query, query)
        return trusted

    def _same_document(self, query: str) -> bool:
        """Whether ``query`` parses to the :func:`normal_form` of a manifest's document."""
        try:
            document = parse(query, no_location=True)
        except (GraphQLError, RecursionError):
            return False
        names = {
            node.name.value for node in document.definitions if isinstance(node, OperationDefinitionNode) and node.name
        }
        form = normal_form(document)
        return any(self._form_of(text) == form for text in self._named(names))

    def _named(self, names: set[str]) -> list[str]:
        """The manifest's documents whose text names an operation of ``names``."""
        if self._by_name is None:
            self._by_name = {}
            for text in self._texts:
                for name in {match[1] for match in _OPERATION_NAME.finditer(text)}:
                    self._by_name.setdefault(name, []).append(text)
        return [text for name in sorted(names) for text in self._by_name.get(name, ())]

    def _form_of(self, text: str) -> str | None:
        """The :func:`normal_form` of a manifest's document (None if it does not parse), worked out once."""
        if text not in self._forms:
            try:
                self._forms[text] = normal_form(parse(text, no_location=True))
            except (GraphQLError, RecursionError):
                self._forms[text] = None
        return self._forms[text]


def normal_form(document: DocumentNode) -> str:
    """``document`` printed (no comments, the printer's own spacing) with its operations first, then
    its fragments, each sorted by name: the same text for a document however spaced, commented or
    ordered. Not for another selection order, which is another document."""
    operations = sorted(
        (node for node in document.definitions if isinstance(node, OperationDefinitionNode)),
        key=lambda node: node.name.value if node.name else "",
    )
    fragments = sorted(
        (node for node in document.definitions if isinstance(node, FragmentDefinitionNode)),
        key=lambda node: node.name.value,
    )
    others = [
        node for node in document.definitions if not isinstance(node, OperationDefinitionNode | FragmentDefinitionNode)
    ]
    return print_ast(DocumentNode(definitions=(*operations, *fragments, *others)))


def load_persisted_documents(*paths: Path) -> PersistedDocuments:
    """The documents of the manifests at ``paths`` together, or a `ValueError` saying what is wrong.

    Several manifests: one for each client (web, iOS, Android), or for each release of a client
    still in use (a browser may run last week's frontend, with last week's ids). An id two of them
    give to different documents is refused.
    """
    documents: dict[str, str] = {}
    origins: dict[str, Path] = {}
    for path in paths:
        for document_id, text in _manifest_documents(path).items():
            if documents.setdefault(document_id, text) != text:
                msg = (
                    f"the manifests {str(origins[document_id])!r} and {str(path)!r} give the id "
                    f"{_quoted(document_id)} to different documents"
                )
                raise ValueError(msg)
            origins.setdefault(document_id, path)
    return PersistedDocuments(documents)


def _manifest_documents(path: Path) -> dict[str, str]:
    """The documents of the manifest at ``path`` by id, or a `ValueError` saying what is wrong with it.

    Two formats: GraphQL Code Generator's `persisted-documents.json` (the client preset with
    `persistedDocuments`), an object of documents by id; and Apollo's persisted query manifest,
    `{"format": "apollo-persisted-query-manifest", "version": 1, "operations": [{"id": ..., "body": ...}]}`.
    """
    try:
        manifest = loads(path.read_bytes())  # orjson, bounded in depth
    except OSError as error:
        msg = f"cannot read the manifest {str(path)!r}: {error.strerror or error}"
        raise ValueError(msg) from None
    except ValueError as error:  # invalid JSON or UTF-8
        msg = f"the manifest {str(path)!r} is not JSON: {error}"
        raise ValueError(msg) from None
    documents = _apollo_manifest(manifest) if _is_apollo_manifest(manifest) else _documents_by_id(manifest)
    for document_id, text in documents.items():
        if not document_id or not isinstance(text, str) or not text.strip():
            msg = f"the manifest's document {_quoted(document_id)} must be a GraphQL document's text"
            raise ValueError(msg)
    if not documents:
        msg = f"the manifest {str(path)!r} holds no documents"
        raise ValueError(msg)
    return documents


_MANIFEST_SHAPES = (
    'GraphQL Code Generator\'s persisted-documents.json, {"<id>": "<document>", ...}, or Apollo\'s '
    f'persisted query manifest, {{"format": "{APOLLO_MANIFEST_FORMAT}", "version": 1, "operations": '
    '[{"id": "<id>", "body": "<document>", ...}, ...]}'
)


def _is_apollo_manifest(manifest: object) -> bool:
    return isinstance(manifest, dict) and "format" in manifest and "operations" in manifest


def _documents_by_id(manifest: object) -> dict[str, str]:
    if not isinstance(manifest, dict):
        msg = f"a manifest is {_MANIFEST_SHAPES}"
        raise ValueError(msg)
    return manifest


def _apollo_manifest(manifest: dict[str, Any]) -> dict[str, str]:
    if manifest["format"] != APOLLO_MANIFEST_FORMAT or manifest.get("version") != 1:
        msg = (
            f"the manifest's format is {_quoted(manifest['format'])}, version {manifest.get('version')!r}; "
            f"the gateway reads {_MANIFEST_SHAPES}"
        )
        raise ValueError(msg)
    operations = manifest["operations"]
    if not isinstance(operations, list):
        msg = f"the manifest's `operations` must be a list: {_MANIFEST_SHAPES}"
        raise ValueError(msg)
    documents: dict[str, Any] = {}  # each body is checked by the caller
    for operation in operations:
        if not isinstance(operation, dict) or not isinstance(operation.get("id"), str):
            msg = f"each of the manifest's operations has a string `id` and a `body`: {_MANIFEST_SHAPES}"
            raise ValueError(msg)
        document_id, body = operation["id"], operation.get("body")
        if documents.setdefault(document_id, body) != body:
            msg = f"the manifest gives the id {_quoted(document_id)} to two different documents"
            raise ValueError(msg)
    return documents


def _quoted(value: object) -> str:
    """``value`` for a message, by at most 100 characters of it."""
    return quoted(value if isinstance(value, str) else json.dumps(value))
