"""Reading content-negotiation headers: the quality values of `Accept` and `Accept-Encoding`
(RFC 9110, 12.4.2), and the codings a `Content-Encoding` lists."""

__all__ = ["content_codings", "qualities"]


def qualities(header: str) -> dict[str, float]:
    """Each listed media type or coding, lowercased, with its `q` (1 when not given, 0 when unreadable)."""
    listed: dict[str, float] = {}
    for entry in header.split(","):
        name, *parameters = (part.strip() for part in entry.split(";"))
        quality = 1.0
        for parameter in parameters:
            key, _, value = parameter.partition("=")
            if key.strip() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        if name:
            listed[name.lower()] = quality
    return listed


def content_codings(header: str | None) -> list[str]:
    """The codings of a `Content-Encoding` header, lowercased, in the order they were applied
    (`identity` and empty entries left out: they change nothing)."""
    if not header:
        return []
    return [coding for coding in (part.strip().lower() for part in header.split(",")) if coding not in ("", "identity")]
