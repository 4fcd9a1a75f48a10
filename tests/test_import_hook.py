"""The shared post-import hook (seeka_nb._import_hook) behind ``pl.DataFrame.seeka`` and
``ddf.seeka``: a registration runs whether its module is imported before or after seeka_nb,
once, and a failing registration never breaks the user's import."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest


def _python(code: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        cwd=cwd,
    )


@pytest.fixture
def fake_module(tmp_path: Path) -> Path:
    (tmp_path / "fake_target.py").write_text("VALUE = 1\n", encoding="utf-8")
    return tmp_path


def test_after_runs_when_the_target_is_imported_later_once_and_the_finder_leaves(
    fake_module: Path,
) -> None:
    done = _python(
        """
        import sys
        from seeka_nb import _import_hook
        calls = []
        _import_hook.install("fake_target", lambda: calls.append(sys.modules["fake_target"].VALUE))
        _import_hook.install("fake_target", lambda: calls.append("twice"))
        assert calls == [] and "fake_target" not in sys.modules
        import fake_target
        import fake_target
        assert not any(getattr(f, "target", None) == "fake_target" for f in sys.meta_path)
        print(calls)
        """,
        cwd=fake_module,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[1]"


def test_after_runs_at_once_when_the_target_is_already_imported(fake_module: Path) -> None:
    done = _python(
        """
        import sys
        import fake_target
        from seeka_nb import _import_hook
        calls = []
        _import_hook.install("fake_target", lambda: calls.append("now"))
        print(calls, any(getattr(f, "target", None) == "fake_target" for f in sys.meta_path))
        """,
        cwd=fake_module,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "['now'] False"


def test_a_failing_registration_is_a_warning_not_an_error(fake_module: Path) -> None:
    done = _python(
        """
        import warnings
        from seeka_nb import _import_hook
        _import_hook.install(
            "fake_target",
            lambda: _import_hook.register("seeka_nb.no_such_module", "x.seeka", "do this."),
        )
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            import fake_target
        print(fake_target.VALUE, [str(w.message) for w in caught])
        """,
        cwd=fake_module,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith('1 ["seeka_nb could not register x.seeka (ModuleNotFoundError')
    assert "do this." in done.stdout


def test_dask_imported_first_is_registered_on_import_seeka_nb() -> None:
    done = _python(
        """
        import dask.dataframe as dd, pandas as pd
        import seeka_nb
        print(type(dd.from_pandas(pd.DataFrame({'a': [1]}), npartitions=1).seeka).__name__)
        """
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "DaskSeekaAccessor"
