"""Serving under a path prefix that the proxy in front passes on (`GATEWAY_PATH_PREFIX`).

A proxy that serves the gateway at `/gw/` and takes the prefix off (nginx's `proxy_pass
http://gateway/;`) needs nothing: the gateway names its own addresses relative to the path asked
for. One that passes the path on whole cannot be told otherwise (an AWS Application Load
Balancer's path rules rewrite nothing; a Kubernetes Ingress without a rewrite), and the gateway
then sees `/gw/graphql`. With the prefix set, such a request is served as if the proxy had taken
it off: the prefix goes into the scope's `root_path`, which Starlette's routing takes off the
path (the ASGI scope's `path` stays whole, so errors name the path the client sent). Paths
without it are served as before.
"""

from __future__ import annotations

from starlette.responses import RedirectResponse
from starlette.types import ASGIApp, Receive, Scope, Send

__all__ = ["PathPrefix", "route_path"]


class PathPrefix:
    """ASGI middleware: a request for ``prefix`` or below it is routed without it; one for the
    prefix alone (`/gw`) is sent to the prefix's root, `gw/`, relative to it."""

    def __init__(self, app: ASGIApp, prefix: str) -> None:
        self.app = app
        self.prefix = prefix
        self._below = prefix + "/"
        self._root = prefix.rpartition("/")[2] + "/"

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            path: str = scope["path"]
            if path.startswith(self._below):
                scope["root_path"] = self.prefix
            elif path == self.prefix:
                query = scope.get("query_string", b"").decode("latin-1")
                await RedirectResponse(self._root + (f"?{query}" if query else ""), 307)(scope, receive, send)
                return
        await self.app(scope, receive, send)


def route_path(scope: Scope) -> str:
    """The path as the gateway's routes see it: without the prefix :class:`PathPrefix` put in
    `root_path` (Starlette's own helper for this is private)."""
    root: str = scope.get("root_path", "")
    path: str = scope["path"]
    return path[len(root) :] if root and path.startswith(root) else path
