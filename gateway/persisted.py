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
"""

from __future__ import annotations

import hashlib
import re
from collections import OrderedDict

from cross_web import HTTPException

__all__ = ["MAX_BYTES", "MAX_DOCUMENTS", "PersistedQueries", "requested_hash", "sha256_hex"]

MAX_DOCUMENTS = 4096
"""The most documents one worker keeps by hash."""
MAX_BYTES = 8 * 2**20
"""The most their texts weigh together (as UTF-8, with :data:`_ENTRY_BYTES` each): thousands of
ordinary documents, and at least eight of the largest request body the gateway reads by default."""
_ENTRY_BYTES = 200
"""What a kept document costs beyond its text: its hash and the store's entry."""
_SHA256_HEX = re.compile(r"[0-9a-fA-F]{64}")
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
