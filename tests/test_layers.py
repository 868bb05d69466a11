"""The layers stay as written: an import inside a function says why, on its line or the one above
(import-linter, run by `make lint` and CI, checks which way the imports run; this checks what it cannot see)."""
import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_an_import_inside_a_function_carries_its_reason():
    silent = []
    for package in ("app", "tenants", "jobs"):
        for path in (ROOT / package).rglob("*.py"):
            lines = path.read_text().splitlines()
            for node in ast.walk(ast.parse("\n".join(lines))):
                if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                    for inner in ast.walk(node):
                        if not isinstance(inner, (ast.Import, ast.ImportFrom)):
                            continue
                        said = "#" in lines[inner.lineno - 1] or lines[inner.lineno - 2].strip().startswith("#")
                        if not said:
                            silent.append(f"{path.relative_to(ROOT)}:{inner.lineno}")
    assert not silent, "imports inside functions without a reason: " + ", ".join(sorted(set(silent)))


def test_the_core_and_tenants_import_no_domain():
    """The floor knows nothing above it (the same rule the layers contract states, in a form a test reads)."""
    domains = {p.name for p in (ROOT / "app").iterdir() if p.is_dir() and (p / "__init__.py").exists()} - {"core"}
    offenders = []
    for path in [*(ROOT / "app" / "core").rglob("*.py"), *(ROOT / "tenants").rglob("*.py")]:
        for node in ast.walk(ast.parse(path.read_text())):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else \
                [node.module] if isinstance(node, ast.ImportFrom) and node.module else []
            for name in names:
                parts = name.split(".")
                if parts[0] == "app" and len(parts) > 1 and parts[1] in domains:
                    offenders.append(f"{path.relative_to(ROOT)} imports {name}")
    assert not offenders, offenders
