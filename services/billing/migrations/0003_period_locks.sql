-- Closed billing periods (issue 7): once the billing cycle locks a period of an organization, no time
-- entry or expense dated inside it is recorded. The id is the period itself (p{start}-{end}), so locking
-- the same period twice finds the first lock. Locks are never lifted.
CREATE TABLE period_locks (
    seq          bigserial   UNIQUE,
    org_id       text        NOT NULL,
    id           text        NOT NULL,
    period_start date        NOT NULL,
    period_end   date        NOT NULL CHECK (period_end >= period_start),
    locker       text        NOT NULL,
    create_time  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (org_id, id)
);
CREATE INDEX period_locks_days ON period_locks (org_id, period_start, period_end);
