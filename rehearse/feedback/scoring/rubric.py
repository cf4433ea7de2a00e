"""Rubrics are data: YAML files in rehearse/data/rubrics/, validated here; a role's file overrides the default's."""

from __future__ import annotations

import re
import string
from functools import cache
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from rehearse import DATA_DIR
from rehearse.domain.analysis_model import DIMENSIONS, Dimension, RubricRef
from rehearse.domain.parsing import problems
from rehearse.feedback.scoring.signals import SIGNALS

RUBRIC_DIR = DATA_DIR / "rubrics"
DEFAULT_RUBRIC = "default"
_ROLE_ID = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")  # also keeps a role id from naming a file outside the folder
_LEVELS = (0, 50, 100)


class InvalidRubric(ValueError):
    """A rubric file that cannot be used; the message names the file and the field to fix."""


class SignalRule(BaseModel):
    """How one signal counts in one dimension: its weight, its curve from raw value to 0-100, its evidence lines."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    weight: float = Field(ge=0, le=100)
    curve: tuple[tuple[float, float], ...] = Field(min_length=2)
    target: tuple[float, float] | None = None  # the ideal range, quoted by evidence lines ("target 120-170")
    values: dict[str, float] | None = None  # tone only: what each label is worth, 0-1
    evidence: tuple[str, ...] = ()
    # The most the dimension can score at this signal's raw value, whatever the other signals say: fluent delivery of
    # nothing concrete is not clear, however well it scores on pace and fillers.
    ceiling: tuple[tuple[float, float], ...] | None = None
    ceiling_evidence: str = ""  # the line shown when the ceiling holds the score down; may use {ceiling}

    @field_validator("curve")
    @classmethod
    def _curve_is_a_function(cls, curve: tuple[tuple[float, float], ...]) -> tuple[tuple[float, float], ...]:
        xs = [x for x, _ in curve]
        if any(b <= a for a, b in zip(xs, xs[1:], strict=False)):
            raise ValueError(f"curve x values must strictly increase, got {xs}")
        if any(not 0 <= y <= 100 for _, y in curve):
            raise ValueError("curve scores (second numbers) must be within 0-100")
        return curve

    @field_validator("ceiling")
    @classmethod
    def _ceiling_is_a_function(cls, ceiling: tuple[tuple[float, float], ...] | None) -> tuple[tuple[float, float], ...] | None:
        if ceiling is not None:
            if len(ceiling) < 2:
                raise ValueError("ceiling needs at least two points")
            cls._curve_is_a_function(ceiling)
        return ceiling

    def normalise(self, raw: float) -> float:
        """Piecewise-linear through the curve's points; flat beyond its first and last point."""
        return _piecewise(self.curve, raw)

    def cap(self, raw: float) -> float | None:
        """The dimension's ceiling at this raw value, or None when the signal sets none."""
        return _piecewise(self.ceiling, raw) if self.ceiling else None


def _piecewise(points: tuple[tuple[float, float], ...], raw: float) -> float:
    """Piecewise-linear through the points; flat beyond the first and the last."""
    if raw <= points[0][0]:
        return points[0][1]
    for (x0, y0), (x1, y1) in zip(points, points[1:], strict=False):
        if raw <= x1:
            return y0 + (y1 - y0) * (raw - x0) / (x1 - x0)
    return points[-1][1]


