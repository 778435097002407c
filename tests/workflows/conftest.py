"""Fixtures of the workflow tests: the session's services, the governance pool and the governance
principal's service calls are in tests/conftest.py; each test runs its own worker on its own task queue."""
