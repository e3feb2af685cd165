"""Reading the quality values of an `Accept` or `Accept-Encoding` header (RFC 9110, 12.4.2)."""

__all__ = ["qualities"]


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