class DimensionRule(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    description: str
    levels: dict[int, str]  # what a 0, a 50 and a 100 mean, shown to reviewers
    signals: dict[str, SignalRule] = Field(min_length=1)

    @field_validator("levels")
    @classmethod
    def _levels_0_50_100(cls, levels: dict[int, str]) -> dict[int, str]:
        missing = [level for level in _LEVELS if level not in levels]
        if missing:
            raise ValueError(f"levels must describe 0, 50 and 100; missing {missing}")
        return levels

    @model_validator(mode="after")
    def _known_signals_and_fields(self) -> DimensionRule:
        for name, rule in self.signals.items():
            if name not in SIGNALS:
                raise ValueError(f"unknown signal {name!r}; known signals: {', '.join(SIGNALS)}")
            for template in rule.evidence:
                _check_template(name, template)
            if rule.ceiling_evidence:
                _check_template(name, rule.ceiling_evidence, {"ceiling": int})
        if sum(rule.weight for rule in self.signals.values()) <= 0:
            raise ValueError("at least one signal needs a weight above 0")
        return self


class EvidenceAmount(BaseModel):
    """How much answer is full evidence, and how much confidence disagreement and missing signals cost."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    full_words: int = Field(default=150, ge=1)
    full_seconds: float = Field(default=60.0, gt=0)
    disagreement_penalty: float = Field(default=0.5, ge=0, le=1)  # confidence lost when signals are 50 points apart
    missing_signal_floor: float = Field(default=0.4, ge=0, le=1)  # confidence factor when no weighted signal is known


class RelevanceRule(BaseModel):
    """What an answer to another question can score at most (rehearse/feedback/scoring/relevance.py judges relevance)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    off_topic_content_max: int = Field(default=35, ge=0, le=100)
    off_topic_overall_max: int = Field(default=45, ge=0, le=100)
    unclear_content_max: int = Field(default=85, ge=0, le=100)  # at the top of the unclear band; lower in it


class Rubric(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str
    version: str
    title: str = ""
    evidence: EvidenceAmount = EvidenceAmount()
    relevance: RelevanceRule = RelevanceRule()
    # Each dimension's weight in the overall score. Content counts most: delivery cannot carry an answer that
    # does not say what was asked.
    overall: dict[Dimension, float] = Field(default_factory=lambda: dict.fromkeys(DIMENSIONS, 1.0))
    no_answer: str = "No answer was heard"  # the evidence line of every dimension when nothing was said
    dimensions: dict[Dimension, DimensionRule]

    @field_validator("dimensions")
    @classmethod
    def _every_dimension(cls, dimensions: dict[Dimension, DimensionRule]) -> dict[Dimension, DimensionRule]:
        missing = [d for d in DIMENSIONS if d not in dimensions]
        if missing:
            raise ValueError(f"every dimension needs a rule; missing {missing}")
        return dimensions

    @field_validator("overall")
    @classmethod
    def _overall_weights(cls, weights: dict[Dimension, float]) -> dict[Dimension, float]:
        if sorted(weights) != sorted(DIMENSIONS) or any(w < 0 for w in weights.values()) or sum(weights.values()) <= 0:
            raise ValueError(f"overall needs a non-negative weight for each of {list(DIMENSIONS)}")
        return weights

    def ref(self) -> RubricRef:
        return RubricRef(id=self.id, version=self.version)

    @property
    def good_pace(self) -> tuple[float, float] | None:
        """The pace (words per minute) the score calls good: the `pace` signal's target, where its evidence says
        "within"; None when no dimension scores pace or gives it no target. The live "Slow down" cue fires above it."""
        rules = [d.signals["pace"] for d in self.dimensions.values() if "pace" in d.signals]
        return next((r.target for r in rules if r.target is not None), None)


def _check_template(signal: str, template: str, extra: dict[str, type] | None = None) -> None:
    """Unknown fields and format specs that do not fit the field's type fail here, at load, not while scoring."""
    fields = {**SIGNALS[signal].fields, **(extra or {})}
    try:
        unknown = [f for f in template_fields(template) if f not in fields]
    except ValueError as error:
        raise ValueError(f"evidence {template!r} of {signal!r} is not a valid template: {error}") from None
    if unknown:
        raise ValueError(f"evidence of {signal!r} uses unknown field(s) {unknown}; available: {', '.join(fields)}")
    try:
        template.format_map({field: kind() for field, kind in fields.items()})
    except (ValueError, TypeError, IndexError, KeyError, AttributeError) as error:
        raise ValueError(f"evidence {template!r} of {signal!r} cannot be filled: {error}") from None


def template_fields(template: str) -> list[str]:
    return [field.split(".")[0].split("[")[0] for _, field, _, _ in string.Formatter().parse(template) if field]


def load_rubric(role: str | None = None, folder: Path | None = None) -> Rubric:
    """The role's rubric (its file over the default's), or the default when the role has no file. Cached per process."""
    return _load(role if role and _ROLE_ID.match(role) else None, (folder or RUBRIC_DIR).resolve())


@cache
def _load(role: str | None, folder: Path) -> Rubric:
    default_path = folder / f"{DEFAULT_RUBRIC}.yaml"
    data = _read(default_path)
    path = default_path
    role_path = folder / f"{role}.yaml"
    if role and role != DEFAULT_RUBRIC and role_path.is_file():
        override = _read(role_path)
        base = override.pop("extends", DEFAULT_RUBRIC)
        if base != DEFAULT_RUBRIC:
            raise InvalidRubric(f"{role_path}: 'extends' may only name {DEFAULT_RUBRIC!r}, got {base!r}")
        data = _merged(data, override)
        path = role_path
    data.pop("extends", None)
    try:
        return Rubric.model_validate(data)
    except ValidationError as error:
        raise InvalidRubric(f"{path}: {problems(error, whole='rubric', limit=None)}") from None


def _read(path: Path) -> dict[str, Any]:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InvalidRubric(f"{path}: no such rubric file") from None
    except yaml.YAMLError as error:
        raise InvalidRubric(f"{path}: not valid YAML: {error}") from None
    if not isinstance(data, dict):
        raise InvalidRubric(f"{path}: a rubric is a mapping with id, version and dimensions")
    return data


def _merged(base: dict[str, Any], override: dict[str, Any]) -> dict[str, Any]:
    """Mappings merge key by key; anything else (numbers, text, lists such as curves) is replaced whole."""
    merged = dict(base)
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = _merged(merged[key], value)
        else:
            merged[key] = value
    return merged


