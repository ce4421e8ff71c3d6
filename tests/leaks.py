"""Looking for a secret everywhere a copy of a mail may keep it: the bytes as they are, every
part decoded (base64, quoted-printable, any charset), HTML as a reader sees it, every header
decoded, the database's tables and the mailbox's folders."""

from __future__ import annotations

from email import message_from_bytes
from email.message import Message
from email.policy import compat32
from typing import Any

from sqlalchemy import Engine, inspect, text

from mailbot.reader.html import html_to_text
from mailbot.reader.message import decode_bytes, decode_words, read


def readable_forms(raw: bytes) -> list[str]:
    """What a person or a program can read out of `raw`, one text per part and header."""
    message = message_from_bytes(raw, policy=compat32)
    texts = [raw.decode("latin-1")]
    texts += [decode_words(str(value)) for _, value in message.raw_items()]
    for part in message.walk():
        data = part.get_payload(decode=True)
        if isinstance(data, bytes):
            decoded = decode_bytes(data, part.get_content_charset())
            texts.append(decoded)
            if part.get_content_subtype() == "html":
                texts.append(html_to_text(decoded))
    return texts


def holds(raw: bytes, secret: str) -> bool:
    """Whether `secret` can be read out of `raw` in any way, in any case."""
    wanted = secret.casefold()
    return any(wanted in form.casefold() for form in readable_forms(raw))


def assert_masked_copy(original: bytes, copy: bytes, secret: str) -> None:
    """`copy` reads as `original` with `secret` masked, keeps every other part as it was,
    and holds the secret nowhere."""
    assert holds(original, secret), "the test mail should carry the secret"
    assert not holds(copy, secret)
    stars = "*" * len(secret)
    assert read(copy).text == read(original).text.replace(secret, stars)
    assert _other_parts(copy) == _other_parts(original)


def _other_parts(raw: bytes) -> list[bytes]:
    message = message_from_bytes(raw, policy=compat32)
    return [_payload(part) for part in message.walk()
            if not part.is_multipart() and part.get_content_maintype() != "text"]


def _payload(part: Message) -> bytes:
    data = part.get_payload(decode=True)
    return data if isinstance(data, bytes) else b""


def tables_holding(engine: Engine, secret: str) -> list[str]:
    """`table.column` of every text or binary value in the database that holds `secret`,
    read as it is and as a mail (decoded)."""
    found: list[str] = []
    with engine.connect() as connection:
        for table in inspect(connection).get_table_names():
            for row in connection.execute(text(f'SELECT * FROM "{table}"')).mappings():
                found += [f"{table}.{column}" for column, value in row.items()
                          if _value_holds(value, secret)]
    return found


def _value_holds(value: Any, secret: str) -> bool:
    if isinstance(value, memoryview):
        value = bytes(value)
    if isinstance(value, bytes):
        return holds(value, secret) if value else False
    return isinstance(value, str) and secret.casefold() in value.casefold()


def folders_holding(imap_account: Any, secret: str) -> list[str]:
    """The mailbox folders that hold a mail from which `secret` can be read."""
    return [folder for folder in imap_account.folders()
            if any(holds(raw, secret) for raw in imap_account.fetch_all(folder))]
