"""Text to Piper phonemes and phoneme ids with the espeak-ng program, as Piper's own espeak bridge makes them.

Piper calls libespeak-ng in process (GPL). We run the `espeak-ng` program instead, one process per text:
`espeak-ng -q --ipa -v <voice>` prints, per clause, the very string `espeak_TextToPhonemes(..., espeakPHONEMES_IPA)`
returns (no tie, no separator). The clause terminators Piper gets from espeak we take from the text: each clause is
sent as its own paragraph, so the blank line espeak prints after a paragraph marks where a clause's phonemes end.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from rehearse.domain.errors import ModelUnavailable

PAD, BOS, EOS = "_", "^", "$"

# Clause punctuation espeak ends a clause on when followed by a space (or the end), closing quotes and brackets
# allowed in between. Piper keeps the terminator espeak reports: the six below; a dash counts as ";"; an ellipsis
# reports flags Piper does not recognise, so it ends a clause with no terminator and no space.
_CLAUSE_END = re.compile(r"(\.\.\.|…|[.?!,:;–—])[\"'”’)\]]*(?=\s|$)")
_TERMINATOR = {".": ".", "?": "?", "!": "!", ",": ",", ":": ":", ";": ";", "–": ";", "—": ";", "...": "", "…": ""}
_SENTENCE_END = frozenset(".?!")
_LANGUAGE_SWITCH = re.compile(r"\([^)]+\)")  # espeak's (fr)...(en) around words from another language


@dataclass(frozen=True)
class Clause:
    text: str
    terminator: str  # what Piper appends to the clause's phonemes: "." "?" "!" "," ":" ";" or ""
    ends_sentence: bool


def clauses(text: str) -> list[Clause]:
    """The text cut where espeak ends a clause, each piece keeping its punctuation (espeak reads the same clause)."""
    found: list[Clause] = []
    start = 0
    for match in _CLAUSE_END.finditer(text):
        mark = match.group(1)
        after = text[match.end() :].lstrip()
        if mark == "." and after[:1].islower():  # "e.g. this", "it. then": espeak reads on, no clause ends
            continue
        piece = text[start : match.end()].strip()
        start = match.end()
        if any(ch.isalnum() for ch in piece):
            found.append(Clause(piece, _TERMINATOR[mark], mark in _SENTENCE_END))
    rest = text[start:].strip()
    if any(ch.isalnum() for ch in rest):
        found.append(Clause(rest, "", ends_sentence=True))
    return found


class EspeakPhonemizer:
    """Sentences of Piper phonemes (one codepoint each, NFD) for a text, from one espeak-ng process."""

    def __init__(self, voice: str = "en-us", binary: str | None = None) -> None:
        found = binary or shutil.which("espeak-ng")
        if found is None:
            raise ModelUnavailable("espeak-ng is not installed: `apt-get install espeak-ng` (make run does it as root)")
        self._voice = voice
        self._binary = found

    def phonemize(self, text: str) -> list[list[str]]:
        parts = clauses(text)
        if not parts:
            return []
        per_clause = self._ipa(parts)
        sentences: list[list[str]] = []
        sentence: list[str] = []
        for clause, ipa in zip(parts, per_clause, strict=True):
            phonemes = _LANGUAGE_SWITCH.sub("", ipa) + clause.terminator
            if clause.terminator in (",", ":", ";"):
                phonemes += " "  # not a sentence boundary: the next clause follows after a space
            sentence.extend(unicodedata.normalize("NFD", phonemes))
            if clause.ends_sentence:
                sentences.append(sentence)
                sentence = []
        if sentence:
            sentences.append(sentence)
        return [s for s in sentences if s]

    def _ipa(self, parts: Sequence[Clause]) -> list[str]:
        groups = _paragraphs(self._espeak("".join(f"{clause.text}\n\n" for clause in parts)))
        if len(groups) != len(parts):  # espeak read the paragraphs differently: one call per clause, slower but exact
            groups = [" ".join(_paragraphs(self._espeak(f"{clause.text}\n\n"))) for clause in parts]
        return groups

    def _espeak(self, paragraphs: str) -> str:
        done = subprocess.run(
            [self._binary, "-q", "-b", "1", "--ipa", "-v", self._voice],
            input=paragraphs.encode(),
            capture_output=True,
            check=False,
        )
        if done.returncode != 0:
            raise RuntimeError(f"espeak-ng failed: {done.stderr.decode(errors='replace').strip()}")
        return done.stdout.decode()


def _paragraphs(output: str) -> list[str]:
    """espeak's lines grouped by paragraph: one clause of ours may come back as several espeak clauses."""
    groups: list[str] = []
    lines: list[str] = []
    for line in output.splitlines():
        if line.strip():
            lines.append(line.strip())
        elif lines:
            groups.append(" ".join(lines))
            lines = []
    if lines:
        groups.append(" ".join(lines))
    return groups


def phoneme_ids(phonemes: Sequence[str], id_map: Mapping[str, Sequence[int]]) -> list[int]:
    """Piper's ids: BOS, then each known phoneme followed by a pad, then EOS; unknown phonemes are skipped."""
    ids = [*id_map[BOS], *id_map[PAD]]
    for phoneme in phonemes:
        if phoneme in id_map:
            ids += [*id_map[phoneme], *id_map[PAD]]
    ids += id_map[EOS]
    return ids
