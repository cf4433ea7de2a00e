"""A labelled set of spoken answers for end-of-turn detection, built reproducibly (fixed seed) and cached under
.rehearse-data/turn-set/. Every pause is labelled: "mid" (a thinking pause after "and", "so", "um" or half a clause,
or a pause between complete sentences early in a story: the turn must not end) or "end" (the answer is over).

Voices: espeak-ng at several voices and speeds, and the Piper voice (en_US-joe-medium) when it is installed. Text
comes from two disjoint pools: "dev" answers (thresholds are tuned on them) and "heldout" answers (only reported).

    .venv/bin/python -m eval.turn_set   # builds the set and prints its size
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import random
import subprocess
import sys
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from rehearse.adapters.local.wav import decode_wav

RATE = 16000
SEED = 20261205
LEAD_S = 0.5
END_SILENCE_S = 4.0  # longer than the longest silence an answer survives (3 s): every answer ends in its tail
CACHE = Path(__file__).resolve().parents[1] / ".rehearse-data" / "turn-set"
ESPEAK_VOICES = (("en-us", 160), ("en-gb", 150), ("en-us+m3", 175), ("en-gb-x-rp+f2", 145))
PIPER = ("piper-joe", 0)
ANSWERS_PER_VOICE = 16  # 10 dev + 6 held-out per voice

# Two disjoint pools (dev, heldout) of: complete sentences; (half clause, its completion) pairs; closing words.
_COMPLETE = {
    "dev": [
        "I led the migration of our payments service to a new database.",
        "We had about forty engineers working across three time zones.",
        "The main problem was that releases took almost a week.",
        "I set up a weekly review with the product managers.",
        "Our error rate dropped from two percent to almost nothing.",
        "I wrote a short design document and shared it with the team.",
        "The customer had threatened to cancel their contract.",
        "We shipped the first version in six weeks.",
        "I learned to ask for feedback much earlier.",
        "My manager asked me to take over the project in March.",
        "We measured the latency of every request.",
        "In the end the client renewed for another two years.",
    ],
    "heldout": [
        "I joined the company as a junior analyst four years ago.",
        "Our onboarding process was confusing for new customers.",
        "I interviewed twelve users in the first two weeks.",
        "We replaced the nightly batch job with a streaming pipeline.",
        "The sales team missed its target two quarters in a row.",
        "I proposed a simpler pricing page to the leadership team.",
        "Support tickets went down by a third within a month.",
        "I paired with a new hire on every code review.",
        "The outage lasted about forty minutes.",
        "We agreed on three metrics before we wrote any code.",
        "I presented the results to the whole department.",
        "That project taught me to write things down.",
    ],
}
_HALF = {
    "dev": [
        ("We moved the service to a new cluster and", "the error rate fell by half."),
        ("So the first thing I did was, um", "talk to every person on the team."),
        ("I think the main reason was that", "nobody owned the deployment process."),
        ("Then we, uh", "rewrote the slowest queries one by one."),
        ("The result was, um, so", "we cut the cost by about thirty percent."),
        ("I spoke to the customer and", "we agreed on a new timeline."),
        ("What I would do differently is", "involve the designers from day one."),
        ("Um, so", "after that the team felt much more confident."),
        ("We tried a few options, like", "caching and a read replica."),
        ("And the reason I mention it is because", "it changed how I plan projects."),
    ],
    "heldout": [
        ("We looked at the data and", "saw that most users left on the second page."),
        ("So my approach was to, um", "start with the biggest customers first."),
        ("The tricky part was that the", "old system had no tests at all."),
        ("I, uh", "set up a dashboard that everyone could see."),
        ("And then, so", "we ran a small experiment with ten percent of traffic."),
        ("We needed someone who could", "own the relationship with the vendor."),
        ("The feedback from the team was, um", "mostly positive, with a few concerns."),
        ("Because the deadline was", "fixed by a regulator, we had no slack."),
        ("My first step was, you know,", "to map out every dependency."),
        ("We split the work into", "four streams with one owner each."),
    ],
}
_CLOSING = {
    "dev": ["So yeah, that's about it.", "That's how we handled it.", "And that was the result.", "So, yeah."],
    "heldout": ["So that's basically the story.", "And that's what I learned.", "Yeah, that's it.", "So it worked out well."],
}


@dataclass(frozen=True)
class Pause:
    start_s: float  # where the piece before it ends (the synthesized audio's end)
    duration_s: float
    label: str  # "mid" (must not end the turn), "end", or "closing" (before trailing closing words: early, not wrong)
    after: str  # the words before it


@dataclass(frozen=True)
class TurnAnswer:
    id: str
    split: str  # dev | heldout
    voice: str
    text: str
    pauses: tuple[Pause, ...]
    audio_path: Path

    def audio(self) -> np.ndarray:
        return np.load(self.audio_path)


def _script(rng: random.Random, split: str) -> list[tuple[str, float, str]]:
    """(text, pause after it, label) pieces of one answer. Labels: mid, end, and "closing": the short pause before
    closing words that trail off ("So yeah, that's about it."), where ending the turn is early but not wrong."""
    complete, halves, closings = _COMPLETE[split], _HALF[split], _CLOSING[split]
    kind = rng.choices(("short", "story", "thinking"), weights=(2, 5, 3))[0]
    texts: list[tuple[str, str]] = []  # (text, kind of pause after it if something follows)
    if kind == "short":  # one or two sentences, spoken without a pause
        texts.append((" ".join(rng.sample(complete, rng.randint(1, 2))), "sentence"))
    else:
        if kind == "story":  # complete sentences early in a long story, with pauses between them (the only place
            # where a pause after a complete sentence is "mid": later on, a complete sentence and a pause may end it)
            texts += [(sentence, "sentence") for sentence in rng.sample(complete, rng.randint(1, 2))]
        carry = ""  # finished sentences flow straight into the next half clause (the voice's own gaps)
        for half, rest in rng.sample(halves, rng.randint(2, 3)):  # thinking pauses mid-sentence
            texts.append((f"{carry}{half}", "thinking"))
            carry = " ".join([rest, *rng.sample(complete, rng.randint(0, 2))]) + " "
        texts.append((carry.strip(), "sentence"))
    if rng.random() < 0.35:  # closing words trailing off
        texts[-1] = (texts[-1][0], "closing")
        texts.append(("~" + rng.choice(closings), "sentence"))
    pieces = []
    for i, (text, after) in enumerate(texts):  # a "sentence" pause that is not the last follows an opening sentence
        if i == len(texts) - 1:
            pieces.append((text, END_SILENCE_S, "end"))
        elif after == "thinking":
            pieces.append((text, round(rng.uniform(0.8, 2.5), 2), "mid"))
        elif after == "closing":
            pieces.append((text, round(rng.uniform(0.3, 0.8), 2), "closing"))
        else:
            pieces.append((text, round(rng.uniform(0.6, 1.5), 2), "mid"))
    return pieces


def _espeak(text: str, voice: str, speed: int, trailing: bool) -> np.ndarray:
    args = ["espeak-ng", "-v", voice, "-s", str(speed - 25 if trailing else speed), "--stdout", text]
    if trailing:
        args[1:1] = ["-a", "60"]
    return decode_wav(subprocess.run(args, check=True, capture_output=True).stdout, RATE)


class _Piper:
    def __init__(self) -> None:
        import onnxruntime

        from rehearse.adapters.local.piper_synthesizer import PiperSynthesizer

        onnxruntime.set_seed(SEED)  # VITS samples noise: seeded before its session exists, the same audio every build
        self._synth = PiperSynthesizer()

    def __call__(self, text: str, trailing: bool) -> np.ndarray:
        from rehearse.adapters.local.resample import resample_int16

        pcm = resample_int16(asyncio.run(self._synth.synthesize(text)), 48000, RATE)
        return (pcm * 0.35).astype(np.int16) if trailing else pcm


def _piper_available() -> bool:
    try:
        from rehearse.adapters.local.piper_synthesizer import PiperVoice

        PiperVoice.joe()
        return True
    except Exception:  # not built yet, or the voice package is missing: espeak voices only
        return False


def _voices() -> list[tuple[str, int]]:
    return [*ESPEAK_VOICES, *([PIPER] if _piper_available() else [])]


def _fingerprint(voices: list[tuple[str, int]]) -> str:
    spec = json.dumps([SEED, ANSWERS_PER_VOICE, voices, _COMPLETE, _HALF, _CLOSING, LEAD_S, END_SILENCE_S])
    spec += Path(__file__).read_text()
    return hashlib.sha256(spec.encode()).hexdigest()[:12]


def build(cache: Path = CACHE) -> list[TurnAnswer]:
    """The whole set, synthesized once per fingerprint of this file and the voices available."""
    voices = _voices()
    folder = cache / _fingerprint(voices)
    manifest = folder / "manifest.json"
    if manifest.is_file():
        return _load(manifest)
    folder.mkdir(parents=True, exist_ok=True)
    rng = random.Random(SEED)
    piper = _Piper() if PIPER in voices else None
    answers = []
    for voice, speed in voices:
        for n in range(ANSWERS_PER_VOICE):
            split = "dev" if n < ANSWERS_PER_VOICE * 5 // 8 else "heldout"
            pieces = _script(rng, split)
            audio, pauses, at = [np.zeros(round(LEAD_S * RATE), np.int16)], [], LEAD_S
            for text, pause_s, label in pieces:
                trailing = text.startswith("~")
                text = text.lstrip("~")
                pcm = piper(text, trailing) if piper else _espeak(text, voice, speed, trailing)
                at += pcm.size / RATE
                pauses.append(Pause(round(at, 4), pause_s, label, text))
                audio += [pcm, np.zeros(round(pause_s * RATE), np.int16)]
                at += round(pause_s * RATE) / RATE
            answer_id = f"{voice}-{n:02d}"
            path = folder / f"{answer_id}.npy"
            np.save(path, np.concatenate(audio))
            text = " ".join(t.lstrip("~") for t, _, _ in pieces)
            answers.append(TurnAnswer(answer_id, split, voice, text, tuple(pauses), path))
    manifest.write_text(json.dumps([{**asdict(a), "audio_path": a.audio_path.name} for a in answers], indent=1))
    return answers


def _load(manifest: Path) -> list[TurnAnswer]:
    rows = json.loads(manifest.read_text())
    return [
        TurnAnswer(r["id"], r["split"], r["voice"], r["text"], tuple(Pause(**p) for p in r["pauses"]), manifest.parent / r["audio_path"])
        for r in rows
    ]


if __name__ == "__main__":
    answers = build()
    for split in ("dev", "heldout"):
        chosen = [a for a in answers if a.split == split]
        labels = [p.label for a in chosen for p in a.pauses]
        print(f"{split}: {len(chosen)} answers, voices {sorted({a.voice for a in chosen})}, "
              f"{labels.count('mid')} mid pauses, {labels.count('closing')} before closing words, {labels.count('end')} ends",
              file=sys.stderr)  # fmt: skip
