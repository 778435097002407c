-- The task as the API returns it (pmaas.governance.v1.Task, serialized), written with the row by
-- sync_task: an inbox page then costs one parse per task instead of rebuilding it from `data`.
-- Rows written before this column existed have NULL and are converted from `data` on read.
ALTER TABLE tasks ADD COLUMN api bytea;
