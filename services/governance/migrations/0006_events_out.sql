-- Events out: organizations subscribe webhooks to governance events (services/governance/events.py's
-- catalogue); sync_process writes each catalogued journal entry to the outbox in the same transaction as
-- the process row, and one WebhookDeliveryWorkflow per (event, webhook) delivers it, logging every attempt.
-- The runtime role's DML on these tables comes from the platform's default privileges (0003_runtime_role).

CREATE TABLE webhooks (
    seq         bigserial   UNIQUE,
    org_id      text        NOT NULL,
    id          text        NOT NULL,
    uri         text        NOT NULL,
    event_types text[]      NOT NULL DEFAULT '{}',  -- CloudEvents types; empty: every type
    description text        NOT NULL DEFAULT '',
    -- The HMAC key (whsec_...): returned once by CreateWebhook, read again only to sign deliveries.
    secret      text        NOT NULL,
    creator     text        NOT NULL,
    state       text        NOT NULL DEFAULT 'ACTIVE' CHECK (state IN ('ACTIVE', 'DISABLED', 'DELETED')),
    version     integer     NOT NULL DEFAULT 1,
    create_time timestamptz NOT NULL DEFAULT now(),
    update_time timestamptz NOT NULL DEFAULT now(),
    delete_time timestamptz,
    PRIMARY KEY (org_id, id)
);
-- Who listens (fan-out after each publication).
CREATE INDEX webhooks_active ON webhooks (org_id) WHERE state = 'ACTIVE';

-- The outbox: one row per catalogued journal entry, never changed.
CREATE TABLE outbound_events (
    seq         bigserial   UNIQUE,
    org_id      text        NOT NULL,
    id          text        NOT NULL,  -- the CloudEvents id: {process id}.{version}.{index}
    type        text        NOT NULL,
    subject     text        NOT NULL,  -- the process's resource name
    time        timestamptz NOT NULL,  -- of the journal entry
    data        jsonb       NOT NULL,
    process_id  text        NOT NULL,
    version     bigint      NOT NULL,
    index       integer     NOT NULL,
    create_time timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (org_id, id),
    UNIQUE (org_id, process_id, version, index)
);

-- One delivery per (event, webhook); each RedeliverEvent starts a new series of attempts.
CREATE TABLE deliveries (
    seq         bigserial   UNIQUE,
    org_id      text        NOT NULL,
    id          text        NOT NULL,
    webhook_id  text        NOT NULL,
    event_id    text        NOT NULL,
    state       text        NOT NULL DEFAULT 'PENDING' CHECK (state IN ('PENDING', 'DELIVERED', 'FAILED')),
    series      integer     NOT NULL DEFAULT 1,
    attempts    integer     NOT NULL DEFAULT 0,  -- over every series
    last_status integer     NOT NULL DEFAULT 0,  -- HTTP status of the last attempt, 0 when none came back
    last_error  text        NOT NULL DEFAULT '',
    create_time timestamptz NOT NULL DEFAULT now(),
    update_time timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (org_id, id),
    UNIQUE (org_id, event_id, webhook_id),
    FOREIGN KEY (org_id, webhook_id) REFERENCES webhooks (org_id, id),
    FOREIGN KEY (org_id, event_id) REFERENCES outbound_events (org_id, id)
);
CREATE INDEX deliveries_by_webhook ON deliveries (org_id, webhook_id, seq);

-- The delivery log: one row per attempt, written once (a retried write of the same attempt is ignored).
CREATE TABLE delivery_attempts (
    org_id      text        NOT NULL,
    delivery_id text        NOT NULL,
    series      integer     NOT NULL,
    attempt     integer     NOT NULL,
    status      integer     NOT NULL DEFAULT 0,  -- HTTP status, 0 when the request failed
    error       text        NOT NULL DEFAULT '',
    duration_ms integer     NOT NULL,
    time        timestamptz NOT NULL,
    PRIMARY KEY (org_id, delivery_id, series, attempt),
    FOREIGN KEY (org_id, delivery_id) REFERENCES deliveries (org_id, id)
);
