"""Commands on folders by name (no selection needed): LIST, CREATE, STATUS, APPEND."""

from __future__ import annotations

import re

from mailbot.demo._imap_mailbox import Reply, mailbox_arg
from mailbot.demo._imap_store import DELIMITER, INBOX, MailStore
from mailbot.demo._imap_syntax import (
    CommandBad,
    CommandNo,
    Token,
    astring,
    atom,
    decode_mailbox,
    encode_mailbox,
    parse_internaldate,
    quote,
)


def _list_regex(pattern: str) -> str:
    wildcards = {"*": ".*", "%": f"[^{re.escape(DELIMITER)}]*"}
    return "".join(wildcards.get(char, re.escape(char)) for char in pattern)


def list_folders(store: MailStore, command: str, args: list[Token]) -> Reply:
    if len(args) != 2:
        raise CommandBad(f"{command} expects a reference and a pattern")
    pattern = decode_mailbox(astring(args[0])) + decode_mailbox(astring(args[1]))
    if not astring(args[1]):  # an empty pattern asks for the hierarchy delimiter
        line = f'* {command} (\\Noselect) "{DELIMITER}" ""\r\n'.encode()
        return [line], f"{command} completed"
    regex = _list_regex(pattern)
    names = store.names()
    lines = []
    for name in names:
        if re.fullmatch(regex, name, re.IGNORECASE if name == INBOX else 0):
            has_children = any(other.startswith(name + DELIMITER) for other in names)
            flags = "\\HasChildren" if has_children else "\\HasNoChildren"
            prefix = f'* {command} ({flags}) "{DELIMITER}" '.encode()
            lines.append(prefix + quote(encode_mailbox(name)) + b"\r\n")
    return lines, f"{command} completed"


def create_folder(store: MailStore, args: list[Token]) -> Reply:
    if len(args) != 1:
        raise CommandBad("CREATE expects a mailbox name")
    name = mailbox_arg(args[0])
    if not name or "*" in name or "%" in name:  # wildcards would make LIST ambiguous
        raise CommandNo("invalid mailbox name")
    if not store.create(name):
        raise CommandNo("[ALREADYEXISTS] mailbox already exists")
    return [], "CREATE completed"


def folder_status(store: MailStore, args: list[Token]) -> Reply:
    if len(args) != 2 or not isinstance(args[1], list):
        raise CommandBad("STATUS expects a mailbox and a list of items")
    name = mailbox_arg(args[0])
    if not store.exists(name):
        raise CommandNo("no such mailbox")
    status = store.status(name)
    values = {
        "MESSAGES": status.messages,
        "RECENT": status.recent,
        "UIDNEXT": status.uidnext,
        "UIDVALIDITY": status.uidvalidity,
        "UNSEEN": status.unseen,
    }
    items = [atom(token).upper() for token in args[1]]
    unknown = [item for item in items if item not in values]
    if unknown:
        raise CommandBad(f"unsupported STATUS item {unknown[0]}")
    body = " ".join(f"{item} {values[item]}" for item in items)
    line = b"* STATUS " + quote(encode_mailbox(name)) + f" ({body})\r\n".encode()
    return [line], "STATUS completed"


def append_message(store: MailStore, args: list[Token]) -> Reply:
    if len(args) < 2 or not isinstance(args[-1], bytes):
        raise CommandBad("APPEND expects a mailbox, optional flags and date, and a literal")
    name = mailbox_arg(args[0])
    flags: list[str] = []
    internaldate = None
    for option in args[1:-1]:
        if isinstance(option, list):
            flags = [astring(flag) for flag in option]
        elif isinstance(option, bytes):
            internaldate = parse_internaldate(option.decode("ascii", "replace"))
        else:
            raise CommandBad("unexpected APPEND argument")
    if not store.exists(name):
        raise CommandNo("[TRYCREATE] no such mailbox")
    uid = store.append(name, args[-1], flags, internaldate)
    return [], f"[APPENDUID {store.uidvalidity(name)} {uid}] APPEND completed"
