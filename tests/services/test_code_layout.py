"""One way to do each thing (issue 9), checked on the source: SQL lives in store modules only, and every
resource-name pattern is defined once, in services/platform/names.py."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

SERVICES = Path(__file__).resolve().parents[2] / "services"
SQL_RE = re.compile(r"\b(SELECT|INSERT\s+INTO|UPDATE\s+\w+\s+SET|DELETE\s+FROM)\b|pg_advisory")
CONNECTION_CALLS = {"fetch", "fetchrow", "fetchval", "execute", "executemany"}


def _non_store_modules(domain: str) -> list[Path]:
    return sorted(p for p in (SERVICES / domain).glob("*.py") if not p.name.endswith("store.py"))


def _sql_in(path: Path) -> list[str]:
    """Where `path` writes SQL text or runs a statement on a connection itself."""
    found = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and SQL_RE.search(node.value):
            found.append(f"{path.name}:{node.lineno} SQL text {node.value[:40]!r}")
        elif (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
              and node.func.attr in CONNECTION_CALLS and _is_connection(node.func.value)):
            found.append(f"{path.name}:{node.lineno} {ast.unparse(node.func)}(...)")
    return found


def _is_connection(node: ast.expr) -> bool:
    return (isinstance(node, ast.Name) and node.id == "conn") or (
        isinstance(node, ast.Attribute) and node.attr == "conn")


@pytest.mark.parametrize("domain", ["projects", "risks", "billing", "governance"])
def test_only_the_store_module_of_a_service_runs_sql(domain):
    modules = _non_store_modules(domain)
    assert modules
    assert [hit for path in modules for hit in _sql_in(path)] == []


def test_resource_name_patterns_are_defined_only_in_the_names_module():
    made = {"Pattern", "DerivedPattern"}
    elsewhere = [f"{path.relative_to(SERVICES)}:{node.lineno}"
                 for path in sorted(SERVICES.rglob("*.py")) if path.name != "names.py"
                 for node in ast.walk(ast.parse(path.read_text()))
                 if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in made]
    assert elsewhere == []


def test_every_pattern_in_the_names_module_has_a_template_of_its_own():
    from services.platform import names
    from services.platform.resources import Pattern

    templates = [p.template for p in vars(names).values() if isinstance(p, Pattern)]
    assert len(templates) == len(set(templates)) > 20


def test_the_repository_documents_itself_without_pointers_outside_it():
    """A clone has no ../shared: the design and the vocabulary live in docs/, and nothing points past the root."""
    root = SERVICES.parent
    assert (root / "docs" / "architecture.md").is_file() and (root / "docs" / "domain.md").is_file()
    outside = re.compile(r"\.\./shared|shared/(ARCHITECTURE|DOMAIN)\.md")
    texts = [root / "README.md", *root.glob("docs/*.md"), *root.glob("deploy/**/*.md"),
             *(p for d in ("services", "workflows", "tests", "scripts") for p in (root / d).rglob("*.py"))]
    this = Path(__file__).resolve()
    pointing = [str(p.relative_to(root)) for p in texts if p != this and outside.search(p.read_text())]
    assert pointing == []
