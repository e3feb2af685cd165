"""The ``gateway`` command: ``serve``, ``serve-api``, ``check-documents``, ``export-schema``, ``diff-schema``.
The only reader of the environment."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import errno
import logging
import os
import platform
import resource
import socket
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterator, Mapping, Sequence
from importlib import metadata
from pathlib import Path
from typing import Any

from pydantic import ValidationError
from strawberry.printer import print_schema

from gateway.app import create_api_app, create_app, long_lived, schema_for
from gateway.embedded.store import ConversationStore, DatabaseUnusable
from gateway.persisted import load_persisted_documents
from gateway.protocol import protocol_for
from gateway.quoting import shortened
from gateway.schema import build_schema
from gateway.schema.deprecation import deprecated_uses
from gateway.schema.errors import document_coded
from gateway.schema.oplog import LineHandler
from gateway.schema_changes import UnreadableSchema, compare, read_schema, read_schema_from
from gateway.server import serve, serve_workers
from gateway.settings import Settings

__all__ = ["log_to_stderr", "main"]


def _version() -> str:
    """This release and what it runs on, as a bug report wants them."""
    versions = ", ".join(
        f"{package} {metadata.version(package)}" for package in ("strawberry-graphql", "graphql-core", "uvicorn")
    )
    return f"gateway {metadata.version('gateway')} ({versions}; Python {platform.python_version()})"


class _Version(argparse.Action):
    """`--version`: the line whole (argparse's own action wraps it to the terminal's width)."""

    def __call__(self, parser: argparse.ArgumentParser, *_: object) -> None:
        print(_version())
        parser.exit()


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="gateway", description="A GraphQL gateway over OpenAI's Conversations API.")
    parser.add_argument("--version", action=_Version, nargs=0, help="say which release this is, and exit")
    commands = parser.add_subparsers(dest="command", required=True)
    for name, help_text in (
        ("serve", "serve the gateway (and, without --upstream-url, the built-in REST API at /v1)"),
        ("serve-api", "serve only the built-in Conversations REST API at /v1"),
    ):
        command = commands.add_parser(name, help=help_text)
        command.add_argument("--host", help="address to listen on (GATEWAY_HOST, default 127.0.0.1)")
        command.add_argument("--port", type=int, help="port to listen on (GATEWAY_PORT, default 8000)")
        command.add_argument("--database", help="SQLite file of the built-in API (GATEWAY_DATABASE)")
        command.add_argument("--workers", type=int, help="worker processes (GATEWAY_WORKERS, default 1)")
        if name == "serve-api":
            command.add_argument("--bench-latency-ms", type=float, help=argparse.SUPPRESS)
        if name == "serve":
            command.add_argument(
                "--upstream-url",
                help="Conversations API base URL, e.g. https://api.openai.com/v1 (GATEWAY_UPSTREAM_URL)",
            )
            command.add_argument(
                "--demo",
                action="store_true",
                default=None,
                help="write demo conversations for the server's key when it has none yet (GATEWAY_DEMO)",
            )
    check = commands.add_parser(
        "check-documents",
        help="check that the gateway runs every document of persisted-document manifests: the schema's rules "
        "and the limits of the GATEWAY_* variables, as a request's document is checked before it runs",
    )
    check.add_argument("manifests", nargs="+", help="manifests, as GATEWAY_PERSISTED_DOCUMENTS takes them")
    export = commands.add_parser("export-schema", help="write the GraphQL schema (SDL) to a file")
    export.add_argument(
        "--output", default="schema.graphql", help="where to write it (default schema.graphql; - for stdout)"
    )
    diff = commands.add_parser(
        "diff-schema",
        help="list what changed from an older schema to this release's (or another's), as a client generated "
        "from the older one sees it; exit status 1 if a change may break such a client",
    )
    diff.add_argument(
        "old",
        help="the older schema: a file of SDL or of an introspection result as JSON (- for stdin), "
        "or a GraphQL endpoint's http(s) URL, introspected",
    )
    diff.add_argument("new", nargs="?", help="the newer schema, in the same forms (default: this release's)")
    diff.add_argument("--safe", action="store_true", help="list the safe changes too (additions, descriptions)")
    diff.add_argument(
        "--header",
        action="append",
        default=[],
        metavar="'NAME: VALUE'",
        help="a header for the introspection of a URL (repeatable), e.g. 'Authorization: Bearer sk-...'",
    )
    return parser


def schema_sdl() -> str:
    """The schema as SDL, exactly as ``schema.graphql`` holds it."""
    return print_schema(build_schema()) + "\n"


def _settings(arguments: argparse.Namespace) -> Settings:
    overrides = {
        name: value
        for name in ("host", "port", "database", "upstream_url", "demo", "workers", "bench_latency_ms")
        if (value := getattr(arguments, name, None)) is not None
    }
    return Settings(**overrides)


class _ShutdownCancellations(logging.Filter):
    """Drops uvicorn's "Exception in ASGI application" records of the requests it cancels as it stops.

    When the requests under way outlast the shutdown timeout, uvicorn says so in one line ("Cancel 2
    running task(s), timeout graceful shutdown exceeded"), cancels each with that reason, and then
    logged each at ERROR with its whole traceback. Any other cancellation is still logged."""

    def filter(self, record: logging.LogRecord) -> bool:
        error = record.exc_info[1] if record.exc_info else None
        return not (isinstance(error, asyncio.CancelledError) and "graceful shutdown" in str(error))


class _LibraryLines(logging.Filter):
    """At most ``per_second`` records a second pass, each message at most ``longest`` characters
    (its start and end): for a library that puts what a client sent in its warnings.

    OpenTelemetry's propagators warn about each malformed trace header they read, the header
    whole (`Baggage header `<up to the 64 KiB the gateway reads>` exceeded ...`), once per
    request: a client could fill the log with its own text. Its exporter's warnings of a collector
    that is down come a few each batch, and the SDK de-duplicates those itself.
    """

    def __init__(self, per_second: int = 10, longest: int = 300, clock: Callable[[], float] = time.monotonic) -> None:
        super().__init__()
        self.per_second = per_second
        self.longest = longest
        self._clock = clock
        self._second = -1
        self._passed = 0

    def filter(self, record: logging.LogRecord) -> bool:
        second = int(self._clock())
        if second != self._second:
            self._second, self._passed = second, 0
        self._passed += 1
        if self._passed > self.per_second:
            return False
        message = record.getMessage()
        if len(message) > self.longest:
            record.msg, record.args = shortened(message, self.longest), None
        return True


def log_to_stderr() -> None:
    """The gateway's own log lines (one JSON line per operation, errors) on stderr, next to uvicorn's.

    Every server process calls it: the command's, and each ``--workers`` process, which starts
    from a fresh interpreter and would otherwise drop them. Calling it again changes nothing.

    A server process's log records leave out what no formatter here prints (the calling
    function's file and line, found by walking the stack; the thread's and the process's names),
    as the logging HOWTO's *Optimization* section describes: a log call takes about 8 us instead
    of 17. An operation's line, one per operation, skips logging's machinery altogether while this
    is the only handler (gateway/schema/oplog.py).
    """
    logging._srcfile = None  # the documented switch (a module attribute)
    logging.logThreads = False
    logging.logProcesses = False
    logging.logMultiprocessing = False
    server = logging.getLogger("uvicorn.error")
    if not any(isinstance(kept, _ShutdownCancellations) for kept in server.filters):
        server.addFilter(_ShutdownCancellations())
    library = logging.getLogger("opentelemetry")  # a name: nothing is imported
    if not library.handlers:
        lines = logging.StreamHandler()
        lines.setFormatter(logging.Formatter("OpenTelemetry: %(message)s"))
        lines.addFilter(_LibraryLines())
        library.addHandler(lines)
        library.propagate = False
    logger = logging.getLogger("gateway")
    if any(isinstance(handler, LineHandler) for handler in logger.handlers):
        return
    logger.addHandler(LineHandler())
    logger.setLevel(logging.INFO)
    logger.propagate = False


_ALIASES = {
    "GATEWAY_API_KEY": ("GATEWAY_API_KEY", "OPENAI_API_KEY"),
    "GATEWAY_ORGANIZATION": ("GATEWAY_ORGANIZATION", "OPENAI_ORG_ID"),
    "GATEWAY_PROJECT": ("GATEWAY_PROJECT", "OPENAI_PROJECT_ID"),
    **{
        f"OTEL_EXPORTER_OTLP_TRACES_{part}": (f"OTEL_EXPORTER_OTLP_TRACES_{part}", f"OTEL_EXPORTER_OTLP_{part}")
        for part in ("PROTOCOL", "ENDPOINT", "TIMEOUT", "COMPRESSION")
    },
}
"""Variables pydantic names by their first alias, and every alias, in the settings' order."""


def _traces_destination() -> str:
    """Where OpenTelemetry's exporter sends the traces, and what it samples, as it reads the
    variables (its own `_resolve_endpoint`): for the banner, without importing it."""
    endpoint = os.environ.get("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT") or (
        f"{(os.environ.get('OTEL_EXPORTER_OTLP_ENDPOINT') or 'http://localhost:4318').removesuffix('/')}/v1/traces"
    )
    sampler = (os.environ.get("OTEL_TRACES_SAMPLER") or "parentbased_always_on").lower()
    if sampler.endswith("traceidratio"):
        sampler += f" {os.environ.get('OTEL_TRACES_SAMPLER_ARG') or '1.0'}"
    return f"OTLP/HTTP to {endpoint} (sampler {sampler})"


def _settings_error(error: ValidationError, arguments: argparse.Namespace) -> str:
    """What is wrong with the settings, one line each, named as the user gave them."""
    lines = []
    for problem in error.errors():
        name = str(problem["loc"][0]) if problem["loc"] else "settings"
        if name.isupper():  # a variable named by its first alias: the one of its aliases that is set
            source = next((alias for alias in _ALIASES.get(name, ()) if alias in os.environ), name)
        elif getattr(arguments, name, None) is not None:
            source = f"--{name.replace('_', '-')}"
        else:
            source = f"GATEWAY_{name.upper()}"
        given = "" if _may_hold_a_secret(name, problem["input"]) else f" (got {problem['input']!r})"
        said = problem["msg"].removeprefix("Value error, ")  # pydantic's prefix for a validator's own message
        lines.append(f"gateway: {source}: {said}{given}\n")
    return "".join(lines)


def _checked_settings(parser: argparse.ArgumentParser, arguments: argparse.Namespace) -> Settings:
    """The settings, and the built-in API's file when a server will use it; on a mistake, one line
    for each and exit status 2."""
    try:
        settings = _settings(arguments)
    except ValidationError as error:
        parser.exit(2, _settings_error(error, arguments))
    if arguments.command in ("serve", "serve-api"):
        _check_address(parser, arguments, settings.host, settings.port)
    if arguments.command == "serve-api" or (arguments.command == "serve" and settings.upstream_url is None):
        _check_database(parser, arguments, settings.database)
    return settings


def _source(arguments: argparse.Namespace, name: str) -> str:
    """How the user gave the setting ``name``: its flag, or its variable (or its default)."""
    return f"--{name.replace('_', '-')}" if getattr(arguments, name, None) is not None else f"GATEWAY_{name.upper()}"


def _check_address(parser: argparse.ArgumentParser, arguments: argparse.Namespace, host: str, port: int) -> None:
    """Binds every address ``host`` and ``port`` name, as the server will, and lets them go; or
    exits with status 2 and one line saying why the server could not listen there.

    uvicorn found it as it started, after the banner had given the GraphiQL URL: a second `make
    serve` printed the first one's address, and the browser opened the other server."""
    try:
        addresses = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
    except socket.gaierror as error:
        parser.exit(2, f"gateway: {_source(arguments, 'host')}: cannot listen on {host!r}: {error.strerror}\n")
    for family, kind, protocol, _, address in addresses:
        with socket.socket(family, kind, protocol) as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as the server sets it
            if family == socket.AF_INET6:
                probe.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)  # as asyncio sets it
            try:
                probe.bind(address)
            except OSError as error:
                if error.errno == errno.EADDRINUSE:
                    said = f"port {port} of {address[0]} is in use (another server?): choose another port"
                    parser.exit(2, f"gateway: {_source(arguments, 'port')}: {said}\n")
                where = f"{_source(arguments, 'host')}" if error.errno == errno.EADDRNOTAVAIL else "--host/--port"
                parser.exit(2, f"gateway: {where}: cannot listen on {address[0]} port {port}: {error.strerror}\n")


