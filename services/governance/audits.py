"""Quality audits: schedule them per project, start one ad hoc, read them, record the fieldwork, close
corrective actions.

Started as escalations are raised (escalations.py): the audit id derives from the caller's request id, and
one transaction claims it, audits the start and enters the audit in the read model (version 0) before
Temporal is called. Recording results is the workflow's `record_result` update (its validator checks the
auditor and the checklist; an INVALID_ARGUMENT refusal comes back as field violations); closing a
corrective action decides its owner's task (the `decide` update DecideTask sends, so both ways are one).

Schedules are Temporal Schedules, one per project (id derived from org and project), whose action starts a
QualityAuditWorkflow that reads the organization's current policy when it opens; overlap SKIP; the cadence
(cron or interval) in the time zone of the policy's calendar.

Who: auditors, pmo and admin start and schedule audits (QUALITY_AUDIT_MANAGE); anyone reads (READ); anyone
who decides tasks may try to record or close (TASK_ACT), and the workflow lets only the fieldwork task's
candidates record and only the action's owner close.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import uuid

import grpc
from temporalio.client import (
    Schedule,
    ScheduleActionStartWorkflow,
    ScheduleAlreadyRunningError,
    ScheduleBackfill,
    ScheduleIntervalSpec,
    ScheduleOverlapPolicy,
    SchedulePolicy,
    ScheduleSpec,
    ScheduleState,
    ScheduleUpdate,
)
from temporalio.service import RPCError, RPCStatusCode

from pmaas.governance.v1 import audits_pb2 as audits_pb
from services.governance import convert, store, temporal, validation
from services.governance.core import utc_now
from services.governance.escalations import EscalationHandlers, org_or_project
from services.platform import errors, pagination
from services.platform.auth import Permission as P
from services.platform.auth import principal
from services.platform.errors import Violations
from services.platform.mutations import Tx, validate_request_id
from services.platform.names import (
    AUDIT_SCHEDULE_PATTERN,
    CORRECTIVE_ACTION_PATTERN,
    PROJECT_PATTERN,
    QUALITY_AUDIT_PATTERN,
)
from services.platform.resources import check_text, to_timestamp
from workflows import approvals as ap
from workflows import corrective_action as ca
from workflows import ids
from workflows import quality_audit as qa
from workflows.approvals import ProcessSync
from workflows.policy import CRON_FIELDS

WORKFLOW = "QualityAuditWorkflow"
SCHEDULE_PREFIX = "quality-audit-schedule"
NEXT_RUNS = 5
MAX_INTERVAL_DAYS = 366
ID_MAX = 100
OPEN_TASK_STATES = ("OPEN", "CLAIMED")


def schedule_id(org: str, project: str) -> str:
    return f"{SCHEDULE_PREFIX}/{org}/{project}"


def scheduled_workflow_id(org: str, project: str) -> str:
    """The id every scheduled run's workflow starts from (Temporal appends the scheduled time)."""
    return ids.workflow_id(qa.ID_PREFIX, org, f"scheduled-{project}")


