-- The services connect as pmaas_runtime (or a member of it: services/platform/db.py RUNTIME_ROLE); migrations run
-- as the schema's owner. The runtime role gets the ordinary DML the services need on every table, now and (by the
-- default privileges of the role running the migrations) on every table a later migration creates, but only
-- SELECT and INSERT on the audit log, and no write to schema_migrations. It owns nothing, so it can neither ALTER,
-- DROP nor disable the triggers of anything, and TRUNCATE is granted on nothing.

DO $$
BEGIN
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'pmaas_runtime') THEN
        -- `pmaas migrate` with an admin URL (or the embedded server) made it already; a setup with one role
        -- for everything gets a group nobody logs in as, so these grants still have a grantee.
        BEGIN
            CREATE ROLE pmaas_runtime NOLOGIN;
        EXCEPTION
            WHEN duplicate_object OR unique_violation THEN NULL;  -- another schema's migration just made it
            WHEN insufficient_privilege THEN
                RAISE EXCEPTION 'role pmaas_runtime does not exist and % may not create it', current_user
                    USING HINT = 'create the roles first: pmaas migrate with PMAAS_ADMIN_DATABASE_URL set';
        END;
    END IF;
END $$;

DO $$
DECLARE
    s text := current_schema();
BEGIN
    EXECUTE format('GRANT USAGE ON SCHEMA %I TO pmaas_runtime', s);
    EXECUTE format('GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA %I TO pmaas_runtime', s);
    EXECUTE format('GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA %I TO pmaas_runtime', s);
    EXECUTE format('ALTER DEFAULT PRIVILEGES IN SCHEMA %I GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES '
                   'TO pmaas_runtime', s);
    EXECUTE format('ALTER DEFAULT PRIVILEGES IN SCHEMA %I GRANT USAGE, SELECT ON SEQUENCES TO pmaas_runtime', s);
END $$;

-- Appended through audit_append() (which runs as its caller); read by `pmaas audit verify`. Never changed.
REVOKE UPDATE, DELETE, TRUNCATE, REFERENCES, TRIGGER ON audit_events FROM pmaas_runtime;
REVOKE INSERT, UPDATE, DELETE, TRUNCATE, REFERENCES, TRIGGER ON schema_migrations FROM pmaas_runtime;
