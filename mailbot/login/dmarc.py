"""Optional spoofing policy: trust only our border host's Authentication-Results (RFC 8601).

The header values are read as they arrived: an RFC 2047 encoded word is not an authserv-id, it
is text a forger hopes someone decodes. Our border host prepends its headers, so only the run of
headers with our authserv-id nearest the top is its own; anything below that run was already in
the mail when it arrived. Within the run a fail outweighs any pass, because a forger can only
add results, never take away the one our host wrote.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from mailbot.login.addresses import try_normalise

_METHOD = re.compile(r"([a-z0-9_-]+)(?:/[0-9]+)?=([a-z0-9_-]+)$", re.I)
_QUOTED = re.compile(r'"([0-9]+)"')
_AROUND_EQUALS = re.compile(r"\s*=\s*")


@dataclass(frozen=True)
class Result:
    """One `method=result` of a header, with its `name=value` properties (names lower-cased)."""

    method: str
    result: str
    properties: tuple[tuple[str, str], ...]

    def values(self, name: str) -> list[str]:
        """Every value given for one property, such as `header.from`."""
        return [value for key, value in self.properties if key == name]


@dataclass(frozen=True)
class Header:
    """One Authentication-Results header: who wrote it and what it says (None: unreadable)."""

    authserv_id: str
    results: tuple[Result, ...] | None


def passes(headers: tuple[str, ...], authserv_id: str, from_domain: str) -> bool:
    """True when our border host says DMARC passed for the From domain, or an aligned DKIM
    signature passed, and it said no fail.

    `headers` are the raw values (not RFC 2047 decoded), top first.
    """
    domain = _domain(from_domain)
    results = _our_results(headers, authserv_id)
    if not domain or results is None or any(_fails(r, domain) for r in results):
        return False
    return any(_dmarc_pass(r, domain) or _dkim_pass(r, domain) for r in results)


def _our_results(headers: tuple[str, ...], authserv_id: str) -> list[Result] | None:
    """The results of the topmost run of our headers; None when one of them is unreadable."""
    results: list[Result] = []
    seen = False
    for header in map(read, headers):
        ours = _same_id(header.authserv_id, authserv_id)
        if seen and not ours:
            break  # below our host's run: written before the mail reached us
        if ours:
            seen = True
            if header.results is None:
                return None
            results.extend(header.results)
    return results


def _fails(result: Result, domain: str) -> bool:
    """A fail for DMARC, or for a DKIM signature that could have vouched for the domain."""
    if result.result != "fail":
        return False
    if result.method == "dmarc":
        return True
    signers = result.values("header.d")
    return result.method == "dkim" and (not signers or any(_aligned(d, domain) for d in signers))


def _dmarc_pass(result: Result, domain: str) -> bool:
    checked = result.values("header.from")
    passed = result.method == "dmarc" and result.result == "pass"
    return passed and bool(checked) and all(_domain(d) == domain for d in checked)


def _dkim_pass(result: Result, domain: str) -> bool:
    signers = result.values("header.d")
    passed = result.method == "dkim" and result.result == "pass"
    return passed and bool(signers) and all(_aligned(d, domain) for d in signers)


def _aligned(signer: str, domain: str) -> bool:
    """The same domain or a parent of it (never a top-level domain), as DMARC's relaxed mode."""
    signer = _domain(signer)
    if "." not in signer:
        return False
    return domain == signer or domain.endswith("." + signer)


def _domain(text: str) -> str:
    """A domain in its lower-case ASCII form, or "" when it is none."""
    address = try_normalise(f"postmaster@{text.strip().rstrip('.')}") if text.strip() else None
    return address.rpartition("@")[2] if address else ""


# --- reading one header -----------------------------------------------------------------------


def read(value: str) -> Header:
    """One raw header value read as RFC 8601: comments dropped, quoted strings kept whole."""
    masked = _mask(value)
    if masked is None:
        words = value.replace(";", " ").split()
        return Header(words[0] if words else "", None)
    text, quoted = masked
    sections = text.split(";")
    words = sections[0].split()
    authserv_id = _unquote(words[0], quoted) if words else ""
    results = [_result(section, quoted) for section in sections[1:]]
    return Header(authserv_id, tuple(r for r in results if r is not None))


def _same_id(written: str, ours: str) -> bool:
    # ASCII only: "\u212a".lower() is "k", a look-alike our border host would not strip.
    return bool(ours) and written.isascii() and written.lower() == ours.lower()


def _result(section: str, quoted: list[str]) -> Result | None:
    """`method=result name=value ...`; None for anything else (such as `none`)."""
    words = _AROUND_EQUALS.sub("=", section.strip()).split()
    match = _METHOD.fullmatch(words[0]) if words else None
    if match is None:
        return None
    properties = []
    for word in words[1:]:
        name, equals, value = word.partition("=")
        if equals and '"' not in name:
            properties.append((name.lower(), _unquote(value, quoted)))
    return Result(match.group(1).lower(), match.group(2).lower(), tuple(properties))


def _unquote(text: str, quoted: list[str]) -> str:
    return _QUOTED.sub(lambda match: quoted[int(match.group(1))], text)


def _mask(value: str) -> tuple[str, list[str]] | None:
    """The value without comments, each quoted string replaced by `"N"` (its place in the
    list returned with it), so that no `;` or `=` inside one can start a result of its own.
    None when a quoted string or comment is not closed."""
    out: list[str] = []
    quoted: list[str] = []
    chars = iter(value)
    for char in chars:
        if char == '"':
            text = _quoted(chars)
            if text is None:
                return None
            out.append(f'"{len(quoted)}"')
            quoted.append(text)
        elif char == "(":
            if not _skip_comment(chars):
                return None
            out.append(" ")  # a comment separates words as a space does
        elif char == ")":
            return None
        else:
            out.append(char)
    return "".join(out), quoted


def _quoted(chars: Iterator[str]) -> str | None:
    """The rest of a quoted string, its closing quote taken; None when it is not closed."""
    text: list[str] = []
    for char in chars:
        if char == '"':
            return "".join(text)
        text.append(next(chars, "") if char == "\\" else char)
    return None


def _skip_comment(chars: Iterator[str]) -> bool:
    """Take the rest of a (nested) comment; False when it is not closed."""
    depth = 1
    for char in chars:
        if char == "\\":
            next(chars, None)
        elif char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
            if not depth:
                return True
    return False
