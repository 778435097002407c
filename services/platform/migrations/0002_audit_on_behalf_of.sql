-- The person the governance service principal acted for ('' when the actor acted for itself):
-- the log reads "alice, via svc-governance". Part of the hashed body only when non-empty,
-- so chains written before this column still verify.
ALTER TABLE audit_events ADD COLUMN on_behalf_of text NOT NULL DEFAULT '';

DROP FUNCTION audit_append(text, timestamptz, text, text, text, text, text, text, text, jsonb, text);

CREATE FUNCTION audit_append(p_org text, p_time timestamptz, p_actor text, p_on_behalf_of text, p_action text,
                             p_resource text, p_request_id text, p_trace_id text, p_before text, p_after text,
                             p_detail jsonb, p_body text) RETURNS bigint
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
    INSERT INTO audit_events (org_id, seq, event_time, actor, on_behalf_of, action, resource, request_id,
                              trace_id, before_digest, after_digest, detail, prev_hash, hash)
    VALUES (p_org, last_seq + 1, p_time, p_actor, p_on_behalf_of, p_action, p_resource, p_request_id, p_trace_id,
            p_before, p_after, p_detail, last_hash,
            encode(sha256(convert_to(last_hash || (last_seq + 1)::text || '|' || p_body, 'UTF8')), 'hex'));
    RETURN last_seq + 1;
END $$;
