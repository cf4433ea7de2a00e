"""A live check of the Azure Speech adapters: `python -m rehearse.adapters.azure.speech_check WAV` (docs/speech-live-check.md)."""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
import time
import wave
from collections.abc import Callable
from pathlib import Path

import numpy as np

from rehearse.adapters.azure.speech_mapping import SpeechAuth, SpeechServiceError, SpeechSettingsError, speech_auth, voice_locale
from rehearse.adapters.azure.speech_recognizer import SAMPLE_RATE, AzureSpeechRecognizer
from rehearse.adapters.azure.speech_synthesizer import OUTPUT_RATE, AzureSpeechSynthesizer
from rehearse.adapters.local.wav import decode_wav, write_wav
from rehearse.ports import Hypothesis

CHUNK = 320  # 20 ms: what the relay feeds
SENTENCE = "Tell me about a project you are proud of, and what you would do differently next time."


def read_wav(path: Path) -> np.ndarray:
    """A 16-bit PCM WAV of any rate and channel count as 16 kHz mono int16."""
    try:
        return decode_wav(path, SAMPLE_RATE)
    except ValueError:
        raise SpeechSettingsError(
            f"{path} is not 16-bit PCM; convert it, e.g. ffmpeg -i IN -ac 1 -ar 16000 -c:a pcm_s16le OUT.wav"
        ) from None


def describe(hyp: Hypothesis, wall_s: float) -> str:
    """One result as a line: when it arrived, which phrase, its span on the audio's clock, and for finals the details."""
    line = (
        f"{wall_s:7.2f}s {'FINAL  ' if hyp.final else 'partial'} #{hyp.phrase_id} [{hyp.start:6.2f}-{hyp.end:6.2f}] {hyp.text!r}"
    )
    if not hyp.final:
        return line
    line += f"  conf={hyp.confidence:.2f} fillers={','.join(hyp.fillers) or '-'}"
    if hyp.prosody is not None:
        line += f" pitch={hyp.prosody.pitch_hz_mean:.0f}Hz energy={hyp.prosody.energy_db_mean:.0f}dB"
    words = " ".join(f"{w.w}@{w.start:.2f}-{w.end:.2f}({w.conf:.2f})" for w in hyp.words)
    return f"{line}\n          words: {words}"


async def transcribe(
    recognizer: AzureSpeechRecognizer, pcm: np.ndarray, speed: float, show: Callable[[str], None]
) -> list[Hypothesis]:
    """Feeds the audio as the relay would (20 ms chunks, at `speed` x real time; 0: as fast as possible), then flushes."""
    stream = recognizer.open_stream()
    began = time.monotonic()
    finals: list[Hypothesis] = []

    async def collect() -> None:
        async for hyp in stream.results():
            show(describe(hyp, time.monotonic() - began))
            if hyp.final:
                finals.append(hyp)

    collector = asyncio.create_task(collect())
    for index, at in enumerate(range(0, pcm.size, CHUNK)):
        stream.feed(pcm[at : at + CHUNK])
        if speed > 0:
            await asyncio.sleep(max(0.0, began + (at + CHUNK) / SAMPLE_RATE / speed - time.monotonic()))
        elif index % 50 == 0:
            await asyncio.sleep(0)
    fed = time.monotonic()
    await stream.flush()
    show(f"{time.monotonic() - began:7.2f}s flush returned {time.monotonic() - fed:.2f} s after the last audio")
    await stream.aclose()
    await collector  # raises the stream's SpeechServiceError, if the service canceled
    return finals


async def run_check(
    wav: Path,
    auth: SpeechAuth,
    voice: str,
    *,
    language: str | None = None,
    sentence: str = SENTENCE,
    out: Path = Path("speech-check.wav"),
    speed: float = 1.0,
    segmentation_silence_ms: int | None = 500,
    disfluency_mode: str | None = None,
    show: Callable[[str], None] = print,
) -> list[Hypothesis]:
    language = language or "-".join(voice_locale(voice).split("-")[:2])
    pcm = read_wav(wav)
    pace = f"at {speed:g}x real time" if speed > 0 else "as fast as possible"
    show(f"recognizing {pcm.size / SAMPLE_RATE:.2f} s of {wav} in {language}, fed {pace}")
    recognizer = AzureSpeechRecognizer(
        auth, language, segmentation_silence_ms=segmentation_silence_ms, disfluency_mode=disfluency_mode
    )
    finals = await transcribe(recognizer, pcm, speed, show)
    show(f"{len(finals)} final(s); transcript: {' '.join(f.text for f in finals)!r}")
    began = time.monotonic()
    audio = await AzureSpeechSynthesizer(auth, voice).synthesize(sentence)
    write_wav(out, audio, OUTPUT_RATE)
    show(
        f"synthesized {audio.size / OUTPUT_RATE:.2f} s at {OUTPUT_RATE} Hz with {voice} in {time.monotonic() - began:.2f} s -> {out}"
    )
    return finals


def main(argv: list[str] | None = None) -> int:
    from rehearse.settings import Settings

    parser = argparse.ArgumentParser(
        prog="python -m rehearse.adapters.azure.speech_check",
        description="Transcribe a WAV through the Azure Speech recognizer, then synthesize a sentence to a WAV. "
        "Settings come from REHEARSE_SPEECH_REGION, REHEARSE_SPEECH_KEY or REHEARSE_SPEECH_RESOURCE_ID, REHEARSE_SPEECH_VOICE.",
    )
    parser.add_argument("wav", type=Path, help="16-bit PCM WAV, any rate, mono or stereo")
    parser.add_argument("--say", default=SENTENCE, help="the sentence to synthesize")
    parser.add_argument("--out", type=Path, default=Path("speech-check.wav"), help="where to write the synthesized audio")
    parser.add_argument("--speed", type=float, default=1.0, help="feeding speed in x real time (0: as fast as possible)")
    parser.add_argument("--language", help="recognition language (default: the voice's locale)")
    parser.add_argument("--host", help="a Speech container's ws://host:port instead of the region's endpoint")
    parser.add_argument(
        "--disfluency-mode", choices=("Raw", "Labeled", "Removed"), help="ask the service to keep (Raw) hesitations"
    )
    parser.add_argument("--sdk-log", type=Path, help="write the SDK's native log to this file (for support cases)")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    settings = Settings()
    if args.sdk_log:
        from azure.cognitiveservices.speech.diagnostics.logging import FileLogger

        FileLogger.start(str(args.sdk_log))
    try:
        auth = speech_auth(
            settings.speech_region,
            settings.speech_key,
            settings.speech_resource_id,
            host=args.host,
            endpoint=None if args.host else settings.speech_endpoint,
        )
        asyncio.run(
            run_check(
                args.wav,
                auth,
                settings.speech_voice,
                language=args.language,
                sentence=args.say,
                out=args.out,
                speed=args.speed,
                segmentation_silence_ms=round(settings.phrase_silence_s * 1000),
                disfluency_mode=args.disfluency_mode,
            )
        )
    except (SpeechSettingsError, SpeechServiceError, FileNotFoundError, wave.Error) as error:
        print(f"speech_check: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