def _check_database(parser: argparse.ArgumentParser, arguments: argparse.Namespace, path: Path) -> None:
    """Makes and migrates the built-in API's SQLite file, or exits with status 2 and one line
    saying why it cannot serve, named as the user gave it.

    Checked before the server starts, as the settings are: otherwise each server process found it
    as it started (in its lifespan), and said so in a traceback of thirty lines, exit status 3,
    after the banner had given the GraphiQL URL. The server opens the file again (a few ms)."""
    store = ConversationStore(path)

    async def open_and_close() -> None:
        await store.open()
        await store.close()

    try:
        asyncio.run(open_and_close())
    except DatabaseUnusable as error:
        parser.exit(2, f"gateway: {_source(arguments, 'database')}: {error}\n")


def _may_hold_a_secret(name: str, given: object) -> bool:
    """Whether a setting's value is not to be repeated: a key, or a URL with a user or password."""
    if "key" in name.lower():
        return True
    if not isinstance(given, str):
        return False
    authority = given.split("://", 1)[-1].split("/", 1)[0]  # not urlsplit, which raises on a bad "[" there
    return "@" in authority


def raise_open_files_limit() -> tuple[int, int]:
    """Raises the process's soft limit on open files to its hard limit, as Go's runtime and the JVM
    do; returns the soft limit before and after.

    Each client connection holds a file descriptor, and past the soft limit a new client's
    connection is dropped unanswered (checked: a soft limit of 200 and 400 idle connections, each
    kept up to the header timeout). systemd's default soft limit is 1,024, its hard limit 524,288.
    Nothing in the gateway uses `select()`, which cannot watch descriptors past 1,023 (the event
    loop uses epoll)."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if resource.RLIM_INFINITY not in (hard, soft) and soft < hard:
        with contextlib.suppress(ValueError, OSError):  # a sandbox may refuse it: the limit stays
            resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    return soft, resource.getrlimit(resource.RLIMIT_NOFILE)[0]


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    arguments = parser.parse_args(argv)
    if arguments.command == "export-schema":
        return export_schema(arguments.output)
    if arguments.command == "diff-schema":
        headers = _headers(parser, arguments.header)
        return diff_schema(arguments.old, arguments.new, list_safe=arguments.safe, headers=headers)
    settings = _checked_settings(parser, arguments)
    if arguments.command == "check-documents":
        return check_documents([Path(manifest) for manifest in arguments.manifests], settings)
    log_to_stderr()
    base = f"http://{settings.host}:{settings.port}"
    if arguments.command == "serve":
        print(f"GraphiQL: {base}/graphql", file=sys.stderr)
        upstream = (
            settings.upstream_url or f"the built-in Conversations API at {base}/v1 (database {settings.database})"
        )
        scope = ", ".join(
            f"{what} {value}"
            for what, value in (("organization", settings.organization), ("project", settings.project))
            if value
        )
        if scope:  # what the server's key acts in: say it, as OPENAI_PROJECT_ID may come from the shell
            upstream += f"; without a key of their own, requests act in {scope}"
        print(f"Upstream: {upstream}", file=sys.stderr)
        if settings.persisted_documents:
            manifests = ", ".join(str(path) for path in settings.persisted_documents)
            safelist = " (a safelist: no other document runs)" if settings.persisted_documents_only else ""
            print(f"Persisted documents: {manifests}{safelist}", file=sys.stderr)
        if settings.tracing:
            print(f"Traces: {_traces_destination()}", file=sys.stderr)
    else:
        print(f"Built-in Conversations API: {base}/v1 (database {settings.database})", file=sys.stderr)
    before, after = raise_open_files_limit()
    if after != before:
        print(f"Open files: up to {after:,} (the soft limit was {before:,})", file=sys.stderr)
    # The gateway logs one JSON line per GraphQL operation; uvicorn's access log would double it.
    options: dict[str, Any] = {
        "host": settings.host,
        "port": settings.port,
        "log_level": "info",
        "access_log": False,
        "timeout_keep_alive": settings.keep_alive,
        "timeout_graceful_shutdown": settings.shutdown_timeout,
        "http": protocol_for(settings),
        # No `Server: uvicorn` on every answer: naming the software (and so its known flaws) tells a
        # client nothing it needs; scanners flag it, and production proxies drop it.
        "server_header": False,
    }
    if settings.workers > 1:
        # Each worker process builds its app from the environment: hand it the settings there.
        os.environ.update(_environment(settings))
        # gateway.launch imports the app with the cycle collector paused, as it does for this command.
        factory = (
            "gateway.launch:app_from_environment"
            if arguments.command == "serve"
            else "gateway.launch:api_from_environment"
        )
        with _metrics_directory(settings):
            serve_workers(factory, settings.workers, factory=True, **options)
    else:
        app = create_app(settings) if arguments.command == "serve" else create_api_app(settings)
        serve(long_lived(app), **options)
    return 0


@contextlib.contextmanager
def _metrics_directory(settings: Settings) -> Iterator[None]:
    """With metrics and several workers: a directory for their values (prometheus_client's
    multiprocess mode), in the workers' environment, removed when the command ends. One given as
    `PROMETHEUS_MULTIPROC_DIR` is used as it is, and kept."""
    if not settings.metrics or settings.prometheus_multiproc_dir is not None:
        yield
        return
    with tempfile.TemporaryDirectory(prefix="gateway-metrics-") as directory:
        os.environ["PROMETHEUS_MULTIPROC_DIR"] = directory
        try:
            yield
        finally:
            del os.environ["PROMETHEUS_MULTIPROC_DIR"]


def check_documents(manifests: list[Path], settings: Settings) -> int:
    """`gateway check-documents`: a line on stdout for each reason the gateway would refuse a
    manifest's document before running it, and for each document that runs but uses deprecated
    parts of the schema, then a count; exit status 1 if any is refused, 2 if a manifest cannot
    be read. For a frontend's CI: its build writes the manifest, and this says
    whether the gateway will run all of it (the upstream-call budget, which depends on the
    variables' values, is checked when an operation runs)."""
    try:
        documents = load_persisted_documents(*manifests)
    except ValueError as error:
        sys.stderr.write(f"gateway: {error}\n")
        return 2
    schema = schema_for(settings)
    refused = deprecated = 0
    for text, ids in documents.ids_by_text().items():
        names, errors = schema.hooks.check(schema._schema, text)
        named = f"{ids[0]} ({', '.join(names) or 'no operation'})"
        if errors:
            refused += 1
        for problem in errors:
            extensions: dict[str, Any] = dict(problem.extensions or {})
            message = document_coded(problem, extensions)
            print(f"{named}: {extensions['code']}: {message}")
        uses = () if errors else deprecated_uses(schema._schema, schema.hooks.document(text))
        if uses:
            deprecated += 1
            print(f"{named}: DEPRECATED: it uses {', '.join(uses)}, which a later release may remove.")
    total = len(documents)
    also = (
        f" {deprecated} of them {'uses' if deprecated == 1 else 'use'} deprecated parts of the schema."
        if deprecated
        else ""
    )
    if refused:
        print(f"{refused} of {total} documents would be refused by this gateway.{also}")
        return 1
    print(f"All {total} documents would run on this gateway.{also}")
    return 0


def export_schema(output: str) -> int:
    """`gateway export-schema`: this release's schema as SDL, to a file or (``-``) to stdout."""
    if output == "-":
        sys.stdout.write(schema_sdl())
    else:
        Path(output).write_text(schema_sdl())
    return 0


def diff_schema(old: str, new: str | None, *, list_safe: bool, headers: Mapping[str, str] | None = None) -> int:
    """`gateway diff-schema`: a line on stdout for each breaking and each dangerous change and
    each deprecation from ``old`` to ``new`` (this release's schema when ``None``), the safe ones
    too with ``list_safe``, then a count; exit status 1 if any change is breaking, 2 if a schema
    cannot be read. For a team whose client was generated from ``old``: what upgrading the
    gateway changes for it; and before a deploy, from the deployed gateway's URL: what the deploy
    changes for its clients."""
    sent = headers or {}
    try:
        before = read_schema_from(old, sent)
        after = read_schema(schema_sdl(), "this release's schema") if new is None else read_schema_from(new, sent)
    except UnreadableSchema as error:
        sys.stderr.write(f"gateway: {error}\n")
        return 2
    changes = compare(before, after)
    if not changes:
        print("No changes.")
        return 0
    counts = Counter(change.kind for change in changes)
    for change in changes:
        if change.kind != "safe" or list_safe:
            print(change)
    deprecations = f", {counts['deprecation']} deprecation{'' if counts['deprecation'] == 1 else 's'}"
    safe = f", {counts['safe']} safe" + ("" if list_safe or not counts["safe"] else " (--safe lists them)")
    print(f"{_changes(counts['breaking'], 'breaking')}, {counts['dangerous']} dangerous{deprecations}{safe}.")
    return 1 if counts["breaking"] else 0


def _headers(parser: argparse.ArgumentParser, given: list[str]) -> dict[str, str]:
    headers: dict[str, str] = {}
    for header in given:
        name, colon, value = header.partition(":")
        if not colon or not name.strip():
            parser.error(f"--header takes 'NAME: VALUE', not {header!r}")
        headers[name.strip()] = value.strip()
    return headers


def _changes(count: int, kind: str) -> str:
    return f"{count} {kind} change{'' if count == 1 else 's'}"


def _environment(settings: Settings) -> dict[str, str]:
    values = settings.model_dump(
        exclude_none=True,
        exclude={"api_key", "api_keys", "cors_origins", "prometheus_multiproc_dir", "persisted_documents"},
    )
    environment = {f"GATEWAY_{name.upper()}": str(value) for name, value in values.items()}
    if settings.persisted_documents:
        environment["GATEWAY_PERSISTED_DOCUMENTS"] = ",".join(str(path) for path in settings.persisted_documents)
    for name in ("api_keys", "cors_origins"):
        if getattr(settings, name):
            environment[f"GATEWAY_{name.upper()}"] = ",".join(sorted(getattr(settings, name)))
    return environment
