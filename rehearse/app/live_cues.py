"""The live cues' rules for a session, taken from its role's rubric: "Slow down" only above the pace the score calls good."""

from __future__ import annotations

from rehearse.feedback.scoring.rubric import load_rubric
from rehearse.interview.cues import CueEngine, CueRules


def cue_rules_for(role: str | None) -> CueRules:
    """The rules of the role's rubric (the default's for a role without one). A rubric that scores no pace: no pace cue."""
    good = load_rubric(role).good_pace
    return CueRules(good_pace_max_wpm=good[1] if good is not None else None)


def cue_engine_for(role: str | None) -> CueEngine:
    return CueEngine(cue_rules_for(role))
