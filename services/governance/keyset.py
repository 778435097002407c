"""Keyset page tokens for task lists, which are ordered by (due_time, id) rather than by `seq`.

Like services/platform/pagination.py: opaque base64url JSON holding the last row's key and a
fingerprint of the query (parent, filter, assignee, ... and the caller for "me"), so a token
cannot be replayed against another query.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import json
from dataclasses import dataclass

from services.platform import errors, pagination


@dataclass(frozen=True)
class DuePage:
    size: int
    after: tuple[dt.datetime, str] | None
    query_key: str

    def next_token(self, rows: list) -> str:
        """Token for the page after `rows` (fetched with LIMIT size + 1)."""
        if len(rows) <= self.size:
            return ""
        last = rows[self.size - 1]
        raw = json.dumps({"d": last["due_time"].isoformat(), "i": last["id"], "q": self.query_key},
                         separators=(",", ":")).encode()
        return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def due_page(page_size: int, page_token: str, *query_parts: str) -> DuePage:
    if page_size < 0:
        raise errors.bad_field("page_size", "must not be negative")
    size = min(page_size or pagination.DEFAULT_PAGE_SIZE, pagination.MAX_PAGE_SIZE)
    key = pagination.query_fingerprint(*query_parts)
    if not page_token:
        return DuePage(size, None, key)
    try:
        data = json.loads(base64.urlsafe_b64decode((page_token + "=" * (-len(page_token) % 4)).encode()))
        after = (dt.datetime.fromisoformat(data["d"]), str(data["i"]))
        token_key = str(data["q"])
    except (binascii.Error, ValueError, KeyError, TypeError, UnicodeDecodeError):
        raise errors.bad_field("page_token", "is not a token this API returned") from None
    if after[0].tzinfo is None:
        raise errors.bad_field("page_token", "is not a token this API returned")
    if token_key != key:
        raise errors.bad_field("page_token", "belongs to a different query (parent, filter or assignee changed)")
    return DuePage(size, after, key)
