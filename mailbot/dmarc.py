"""Optional spoofing policy: trust only our border host's Authentication-Results (RFC 8601)."""

from __future__ import annotations

import re

_METHOD = re.compile(r"^\s*([a-z0-9_-]+)\s*=\s*([a-z]+)", re.I)
_PROPERTY = re.compile(r"\b(header\.[a-z]+)\s*=\s*([^\s;]+)", re.I)


def _strip_comments(text: str) -> str:
    # Comments such as "(p=reject dis=none)" could fake a property; drop them (no nesting).
    return re.sub(r"\([^()]*\)", " ", text)


def _results(header: str, authserv_id: str) -> list[tuple[str, str, dict[str, str]]]:
    """(method, result, properties) of one header, or [] when another host wrote it."""
    parts = _strip_comments(" ".join(header.split())).split(";")
    if not parts or not parts[0].split() or parts[0].split()[0].lower() != authserv_id.lower():
        return []
    results = []
    for part in parts[1:]:
        match = _METHOD.match(part)
        if match:
            props = {k.lower(): v.lower().strip("\"'") for k, v in _PROPERTY.findall(part)}
            results.append((match.group(1).lower(), match.group(2).lower(), props))
    return results


def _aligned(domain: str, from_domain: str) -> bool:
    """Relaxed alignment: the same domain or a parent of the From domain."""
    return from_domain == domain or from_domain.endswith("." + domain)


def passes(headers: tuple[str, ...], authserv_id: str, from_domain: str) -> bool:
    """True when our border host says DMARC passed, or an aligned DKIM signature passed."""
    from_domain = from_domain.lower().rstrip(".")
    for header in headers:
        for method, result, props in _results(header, authserv_id):
            if result != "pass":
                continue
            if method == "dmarc" and props.get("header.from", from_domain) == from_domain:
                return True
            if method == "dkim" and _aligned(props.get("header.d", ""), from_domain):
                return True
    return False
