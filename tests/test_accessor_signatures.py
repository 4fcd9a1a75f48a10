"""The accessors keep explicit keyword signatures (what IDEs and ``help()`` show) that agree
with each other, and share the docstrings of their keywords (seeka_nb._accessors).

The pandas ``df.seeka`` is the reference; each other accessor may add only the keywords
:data:`EXTRA` names for it, after the shared ones, so an unintended drift fails here."""

from __future__ import annotations

import inspect

import dask.dataframe  # noqa: F401  # the test extra installs Dask; importing it registers ddf.seeka
import pytest

import seeka_nb
from seeka_nb import _accessors
from seeka_nb.accessor import SeekaAccessor
from seeka_nb.dask_accessor import DaskSeekaAccessor
from seeka_nb.pipeline.options import SendOptions
from seeka_nb.polars_accessor import PolarsFrameAccessor, PolarsLazyAccessor

CONVERT = ["mapping", "preset", "tz", "dayfirst", "consent", "currency", "status_policy"]
CHECK = ["mapping", "preset", "tz", "dayfirst"]

#: The keywords each accessor adds to the pandas ones, by method (the allowed differences).
#: Dask: ``grouped`` everywhere, ``window`` (partitions converted at once) only where events
#: are streamed out (``to_events`` and ``send``), and an ``issues`` method of its own.
EXTRA: dict[type, dict[str, list[str]]] = {
    SeekaAccessor: {"to_events": [], "send": [], "check_duplicates": []},
    PolarsFrameAccessor: {"to_events": [], "send": [], "check_duplicates": []},
    PolarsLazyAccessor: {
        "to_events": ["batch_rows"],
        "send": ["batch_rows"],
        "check_duplicates": ["batch_rows"],
    },
    DaskSeekaAccessor: {
        "to_events": ["grouped", "window"],
        "send": ["grouped", "window"],
        "check_duplicates": ["grouped"],
        "issues": ["grouped"],
    },
}
ACCESSORS = list(EXTRA)
#: Methods that take every ``to_events`` keyword (and so document them).
CONVERTING = ["to_events", "send", "issues"]


def _params(func: object) -> list[inspect.Parameter]:
    return list(inspect.signature(func).parameters.values())[1:]  # without self


def _public_methods(cls: type) -> set[str]:
    return {n for n, v in inspect.getmembers(cls, inspect.isfunction) if not n.startswith("_")}


@pytest.mark.parametrize("cls", ACCESSORS, ids=lambda c: c.__name__)
def test_to_events_and_send_take_the_same_explicit_keywords(cls: type) -> None:
    reference = _params(SeekaAccessor.to_events)
    assert [p.name for p in reference] == CONVERT
    keyword = [p.replace(kind=p.KEYWORD_ONLY) for p in reference]
    extra = EXTRA[cls]
    assert _public_methods(cls) == {"mapping", *extra}
    assert _params(cls.mapping) == _params(SeekaAccessor.mapping)

    to_events = _params(cls.to_events)
    assert to_events[: len(CONVERT)] == reference
    assert [p.name for p in to_events[len(CONVERT) :]] == extra["to_events"]
    assert not any(p.kind is inspect.Parameter.VAR_KEYWORD for p in to_events)
    # an added keyword is the same (kind, default, type) in every method that takes it
    added = {p.name: p for p in to_events[len(CONVERT) :]}
    assert all(p.kind is inspect.Parameter.KEYWORD_ONLY for p in added.values())

    send = _params(cls.send)
    assert send[0].name == "credentials"
    assert send[1 : 1 + len(CONVERT)] == keyword
    assert send[1 + len(CONVERT) : -1] == [added[n] for n in extra["send"]]
    assert send[-1].kind is inspect.Parameter.VAR_KEYWORD

    check = _params(cls.check_duplicates)
    assert check[: len(CHECK)] == reference[: len(CHECK)]
    assert check[len(CHECK) :] == [added[n] for n in extra["check_duplicates"]]

    if "issues" in extra:
        issues = _params(cls.issues)
        assert issues[: len(CONVERT)] == reference
        assert issues[len(CONVERT) :] == [added[n] for n in extra["issues"]]


@pytest.mark.parametrize("cls", ACCESSORS, ids=lambda c: c.__name__)
def test_the_keywords_are_documented_in_help(cls: type) -> None:
    for name in CONVERTING:
        if name not in _public_methods(cls):
            continue
        doc = inspect.getdoc(getattr(cls, name)) or ""
        assert _accessors.TO_EVENTS_KEYWORDS_DOC in doc, name
        assert doc.splitlines()[0].strip() and not doc.startswith("``mapping``")
    assert _accessors.SEND_OPTIONS_DOC in (inspect.getdoc(cls.send) or "")


def test_the_send_options_named_are_those_of_events_send() -> None:
    named = set(_accessors.SEND_OPTIONS_DOC.replace("\n", " ").split("``")[1::2])
    keywords = {p.name for p in _params(seeka_nb.Events.send)} - {"credentials", "_seams"}
    assert named == keywords == set(SendOptions.__dataclass_fields__)
