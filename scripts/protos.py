"""Generate, check and lint the protobuf code.

    python scripts/protos.py generate   # write *_pb2*.py next to the .proto files
    python scripts/protos.py check      # fail if the committed code is stale
    python scripts/protos.py lint       # buf lint, build and breaking (offline, see buf.yaml)
    python scripts/protos.py snapshot   # record the API that `lint` guards against breaking changes

Generated code is committed under protos/pmaas so the package imports as
`pmaas.<domain>.v1`; `check` regenerates into a temporary folder and compares.
"""

from __future__ import annotations

import filecmp
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import google.api  # googleapis-common-protos ships google/type, google/rpc, ...
import grpc_tools

ROOT = Path(__file__).resolve().parent.parent
PROTOS = ROOT / "protos"
THIRD_PARTY = PROTOS / "third_party"  # git-ignored copy of the well-known protos for buf
# The published API: `lint` refuses changes that would break its clients (buf breaking, FILE rules).
SNAPSHOT = PROTOS / "api-snapshot.binpb"
GOOGLEAPIS = Path(google.api.__path__[0]).parent.parent
GRPC_TOOLS_INCLUDE = Path(grpc_tools.__file__).parent / "_proto"
GENERATED_SUFFIXES = ("_pb2.py", "_pb2.pyi", "_pb2_grpc.py")


def proto_files() -> list[Path]:
    return sorted((PROTOS / "pmaas").rglob("*.proto"))


def includes() -> list[str]:
    """protoc's include path: our protos, the wheel's google protos, protobuf's well-known types."""
    return [f"-I{PROTOS}", f"-I{GOOGLEAPIS}", f"-I{GRPC_TOOLS_INCLUDE}"]


def generate(out: Path) -> None:
    from grpc_tools import protoc

    files = [str(p.relative_to(PROTOS)) for p in proto_files()]
    args = [
        "protoc",
        *includes(),
        f"--python_out={out}",
        f"--pyi_out={out}",
        f"--grpc_python_out={out}",
        *files,
    ]
    if protoc.main(args) != 0:
        sys.exit("protoc failed")
    # Make every generated folder a regular package.
    for folder in [out / "pmaas", *(out / "pmaas").rglob("*")]:
        if folder.is_dir():
            (folder / "__init__.py").touch()


def generated_files(root: Path) -> set[Path]:
    return {
        p.relative_to(root)
        for p in (root / "pmaas").rglob("*")
        if p.name.endswith(GENERATED_SUFFIXES) or p.name == "__init__.py"
    }


def cmd_generate() -> None:
    # Generate aside, then copy only what changed: no window where imports break.
    with tempfile.TemporaryDirectory() as tmp:
        fresh = Path(tmp)
        generate(fresh)
        want = generated_files(fresh)
        for rel in want:
            target = PROTOS / rel
            if not target.exists() or not filecmp.cmp(fresh / rel, target, shallow=False):
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(fresh / rel, target)
        for rel in generated_files(PROTOS) - want:
            (PROTOS / rel).unlink()
    print(f"generated {len(want)} files under {PROTOS / 'pmaas'}")


def cmd_check() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        fresh = Path(tmp)
        generate(fresh)
        want, have = generated_files(fresh), generated_files(PROTOS)
        stale = sorted(str(p) for p in want ^ have)
        stale += sorted(str(p) for p in want & have if not filecmp.cmp(fresh / p, PROTOS / p, shallow=False))
    if stale:
        sys.exit("generated protobuf code is stale (run `make protos`): " + ", ".join(stale))
    print("generated protobuf code is fresh")


def _buf() -> str:
    # buf cannot fetch buf.build/googleapis here: give it the wheel's copies.
    shutil.rmtree(THIRD_PARTY, ignore_errors=True)
    for sub in ("api", "type", "rpc"):  # api: resource and field_behavior annotations
        shutil.copytree(GOOGLEAPIS / "google" / sub, THIRD_PARTY / "google" / sub,
                        ignore=shutil.ignore_patterns("*.py", "*.pyi", "__pycache__"))
    buf = shutil.which("buf", path=str(Path(sys.executable).parent)) or shutil.which("buf")
    if buf is None:
        sys.exit("buf not found: install the dev extras (pip install -e '.[dev]')")
    return buf


def _breaking(buf: str) -> bool:
    if not SNAPSHOT.exists():
        return False
    done = subprocess.run([buf, "breaking", "--against", str(SNAPSHOT), "--path", "pmaas"], cwd=PROTOS)
    return done.returncode != 0


def cmd_lint() -> None:
    buf = _buf()
    subprocess.run([buf, "lint"], cwd=PROTOS, check=True)
    subprocess.run([buf, "build", "-o", "/dev/null"], cwd=PROTOS, check=True)
    if _breaking(buf):
        sys.exit(f"the change above breaks clients of the published API ({SNAPSHOT.name}): keep the old fields "
                 "and methods (deprecate, add new ones) or publish a new version package (v2)")
    print("buf lint, build and breaking: ok")


def cmd_snapshot() -> None:
    """Record the current API as published; refuses while it breaks the previous one."""
    buf = _buf()
    if _breaking(buf):
        sys.exit(f"not recorded: the API breaks {SNAPSHOT.name} (see above)")
    subprocess.run([buf, "build", "--path", "pmaas", "-o", str(SNAPSHOT)], cwd=PROTOS, check=True)
    print(f"recorded the API in {SNAPSHOT.relative_to(ROOT)}")


if __name__ == "__main__":
    commands = {"generate": cmd_generate, "check": cmd_check, "lint": cmd_lint, "snapshot": cmd_snapshot}
    if len(sys.argv) != 2 or sys.argv[1] not in commands:
        sys.exit(__doc__)
    commands[sys.argv[1]]()
