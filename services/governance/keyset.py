"""Keyset page tokens for task lists, which are ordered by (due_time, id) rather than by `seq`.

Like services/platform/pagination.py, whose token encoding it shares: opaque base64url JSON naming
the list it pages through, holding the last row's key and a fingerprint of the query (parent, filter,
assignee, ... and the caller for "me"), so a token cannot be replayed against another List method or
another query.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from google.protobuf.message import Message

from services.platform import errors, pagination


@dataclass(frozen=True)
class DuePage:
    size: int
    after: tuple[dt.datetime, str] | None
    query_key: str
    list_name: str

    def next_token(self, rows: list) -> str:
        """Token for the page after `rows` (fetched with LIMIT size + 1)."""
        if len(rows) <= self.size:
            return ""
        last = rows[self.size - 1]
        return pagination.encode_token(self.list_name, d=last["due_time"].isoformat(), i=last["id"],
                                       q=self.query_key)


def due_page(page_size: int, page_token: str, *query_parts: str, of: type[Message] | Message) -> DuePage:
    size = pagination.page_size_of(page_size)
    key = pagination.query_fingerprint(*query_parts)
    name = pagination.list_name(of)
    if not page_token:
        return DuePage(size, None, key, name)
    data = pagination.decode_token(page_token, name)
    try:
        after = (dt.datetime.fromisoformat(data["d"]), str(data["i"]))
        token_key = str(data["q"])
    except (ValueError, KeyError, TypeError):
        raise errors.bad_field("page_token", pagination.NOT_OURS) from None
    if after[0].tzinfo is None:
        raise errors.bad_field("page_token", pagination.NOT_OURS)
    if token_key != key:
        raise errors.bad_field("page_token", "belongs to a different query (parent, filter or assignee changed)")
    return DuePage(size, after, key, name)
