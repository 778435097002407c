-- What other services hold that refers to a project (AttachProjectReference): one row per holding
-- service and kind of resource, kept for the project's life. DeleteProject refuses while any exists,
-- naming them; the foreign key (no cascade) refuses such a delete in the database too.
CREATE TABLE project_references (
    org_id      text        NOT NULL,
    project_id  text        NOT NULL,
    holder      text        NOT NULL,
    kind        text        NOT NULL,
    create_time timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (org_id, project_id, holder, kind),
    FOREIGN KEY (org_id, project_id) REFERENCES projects (org_id, id)
);
