"""Lesson decks (design.md §11): POST /api/decks stores an ordered list of lessons, GET /api/decks/<id>
gives it back.

A deck is static/lessons.json's shape — `{"version": 1, "lessons": [...]}` — so a deck exported from
the page, the built-in lessons and a stored deck are one format. Each lesson's experiment is the
experiment request's own model (app/engine/spec.py), checked for shape only: a deck made with one
version may name an optimizer another lacks, and the page loads what it can (static/js/lessons.js).
"""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Path
from fastapi.responses import Response
from pydantic import Field, ValidationInfo, field_validator

from app.api.jsonio import StrictJSONResponse
from app.api.schemas import VALIDATION_ERROR, MessageBody
from app.api.sharing import CREATES, STORE_DOWN, SettingsDep, StoreDep, invalid_field, stored
from app.engine.results import RunStatus
from app.engine.spec import ExperimentSpec, RequestInt, RunSpec, StrictModel
from app.store import Deck

router = APIRouter(tags=["share"])

DECK_ID = r"^[A-Za-z0-9_-]{1,32}$"
# Decks never change (a changed deck is a new one), so a browser may keep one as long as it likes.
IMMUTABLE = "public, max-age=31536000, immutable"


class LessonRun(RunSpec):
    color: str | None = Field(default=None, pattern=r"^#?[0-9A-Fa-f]{6}$", description="the run's colour, hex")


class LessonExperiment(ExperimentSpec):
    runs: list[LessonRun] = Field(min_length=1)  # type: ignore[assignment]


class Lesson(StrictModel):
    """One lesson as static/lessons.json holds it: a set-up, what it shows and what to look for."""

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9-]{0,63}$", description="unique within the deck", examples=["warm-up"])
    title: str = Field(min_length=1, max_length=120)
    text: str = Field(max_length=4000, description="two or three sentences of explanation")
    look_for: str = Field(max_length=2000, description="what to look for on the plots")
    experiment: LessonExperiment
    view: Literal["overlay", "multiples", "3d"] | None = None
    seed_bands: list[RequestInt] | None = Field(default=None, description="indices of the runs that show a seed band")
    expect: list[RunStatus] | None = Field(default=None, description="each run's expected status, for tests")

    @field_validator("seed_bands", "expect")
    @classmethod
    def _one_per_run(cls, value: list | None, info: ValidationInfo) -> list | None:
        """Indices within the runs; one status per run. (`experiment` is validated first, above.)"""
        experiment = info.data.get("experiment")
        if value is None or experiment is None:
            return value
        runs = len(experiment.runs)
        if info.field_name == "expect" and len(value) != runs:
            raise ValueError(f"one status per run: {runs}, not {len(value)}")
        if info.field_name == "seed_bands" and not all(0 <= index < runs for index in value):
            raise ValueError(f"run indices from 0 to {runs - 1}")
        return value


class LessonDeck(StrictModel):
    version: Literal[1] = 1
    title: str | None = Field(default=None, max_length=120, description="the deck's name")
    lessons: list[Lesson] = Field(min_length=1, description="in order; at most the server's `max_deck_lessons`")

    @field_validator("lessons")
    @classmethod
    def _unique_ids(cls, lessons: list[Lesson]) -> list[Lesson]:
        """Refused at `lessons` (a 422 naming the field)."""
        ids = [lesson.id for lesson in lessons]
        if len(set(ids)) != len(ids):
            repeated = sorted({lesson_id for lesson_id in ids if ids.count(lesson_id) > 1})
            raise ValueError(f"lesson ids must be unique within a deck: {', '.join(repeated)} repeated")
        return lessons


class DeckCreated(StrictModel):
    id: str
    url: str = Field(description="the page with the deck: `/?deck=<id>`", examples=["/?deck=n7sG9jJHofc"])


@router.post("/api/decks", response_model=DeckCreated, **CREATES)
async def create_deck(deck: LessonDeck, settings: SettingsDep, store: StoreDep) -> DeckCreated:
    """Store a deck; identical decks share one id."""
    if len(deck.lessons) > settings.max_deck_lessons:
        raise invalid_field("lessons", f"at most {settings.max_deck_lessons} lessons", "too_long")
    # As sent, without the defaults filled in: what comes back is what was exported.
    deck_id = await stored(store.save(Deck, deck.model_dump_json(exclude_unset=True)))
    return DeckCreated(id=deck_id, url=f"/?deck={deck_id}")


@router.get(
    "/api/decks/{deck_id}",
    response_model=LessonDeck,
    responses={404: {"model": MessageBody, "description": "no such deck"}} | VALIDATION_ERROR | STORE_DOWN,
)
async def get_deck(deck_id: Annotated[str, Path(pattern=DECK_ID)], store: StoreDep) -> Response:
    """The deck as it was stored."""
    body = await stored(store.load(Deck, deck_id))
    if body is None:
        return StrictJSONResponse({"detail": f"no deck {deck_id!r}"}, status_code=404)
    return Response(body, media_type="application/json", headers={"Cache-Control": IMMUTABLE})
