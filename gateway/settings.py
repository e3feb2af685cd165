"""The gateway's settings. Only the CLI builds them from the environment (``GATEWAY_*``)."""

import math
import re
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import urlsplit

from pydantic import AliasChoices, Field, ValidationInfo, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from gateway.persisted import load_persisted_documents

__all__ = ["Settings"]


class Settings(BaseSettings):
    """Every option of ``gateway serve``; each is also ``GATEWAY_<NAME>`` in the environment."""

    model_config = SettingsConfigDict(env_prefix="GATEWAY_", extra="ignore", populate_by_name=True)

    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=0, le=65535)
    database: Path = Path(".data/conversations.sqlite3")
    upstream_url: str | None = None
    """The Conversations API to serve GraphQL over; unset means the built-in one at ``/v1``."""
    api_key: str | None = Field(default=None, validation_alias=AliasChoices("GATEWAY_API_KEY", "OPENAI_API_KEY"))
    """The upstream key used for GraphQL requests that bring no ``Authorization: Bearer`` of their own."""
    organization: str | None = Field(
        default=None, validation_alias=AliasChoices("GATEWAY_ORGANIZATION", "OPENAI_ORG_ID")
    )
    """The OpenAI organization the server's key acts in (sent as `OpenAI-Organization`, as OpenAI's
    SDKs send `OPENAI_ORG_ID`); unset leaves it to the key's default."""
    project: str | None = Field(default=None, validation_alias=AliasChoices("GATEWAY_PROJECT", "OPENAI_PROJECT_ID"))
    """The OpenAI project the server's key acts in (`OpenAI-Project`, from `OPENAI_PROJECT_ID` as in
    OpenAI's SDKs); unset leaves it to the key's default."""
    api_keys: Annotated[frozenset[str], NoDecode] = frozenset()
    """Bearer keys the built-in API accepts (comma-separated); empty accepts any key."""
    max_body_bytes: int = Field(default=20 * 1024 * 1024, ge=1024)
    workers: int = Field(default=1, ge=1)
    """Worker processes of `gateway serve` (each with its own event loop and upstream client)."""
    keep_alive: float = Field(default=5.0, gt=0)
    """Seconds an idle client connection is kept open for its next request (uvicorn's default, 5 s).
    Behind a proxy or load balancer that reuses its connections to the gateway, set it above the
    proxy's own idle timeout (60 s for AWS's Application Load Balancer and for nginx's upstream
    keep-alive): otherwise the proxy may send a request on a connection the gateway is closing,
    and answer it with a 502."""
    header_timeout: float = Field(default=10.0, gt=0)
    """Seconds a client may take to send a request's line and headers, from the connection's
    opening or the request's first byte; past it the connection is closed (see gateway/protocol.py).
    Without it, connections that send nothing hold their descriptors for good."""
    body_timeout: float = Field(default=30.0, gt=0)
    """Seconds a client may pause in the middle of a request's body while the gateway waits for
    it; past it the connection is closed (see gateway/protocol.py)."""
    send_timeout: float = Field(default=30.0, gt=0)
    """Seconds a client may go without taking any of an answer the gateway has waiting for it;
    past it the connection is dropped, and the answer with it (see gateway/protocol.py). Without
    it, a client that never reads holds its answer in the gateway's memory for good."""
    shutdown_timeout: float = Field(default=25.0, gt=0)
    """Seconds `gateway serve` waits, once told to stop (SIGTERM, Ctrl+C), for the requests under way
    to finish; past it they are cancelled and the server stops. Under Kubernetes' default grace
    period of 30 s, with room to close the store. Without it, a client that trickled its body, or
    took its answer a byte at a time, held the server from stopping for as long as it liked."""
    path_prefix: str = ""
    """A path prefix the proxy in front passes on with each request (`/gw`: an AWS Application Load
    Balancer's path rule, a Kubernetes Ingress without a rewrite). The gateway then serves its
    paths under it as well as without it (gateway/prefix.py). A proxy that takes its prefix off
    needs nothing set."""
    bench_latency_ms: float = Field(default=0, ge=0)
    """Benchmarks only: a fixed delay on every request of the built-in API (`serve-api`)."""
    upstream_concurrency: int = Field(default=64, ge=1)
    """How many upstream calls one GraphQL request may have under way at once."""
    upstream_connect_timeout: float = Field(default=5.0, gt=0)
    upstream_read_timeout: float = Field(default=30.0, gt=0)
    upstream_connections: int = Field(default=256, ge=1)
    """The most connections to the upstream at once (per worker); more calls wait for one."""
    upstream_keepalive: float = Field(default=4.0, gt=0)
    """Seconds an idle upstream connection is kept for reuse. Below the 5 s after which uvicorn and
    Node servers close idle connections, so that no request goes out on one the server is closing
    (a write would then fail, and might or might not have been applied). Raise it for an upstream
    known to keep connections open longer, to spare TLS handshakes after pauses."""
    upstream_max_answer_bytes: int = Field(default=64 * 1024 * 1024, ge=1024)
    """The longest upstream answer the gateway reads, decompressed. A longer one is not read to its
    end: the call fails (UPSTREAM_UNAVAILABLE), so that one answer cannot fill the process's memory."""
    upstream_bytes_budget: int = Field(default=256 * 1024 * 1024, ge=1024)
    """The most bytes of upstream answers (decompressed) one operation reads, all its calls
    together; past it, the rest of the operation's reads fail with OPERATION_TOO_EXPENSIVE."""
    upstream_attempts: int = Field(default=3, ge=1)
    """How many times a read is tried (writes are tried once)."""

    demo: bool = False
    """Write demo conversations into the built-in API when the server key has none yet."""
    cors_origins: Annotated[frozenset[str], NoDecode] = frozenset()
    """Browser origins allowed to call the gateway (comma-separated); none by default."""
    compress_responses: bool = True
    """Answers of 1 KiB or more go gzip-compressed to clients that accept gzip (GraphQL answers,
    GraphiQL's scripts, the built-in API's). Off leaves compression to a proxy in front."""

    metrics: bool = False
    """Prometheus metrics of the GraphQL operations at `/metrics` (:mod:`gateway.metrics`)."""
    prometheus_multiproc_dir: Path | None = Field(default=None, validation_alias="PROMETHEUS_MULTIPROC_DIR")
    """Where each worker of `gateway serve --workers N` writes its metrics (prometheus_client's
    multiprocess mode, which reads the same variable): the command sets it."""

    tracing: bool = False
    """OpenTelemetry traces of the GraphQL operations and their upstream calls, sent over OTLP/HTTP
    (:mod:`gateway.tracing`); the SDK's own `OTEL_*` variables say where, and what to sample."""
    otel_traces_exporter: str | None = Field(default=None, validation_alias="OTEL_TRACES_EXPORTER")
    """OpenTelemetry's choice of exporter: the gateway has OTLP's only (`otlp`)."""
    otel_exporter_otlp_protocol: str | None = Field(
        default=None, validation_alias=AliasChoices("OTEL_EXPORTER_OTLP_TRACES_PROTOCOL", "OTEL_EXPORTER_OTLP_PROTOCOL")
    )
    """OTLP's transport: the gateway sends over HTTP, in protobuf (`http/protobuf`)."""
    # The other OpenTelemetry variables the SDK reads, checked here (with tracing on) because the
    # SDK itself ignores a value it cannot use, or fails on it with a traceback, and goes on.
    otel_traces_sampler: str | None = Field(default=None, validation_alias="OTEL_TRACES_SAMPLER")
    otel_traces_sampler_arg: str | None = Field(default=None, validation_alias="OTEL_TRACES_SAMPLER_ARG")
    otel_propagators: str | None = Field(default=None, validation_alias="OTEL_PROPAGATORS")
    otel_exporter_otlp_endpoint: str | None = Field(
        default=None, validation_alias=AliasChoices("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "OTEL_EXPORTER_OTLP_ENDPOINT")
    )
    otel_exporter_otlp_timeout: str | None = Field(
        default=None, validation_alias=AliasChoices("OTEL_EXPORTER_OTLP_TRACES_TIMEOUT", "OTEL_EXPORTER_OTLP_TIMEOUT")
    )
    otel_exporter_otlp_compression: str | None = Field(
        default=None,
        validation_alias=AliasChoices("OTEL_EXPORTER_OTLP_TRACES_COMPRESSION", "OTEL_EXPORTER_OTLP_COMPRESSION"),
    )
    otel_bsp_schedule_delay: str | None = Field(default=None, validation_alias="OTEL_BSP_SCHEDULE_DELAY")
    otel_bsp_export_timeout: str | None = Field(default=None, validation_alias="OTEL_BSP_EXPORT_TIMEOUT")
    otel_bsp_max_queue_size: str | None = Field(default=None, validation_alias="OTEL_BSP_MAX_QUEUE_SIZE")
    otel_bsp_max_export_batch_size: str | None = Field(default=None, validation_alias="OTEL_BSP_MAX_EXPORT_BATCH_SIZE")

    introspection: bool = True
    """Introspection and GraphiQL; switch both off in production with GATEWAY_INTROSPECTION=false."""
    persisted_queries: bool = True
    """Automatic persisted queries (Apollo's APQ, spoken by Apollo Client and urql): each worker
    keeps documents by their SHA-256 hash (a few thousand, 8 MiB at most), so that a client sends a
    hash alone for a document the gateway has seen. Off answers a hash alone with
    `PersistedQueryNotSupported`, and such clients then send whole documents."""
    persisted_documents: Annotated[tuple[Path, ...], NoDecode] = ()
    """Manifests of the documents the gateway's clients send (trusted documents; comma-separated):
    GraphQL Code Generator's `persisted-documents.json` or Apollo's persisted query manifest, read
    at start. A client may then send a document's id instead of its text (`documentId`, or a
    persisted query's hash), and no worker needs to learn it first."""
    persisted_documents_only: bool = False
    """Run the manifest's documents only (a safelist): any other document is refused before it runs
    (a text longer than a few times the manifest's longest, before it is parsed), and no document is
    kept by hash at run time. Needs `persisted_documents`."""
    max_depth: int = Field(default=15, ge=1)
    max_aliases: int = Field(default=250, ge=0)
    max_tokens: int = Field(default=15_000, ge=10)
    max_request_bytes: int = Field(default=1024 * 1024, ge=1024)
    """The largest GraphQL request body."""
    max_concurrent_requests: int | None = Field(default=None, ge=1)
    """The most GraphQL requests one worker runs at once; one more is answered at once with 503
    (`OVERLOADED`, `Retry-After: 1`) instead of queueing behind the others. Unset: no bound."""
    upstream_budget: int = Field(default=50, ge=1)
    """The most upstream calls one operation may make (estimated before, counted during)."""
    max_selections: int = Field(default=20_000, ge=1)
    """The most fields and fragments an operation may select once its fragments are spread."""
    max_answer_bytes: int = Field(default=64 * 1024 * 1024, ge=1024)
    """The largest answer one operation may have, counted as its JSON while it is built; past it the
    operation's answer is an OPERATION_TOO_EXPENSIVE error (an answer can repeat what it read: `nodes`
    with one id many times, aliases of a page)."""
    max_validation_work: int = Field(default=50_000, ge=100)
    """The most work checking that a document's same-named fields can be merged may take (graphql-core's budget)."""
    operation_timeout: float = Field(default=30.0, gt=0)
    """Seconds an operation may take; fields still waiting on the upstream then fail with UPSTREAM_TIMEOUT."""
    retry_budget: int = Field(default=10, ge=0)
    """The most read retries one operation may make."""
    circuit_breaker_failures: int = Field(default=5, ge=1)
    circuit_breaker_seconds: float = Field(default=5.0, ge=0)

    @field_validator("api_key", "organization", "project")
    @classmethod
    def _printable_key(cls, value: str | None, info: ValidationInfo) -> str | None:
        if value is not None and not (value.isascii() and value.isprintable()):
            what = {"api_key": "an API key", "organization": "an organization id"}.get(
                info.field_name or "", "a project id"
            )
            msg = f"{what} has only printable ASCII characters"
            raise ValueError(msg)
        return value or None  # set but empty (`GATEWAY_API_KEY=`) is unset

    @field_validator("persisted_documents", mode="before")
    @classmethod
    def _split_paths(cls, value: object) -> object:
        if isinstance(value, str | Path):
            return tuple(Path(part.strip()) for part in str(value).split(",") if part.strip())
        return value

    @field_validator("persisted_documents")
    @classmethod
    def _readable_manifests(cls, value: tuple[Path, ...]) -> tuple[Path, ...]:
        load_persisted_documents(*value)  # its ValueError says what is wrong with which file
        return value

    @field_validator("persisted_documents_only")
    @classmethod
    def _manifest_given(cls, value: bool, info: ValidationInfo) -> bool:
        # (Absent from the data when the manifest itself was refused: that error says enough.)
        if value and "persisted_documents" in info.data and not info.data["persisted_documents"]:
            msg = "runs only the documents of a manifest: set GATEWAY_PERSISTED_DOCUMENTS to one too"
            raise ValueError(msg)
        return value

    @field_validator("prometheus_multiproc_dir")
    @classmethod
    def _metrics_directory(cls, value: Path | None, info: ValidationInfo) -> Path | None:
        if value is not None and info.data.get("metrics") and not value.is_dir():
            msg = "with GATEWAY_METRICS on, a directory that exists: the workers write their metrics there"
            raise ValueError(msg)
        return value

    @field_validator(
        "otel_traces_exporter",
        "otel_exporter_otlp_protocol",
        "otel_traces_sampler",
        "otel_traces_sampler_arg",
        "otel_propagators",
        "otel_exporter_otlp_endpoint",
        "otel_exporter_otlp_timeout",
        "otel_exporter_otlp_compression",
        "otel_bsp_schedule_delay",
        "otel_bsp_export_timeout",
        "otel_bsp_max_queue_size",
        "otel_bsp_max_export_batch_size",
    )
    @classmethod
    def _otel_variable(cls, value: str | None, info: ValidationInfo) -> str | None:
        if value is None or not info.data.get("tracing") or info.field_name is None:
            return value
        wanted = _OTEL_CHECKS[info.field_name](value.strip(), info.data)
        if wanted is not None:
            msg = f"with GATEWAY_TRACING on, {wanted}"
            raise ValueError(msg)
        return value

    @field_validator("path_prefix")
    @classmethod
    def _a_path(cls, value: str) -> str:
        if value and not _PATH_PREFIX.fullmatch(value):
            msg = (
                "must be a path such as /gw or /api/gw: each segment after a slash, no slash at the "
                "end, none of ?#% or spaces"
            )
            raise ValueError(msg)
        return value

    @field_validator("upstream_url")
    @classmethod
    def _the_apis_base(cls, value: str | None) -> str | None:
        """An http(s) URL with a host, and nothing the client would not send as it is: no user or
        password (the key goes in `Authorization`; they would be printed in the banner), no query."""
        if not value:
            return None
        msg = "an http:// or https:// URL of the API's base, such as https://api.openai.com/v1"
        try:
            parts = urlsplit(value)
            hostname, _ = parts.hostname, parts.port
        except ValueError:  # an unbalanced "[" in its host, a port that is no port
            raise ValueError(msg) from None
        if parts.scheme not in {"http", "https"} or not hostname:
            raise ValueError(msg)
        if parts.username is not None or parts.password is not None:
            msg = "a URL without a user or password: put the key in GATEWAY_API_KEY, or let each client send its own"
            raise ValueError(msg)
        if parts.query or parts.fragment:
            msg = "the API's base URL, without a query or fragment, such as https://api.openai.com/v1"
            raise ValueError(msg)
        return value

    @field_validator("api_keys", "cors_origins", mode="before")
    @classmethod
    def _split_keys(cls, value: object, info: ValidationInfo) -> object:
        if isinstance(value, str):
            value = frozenset(key.strip() for key in value.split(",") if key.strip())
        if info.field_name == "cors_origins" and isinstance(value, frozenset | set | list | tuple):
            for origin in sorted(str(origin) for origin in value):
                _check_origin(origin)
        return value


_ORIGIN = re.compile(r"[a-z][a-z0-9+.-]*://(?:[a-z0-9._~-]+|\[[0-9a-f:.]+\])(?::[0-9]{1,5})?")
"""An origin as browsers serialize it (RFC 6454): a scheme, a host in lower case, perhaps a port;
custom schemes included (`capacitor://localhost`, an app's WebView)."""


_PATH_PREFIX = re.compile(r"(/[A-Za-z0-9._~!$&'()*+,;=:@-]+)+")
"""A URL path of one segment or more, in characters a path may hold unescaped."""


def _check_origin(origin: str) -> None:
    """Refuses an allowed origin no browser's `Origin` header can match: the gateway would start
    with CORS closed to the page it was meant to open it to."""
    if origin == "null":
        msg = (
            "not `null`: it is the origin of every sandboxed frame and local file, so allowing it allows them "
            "all (use * if any page may call the gateway)"
        )
        raise ValueError(msg)
    if origin != "*" and not _ORIGIN.fullmatch(origin):
        msg = (
            "each origin as a browser sends it, scheme://host[:port] in lower case with no path "
            f"(https://app.example.com, http://localhost:5173), or * for any: {origin!r} never matches"
        )
        raise ValueError(msg)


_SAMPLERS = (
    "always_on",
    "always_off",
    "traceidratio",
    "parentbased_always_on",
    "parentbased_always_off",
    "parentbased_traceidratio",
)
_PROPAGATORS = ("tracecontext", "baggage", "none")


def _number(value: str) -> float | None:
    try:
        number = float(value)
    except ValueError:
        return None
    return number if math.isfinite(number) else None


def _whole(value: str) -> int | None:
    return int(value) if value.isascii() and value.isdigit() else None


def _exporter(value: str, data: dict[str, Any]) -> str | None:
    return None if value.lower() == "otlp" else "`otlp` (or unset): the gateway sends its traces over OTLP"


def _protocol(value: str, data: dict[str, Any]) -> str | None:
    wanted = "`http/protobuf` (or unset): the gateway sends OTLP over HTTP, not gRPC"
    return None if value.lower() == "http/protobuf" else wanted


def _sampler(value: str, data: dict[str, Any]) -> str | None:
    return None if value.lower() in _SAMPLERS else f"one of {', '.join(_SAMPLERS)}"


def _rate(value: str, data: dict[str, Any]) -> str | None:
    rate = _number(value)
    return None if rate is not None and 0 <= rate <= 1 else "a sampling rate from 0 to 1"


def _propagators(value: str, data: dict[str, Any]) -> str | None:
    names = [name.strip().lower() for name in value.split(",")]
    return None if all(name in _PROPAGATORS for name in names) else f"comma-separated, of {', '.join(_PROPAGATORS)}"


def _endpoint(value: str, data: dict[str, Any]) -> str | None:
    parts = urlsplit(value)
    return None if parts.scheme in {"http", "https"} and parts.netloc else "an http:// or https:// URL"


def _seconds(value: str, data: dict[str, Any]) -> str | None:
    seconds = _number(value)
    return None if seconds is not None and seconds > 0 else "a number of seconds above 0"


def _compression(value: str, data: dict[str, Any]) -> str | None:
    return None if value.lower() in {"gzip", "deflate", "none"} else "gzip, deflate or none"


def _milliseconds(value: str, data: dict[str, Any]) -> str | None:
    return None if (_whole(value) or 0) > 0 else "a whole number of milliseconds above 0"


def _count(value: str, data: dict[str, Any]) -> str | None:
    return None if (_whole(value) or 0) > 0 else "a whole number above 0"


def _batch(value: str, data: dict[str, Any]) -> str | None:
    wanted = _count(value, data)
    if wanted is not None:
        return wanted
    queue = _whole((data.get("otel_bsp_max_queue_size") or "2048").strip()) or 2048
    return (
        None if int(value) <= queue else f"at most OTEL_BSP_MAX_QUEUE_SIZE ({queue}): a batch is taken from the queue"
    )


_OTEL_CHECKS: dict[str, Callable[[str, dict[str, Any]], str | None]] = {
    "otel_traces_exporter": _exporter,
    "otel_exporter_otlp_protocol": _protocol,
    "otel_traces_sampler": _sampler,
    "otel_traces_sampler_arg": _rate,
    "otel_propagators": _propagators,
    "otel_exporter_otlp_endpoint": _endpoint,
    "otel_exporter_otlp_timeout": _seconds,
    "otel_exporter_otlp_compression": _compression,
    "otel_bsp_schedule_delay": _milliseconds,
    "otel_bsp_export_timeout": _milliseconds,
    "otel_bsp_max_queue_size": _count,
    "otel_bsp_max_export_batch_size": _batch,
}
"""What each OpenTelemetry variable must be (None when it is that), as the SDK reads it."""
