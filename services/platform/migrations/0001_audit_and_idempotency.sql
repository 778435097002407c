-- Applied into every service schema (search_path is set to it).

-- Append-only, per-organization hash chain of every mutation and decision.
-- hash = sha256(prev_hash || seq || '|' || canonical JSON of the event); see platform/audit.py.
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

-- Appends one event in a single round trip: serializes appends per organization
-- (lock held to commit), links it to the previous event and hashes it.
CREATE FUNCTION audit_append(p_org text, p_time timestamptz, p_actor text, p_action text, p_resource text,
                             p_request_id text, p_trace_id text, p_before text, p_after text, p_detail jsonb,
                             p_body text) RETURNS bigint
LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
DECLARE
    last_seq  bigint;
    last_hash text;
BEGIN
    PERFORM pg_advisory_xact_lock(hashtext('audit:' || p_org));
    SELECT seq, hash INTO last_seq, last_hash FROM audit_events WHERE org_id = p_org ORDER BY seq DESC LIMIT 1;
    IF NOT FOUND THEN
        last_seq := 0;
        last_hash := repeat('0', 64);
    END IF;
    INSERT INTO audit_events (org_id, seq, event_time, actor, action, resource, request_id, trace_id,
                              before_digest, after_digest, detail, prev_hash, hash)
    VALUES (p_org, last_seq + 1, p_time, p_actor, p_action, p_resource, p_request_id, p_trace_id, p_before,
            p_after, p_detail, last_hash,
            encode(sha256(convert_to(last_hash || (last_seq + 1)::text || '|' || p_body, 'UTF8')), 'hex'));
    RETURN last_seq + 1;
END $$;

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
