-- RisksService schema. Enum columns hold the proto enum numbers. `seq` orders
-- List results and backs keyset pagination; `version` backs etags. Projects
-- live in another service: project ids here are checked through its API, not
-- by foreign key.

-- Only organizations that changed the default matrix have a row.
CREATE TABLE risk_matrices (
    org_id      text        PRIMARY KEY,
    bands       jsonb       NOT NULL,  -- [{"min": 1, "max": 4, "level": 1}, ...]
    version     integer     NOT NULL DEFAULT 0,
    update_time timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE risks (
    seq                  bigserial   UNIQUE,
    org_id               text        NOT NULL,
    project_id           text        NOT NULL,
    id                   text        NOT NULL,
    title                text        NOT NULL,
    description          text        NOT NULL DEFAULT '',
    category             text        NOT NULL DEFAULT '',
    cause                text        NOT NULL DEFAULT '',
    effect               text        NOT NULL DEFAULT '',
    owner                text        NOT NULL DEFAULT '',
    probability          smallint    NOT NULL CHECK (probability BETWEEN 1 AND 5),
    impact               smallint    NOT NULL CHECK (impact BETWEEN 1 AND 5),
    inherent_score       smallint    GENERATED ALWAYS AS (probability * impact) STORED,
    is_opportunity       boolean     NOT NULL DEFAULT false,
    response_strategy    smallint    NOT NULL DEFAULT 0,
    mitigation_plan      jsonb       NOT NULL DEFAULT '[]',
    contingency_plan     jsonb       NOT NULL DEFAULT '[]',
    residual_probability smallint    NOT NULL DEFAULT 0 CHECK (residual_probability BETWEEN 0 AND 5),
    residual_impact      smallint    NOT NULL DEFAULT 0 CHECK (residual_impact BETWEEN 0 AND 5),
    residual_score       smallint    GENERATED ALWAYS AS (residual_probability * residual_impact) STORED,
    status               smallint    NOT NULL,
    review_cadence_days  smallint    NOT NULL CHECK (review_cadence_days BETWEEN 1 AND 365),
    next_review_time     timestamptz NOT NULL,
    version              integer     NOT NULL DEFAULT 1,
    create_time          timestamptz NOT NULL DEFAULT now(),
    update_time          timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (org_id, project_id, id),
    CHECK ((residual_probability = 0) = (residual_impact = 0))
);
CREATE INDEX risks_org_status ON risks (org_id, status);

CREATE TABLE risk_score_history (
    seq                  bigserial   PRIMARY KEY,
    org_id               text        NOT NULL,
    project_id           text        NOT NULL,
    risk_id              text        NOT NULL,
    probability          smallint    NOT NULL,
    impact               smallint    NOT NULL,
    inherent_level       smallint    NOT NULL,
    residual_probability smallint    NOT NULL,
    residual_impact      smallint    NOT NULL,
    residual_level       smallint    NOT NULL,
    status               smallint    NOT NULL,
    actor                text        NOT NULL,
    change_time          timestamptz NOT NULL,
    FOREIGN KEY (org_id, project_id, risk_id) REFERENCES risks (org_id, project_id, id) ON DELETE CASCADE
);
CREATE INDEX risk_score_history_risk ON risk_score_history (org_id, project_id, risk_id, seq);

CREATE TABLE issues (
    seq         bigserial   UNIQUE,
    org_id      text        NOT NULL,
    project_id  text        NOT NULL,
    id          text        NOT NULL,
    title       text        NOT NULL,
    description text        NOT NULL DEFAULT '',
    severity    smallint    NOT NULL CHECK (severity BETWEEN 1 AND 4),
    owner       text        NOT NULL DEFAULT '',
    due_date    date,
    status      smallint    NOT NULL,
    resolution  text        NOT NULL DEFAULT '',
    source_risk text        NOT NULL DEFAULT '',  -- the risk's resource name
    version     integer     NOT NULL DEFAULT 1,
    create_time timestamptz NOT NULL DEFAULT now(),
    update_time timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (org_id, project_id, id)
);

-- Outbox of escalation events. `seq` is per organization and assigned under a
-- per-organization lock held to commit, so events become visible in seq order
-- with no gaps and a poller resuming after seq N never misses one.
CREATE TABLE issue_events (
    org_id            text        NOT NULL,
    seq               bigint      NOT NULL CHECK (seq > 0),
    issue             text        NOT NULL,
    trigger           smallint    NOT NULL,
    severity          smallint    NOT NULL,
    previous_severity smallint    NOT NULL,
    title             text        NOT NULL,
    owner             text        NOT NULL,
    actor             text        NOT NULL,
    event_time        timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (org_id, seq)
);