class AuditHandlers(EscalationHandlers):
    # --- starting ----------------------------------------------------------------------------------

    async def StartAudit(self, request: audits_pb.StartAuditRequest, context) -> audits_pb.QualityAudit:
        org, project_id = self._managed(request.parent, request.request_id)
        v = Violations()
        given = request.quality_audit
        if given.auditor:
            validation.subject(given.auditor, "quality_audit.auditor", v)
        if given.state or given.score or given.findings or given.results or given.checklist or given.re_audit_of:
            v.add("quality_audit", "only auditor is set by the caller; the rest is output only")
        v.raise_if_any()
        project = await self.project(request.parent, context, None)  # NOT_FOUND as the caller sees it
        if given.auditor and given.auditor == project.project_manager:
            raise errors.bad_field("quality_audit.auditor", f"{given.auditor} manages {project.name}: nobody "
                                   "audits their own project")
        policy, _, _ = await self.policy(org, context)
        actor = await self.actor(org)
        audit_id = ids.resource_id(org, qa.KIND, request.request_id or str(uuid.uuid4()))
        workflow_id = ids.workflow_id(qa.ID_PREFIX, org, audit_id)
        started = qa.QualityAuditInput(org=org, project=project_id, id=audit_id, trigger="AD_HOC",
                                       requested_by=actor.subject, auditor=given.auditor, policy=policy)
        view = qa.first_view(started, audit_id, workflow_id, policy.version, utc_now())
        first = convert.quality_audit(view, 0)
        entered = ProcessSync(kind=qa.KIND, org=org, project=project_id, id=audit_id, name=view.name,
                              workflow_id=workflow_id, state=view.state, requester=actor.subject,
                              policy_version=policy.version, version=0, view=dataclasses.asdict(view))

        async def work(tx: Tx):
            await store.upsert_process(tx.conn, entered, first.SerializeToString())
            tx.record("StartAudit", first.name, None, first)
            return first

        await self.mutate(org, "StartAudit", request, audits_pb.QualityAudit, work)
        await temporal.start(self.client, WORKFLOW, started, workflow_id=workflow_id, task_queue=self.task_queue,
                             attributes=temporal.search_attributes(org, project_id, qa.KIND),
                             timeout_s=self.deadline_s(context, temporal.START_TIMEOUT_S))
        return await self._audit_now(org, audit_id, view.name)

    @staticmethod
    def _managed(parent: str, request_id: str) -> tuple[str, str]:
        """(org, project id) of the project `parent` names, once the caller may start and schedule its audits."""
        parts = PROJECT_PATTERN.parse(parent, "parent")
        principal().require(parts["organization"], P.QUALITY_AUDIT_MANAGE)
        validate_request_id(request_id)
        return parts["organization"], parts["project"]

    # --- reading -----------------------------------------------------------------------------------

    async def GetAudit(self, request: audits_pb.GetAuditRequest, context) -> audits_pb.QualityAudit:
        parts = QUALITY_AUDIT_PATTERN.parse(request.name)
        principal().require(parts["organization"], P.READ)
        return await self._audit_now(parts["organization"], parts["quality_audit"], request.name)

    async def ListAudits(self, request: audits_pb.ListAuditsRequest, context) -> audits_pb.ListAuditsResponse:
        org, project = org_or_project(request.parent)
        principal().require(org, P.READ)
        page = pagination.page_from_request(request.page_size, request.page_token, request.parent, request.filter,
                                            of=audits_pb.ListAuditsResponse)
        async with self.pool.acquire() as conn:
            rows = await store.list_processes(conn, org, qa.KIND, project, request.filter, store.AUDIT_FILTERS, page,
                                              newest_first=True)
            tasks = await store.tasks_of(conn, org, [r["name"] for r in rows[: page.size]])
        return audits_pb.ListAuditsResponse(
            quality_audits=[convert.quality_audit_row(r, tasks.get(r["name"], [])) for r in rows[: page.size]],
            next_page_token=page.next_token(rows))

    async def _audit_now(self, org: str, audit_id: str, name: str) -> audits_pb.QualityAudit:
        async with self.pool.acquire() as conn:
            row = await store.get_process(conn, org, qa.KIND, audit_id)
            tasks = await store.tasks_of(conn, org, [name]) if row is not None else {}
        if row is None or row["name"] != name:  # unknown, or the id of another project's audit
            raise errors.not_found(name)
        return convert.quality_audit_row(row, tasks.get(name, []))

    # --- the fieldwork -----------------------------------------------------------------------------

    async def RecordAuditResult(self, request: audits_pb.RecordAuditResultRequest,
                                context) -> audits_pb.QualityAudit:
        parts = QUALITY_AUDIT_PATTERN.parse(request.name)
        org, audit_id = parts["organization"], parts["quality_audit"]
        principal().require(org, P.TASK_ACT)
        v = Violations()
        results, findings = self._recorded(request, v)
        v.raise_if_any()
        row = await self._process_row(org, qa.KIND, audit_id, request.name)
        if row["name"] != request.name:
            raise errors.not_found(request.name)
        await self._until_task(org, qa.KIND, audit_id, request.name, context, "FIELDWORK_COMPLETE",
                               "the fieldwork is complete; the audit takes no more results")
        actor = await self.actor(org)
        arg = qa.RecordInput(actor=actor, results=results, findings=findings, complete=request.complete,
                             comment=request.comment)
        try:
            await self.send_update(org=org, method="RecordAuditResult", target=request.name,
                                   workflow_id=row["workflow_id"], update="record_result", arg=arg, actor=actor,
                                   request_id=request.request_id, context=context, result_type=qa.QualityAuditView,
                                   invalid_field="results")
        except errors.ApiError as exc:
            raise _per_field(exc) from None
        if not request.complete:
            return await self._audit_now(org, audit_id, request.name)
        # Scored by `run` just after the fieldwork task closed: answer with the score.
        return await self._poll(lambda: self._audit_now(org, audit_id, request.name),
                                lambda a: a.state != audits_pb.QUALITY_AUDIT_STATE_OPEN, context)

    @staticmethod
    def _recorded(request: audits_pb.RecordAuditResultRequest,
                  v: Violations) -> tuple[list[qa.ItemResult], list[ca.Finding]]:
        """The request's results and findings as the workflow takes them; what is wrong with them in `v`."""
        if not (request.results or request.findings or request.complete):
            v.add("results", "give results, findings, or complete the fieldwork")
        results = []
        for i, r in enumerate(request.results):
            check_text(r.item_id, f"results[{i}].item_id", v, max_len=ID_MAX, required=True)
            check_text(r.evidence, f"results[{i}].evidence", v, max_len=qa.TEXT_MAX, multiline=True)
            check_text(r.note, f"results[{i}].note", v, max_len=qa.TEXT_MAX, multiline=True)
            results.append(qa.ItemResult(item_id=r.item_id, passed=r.passed, evidence=r.evidence, note=r.note))
        findings = []
        for i, f in enumerate(request.findings):
            check_text(f.id, f"findings[{i}].id", v, max_len=ID_MAX, required=True)
            severity = convert.enum_name(audits_pb.FindingSeverity, "FINDING_SEVERITY_", f.severity)
            if not severity:
                v.add(f"findings[{i}].severity", "is required: MINOR, MAJOR or CRITICAL")
            check_text(f.description, f"findings[{i}].description", v, max_len=qa.TEXT_MAX, required=True,
                       multiline=True)
            check_text(f.evidence, f"findings[{i}].evidence", v, max_len=qa.TEXT_MAX, multiline=True)
            check_text(f.item_id, f"findings[{i}].item_id", v, max_len=ID_MAX)
            if f.owner:
                validation.subject(f.owner, f"findings[{i}].owner", v)
            if f.corrective_action:
                v.add(f"findings[{i}].corrective_action", "is output only")
            findings.append(ca.Finding(id=f.id, severity=severity, description=f.description, evidence=f.evidence,
                                       item_id=f.item_id, owner=f.owner))
        validation.comment(request.comment, "comment", v)
        return results, findings

    # --- corrective actions ------------------------------------------------------------------------

    async def CloseCorrectiveAction(self, request: audits_pb.CloseCorrectiveActionRequest,
                                    context) -> audits_pb.CorrectiveAction:
        parts = CORRECTIVE_ACTION_PATTERN.parse(request.name)
        org, action_id = parts["organization"], parts["corrective_action"]
        principal().require(org, P.TASK_ACT)
        v = Violations()
        check_text(request.note, "note", v, max_len=validation.COMMENT_MAX, required=True, multiline=True)
        v.raise_if_any()
        row = await self._process_row(org, ca.KIND, action_id, request.name)
        if row["name"] != request.name:
            raise errors.not_found(request.name)
        task = await self._until_task(org, ca.KIND, action_id, request.name, context, temporal.PROCESS_CLOSED,
                                      "the corrective action is closed")
        if task["kind"] != "CORRECTIVE_ACTION":
            raise errors.failed_precondition("ACTION_AWAITING_VERIFICATION", "the action was completed; the auditor "
                                             "is checking its effectiveness", resource=request.name)
        actor = await self.actor(org)
        decided = await self.send_update(
            org=org, method="CloseCorrectiveAction", target=request.name, workflow_id=row["workflow_id"],
            update="decide", arg=ap.DecideInput(task_id=task["id"], actor=actor, choice=ca.COMPLETE,
                                                comment=request.note),
            actor=actor, request_id=request.request_id, context=context, result_type=ap.Task, invalid_field="note")
        closed = decided.closed if decided is not None else None
        return await self._poll(lambda: self._action_now(org, action_id, request.name),
                                lambda a: closed is None or a.update_time.ToDatetime(dt.UTC) >= closed, context)

    async def _action_now(self, org: str, action_id: str, name: str) -> audits_pb.CorrectiveAction:
        async with self.pool.acquire() as conn:
            row = await store.get_process(conn, org, ca.KIND, action_id)
            tasks = await store.tasks_of(conn, org, [name])
        return convert.corrective_action_row(row, tasks.get(name, []))

    async def _until_task(self, org: str, kind: str, process_id: str, name: str, context, reason: str,
                          why: str):
        """The process's open task, waiting briefly while the workflow opens the next one; FAILED_PRECONDITION
        `reason` once none will open (the process ended, or an audit's fieldwork is complete)."""

        async def fetch():
            async with self.pool.acquire() as conn:
                row = await store.get_process(conn, org, kind, process_id)
                newest = await store.newest_task(conn, org, name)
                task = await store.get_task(conn, org, newest["id"]) if newest is not None else None
                # Only an open process waiting for its (next) task will open one: an audit only in fieldwork.
                return row["open"] and (kind != qa.KIND or row["state"] == "OPEN"), task

        coming, task = await self._poll(fetch, lambda f: not f[0] or (f[1] is not None and f[1]["state"]
                                                                     in OPEN_TASK_STATES), context)
        if task is not None and task["state"] in OPEN_TASK_STATES:
            return task
        if not coming:
            raise errors.failed_precondition(reason, why, resource=name)
        raise errors.ApiError(grpc.StatusCode.DEADLINE_EXCEEDED, "PROCESS_TIMEOUT",
                              "no task is open yet (the process is moving to its next step); retry with the same "
                              "request_id", metadata={"resource": name})

    # --- schedules ---------------------------------------------------------------------------------

    async def ScheduleAudits(self, request: audits_pb.ScheduleAuditsRequest, context) -> audits_pb.AuditSchedule:
        org, project_id = self._managed(request.parent, request.request_id)
        v = Violations()
        backfill = self._check_schedule(request, v)
        v.raise_if_any()
        await self.project(request.parent, context, None)
        policy, _, _ = await self.policy(org, context)
        cron, days = request.audit_cron.strip(), request.audit_interval_days
        if not cron and not days:
            cron, days = (policy.quality.cron, 0) if policy.quality.interval_days <= 0 else \
                ("", policy.quality.interval_days)
        name = AUDIT_SCHEDULE_PATTERN.format(organization=org, project=project_id)
        zone = policy.calendar.time_zone
        # The request id is claimed (and the change audited) first; a retry changes nothing more.
        fresh = []

        async def work(tx: Tx):
            fresh.append(True)
            answer = audits_pb.AuditSchedule(name=name, audit_cron=cron, audit_interval_days=days, time_zone=zone,
                                             enabled=request.enabled and not request.delete,
                                             schedule_id=schedule_id(org, project_id))
            tx.record("ScheduleAudits", name, None, answer)
            return answer

        await self.mutate(org, "ScheduleAudits", request, audits_pb.AuditSchedule, work)
        handle = self.client.get_schedule_handle(schedule_id(org, project_id))
        timeout = dt.timedelta(seconds=self.deadline_s(context, temporal.START_TIMEOUT_S))
        try:
            if request.delete:
                if fresh:
                    await handle.delete(rpc_timeout=timeout)
                return audits_pb.AuditSchedule(name=name, time_zone=zone, schedule_id=schedule_id(org, project_id))
            wanted = self._schedule(org, project_id, cron, days, zone, request.enabled)
            try:
                await self.client.create_schedule(handle.id, wanted, rpc_timeout=timeout)
            except ScheduleAlreadyRunningError:
                await handle.update(lambda _: ScheduleUpdate(schedule=wanted), rpc_timeout=timeout)
            if backfill is not None and fresh:
                await handle.backfill(ScheduleBackfill(start_at=backfill[0], end_at=backfill[1],
                                                       overlap=ScheduleOverlapPolicy.ALLOW_ALL), rpc_timeout=timeout)
            described = await handle.describe(rpc_timeout=timeout)
        except RPCError as exc:
            if exc.status == RPCStatusCode.NOT_FOUND and request.delete:
                return audits_pb.AuditSchedule(name=name, time_zone=zone, schedule_id=schedule_id(org, project_id))
            raise temporal._unavailable(exc) from None  # noqa: SLF001  (the one mapping of engine failures)
        return audits_pb.AuditSchedule(
            name=name, audit_cron=cron, audit_interval_days=days, time_zone=zone,
            enabled=not described.schedule.state.paused, schedule_id=handle.id,
            next_run_times=[to_timestamp(t) for t in described.info.next_action_times[:NEXT_RUNS]])

    def _schedule(self, org: str, project: str, cron: str, days: int, zone: str, enabled: bool) -> Schedule:
        spec = ScheduleSpec(intervals=[ScheduleIntervalSpec(every=dt.timedelta(days=days))], time_zone_name=zone) \
            if days else ScheduleSpec(cron_expressions=[cron], time_zone_name=zone)
        return Schedule(
            action=ScheduleActionStartWorkflow(
                WORKFLOW, qa.QualityAuditInput(org=org, project=project, id="", trigger="SCHEDULED"),
                id=scheduled_workflow_id(org, project), task_queue=self.task_queue,
                typed_search_attributes=temporal.search_attributes(org, project, qa.KIND)),
            spec=spec, policy=SchedulePolicy(overlap=ScheduleOverlapPolicy.SKIP),
            state=ScheduleState(paused=not enabled, note="" if enabled else "paused by ScheduleAudits"))

    @staticmethod
    def _check_schedule(request: audits_pb.ScheduleAuditsRequest,
                        v: Violations) -> tuple[dt.datetime, dt.datetime] | None:
        cron = request.audit_cron.strip()
        if cron and len(cron.split()) != CRON_FIELDS:
            v.add("audit_cron", "must be a cron expression of 5 fields (minute hour day month weekday)")
        if not 0 <= request.audit_interval_days <= MAX_INTERVAL_DAYS:
            v.add("audit_interval_days", f"must be from 0 to {MAX_INTERVAL_DAYS}")
        elif cron and request.audit_interval_days:
            v.add("audit_interval_days", "set audit_cron or audit_interval_days, not both")
        has_start, has_end = request.HasField("backfill_start_time"), request.HasField("backfill_end_time")
        if request.delete and (cron or request.audit_interval_days or has_start or has_end or request.enabled):
            v.add("delete", "deletes the schedule: set nothing else")
        if has_start != has_end:
            v.add("backfill_end_time" if has_start else "backfill_start_time", "a backfill needs both ends")
            return None
        if not has_start:
            return None
        start = request.backfill_start_time.ToDatetime(dt.UTC)
        end = request.backfill_end_time.ToDatetime(dt.UTC)
        if end <= start:
            v.add("backfill_end_time", "must be after backfill_start_time")
        return start, end


def _per_field(exc: errors.ApiError) -> errors.ApiError:
    """A workflow's INVALID_ARGUMENT refusal ("field: reason; field: reason") as one violation per field."""
    if exc.code != grpc.StatusCode.INVALID_ARGUMENT or not exc.violations:
        return exc
    violations = []
    for part in exc.message.split("; "):
        field, sep, reason = part.partition(": ")
        violations.append((field, reason) if sep else ("results", part))
    return errors.ApiError(exc.code, exc.reason, exc.message, violations, metadata=exc.metadata)
