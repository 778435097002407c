-- The post-project review of a project (issue 7): the client's feedback, one row per project, recorded
-- at closure (RecordPostProjectReview, with the lessons learned in the same transaction); recording it
-- again replaces it and takes the next version. The portfolio summary averages the satisfaction scores.
CREATE TABLE post_project_reviews (
    org_id          text        NOT NULL,
    project_id      text        NOT NULL,
    satisfaction    smallint    NOT NULL CHECK (satisfaction BETWEEN 1 AND 5),
    client_comments text        NOT NULL DEFAULT '',
    reviewer        text        NOT NULL,
    lessons         text[]      NOT NULL DEFAULT '{}',  -- ids of the lessons learned it recorded
    version         integer     NOT NULL DEFAULT 1,
    review_time     timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (org_id, project_id),
    FOREIGN KEY (org_id, project_id) REFERENCES projects (org_id, id) ON DELETE CASCADE
);
