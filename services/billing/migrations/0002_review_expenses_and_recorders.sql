-- Segregation of duties (issue 9): who recorded each time entry, and expenses reviewed like time.

-- The recorder of a time entry may not approve it, nor may its person. Entries recorded before this
-- column existed take theirs from the audit log (the person acted for, else the actor of their
-- CreateTimeEntry event); an entry without one is taken as recorded by its person. The API always
-- sets it: '' is left only for rows written behind it.
ALTER TABLE time_entries ADD COLUMN recorder text NOT NULL DEFAULT '';
UPDATE time_entries t SET recorder = created.who
FROM (SELECT DISTINCT ON (org_id, resource) org_id, resource, coalesce(nullif(on_behalf_of, ''), actor) AS who
      FROM audit_events WHERE action = 'CreateTimeEntry' ORDER BY org_id, resource, seq) created
WHERE created.org_id = t.org_id
  AND created.resource = 'organizations/' || t.org_id || '/engagements/' || t.engagement_id || '/timeEntries/' || t.id;
UPDATE time_entries SET recorder = person WHERE recorder = '';

-- An expense is SUBMITTED (1) until approved (2) or rejected (3); only approved ones are invoiced.
-- Expenses already invoiced were billed under the old rule and count as approved; the rest await review,
-- as does any row written behind the API (the default).
ALTER TABLE expenses ADD COLUMN approval_state smallint NOT NULL DEFAULT 1,
                     ADD COLUMN version        integer  NOT NULL DEFAULT 1,
                     ADD COLUMN update_time    timestamptz;
UPDATE expenses SET approval_state = 2 WHERE invoice_id IS NOT NULL;
UPDATE expenses SET update_time = create_time;
ALTER TABLE expenses ALTER COLUMN update_time SET NOT NULL,
                     ALTER COLUMN update_time SET DEFAULT now();
