-- Applied into every service schema (search_path is set to it).

-- Append-only, per-organization hash chain of every mutation and decision.
-- hash = sha256(prev_hash || canonical JSON of the event); see platform/audit.py.
CREATE TABLE audit_events (
    org_id        text        NOT NULL,
    seq           bigint      NOT NULL CHECK (seq > 0),
    event_time    timestamptz NOT NULL,
    actor         text        NOT NULL,
    action        text        NOT NULL,
    resource      text        NOT NULL,
    request_id    text        NOT NULL DEFAULT '',
    trace_id      text        NOT NULL DEFAULT '',
    before_digest text        NOT NULL DEFAULT '',
    after_digest  text        NOT NULL DEFAULT '',
    detail        jsonb       NOT NULL DEFAULT '{}',
    prev_hash     text        NOT NULL,
    hash          text        NOT NULL,
    PRIMARY KEY (org_id, seq)
);

CREATE FUNCTION audit_events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit_events is append-only: % refused', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END $$;

CREATE TRIGGER audit_events_no_update_delete
    BEFORE UPDATE OR DELETE ON audit_events
    FOR EACH ROW EXECUTE FUNCTION audit_events_append_only();
CREATE TRIGGER audit_events_no_truncate
    BEFORE TRUNCATE ON audit_events
    FOR EACH STATEMENT EXECUTE FUNCTION audit_events_append_only();

-- AIP-155 request ids: the first response is kept and replayed for retries.
CREATE TABLE idempotency_keys (
    org_id       text        NOT NULL,
    request_id   uuid        NOT NULL,
    method       text        NOT NULL,
    request_hash text        NOT NULL,
    response     bytea,
    create_time  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (org_id, request_id)
);
