"""Each module imports only from its own layer or below (DESIGN.md's architecture)."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "seeka_nb"

LAYERS = {
    "seeka_nb.errors": 1,
    "seeka_nb.schema": 1,
    "seeka_nb.credentials": 1,
    "seeka_nb.core": 2,
    "seeka_nb.adapters": 3,
    "seeka_nb.pipeline": 4,
    "seeka_nb.accessor": 5,
    "seeka_nb.widgets": 5,
    "seeka_nb.cli": 5,
    "seeka_nb": 5,  # the package __init__ re-exports everything
}
#: The sandbox judges requests by the contract alone: layer 1 only.
SANDBOX_ALLOWED = {"seeka_nb.errors", "seeka_nb.schema"}


def _module_name(path: Path) -> str:
    rel = path.relative_to(PACKAGE.parent).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _layer(module: str) -> int:
    best = ""
    for prefix in LAYERS:
        if (module == prefix or module.startswith(prefix + ".")) and len(prefix) > len(best):
            best = prefix
    return LAYERS[best]


def _imports(path: Path, module: str) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    package = module if path.name == "__init__.py" else module.rsplit(".", 1)[0]
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names if a.name.startswith("seeka_nb"))
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - (node.level - 1)]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            if target.startswith("seeka_nb"):
                if node.module is None or target == "seeka_nb":
                    found.update(f"{target}.{a.name}" for a in node.names)
                else:
                    found.add(target)
    return found


def test_modules_import_only_their_layer_or_below() -> None:
    violations = []
    files = sorted(PACKAGE.rglob("*.py"))
    assert len(files) > 10
    for path in files:
        module = _module_name(path)
        if module == "seeka_nb":
            continue
        mine = _layer(module)
        for target in _imports(path, module):
            if _layer(target) > mine:
                violations.append(f"{module} (layer {mine}) imports {target}")
    assert violations == []


def test_sandbox_imports_only_the_foundation() -> None:
    violations = []
    for path in sorted((PACKAGE / "adapters" / "sandbox").rglob("*.py")):
        module = _module_name(path)
        for target in _imports(path, module):
            if target.startswith("seeka_nb.adapters.sandbox"):
                continue
            if not any(target == a or target.startswith(a + ".") for a in SANDBOX_ALLOWED):
                violations.append(f"{module} imports {target}")
    assert violations == []


def test_core_does_no_io() -> None:
    banned = {"httpx", "socket", "sqlite3", "requests", "urllib", "time", "open("}
    for path in (PACKAGE / "core").rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        tree = ast.parse(text)
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                assert not {a.name.split(".")[0] for a in node.names} & banned, path
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                assert node.module.split(".")[0] not in banned, path
        assert "open(" not in text, path
