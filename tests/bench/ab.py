"""A/B of ProjectsService's server CPU: this checkout against another revision, interleaved on one machine.

`make bench` runs one server at a time, and this machine's speed drifts by more than a small change is worth
(the same build's empty RPC moved 0.47 -> 0.58 ms of server CPU between two runs minutes apart). Here both
servers run side by side on one PostgreSQL, and the load alternates between them in short slices (A B, B A,
...), so drift hits both alike; each slice pair gives one paired difference of server CPU per request.

    python -m tests.bench.ab HEAD~1                    # GetProject at 1 in flight, 20 slice pairs of 1 s
    python -m tests.bench.ab main --op create --concurrency 32 --slices 40

BASE is a git revision (exported with `git archive` to a temporary folder) or a directory holding a checkout.
Both servers use this checkout's virtualenv, generated protos (`pmaas`) and migrations (applied once, by this
checkout): compare revisions whose schema and API are the same.
"""

from __future__ import annotations

import argparse
import asyncio
import secrets
import statistics
import subprocess
import tarfile
import tempfile
from pathlib import Path

from services.platform.auth import TokenAuthority
from tests.bench import harness

OPS = {"get": "GetProject", "create": "CreateProject", "empty": "empty RPC (health Check)"}
SEEDED = 200  # projects GetProject reads


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m tests.bench.ab", description=__doc__.split("\n\n")[0],
                                formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    p.add_argument("base", help="git revision or checkout directory to compare this checkout against")
    p.add_argument("--op", choices=sorted(OPS), default="get")
    p.add_argument("--concurrency", type=int, default=1, help="requests in flight")
    p.add_argument("--slices", type=int, default=20, help="slice pairs (one slice on each server per pair)")
    p.add_argument("--slice-seconds", type=float, default=1.0, help="length of one slice")
    args = p.parse_args(argv)
    if args.concurrency < 1 or args.slices < 1 or args.slice_seconds <= 0:
        p.error("--concurrency and --slices must be at least 1, --slice-seconds above 0")
    return args


def export(base: str, into: Path) -> Path:
    """`base` as a directory: itself if it is one, else the git revision's files under `into`."""
    if Path(base).is_dir():
        return Path(base).resolve()
    archive = into / "base.tar"
    try:
        subprocess.run(["git", "-C", str(harness.REPO), "archive", "--format=tar", "-o", str(archive), base],
                       check=True, capture_output=True, text=True, timeout=120)
    except subprocess.CalledProcessError as exc:
        raise SystemExit(f"cannot export {base!r}: {exc.stderr.strip()}") from None
    tree = into / "base"
    with tarfile.open(archive) as tar:
        tar.extractall(tree, filter="data")
    return tree


async def compare(args: argparse.Namespace, trees: dict[str, Path]) -> list[str]:
    pg = harness.Postgres()
    servers: dict[str, harness.ServerProcess] = {}
    channels = []
    try:
        options = harness.ServerOptions(dsn=pg.dsn, jwt_secret="bench-" + secrets.token_hex(16), home=pg.home,
                                        pool_min=1, pool_max=10)
        authority = TokenAuthority(options.settings())
        metadata = (("authorization", f"Bearer {authority.issue('bench', {'bench': ['admin']})}"),)
        for label, tree in trees.items():
            harness.log(f"starting ProjectsService from {label}: {tree}")
            servers[label] = await harness.ServerProcess.start(options, tree)
        stubs = {}
        for label, server in servers.items():
            channel, stub = harness.grpc_stub(server.port)
            channels.append(channel)
            stubs[label] = (channel, stub)
        first = next(iter(stubs.values()))[1]
        await harness.create_orgs(first, metadata, ["bench"])
        keys = []
        for n in range(SEEDED):
            f = harness.project_fields(n, "seed")
            await first.CreateProject(harness.create_request("bench", f), metadata=metadata, timeout=30)
            keys.append(("bench", f["id"]))

        def workload(label: str) -> harness.Workload:
            channel, stub = stubs[label]
            if args.op == "get":
                return harness.GrpcGet(stub, metadata, keys)
            if args.op == "create":
                tag = f"s{list(stubs).index(label)}{secrets.token_hex(3)}"  # ids take a-z, 0-9, '-': not the label
                return harness.GrpcCreate(stub, metadata, ["bench"], tag)
            return harness.GrpcEmpty(channel)

        loads = {label: workload(label) for label in trees}
        meter = harness.CpuMeter({label: server.pid for label, server in servers.items()})
        for load in loads.values():  # warm-up
            await harness.drive(load, args.concurrency, seconds=1.0)
        cpu_ms: dict[str, list[float]] = {label: [] for label in trees}
        p50_ms: dict[str, list[float]] = {label: [] for label in trees}
        labels = list(trees)
        slices = harness.interleaved(loads, meter, args.concurrency, args.slices, args.slice_seconds)
        async for k, label, sample, used in slices:
            cpu_ms[label].append(used[label] / max(sample.count, 1) * 1e3)
            p50_ms[label].append(statistics.median(sample.latencies_ns) / 1e6 if sample.count else 0.0)
            if all(len(cpu_ms[other]) == k + 1 for other in labels):
                harness.log(f"slice pair {k + 1}/{args.slices}: " + ", ".join(
                    f"{other} {cpu_ms[other][-1]:.3f} ms CPU/request" for other in labels))
        return report(args, trees, cpu_ms, p50_ms)
    finally:
        for channel in channels:
            await channel.close()
        for server in servers.values():
            await server.stop()
        pg.close()


def report(args: argparse.Namespace, trees: dict[str, Path], cpu_ms: dict[str, list[float]],
           p50_ms: dict[str, list[float]]) -> list[str]:
    lines = [f"{OPS[args.op]} at {args.concurrency} in flight, {args.slices} slice pairs of {args.slice_seconds:g} s",
             "",
             "| server | CPU ms/request, median | mean | p50 ms, median |",
             "|--------|-----------------------:|-----:|---------------:|"]
    for label in trees:
        lines.append(f"| {label} | {statistics.median(cpu_ms[label]):.3f} | {statistics.mean(cpu_ms[label]):.3f} "
                     f"| {statistics.median(p50_ms[label]):.2f} |")
    base, this = list(trees)
    diffs = [b - a for a, b in zip(cpu_ms[base], cpu_ms[this], strict=True)]
    lower = sum(d < 0 for d in diffs)
    lines += ["", f"{this} - {base}, paired by slice: median {statistics.median(diffs):+.3f} ms CPU/request, "
                  f"mean {statistics.mean(diffs):+.3f}; {this} lower in {lower} of {len(diffs)} pairs"]
    return lines


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="pmaas-ab-") as tmp:
        trees = {f"base ({args.base})": export(args.base, Path(tmp)), "this checkout": harness.REPO}
        lines = asyncio.run(compare(args, trees))
    print("\n".join(lines))


if __name__ == "__main__":
    main()
