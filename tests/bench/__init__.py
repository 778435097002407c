"""`make bench`: the ProjectsService over gRPC against bare asyncpg on the same database.

Not part of the test suite (pytest collects `test_*.py` only); run with
`python -m tests.bench.run --help`.
"""

import os

# The benchmark's processes fork only to exec (pg_ctl); without this, gRPC logs
# that it skips its fork handlers while its threads are busy. Set before grpc loads.
os.environ.setdefault("GRPC_ENABLE_FORK_SUPPORT", "false")
