"""Keyset pagination for every List method (AIP-158).

Rows are ordered by their `seq` column (insertion order, never reused), so a
page costs the same however deep it is. The page token is opaque to clients:
base64url JSON holding the last `seq` and a fingerprint of the query, so a
token cannot be replayed against a different parent or filter.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
from dataclasses import dataclass

from services.platform import errors

DEFAULT_PAGE_SIZE = 50
MAX_PAGE_SIZE = 1000


@dataclass(frozen=True)
class Page:
    size: int
    after_seq: int  # 0 for the first page
    query_key: str

    def next_token(self, rows: list) -> str:
        """Token for the page after `rows` (fetched with LIMIT size + 1)."""
        if len(rows) <= self.size:
            return ""
        return encode_token(rows[self.size - 1]["seq"], self.query_key)


def query_fingerprint(*parts: str) -> str:
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()[:16]


def encode_token(after_seq: int, query_key: str) -> str:
    raw = json.dumps({"s": after_seq, "q": query_key}, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def page_from_request(page_size: int, page_token: str, *query_parts: str) -> Page:
    """Validate page_size and page_token; the query parts are the parent, filter, ..."""
    if page_size < 0:
        raise errors.bad_field("page_size", "must not be negative")
    size = min(page_size or DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE)
    key = query_fingerprint(*query_parts)
    if not page_token:
        return Page(size, 0, key)
    try:
        padded = page_token + "=" * (-len(page_token) % 4)
        data = json.loads(base64.urlsafe_b64decode(padded.encode()))
        after, token_key = int(data["s"]), str(data["q"])
    except (binascii.Error, ValueError, KeyError, TypeError, UnicodeDecodeError, OverflowError):  # e.g. Infinity
        raise errors.bad_field("page_token", "is not a token this API returned") from None
    if not 0 <= after < 2**63:  # seq is a bigint: anything else is no token of ours
        raise errors.bad_field("page_token", "is not a token this API returned")
    if token_key != key:
        raise errors.bad_field("page_token", "belongs to a different query (parent or filter changed)")
    return Page(size, after, key)
