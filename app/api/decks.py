"""Lesson decks (design.md §11): POST /api/decks stores an ordered list of lessons, GET /api/decks/<id>
gives it back.

A deck is static/lessons.json's shape — `{"version": 1, "lessons": [...]}` — so a deck exported from
the page, the built-in lessons and a stored deck are one format. Each lesson's experiment is the
experiment request's own model (app/engine/spec.py) and each network lesson's training the training
request's (app/engine/train/spec.py), checked for shape only: a deck made with one
version may name an optimizer another lacks, and the page loads what it can (static/js/lessons.js).
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path
from fastapi.responses import Response
from pydantic import BaseModel, Field, ValidationInfo, field_validator

from app.api.jsonio import StrictJSONResponse
from app.api.schemas import VALIDATION_ERROR, MessageBody
from app.api.sharing import CREATES, STORE_DOWN, SettingsDep, StoreDep, invalid_field, stored
from app.engine.results import RunStatus
from app.engine.spec import ExperimentSpec, FiniteFloat, RequestInt, RunSpec, StrictModel, request_int
from app.engine.train import LRFinderSpec, TrainingSpec
from app.store import Deck

router = APIRouter(tags=["share"])

DECK_ID = r"^[A-Za-z0-9_-]{1,32}$"
# Decks never change (a changed deck is a new one), so a browser may keep one as long as it likes.
IMMUTABLE = "public, max-age=31536000, immutable"


class LessonRun(RunSpec):
    color: str | None = Field(default=None, pattern=r"^#?[0-9A-Fa-f]{6}$", description="the run's colour, hex")


class LessonExperiment(ExperimentSpec):
    runs: list[LessonRun] = Field(min_length=1)  # type: ignore[assignment]


RunIndex = request_int(ge=0)


class LessonLRFinder(StrictModel):
    """A network lesson's LR range test: its training's task and minibatches, one of its runs' optimizer."""

    run: RunIndex = Field(description="the index of the training's run whose optimizer is tested")
    start_lr: FiniteFloat = LRFinderSpec.model_fields["start_lr"]
    end_lr: FiniteFloat = LRFinderSpec.model_fields["end_lr"]
    num_steps: int = LRFinderSpec.model_fields["num_steps"]


class Lesson(StrictModel):
    """One lesson as static/lessons.json holds it: a set-up, what it shows and what to look for.

    A surfaces lesson's set-up is an `experiment` (section 6's request); a network lesson's
    (`"mode": "network"`) is a `training` (section 10's). Which one is required follows `mode`, and a
    missing or misplaced one is refused at its own field.
    """

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9-]{0,63}$", description="unique within the deck", examples=["warm-up"])
    title: str = Field(min_length=1, max_length=120)
    text: str = Field(max_length=4000, description="two or three sentences of explanation")
    look_for: str = Field(max_length=2000, description="what to look for on the plots")
    mode: Literal["surfaces", "network"] = "surfaces"
    group: str | None = Field(default=None, max_length=60, description="the picker's group, e.g. Training a network")
    experiment: LessonExperiment | None = Field(
        default=None, validate_default=True, description="required in a surfaces lesson, absent in a network one"
    )
    training: TrainingSpec | None = Field(
        default=None,
        validate_default=True,
        description="required in a network lesson (design.md §10's training), absent in a surfaces one",
    )
    lr_finder: LessonLRFinder | None = Field(default=None, description="a network lesson's only: the LR finder to show")
    view: Literal["overlay", "multiples", "3d"] | None = Field(default=None, description="a surfaces lesson's only")
    seed_bands: list[RequestInt] | None = Field(default=None, description="indices of the runs that show a seed band")
    expect: list[RunStatus] | None = Field(default=None, description="each run's expected status, for tests")

    @field_validator("experiment", "training")
    @classmethod
    def _set_up_of_its_mode(cls, value: BaseModel | None, info: ValidationInfo) -> BaseModel | None:
        """`experiment` in a surfaces lesson, `training` in a network one: the one, never the other."""
        mode = info.data.get("mode")
        wanted = "experiment" if mode == "surfaces" else "training"
        if mode is not None and value is None and info.field_name == wanted:
            raise ValueError(f"a {mode} lesson needs its {wanted}")
        if mode is not None and value is not None and info.field_name != wanted:
            raise ValueError(f"only a {'network' if mode == 'surfaces' else 'surfaces'} lesson has {info.field_name}")
        return value

    @field_validator("lr_finder", "view", "seed_bands", "expect")
    @classmethod
    def _one_per_run(cls, value: Any, info: ValidationInfo) -> Any:
        """Indices within the runs; one status per run. (The set-up is validated first, above.)"""
        set_up = info.data.get("experiment") or info.data.get("training")
        if value is None or set_up is None:
            return value
        runs = len(set_up.runs)
        network = info.data.get("mode") == "network"
        if network != (info.field_name == "lr_finder") and info.field_name != "expect":
            raise ValueError(f"only a {'surfaces' if network else 'network'} lesson has {info.field_name}")
        if info.field_name == "lr_finder" and value.run >= runs:
            raise ValueError(f"its run is an index from 0 to {runs - 1}")
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
