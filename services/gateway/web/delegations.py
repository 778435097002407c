"""The delegations page: the person's delegations in each of their organizations, a form to hand their approvals
to someone for a period (SetDelegation), and a button to end one (DeleteDelegation, under its etag).

Dates are the person's: a delegation from 3 March to 10 March runs from the start of the 3rd to the end of the
10th in their time zone. Whether the delegation is allowed (someone else, at most 90 days, no overlap) is the
service's to say; its field violations are shown beside the fields they concern.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import uuid

from fastapi import APIRouter, Depends, Request
from google.protobuf import timestamp_pb2
from starlette.responses import RedirectResponse, Response

from pmaas.governance.v1 import governance_service_pb2 as gapi
from pmaas.governance.v1 import resources_pb2 as gpb
from services.gateway.web import calls
from services.gateway.web.render import page, timestamp
from services.gateway.web.security import form
from services.gateway.web.session import SignedIn, session, signed_in
from services.platform import names

router = APIRouter()
PATH = "/ui/delegations"
# The service's field paths -> the form's fields.
FORM_FIELDS = {"delegation.delegate": "delegate", "delegation.start_time": "start", "delegation.end_time": "end",
               "delegation.reason": "reason", "parent": "organization"}


def _orgs(who: SignedIn) -> list[str]:
    return sorted(org for org in who.orgs if org != "*")


@router.get(PATH, include_in_schema=False)
async def delegations_page(request: Request, who: SignedIn = Depends(signed_in)) -> Response:
    return await _view(request, who)


async def _view(request: Request, who: SignedIn, *, errors: dict[str, str] | None = None,
                entered: dict[str, str] | None = None, general: str = "", status: int = 200) -> Response:
    mine = f"delegator = {json.dumps(who.subject)}"

    async def one(org: str) -> list[gpb.Delegation]:
        answer = await calls.call(request, "governance", "ListDelegations", gapi.ListDelegationsRequest(
            parent=f"organizations/{org}", filter=mine, page_size=100))
        return list(answer.delegations)

    listed = await asyncio.gather(*(one(org) for org in _orgs(who)))
    rows = [(names.DELEGATION_PATTERN.parse(d.name)["organization"], d, timestamp(d, "start_time"),
             timestamp(d, "end_time")) for found in listed for d in found]
    return page(request, "inbox/delegations.html", {
        "rows": rows, "orgs": _orgs(who), "errors": errors or {}, "entered": entered or {}, "general": general,
        "form_id": str(uuid.uuid4())}, status)


@router.post(PATH, include_in_schema=False)
async def add(request: Request, who: SignedIn = Depends(signed_in)) -> Response:
    fields = await form(request)
    org = fields.get("organization", "")
    errors: dict[str, str] = {}
    if org not in _orgs(who):
        errors["organization"] = "Choose one of your organizations."
    start = _day(fields.get("start", ""), who, "start", errors)
    end = _day(fields.get("end", ""), who, "end", errors, required=True)
    if errors:
        return await _view(request, who, errors=errors, entered=fields, status=400)
    delegation = gpb.Delegation(delegate=fields.get("delegate", "").strip(), reason=fields.get("reason", ""))
    if start is not None:
        delegation.start_time.CopyFrom(_ts(start))
    if end is not None:
        delegation.end_time.CopyFrom(_ts(end + dt.timedelta(days=1)))  # to the end of the last day
    try:
        await calls.call(request, "governance", "SetDelegation", gapi.SetDelegationRequest(
            parent=f"organizations/{org}", delegation=delegation, request_id=fields.get("request_id", "")))
    except calls.Refused as refused:
        by_field = {FORM_FIELDS[f]: text for f, text in refused.violations.items() if f in FORM_FIELDS}
        rest = [text for f, text in refused.violations.items() if f not in FORM_FIELDS]
        general = " ".join(rest) if rest else ("" if by_field else refused.plain)
        return await _view(request, who, errors=by_field, entered=fields, general=general, status=refused.status)
    session(request).flash(f"Your approvals in {org} go to {delegation.delegate} for that period.")
    return RedirectResponse(PATH, status_code=303)


@router.post(PATH + "/remove", include_in_schema=False)
async def remove(request: Request, who: SignedIn = Depends(signed_in)) -> Response:
    fields = await form(request)
    try:
        await calls.call(request, "governance", "DeleteDelegation", gapi.DeleteDelegationRequest(
            name=fields.get("name", ""), etag=fields.get("etag", "")))
    except calls.Refused as refused:
        return await _view(request, who, general=refused.plain, status=refused.status)
    session(request).flash("The delegation was ended.")
    return RedirectResponse(PATH, status_code=303)


def _day(value: str, who: SignedIn, field: str, errors: dict[str, str], required: bool = False) -> dt.datetime | None:
    """A yyyy-mm-dd date from the form -> the start of that day in the person's time zone."""
    if not value:
        if required:
            errors[field] = "Enter a date."
        return None
    try:
        day = dt.date.fromisoformat(value)
    except ValueError:
        errors[field] = "Enter a date as YYYY-MM-DD."
        return None
    return dt.datetime.combine(day, dt.time(), tzinfo=who.zone)


def _ts(value: dt.datetime) -> timestamp_pb2.Timestamp:
    stamp = timestamp_pb2.Timestamp()
    stamp.FromDatetime(value.astimezone(dt.UTC))
    return stamp
