"""Generate docs/api.md, the API reference, from the docstrings of ``seeka_nb.__all__``.

    python scripts/gen_api_docs.py           # rewrite docs/api.md
    python scripts/gen_api_docs.py --check   # exit 1 if docs/api.md is out of date

``tests/test_api_docs.py`` runs the check, so the page cannot drift from the package:
a name added to ``__all__``, a changed signature or docstring means regenerating it.
"""

from __future__ import annotations

import argparse
import inspect
import sys
import types
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
OUTPUT = ROOT / "docs" / "api.md"

HEADER = """\
# API reference

Generated from the docstrings by `python scripts/gen_api_docs.py` (a test fails when this
page and `seeka_nb.__all__` drift apart). Everything listed here is importable from
`seeka_nb`; the DataFrame accessor `df.seeka` is registered by `import seeka_nb`, and
`pl.DataFrame.seeka` / `pl.LazyFrame.seeka` (the same methods; a LazyFrame's `to_events`
returns an `EventStream`) once polars is imported.
"""


def _doc(obj: object) -> str:
    text = inspect.getdoc(obj) or "(no docstring)"
    return text.strip()


def _signature(name: str, obj: Any) -> str:
    try:
        return f"{name}{inspect.signature(obj)}"
    except (TypeError, ValueError):
        return name


def _members(cls: type) -> list[tuple[str, object]]:
    """Public methods and properties, inherited ones from seeka_nb's own classes included
    (base classes first, in definition order)."""
    found: dict[str, object] = {}
    for klass in reversed(cls.__mro__):
        if not klass.__module__.startswith("seeka_nb"):
            continue
        for name, value in vars(klass).items():
            if name.startswith("_"):
                continue
            if isinstance(value, property | staticmethod | classmethod) or inspect.isfunction(
                value
            ):
                found[name] = value
    return list(found.items())


def _class(name: str, cls: type) -> list[str]:
    kind = "exception" if issubclass(cls, BaseException) else "class"
    lines = [f"## `{name}` ({kind})", ""]
    if kind == "class":
        lines += ["```python", _signature(name, cls), "```", ""]
    else:
        bases = ", ".join(b.__name__ for b in cls.__bases__)
        lines += [f"Subclass of {bases}.", ""]
    lines += [_doc(cls), ""]
    for member, value in _members(cls):
        if isinstance(value, property):
            lines += [f"### `{name}.{member}` (property)", "", _doc(value), ""]
            continue
        function = value.__func__ if isinstance(value, staticmethod | classmethod) else value
        lines += [
            f"### `{name}.{member}`",
            "",
            "```python",
            _signature(member, function),
            "```",
            "",
            _doc(function),
            "",
        ]
    return lines


def _entry(name: str, obj: Any) -> list[str]:
    if name == "__version__":
        return ["## `__version__`", "", "The installed version of seeka_nb (a string).", ""]
    if isinstance(obj, types.ModuleType):
        public = ", ".join(f"`{n}`" for n in getattr(obj, "__all__", []))
        return [f"## `{name}` (module)", "", _doc(obj), "", f"Names: {public}.", ""]
    if inspect.isclass(obj):
        return _class(name, obj)
    return [f"## `{name}`", "", "```python", _signature(name, obj), "```", "", _doc(obj), ""]


def render() -> str:
    """The whole page, from the installed package."""
    import seeka_nb

    names = sorted(seeka_nb.__all__, key=lambda n: (n.startswith("_"), n.lower()))
    lines = [HEADER, "Contents: " + ", ".join(f"`{n}`" for n in names) + ".", ""]
    for name in names:
        lines += _entry(name, getattr(seeka_nb, name))
    return "\n".join(lines).rstrip() + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="exit 1 if the page is stale")
    args = parser.parse_args(argv)
    text = render()
    if args.check:
        current = OUTPUT.read_text(encoding="utf-8") if OUTPUT.exists() else ""
        if current != text:
            print(f"{OUTPUT} is out of date: run python scripts/gen_api_docs.py", file=sys.stderr)
            return 1
        return 0
    OUTPUT.write_text(text, encoding="utf-8")
    print(f"wrote {OUTPUT.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
