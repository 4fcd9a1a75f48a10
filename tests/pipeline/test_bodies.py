"""A dry run's bodies are kept encoded and read back as the dicts they encode (issue 17)."""

from __future__ import annotations

import orjson

from seeka_nb.pipeline.bodies import EncodedBodies


def test_encoded_bodies_read_as_the_dicts_they_encode() -> None:
    dicts = [{"data": [{"ev": {"id": {}, "payload": {"activityId": str(i)}}}]} for i in range(3)]
    bodies = EncodedBodies([orjson.dumps(d) for d in dicts])
    assert len(bodies) == 3
    assert bodies[1] == dicts[1] and bodies[-1] == dicts[-1]
    assert bodies[1:] == dicts[1:]
    assert list(bodies) == dicts and bodies == dicts and bodies != dicts[:2]
    assert bodies.encoded[0] == orjson.dumps(dicts[0])
    assert "3 request bodies" in repr(bodies)
    assert EncodedBodies() == [] and len(EncodedBodies()) == 0
