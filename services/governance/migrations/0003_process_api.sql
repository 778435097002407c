-- The process as the API returns it (ChangeRequest or PhaseGate, serialized, its `tasks` as the
-- workflow last published them), written with the row: a read parses instead of rebuilding it
-- from `view`. NULL for the submit-time row (version 0) and rows written before this column.
ALTER TABLE processes ADD COLUMN api bytea;
