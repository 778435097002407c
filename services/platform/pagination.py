"""Keyset pagination for every List method (AIP-158).

Rows are ordered by their `seq` column (insertion order, never reused), so a
page costs the same however deep it is. The page token is opaque to clients:
base64url JSON naming the list it pages through (the List method's response
message, e.g. "pmaas.risks.v1.ListRisksResponse"), the last `seq` and a
fingerprint of the query, so a token cannot be replayed against another List
method, nor against a different parent or filter.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
from dataclasses import dataclass
from typing import Any

from google.protobuf.message import Message

from services.platform import errors

DEFAULT_PAGE_SIZE = 50
MAX_PAGE_SIZE = 1000

NOT_OURS = "is not a token this API returned"
ANOTHER_LIST = ("this page_token belongs to another list; pass a page_token only to the List method that "
                "returned it, or leave it empty for the first page")


@dataclass(frozen=True)
class Page:
    size: int
    after_seq: int  # 0 for the first page
    query_key: str
    list_name: str

    def next_token(self, rows: list) -> str:
        """Token for the page after `rows` (fetched with LIMIT size + 1)."""
        if len(rows) <= self.size:
            return ""
        return self.token_after(rows[self.size - 1]["seq"])

    def token_after(self, seq: int) -> str:
        return encode_token(self.list_name, s=seq, q=self.query_key)


def list_name(of: type[Message] | Message) -> str:
    """The list a token belongs to: the full name of its List method's response message."""
    return of.DESCRIPTOR.full_name


def query_fingerprint(*parts: str) -> str:
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()[:16]


def encode_token(name: str, **fields: Any) -> str:
    raw = json.dumps({"l": name, **fields}, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_token(page_token: str, name: str) -> dict[str, Any]:
    """The token's fields, once it is known to be ours and to belong to the list `name`."""
    try:
        padded = page_token + "=" * (-len(page_token) % 4)
        data = json.loads(base64.urlsafe_b64decode(padded.encode()))
    except (binascii.Error, ValueError, UnicodeDecodeError):
        raise errors.bad_field("page_token", NOT_OURS) from None
    if not isinstance(data, dict) or not isinstance(data.get("l"), str):
        raise errors.bad_field("page_token", NOT_OURS)
    if data["l"] != name:
        raise errors.bad_field("page_token", ANOTHER_LIST)
    return data


def page_size_of(page_size: int) -> int:
    if page_size < 0:
        raise errors.bad_field("page_size", "must not be negative")
    return min(page_size or DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE)


def page_from_request(page_size: int, page_token: str, *query_parts: str, of: type[Message] | Message) -> Page:
    """Validate page_size and page_token for the List method answering with `of` (its response type);
    the query parts are the parent, filter, ..."""
    size = page_size_of(page_size)
    key = query_fingerprint(*query_parts)
    name = list_name(of)
    if not page_token:
        return Page(size, 0, key, name)
    data = decode_token(page_token, name)
    try:
        after, token_key = int(data["s"]), str(data["q"])
    except (ValueError, KeyError, TypeError, OverflowError):  # e.g. Infinity
        raise errors.bad_field("page_token", NOT_OURS) from None
    if not 0 <= after < 2**63:  # seq is a bigint: anything else is no token of ours
        raise errors.bad_field("page_token", NOT_OURS)
    if token_key != key:
        raise errors.bad_field("page_token", "belongs to a different query (parent or filter changed)")
    return Page(size, after, key, name)
