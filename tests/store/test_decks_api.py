"""Lesson decks through a real server on each backend (design.md §11): the lessons.json shape, stored
and given back as it was sent; refused with the field named when it is not that shape."""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from tests.api.support import strict_loads
from tests.conftest import ROOT
from tests.store.conftest import TEST_MAX_DECK_LESSONS, TEST_RATE_LIMIT
from tests.store.support import client_from

BUILT_IN = json.loads((ROOT / "static" / "lessons.json").read_text())
SAVED_LESSON = {  # what "Save as lesson" makes from the current experiment: only what the lecturer set
    "id": "my-ravine",
    "title": "My ravine",
    "text": "Momentum in a narrower ravine.",
    "look_for": "The zigzag.",
    "experiment": {
        "surface": {"id": "quadratic", "params": {"a": 1, "b": 80}},
        "steps": 120,
        "runs": [{"label": "SGD", "color": "#0072B2", "optimizer": {"id": "SGD", "params": {"lr": 0.02}}}],
    },
}


@pytest.fixture(scope="module")
def client(store_server: str) -> Iterator[httpx.Client]:
    with client_from(store_server) as session:
        yield session


def create(client: httpx.Client, deck: dict[str, Any]) -> dict[str, Any]:
    response = client.post("/api/decks", json=deck)
    assert response.status_code == 201, response.text
    return strict_loads(response.text)


def test_the_built_in_lessons_round_trip_as_a_deck(client: httpx.Client) -> None:
    created = create(client, BUILT_IN)
    assert created["url"] == f"/?deck={created['id']}"
    response = client.get(f"/api/decks/{created['id']}")
    assert response.status_code == 200
    assert strict_loads(response.text) == BUILT_IN
    assert "immutable" in response.headers["cache-control"]


def test_a_saved_lesson_comes_back_as_sent_without_defaults_added(client: httpx.Client) -> None:
    deck = {"version": 1, "title": "Tuesday", "lessons": [SAVED_LESSON, BUILT_IN["lessons"][1]]}
    created = create(client, deck)
    assert strict_loads(client.get(f"/api/decks/{created['id']}").text) == deck
    assert create(client, deck) == created, "identical decks share an id"
    reordered = {**deck, "lessons": deck["lessons"][::-1]}
    assert create(client, reordered)["id"] != created["id"], "order is part of a deck"


def test_an_unknown_deck_is_404_and_a_malformed_id_422(client: httpx.Client) -> None:
    missing = client.get("/api/decks/AAAAAAAAAAA")
    assert missing.status_code == 404 and "no deck" in strict_loads(missing.text)["detail"]
    malformed = client.get("/api/decks/not..an..id")
    assert malformed.status_code == 422
    assert strict_loads(malformed.text)["detail"][0]["loc"] == ["path", "deck_id"]


NETWORK_LESSON = next(lesson for lesson in BUILT_IN["lessons"] if "lr_finder" in lesson)  # lessons[2] below


def deck_with(change: Any) -> dict[str, Any]:
    deck = copy.deepcopy({"version": 1, "lessons": [SAVED_LESSON, BUILT_IN["lessons"][5], NETWORK_LESSON]})
    change(deck)
    return deck


BAD_DECKS = [
    (lambda d: d["lessons"].clear(), ["body", "lessons"], "at least 1"),
    (lambda d: d["lessons"][1].update(id="my-ravine"), ["body", "lessons"], "unique"),
    (lambda d: d["lessons"][0].update(id="Not An Id"), ["body", "lessons", 0, "id"], "pattern"),
    (lambda d: d["lessons"][0].pop("title"), ["body", "lessons", 0, "title"], "required"),
    (lambda d: d["lessons"][0].update(speaker_notes="hi"), ["body", "lessons", 0, "speaker_notes"], "not permitted"),
    (lambda d: d["lessons"][1].update(seed_bands=[4]), ["body", "lessons", 1, "seed_bands"], "run indices"),
    (lambda d: d["lessons"][1].update(expect=["completed"]), ["body", "lessons", 1, "expect"], "one status per run"),
    (lambda d: d["lessons"][0].update(view="4d"), ["body", "lessons", 0, "view"], "overlay"),
    (lambda d: d["lessons"][0]["experiment"]["runs"].clear(), ["body", "lessons", 0, "experiment", "runs"], "at least"),
    (
        lambda d: d["lessons"][0]["experiment"]["runs"][0].update(color="red"),
        ["body", "lessons", 0, "experiment", "runs", 0, "color"],
        "pattern",
    ),
    (lambda d: d["lessons"][2].pop("training"), ["body", "lessons", 2, "training"], "needs its training"),
    (lambda d: d["lessons"][2].update(mode="surfaces"), ["body", "lessons", 2, "experiment"], "needs its experiment"),
    (
        lambda d: d["lessons"][2].update(experiment=SAVED_LESSON["experiment"]),
        ["body", "lessons", 2, "experiment"],
        "only a surfaces lesson",
    ),
    (lambda d: d["lessons"][2]["training"].update(epochs=0), ["body", "lessons", 2, "training", "epochs"], "greater"),
    (lambda d: d["lessons"][2]["lr_finder"].update(run=3), ["body", "lessons", 2, "lr_finder"], "from 0 to 2"),
    (lambda d: d["lessons"][1].update(lr_finder={"run": 0}), ["body", "lessons", 1, "lr_finder"], "only a network"),
    (lambda d: d["lessons"][2].update(seed_bands=[0]), ["body", "lessons", 2, "seed_bands"], "only a surfaces"),
    (lambda d: d["lessons"][2].update(expect=["completed"]), ["body", "lessons", 2, "expect"], "one status per run"),
    (lambda d: d.update(version=2), ["body", "version"], "1"),
    (
        lambda d: d.update(lessons=[{**SAVED_LESSON, "id": f"l{n}"} for n in range(TEST_MAX_DECK_LESSONS + 1)]),
        ["body", "lessons"],
        f"at most {TEST_MAX_DECK_LESSONS} lessons",
    ),
]


@pytest.mark.parametrize(("change", "loc", "message"), BAD_DECKS)
def test_a_deck_not_in_the_lessons_shape_is_a_422_naming_the_field(
    client: httpx.Client, change: Any, loc: list, message: str
) -> None:
    response = client.post("/api/decks", json=deck_with(change))
    assert response.status_code == 422, response.text
    errors = strict_loads(response.text)["detail"]
    assert any(error["loc"] == loc and message in error["msg"] for error in errors), errors


def test_a_deck_larger_than_the_body_limit_is_a_413(client: httpx.Client) -> None:
    huge = {"version": 1, "lessons": [{**SAVED_LESSON, "text": "x" * 70_000}]}
    assert client.post("/api/decks", json=huge).status_code == 413


def test_deck_creation_is_rate_limited_per_client(store_server: str) -> None:
    allowed = int(TEST_RATE_LIMIT.split("/")[0])
    with client_from(store_server, "127.0.0.4") as eager:
        statuses = [eager.post("/api/decks", json={"version": 1, "lessons": [SAVED_LESSON]}).status_code
                    for _ in range(allowed + 1)]  # fmt: skip
    assert statuses[:allowed] == [201] * allowed
    assert statuses[-1] == 429
