"""The accessors keep explicit keyword signatures (what IDEs and ``help()`` show) that agree
with each other, and share the docstrings of their keywords (seeka_nb._accessors)."""

from __future__ import annotations

import inspect

import pytest

import seeka_nb
from seeka_nb import _accessors
from seeka_nb.accessor import SeekaAccessor
from seeka_nb.pipeline.options import SendOptions
from seeka_nb.polars_accessor import PolarsFrameAccessor, PolarsLazyAccessor

ACCESSORS = [SeekaAccessor, PolarsFrameAccessor, PolarsLazyAccessor]
CONVERT = ["mapping", "preset", "tz", "dayfirst", "consent", "currency", "status_policy"]


def _params(func: object) -> list[inspect.Parameter]:
    return list(inspect.signature(func).parameters.values())[1:]  # without self


@pytest.mark.parametrize("cls", ACCESSORS, ids=lambda c: c.__name__)
def test_to_events_and_send_take_the_same_explicit_keywords(cls: type) -> None:
    reference = _params(SeekaAccessor.to_events)
    assert [p.name for p in reference] == CONVERT
    to_events = _params(cls.to_events)
    assert to_events[: len(CONVERT)] == reference
    send = _params(cls.send)
    assert send[0].name == "credentials"
    assert send[1 : 1 + len(CONVERT)] == [p.replace(kind=p.KEYWORD_ONLY) for p in reference]
    extra = [p.name for p in to_events[len(CONVERT) :]]
    assert [p.name for p in send[1 + len(CONVERT) : -1]] == extra
    assert send[-1].kind is inspect.Parameter.VAR_KEYWORD
    assert not any(p.kind is inspect.Parameter.VAR_KEYWORD for p in to_events)
    check = [p.name for p in _params(cls.check_duplicates)]
    assert check == ["mapping", "preset", "tz", "dayfirst", *extra]


@pytest.mark.parametrize("cls", ACCESSORS, ids=lambda c: c.__name__)
def test_the_keywords_are_documented_in_help(cls: type) -> None:
    for method in (cls.to_events, cls.send):
        doc = inspect.getdoc(method) or ""
        assert _accessors.TO_EVENTS_KEYWORDS_DOC in doc
        assert doc.splitlines()[0].strip() and not doc.startswith("``mapping``")
    assert _accessors.SEND_OPTIONS_DOC in (inspect.getdoc(cls.send) or "")


def test_the_send_options_named_are_those_of_events_send() -> None:
    named = set(_accessors.SEND_OPTIONS_DOC.replace("\n", " ").split("``")[1::2])
    keywords = {p.name for p in _params(seeka_nb.Events.send)} - {"credentials", "_seams"}
    assert named == keywords == set(SendOptions.__dataclass_fields__)
