-- Request ids are kept for PMAAS_IDEMPOTENCY_RETENTION_DAYS, then pruned oldest first in small batches
-- (services/platform/mutations.py prune_idempotency_keys): this index finds the expired ones.
CREATE INDEX idempotency_keys_create_time ON idempotency_keys (create_time);
