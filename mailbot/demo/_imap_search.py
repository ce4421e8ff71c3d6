"""SEARCH criteria: compiled into a predicate over (sequence number, message)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from email.parser import BytesHeaderParser
from email.policy import compat32

from mailbot.demo._imap_fetch import split_message
from mailbot.demo._imap_store import Message, canonical_flag
from mailbot.demo._imap_syntax import (
    Atom,
    CommandBad,
    SeqSet,
    Token,
    astring,
    parse_date,
)

Predicate = Callable[[int, Message], bool]

_FLAG_KEYS = {
    "ANSWERED": ("\\Answered", True),
    "UNANSWERED": ("\\Answered", False),
    "DELETED": ("\\Deleted", True),
    "UNDELETED": ("\\Deleted", False),
    "DRAFT": ("\\Draft", True),
    "UNDRAFT": ("\\Draft", False),
    "FLAGGED": ("\\Flagged", True),
    "UNFLAGGED": ("\\Flagged", False),
    "SEEN": ("\\Seen", True),
    "UNSEEN": ("\\Seen", False),
}
_HEADER_KEYS = frozenset({"SUBJECT", "FROM", "TO", "CC", "BCC"})


class _Criteria:
    def __init__(self, tokens: list[Token], largest_seq: int, largest_uid: int) -> None:
        self._tokens: Iterator[Token] = iter(tokens)
        self._largest_seq = largest_seq
        self._largest_uid = largest_uid

    def _next(self) -> Token:
        try:
            return next(self._tokens)
        except StopIteration:
            raise CommandBad("search criteria incomplete") from None

    def _text(self) -> str:
        return astring(self._next()).lower()

    def all_keys(self) -> list[Predicate]:
        keys: list[Predicate] = []
        for token in self._tokens:
            keys.append(self._key(token))
        return keys

    def _key(self, token: Token) -> Predicate:
        if isinstance(token, list):
            inner = _Criteria(token, self._largest_seq, self._largest_uid).all_keys()
            return _conjunction(inner)
        word = astring(token).upper()
        if word in _FLAG_KEYS:
            flag, wanted = _FLAG_KEYS[word]
            return lambda _seq, m: (flag in m.flags) == wanted
        if word in _HEADER_KEYS:
            return _header_contains(word, self._text())
        if word[:1].isdigit() or word[:1] == "*":
            seqs = SeqSet(word, self._largest_seq)
            return lambda seq, _m: seq in seqs
        handler = getattr(self, "_key_" + word.lower().replace("-", "_"), None)
        if handler is None:
            raise CommandBad(f"unsupported search key {word}")
        predicate: Predicate = handler()
        return predicate

    def _key_all(self) -> Predicate:
        return lambda _seq, _m: True

    def _key_not(self) -> Predicate:
        inner = self._key(self._next())
        return lambda seq, m: not inner(seq, m)

    def _key_or(self) -> Predicate:
        left, right = self._key(self._next()), self._key(self._next())
        return lambda seq, m: left(seq, m) or right(seq, m)

    def _key_uid(self) -> Predicate:
        uids = SeqSet(astring(self._next()), self._largest_uid)
        return lambda _seq, m: m.uid in uids

    def _key_recent(self) -> Predicate:
        return lambda _seq, m: m.recent

    def _key_new(self) -> Predicate:
        return lambda _seq, m: m.recent and "\\Seen" not in m.flags

    def _key_keyword(self) -> Predicate:
        flag = canonical_flag(astring(self._next()))
        return lambda _seq, m: flag in m.flags

    def _key_unkeyword(self) -> Predicate:
        flag = canonical_flag(astring(self._next()))
        return lambda _seq, m: flag not in m.flags

    def _key_larger(self) -> Predicate:
        size = _number(self._next())
        return lambda _seq, m: len(m.raw) > size

    def _key_smaller(self) -> Predicate:
        size = _number(self._next())
        return lambda _seq, m: len(m.raw) < size

    def _key_header(self) -> Predicate:
        name = astring(self._next()).upper()
        return _header_contains(name, self._text())

    def _key_body(self) -> Predicate:
        needle = self._text().encode()
        return lambda _seq, m: needle in split_message(m.raw)[1].lower()

    def _key_text(self) -> Predicate:
        needle = self._text().encode()
        return lambda _seq, m: needle in m.raw.lower()

    def _key_since(self) -> Predicate:
        day = parse_date(astring(self._next())).date()
        return lambda _seq, m: m.internaldate.date() >= day

    def _key_before(self) -> Predicate:
        day = parse_date(astring(self._next())).date()
        return lambda _seq, m: m.internaldate.date() < day

    def _key_on(self) -> Predicate:
        day = parse_date(astring(self._next())).date()
        return lambda _seq, m: m.internaldate.date() == day


def _number(token: Token) -> int:
    text = astring(token)
    if not (text.isascii() and text.isdigit()):
        raise CommandBad(f"expected a number, got {text!r}")
    return int(text)


def _conjunction(keys: list[Predicate]) -> Predicate:
    return lambda seq, m: all(key(seq, m) for key in keys)


def _header_contains(name: str, needle: str) -> Predicate:
    def predicate(_seq: int, message: Message) -> bool:
        header = BytesHeaderParser(policy=compat32).parsebytes(split_message(message.raw)[0])
        return any(needle in str(value).lower() for value in header.get_all(name, []))

    return predicate


def compile_search(tokens: list[Token], largest_seq: int, largest_uid: int) -> Predicate:
    if len(tokens) >= 2 and isinstance(tokens[0], Atom) and tokens[0].upper() == "CHARSET":
        tokens = tokens[2:]  # strings are compared as decoded text whatever the charset
    if not tokens:
        raise CommandBad("no search criteria")
    return _conjunction(_Criteria(tokens, largest_seq, largest_uid).all_keys())
