"""The worker's workflow cache is a setting (PMAAS_WORKER_CACHE_SIZE): it bounds most of the worker's memory, so
operators size it with the pod's memory limit (tests/deploy/test_manifests.py checks the manifest does)."""

from __future__ import annotations

import pytest

from services.platform.settings import Settings, SettingsError, load_settings
from workflows import worker

DEFAULT = Settings.model_fields["worker_cache_size"].default


async def test_the_worker_keeps_as_many_runs_as_configured(temporal_env, service_calls, monkeypatch):
    monkeypatch.setenv("PMAAS_WORKER_CACHE_SIZE", "250")
    settings = load_settings()

    built = worker.build(temporal_env.client, "unpolled-cache-size", None, service_calls,  # type: ignore[arg-type]
                         cache_size=settings.worker_cache_size)

    assert built.config()["max_cached_workflows"] == 250
    assert worker.build(temporal_env.client, "unpolled-default", None,  # type: ignore[arg-type]
                        service_calls).config()["max_cached_workflows"] == DEFAULT == 1000


@pytest.mark.parametrize("value", ["-1", "100001", "many"])
def test_a_bad_cache_size_is_named(value, monkeypatch):
    monkeypatch.setenv("PMAAS_WORKER_CACHE_SIZE", value)

    with pytest.raises(SettingsError, match="PMAAS_WORKER_CACHE_SIZE"):
        load_settings()
