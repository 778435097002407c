-- GovernanceService schema: policy versions, delegations, the read models the workflows keep
-- current (tasks, processes), refused attempts and the notifications outbox. The audit chain and
-- idempotency keys come from the platform migrations applied before this one.
-- Enum-like columns hold the workflow's strings (OPEN, PENDING_APPROVAL, ...), not proto numbers:
-- the workflows write these tables through an activity and know no protos.

-- Each update of an organization's policy is a new row; the current policy is the highest version.
CREATE TABLE policy_versions (
    org_id      text        NOT NULL,
    version     bigint      NOT NULL CHECK (version > 0),
    pmo_type    text        NOT NULL,
    currency    text        NOT NULL,  -- of the money limits in `body` (the org's default currency)
    body        jsonb       NOT NULL,  -- workflows.policy.GovernancePolicy as JSON
    author      text        NOT NULL,
    create_time timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (org_id, version)
);

CREATE TABLE delegations (
    seq         bigserial   UNIQUE,
    org_id      text        NOT NULL,
    id          text        NOT NULL,
    delegator   text        NOT NULL,
    delegate    text        NOT NULL CHECK (delegate <> delegator),
    start_time  timestamptz NOT NULL,
    end_time    timestamptz NOT NULL CHECK (end_time > start_time),
    reason      text        NOT NULL DEFAULT '',
    roles       text[]      NOT NULL DEFAULT '{}',  -- the delegator's roles when it was set
    version     integer     NOT NULL DEFAULT 1,
    create_time timestamptz NOT NULL DEFAULT now(),
    update_time timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (org_id, id)
);
-- Who holds whose approvals now (every call that builds an Actor asks this).
CREATE INDEX delegations_by_delegate ON delegations (org_id, delegate, end_time);
CREATE INDEX delegations_by_delegator ON delegations (org_id, delegator, end_time);

-- The task read model: one row per approval task, written only by the sync_task activity,
-- newer versions only. `data` is the whole workflows.approvals.Task as the workflow sent it.
CREATE TABLE tasks (
    org_id            text        NOT NULL,
    id                text        NOT NULL,
    workflow_id       text        NOT NULL,
    kind              text        NOT NULL,  -- CHANGE_APPROVAL, POST_IMPLEMENTATION_REVIEW, PHASE_GATE
    process           text        NOT NULL,  -- resource name of the change request or phase gate
    project           text        NOT NULL,  -- project id
    requester         text        NOT NULL,
    state             text        NOT NULL,  -- OPEN CLAIMED DECIDED CANCELLED EXPIRED
    title             text        NOT NULL,
    pending_approvers text[]      NOT NULL DEFAULT '{}',  -- subjects and role:<role> labels
    due_time          timestamptz NOT NULL,
    sla_state         text        NOT NULL,
    version           bigint      NOT NULL,
    data              jsonb       NOT NULL,
    create_time       timestamptz NOT NULL,
    update_time       timestamptz NOT NULL DEFAULT now(),
    close_time        timestamptz,
    PRIMARY KEY (org_id, id)
);
-- Inboxes: "pending_approvers && my labels" ...
CREATE INDEX tasks_pending_approvers ON tasks USING gin (pending_approvers);
-- ... in due order (overdue first, as they are due earliest), one keyset page at a time.
CREATE INDEX tasks_open_by_due ON tasks (org_id, due_time, id) WHERE state IN ('OPEN', 'CLAIMED');
CREATE INDEX tasks_by_due ON tasks (org_id, due_time, id);
-- A process's tasks (GetChangeRequest, GetPhaseGate list them as the task rows say, oldest first).
CREATE INDEX tasks_by_process ON tasks (org_id, process, create_time);

-- The process read model: one row per change request or phase gate, written by sync_process.
CREATE TABLE processes (
    seq            bigserial   UNIQUE,
    kind           text        NOT NULL,  -- change_request, phase_gate
    org_id         text        NOT NULL,
    id             text        NOT NULL,
    project        text        NOT NULL,  -- project id
    name           text        NOT NULL,
    workflow_id    text        NOT NULL,
    state          text        NOT NULL,
    open           boolean     NOT NULL,
    type           text        NOT NULL DEFAULT '',  -- change type (change requests only)
    requester      text        NOT NULL,
    policy_version bigint      NOT NULL,
    version        bigint      NOT NULL,
    view           jsonb       NOT NULL,  -- the module's view dataclass as the workflow sent it
    create_time    timestamptz NOT NULL DEFAULT now(),
    update_time    timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (org_id, id)
);
CREATE INDEX processes_by_kind ON processes (org_id, kind, seq);
CREATE INDEX processes_open_on_project ON processes (org_id, kind, project) WHERE open;

-- Decisions a workflow refused (a refused update leaves nothing in Temporal's history).
CREATE TABLE refused_attempts (
    seq          bigserial   PRIMARY KEY,
    org_id       text        NOT NULL,
    attempt_time timestamptz NOT NULL DEFAULT now(),
    actor        text        NOT NULL,
    on_behalf_of text        NOT NULL DEFAULT '',  -- the delegators the actor held approvals of
    method       text        NOT NULL,  -- e.g. DecideTask
    target       text        NOT NULL,  -- resource name
    reason       text        NOT NULL,  -- workflows.approvals.Refusal value
    message      text        NOT NULL,
    trace_id     text        NOT NULL DEFAULT ''
);
CREATE INDEX refused_attempts_by_org ON refused_attempts (org_id, seq);

-- Outbox of notifications; a delivery process reads it. A retried notify writes nothing twice.
CREATE TABLE notifications (
    seq             bigserial   PRIMARY KEY,
    org_id          text        NOT NULL,
    idempotency_key text        NOT NULL UNIQUE,
    kind            text        NOT NULL,
    subject         text        NOT NULL,
    recipients      text[]      NOT NULL DEFAULT '{}',
    message         text        NOT NULL,
    create_time     timestamptz NOT NULL DEFAULT now()
);
