"""The request integer (app/engine/spec.py): JSON Schema's `integer`, no looser and no stricter (design.md §6)."""

from __future__ import annotations

import pytest
from pydantic import BaseModel, Field, ValidationError

from app.engine.spec import RequestInt, Seed


class Request(BaseModel):
    steps: RequestInt = Field(default=1, ge=1)
    seed: Seed = 0
    sizes: list[RequestInt] = []


@pytest.mark.parametrize(("text", "steps"), [("77", 77), ("77.0", 77), ("7.7e1", 77), ("1e3", 1000), ("-0.0", None)])
def test_whole_numbers_are_integers_however_written(text: str, steps: int | None) -> None:
    if steps is None:  # -0.0 is the whole number 0, refused by ge=1 like 0 is
        with pytest.raises(ValidationError, match="greater than or equal to 1"):
            Request.model_validate_json(f'{{"steps": {text}}}')
        return
    value = Request.model_validate_json(f'{{"steps": {text}}}').steps
    assert value == steps and type(value) is int


@pytest.mark.parametrize("text", ['"77"', "true", "false", "77.5", "1e-3", "null", "[77]", '{"n": 77}'])
def test_strings_bools_and_fractions_are_refused_at_the_field(text: str) -> None:
    with pytest.raises(ValidationError) as caught:
        Request.model_validate_json(f'{{"steps": {text}}}')
    assert [error["loc"] for error in caught.value.errors()] == [("steps",)]


def test_a_fraction_is_named_as_one() -> None:
    with pytest.raises(ValidationError, match="must be a whole number"):
        Request.model_validate_json('{"sizes": [8, 8.5]}')


def test_python_callers_get_the_same_rules() -> None:
    assert Request(steps=5.0, sizes=[3.0]).model_dump() == {"steps": 5, "seed": 0, "sizes": [3]}
    with pytest.raises(ValidationError):
        Request(steps=True)


SEEDS = [("9.223372036854775e18", True), ("9223372036854775807", True),
         ("9223372036854775808", False), ("1e19", False), ("-1.0", False)]  # fmt: skip


@pytest.mark.parametrize(("text", "ok"), SEEDS)
def test_seeds_fit_in_63_bits_whether_written_as_floats_or_not(text: str, ok: bool) -> None:
    if ok:
        assert Request.model_validate_json(f'{{"seed": {text}}}').seed < 2**63
    else:
        with pytest.raises(ValidationError):
            Request.model_validate_json(f'{{"seed": {text}}}')


def test_the_schema_says_integer_with_its_bounds() -> None:
    properties = Request.model_json_schema()["properties"]
    assert properties["steps"] == {"default": 1, "minimum": 1, "title": "Steps", "type": "integer"}
    assert properties["seed"] == {"default": 0, "minimum": 0, "exclusiveMaximum": 2**63, "title": "Seed",
                                       "type": "integer"}  # fmt: skip
    assert properties["sizes"]["items"] == {"type": "integer"}
