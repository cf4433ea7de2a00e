"""Vague phrases: words that gesture at content without giving it ("a lot of things", "and stuff like that")."""

from __future__ import annotations

import re

# Each says "there was something" instead of what it was. Counted per occurrence in a sentence's normalised text.
_VAGUE = re.compile(
    r"\b(?:a lot of (?:things|stuff|work|changes|different|moving parts|people|improvements)|lots of (?:things|stuff)|"
    r"(?:different|various|many|certain|some|other|several|a few) (?:things|stuff|aspects|areas|factors|ways|approaches|"
    r"people|stakeholders|changes|improvements|initiatives|options|strategies|steps|tools|solutions)|"
    r"things like that|stuff like that|and (?:stuff|things|so on|so forth|everything|all that|all of that)|"
    r"all (?:of )?that stuff|this and that|or something|something like that|whatever it was|"
    r"things (?:improved|got better|went well|worked out|were better)|it (?:went|worked out) (?:really )?well|"
    r"made (?:things|it|everything) better|improve things|make things better|moving the needle|move the needle|"
    r"best practices|at the end of the day|the whole process|a bunch of|in a (?:good|better) place|"
    r"(?:really|very|super|quite) (?:good|great|important|successful|positive)|"
    r"kept everyone aligned|get everyone aligned|got everyone on the same page|on the same page|"
    r"worked (?:really )?hard|did (?:my|our) best|everything we could|a great learning experience|learned a lot)\b"
)


def find_vague_phrases(norms: list[str]) -> list[str]:
    """Every vague phrase said, in order (a phrase said twice is listed twice)."""
    return [m.group(0) for norm in norms for m in _VAGUE.finditer(norm)]
