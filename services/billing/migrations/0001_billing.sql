-- BillingService schema. Enum columns hold the proto enum numbers; money is
-- integer micros in the engagement's currency (see platform/money.py); time
-- is integer minutes. `seq` orders List results and backs keyset pagination;
-- `version` backs etags. Projects live in the projects service: only their
-- ids are kept here.

CREATE TABLE engagements (
    seq                bigserial   UNIQUE,
    org_id             text        NOT NULL,
    id                 text        NOT NULL,
    display_name       text        NOT NULL,
    project_ids        text[]      NOT NULL,
    billing_model      smallint    NOT NULL,
    currency           text        NOT NULL,
    cap_micros         bigint      CHECK (cap_micros >= 0),
    payment_terms_days integer     NOT NULL CHECK (payment_terms_days BETWEEN 0 AND 365),
    closed_through     date,
    fee_micros         bigint      CHECK (fee_micros >= 0),
    milestone_fees     jsonb       NOT NULL DEFAULT '[]',  -- [{"milestone": name, "micros": n}]
    version            integer     NOT NULL DEFAULT 1,
    create_time        timestamptz NOT NULL DEFAULT now(),
    update_time        timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (org_id, id)
);

-- engagement_id '' is the organization's standard rate card.
CREATE TABLE rates (
    seq           bigserial   UNIQUE,
    org_id        text        NOT NULL,
    id            text        NOT NULL,
    engagement_id text        NOT NULL DEFAULT '',
    role          text        NOT NULL,
    currency      text        NOT NULL,
    hourly_micros bigint      NOT NULL CHECK (hourly_micros > 0),
    start_date    date        NOT NULL,
    end_date      date        CHECK (end_date >= start_date),
    create_time   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (org_id, id)
);
CREATE INDEX rates_lookup ON rates (org_id, role, currency, engagement_id, start_date);

CREATE TABLE time_entries (
    seq            bigserial   UNIQUE,
    org_id         text        NOT NULL,
    engagement_id  text        NOT NULL,
    id             text        NOT NULL,
    person         text        NOT NULL,
    role           text        NOT NULL,
    project_id     text        NOT NULL,
    work_date      date        NOT NULL,
    minutes        integer     NOT NULL CHECK (minutes BETWEEN 1 AND 1440),
    billable       boolean     NOT NULL,
    note           text        NOT NULL DEFAULT '',
    approval_state smallint    NOT NULL,
    invoice_id     text,
    version        integer     NOT NULL DEFAULT 1,
    create_time    timestamptz NOT NULL DEFAULT now(),
    update_time    timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (org_id, engagement_id, id),
    FOREIGN KEY (org_id, engagement_id) REFERENCES engagements (org_id, id)
) WITH (fillfactor = 70);  -- room for HOT updates: invoicing marks every billed entry
CREATE INDEX time_entries_page ON time_entries (org_id, engagement_id, seq);
CREATE INDEX time_entries_person_day ON time_entries (org_id, person, work_date);

CREATE TABLE expenses (
    seq               bigserial   UNIQUE,
    org_id            text        NOT NULL,
    engagement_id     text        NOT NULL,
    id                text        NOT NULL,
    project_id        text        NOT NULL,
    expense_date      date        NOT NULL,
    category          smallint    NOT NULL,
    currency          text        NOT NULL,
    amount_micros     bigint      NOT NULL CHECK (amount_micros > 0),
    receipt_reference text        NOT NULL DEFAULT '',
    billable          boolean     NOT NULL,
    note              text        NOT NULL DEFAULT '',
    person            text        NOT NULL,
    invoice_id        text,
    create_time       timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (org_id, engagement_id, id),
    FOREIGN KEY (org_id, engagement_id) REFERENCES engagements (org_id, id)
);
CREATE INDEX expenses_page ON expenses (org_id, engagement_id, seq);

CREATE TABLE invoices (
    seq             bigserial   UNIQUE,
    org_id          text        NOT NULL,
    engagement_id   text        NOT NULL,
    id              text        NOT NULL,
    period_start    date        NOT NULL,
    period_end      date        NOT NULL CHECK (period_end >= period_start),
    state           smallint    NOT NULL,
    currency        text        NOT NULL,
    total_micros    bigint      NOT NULL,
    credited_micros bigint      NOT NULL DEFAULT 0 CHECK (credited_micros BETWEEN 0 AND greatest(total_micros, 0)),
    notes           text        NOT NULL DEFAULT '',
    purchase_order  text        NOT NULL DEFAULT '',
    issue_date      date,
    due_date        date,
    paid_date       date,
    version         integer     NOT NULL DEFAULT 1,
    create_time     timestamptz NOT NULL DEFAULT now(),
    update_time     timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (org_id, engagement_id, id),
    FOREIGN KEY (org_id, engagement_id) REFERENCES engagements (org_id, id)
);
-- One live invoice per engagement and period (4 = INVOICE_STATE_VOID).
CREATE UNIQUE INDEX invoices_one_per_period ON invoices (org_id, engagement_id, period_start, period_end)
    WHERE state <> 4;
CREATE INDEX invoices_page ON invoices (org_id, engagement_id, seq);

CREATE TABLE invoice_lines (
    org_id        text     NOT NULL,
    engagement_id text     NOT NULL,
    invoice_id    text     NOT NULL,
    line_no       integer  NOT NULL,
    kind          smallint NOT NULL,
    description   text     NOT NULL,
    project_id    text     NOT NULL DEFAULT '',
    role          text     NOT NULL DEFAULT '',
    person        text     NOT NULL DEFAULT '',
    milestone     text     NOT NULL DEFAULT '',
    expense_id    text     NOT NULL DEFAULT '',
    minutes       integer,  -- TIME lines: the quantity, exact
    unit_micros   bigint   NOT NULL,
    amount_micros bigint   NOT NULL,
    PRIMARY KEY (org_id, engagement_id, invoice_id, line_no),
    FOREIGN KEY (org_id, engagement_id, invoice_id) REFERENCES invoices (org_id, engagement_id, id)
);

CREATE TABLE credit_notes (
    seq           bigserial   UNIQUE,
    org_id        text        NOT NULL,
    engagement_id text        NOT NULL,
    invoice_id    text        NOT NULL,
    id            text        NOT NULL,
    currency      text        NOT NULL,
    amount_micros bigint      NOT NULL CHECK (amount_micros > 0),
    reason        text        NOT NULL,
    creator       text        NOT NULL,
    create_time   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (org_id, engagement_id, invoice_id, id),
    FOREIGN KEY (org_id, engagement_id, invoice_id) REFERENCES invoices (org_id, engagement_id, id)
);
