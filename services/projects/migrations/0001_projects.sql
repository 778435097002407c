-- ProjectsService schema. Enum columns hold the proto enum numbers; money is
-- integer micros with its currency (see platform/money.py). `seq` orders
-- List results and backs keyset pagination; `version` backs etags.

CREATE TABLE organizations (
    seq              bigserial   UNIQUE,
    id               text        PRIMARY KEY,
    display_name     text        NOT NULL,
    pmo_type         smallint    NOT NULL,
    default_currency text        NOT NULL,
    version          integer     NOT NULL DEFAULT 1,
    create_time      timestamptz NOT NULL DEFAULT now(),
    update_time      timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE portfolios (
    seq                  bigserial   UNIQUE,
    org_id               text        NOT NULL REFERENCES organizations (id),
    id                   text        NOT NULL,
    display_name         text        NOT NULL,
    description          text        NOT NULL DEFAULT '',
    strategic_objectives text[]      NOT NULL DEFAULT '{}',
    priority_score       smallint    NOT NULL DEFAULT 0 CHECK (priority_score BETWEEN 0 AND 100),
    version              integer     NOT NULL DEFAULT 1,
    create_time          timestamptz NOT NULL DEFAULT now(),
    update_time          timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (org_id, id)
);

CREATE TABLE projects (
    seq                bigserial   UNIQUE,
    org_id             text        NOT NULL REFERENCES organizations (id),
    id                 text        NOT NULL,
    code               text        NOT NULL,
    display_name       text        NOT NULL,
    objectives         text[]      NOT NULL DEFAULT '{}',
    scope_statement    text        NOT NULL DEFAULT '',
    methodology        smallint    NOT NULL,
    phase              smallint    NOT NULL,
    status             smallint    NOT NULL,
    health_schedule    smallint    NOT NULL DEFAULT 1,
    health_scope       smallint    NOT NULL DEFAULT 1,
    health_cost        smallint    NOT NULL DEFAULT 1,
    health_resources   smallint    NOT NULL DEFAULT 1,
    currency           text        NOT NULL,
    budget_micros      bigint      NOT NULL DEFAULT 0 CHECK (budget_micros >= 0),
    actual_cost_micros bigint      NOT NULL DEFAULT 0 CHECK (actual_cost_micros >= 0),
    planned_start_date date,
    planned_end_date   date,
    percent_complete   smallint    NOT NULL DEFAULT 0 CHECK (percent_complete BETWEEN 0 AND 100),
    sponsor            text        NOT NULL DEFAULT '',
    project_manager    text        NOT NULL DEFAULT '',
    portfolio_id       text,
    baseline_revision  integer     NOT NULL DEFAULT 0,
    version            integer     NOT NULL DEFAULT 1,
    create_time        timestamptz NOT NULL DEFAULT now(),
    update_time        timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (org_id, id),
    UNIQUE (org_id, code),
    FOREIGN KEY (org_id, portfolio_id) REFERENCES portfolios (org_id, id),
    CHECK (planned_end_date IS NULL OR planned_start_date IS NULL OR planned_end_date >= planned_start_date)
);
CREATE INDEX projects_portfolio ON projects (org_id, portfolio_id);

CREATE TABLE baselines (
    seq           bigserial   UNIQUE,
    org_id        text        NOT NULL,
    project_id    text        NOT NULL,
    revision      integer     NOT NULL CHECK (revision > 0),
    start_date    date        NOT NULL,
    end_date      date        NOT NULL CHECK (end_date >= start_date),
    currency      text        NOT NULL,
    budget_micros bigint      NOT NULL CHECK (budget_micros >= 0),
    reason        text        NOT NULL,
    creator       text        NOT NULL,
    create_time   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (org_id, project_id, revision),
    FOREIGN KEY (org_id, project_id) REFERENCES projects (org_id, id) ON DELETE CASCADE
);

CREATE TABLE milestones (
    seq               bigserial   UNIQUE,
    org_id            text        NOT NULL,
    project_id        text        NOT NULL,
    id                text        NOT NULL,
    display_name      text        NOT NULL,
    due_date          date        NOT NULL,
    original_due_date date        NOT NULL,
    state             smallint    NOT NULL,
    deliverables      text[]      NOT NULL DEFAULT '{}',
    completion_date   date,
    version           integer     NOT NULL DEFAULT 1,
    create_time       timestamptz NOT NULL DEFAULT now(),
    update_time       timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (org_id, project_id, id),
    FOREIGN KEY (org_id, project_id) REFERENCES projects (org_id, id) ON DELETE CASCADE
);

CREATE TABLE assignments (
    seq                bigserial   UNIQUE,
    org_id             text        NOT NULL,
    project_id         text        NOT NULL,
    id                 text        NOT NULL,
    person             text        NOT NULL,
    role               text        NOT NULL,
    skills             text[]      NOT NULL DEFAULT '{}',
    allocation_percent smallint    NOT NULL CHECK (allocation_percent BETWEEN 1 AND 100),
    start_date         date        NOT NULL,
    end_date           date        NOT NULL CHECK (end_date >= start_date),
    version            integer     NOT NULL DEFAULT 1,
    create_time        timestamptz NOT NULL DEFAULT now(),
    update_time        timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (org_id, project_id, id),
    FOREIGN KEY (org_id, project_id) REFERENCES projects (org_id, id) ON DELETE CASCADE
);
CREATE INDEX assignments_person ON assignments (org_id, person, start_date, end_date);

CREATE TABLE status_reports (
    seq              bigserial   UNIQUE,
    org_id           text        NOT NULL,
    project_id       text        NOT NULL,
    id               text        NOT NULL,
    report_date      date        NOT NULL,
    health_schedule  smallint    NOT NULL,
    health_scope     smallint    NOT NULL,
    health_cost      smallint    NOT NULL,
    health_resources smallint    NOT NULL,
    summary          text        NOT NULL DEFAULT '',
    accomplishments  text[]      NOT NULL DEFAULT '{}',
    next_steps       text[]      NOT NULL DEFAULT '{}',
    key_risks        text[]      NOT NULL DEFAULT '{}',
    percent_complete smallint    NOT NULL,
    author           text        NOT NULL,
    create_time      timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (org_id, project_id, id),
    FOREIGN KEY (org_id, project_id) REFERENCES projects (org_id, id) ON DELETE CASCADE
);

CREATE TABLE lessons_learned (
    seq            bigserial   UNIQUE,
    org_id         text        NOT NULL,
    project_id     text        NOT NULL,
    id             text        NOT NULL,
    title          text        NOT NULL,
    category       text        NOT NULL DEFAULT '',
    description    text        NOT NULL DEFAULT '',
    recommendation text        NOT NULL DEFAULT '',
    author         text        NOT NULL,
    create_time    timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (org_id, project_id, id),
    FOREIGN KEY (org_id, project_id) REFERENCES projects (org_id, id) ON DELETE CASCADE
);
