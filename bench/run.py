"""Benchmarks of the live path, one JSON object per metric on stdout (progress goes to stderr).

    make bench

transcript_latency_ms  relay receipt of the audio frame that completed a word -> that word rendered in the DOM (a new
                         word begins where the words shown so far end; the accurate partials' corrections of words
                         already shown for the same audio are not new words: web/transcript.js)
final_latency_ms       relay receipt of a phrase's last voiced frame -> its final text rendered in the DOM
recognizer_rtf         processing time / audio time, for the streaming pass and the accurate pass
word_recall            share of the spoken words found in the finals the page showed
word_error_rate        (substitutions + deletions + insertions) / spoken words of those finals: words nobody said count
                         (both for the synthetic answer and for recordings of real people, bench/human_speech.py;
                         --speech-only stops after these)
partial_word_accuracy  each phrase's last partial the page showed against the final that replaced it: the share of the
                         final's words the partial already showed (`shown`), and of the partial's words the final kept
                         (`kept`); same two answers
concurrent_sessions_max  the most candidates one app process carries within 400 ms p95 (bench/load.py; both recognizers)
cpu_per_session          the fraction of a core one live session costs there (the load run takes ~6 min; --skip-load)
store_ops_per_phrase     Store operations to persist one final; store_ops_per_answer: to close one answer (bench/store_ops.py)
tts_first_audio_ms, end_of_turn_ms, barge_in_ms, false_cutoff_rate (source: live)
                         turn-taking over real WebRTC as a candidate hears it (bench/conversation.py, about 4 min)
false_cutoff_rate        end of turn on the labelled turn set (bench/turn.py, dev and held-out): turns ended in a thinking
                         pause; end_of_turn_decision_ms, smart_turn_ms and missed_ends with it
follow_up_decision_ms    the interviewer's follow-up decision on a 2-minute answer, warm (bench/follow_up.py)
resume_ms                a blackout's end -> the page hears from the relay again (bench/faults.py, about 3 minutes;
segments_lost            --skip-faults leaves it out); finals lost or duplicated under each fault, must be 0
"""

from __future__ import annotations

import asyncio
import json
import platform
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from bench.stats import percentiles
from tests.support.audio import recall, speak, word_error_rate, words_of, write_wav
from tests.support.server import MODEL_DIR, running_app

UTTERANCES = [
    "I started my career as a support engineer.",
    "Then I moved into backend development.",
    "Our team owned the payments service.",
    "Every release went out on a Tuesday.",
    "We measured latency at every step.",
    "The slowest query took four seconds.",
    "I added an index and cached the results.",
    "The page loaded three times faster.",
    "Customers noticed the change within a week.",
    "Later I led the move to a new database.",
    "We planned the migration in small stages.",
    "Each stage could be rolled back in minutes.",
    "I wrote the runbook with the operations team.",
    "We practiced the switch twice in staging.",
    "On the day itself nothing went wrong.",
    "The old servers were turned off a month later.",
    "That saved a good share of our hosting bill.",
    "I learned to communicate risks early.",
    "I also learned to ask for help sooner.",
    "Now I mentor two junior engineers.",
    "We pair on design reviews every week.",
    "I enjoy seeing them grow in confidence.",
    "I would like to keep building reliable systems.",
    "That is why this role interests me.",
]
GAP_S = 1.2  # a pause between utterances: longer than a phrase break, shorter than the end of an answer


def emit(metric: str, **values) -> None:
    print(json.dumps({"metric": metric, **values, "machine": f"{platform.machine()} {_cores()} cores", "date": time.strftime("%Y-%m-%d")}), flush=True)


def _cores() -> int:
    import os

    return os.cpu_count() or 0


def build_audio(rate: int) -> tuple[np.ndarray, list[np.ndarray]]:
    pieces, speeches = [np.zeros(int(0.8 * rate), np.int16)], []
    for text in UTTERANCES:
        speech = speak(text, rate)
        speeches.append(speech)
        pieces += [speech, np.zeros(int(GAP_S * rate), np.int16)]
    pieces.append(np.zeros(int(4 * rate), np.int16))
    return np.concatenate(pieces), speeches


def transcript_accuracy(said: str, shown: str, **labels) -> list[dict]:
    """word_recall and word_error_rate of what the page showed against what was said (tests.support.audio.words_of:
    digits and abbreviations spelled out, hesitations left out of both sides)."""
    return [
        {"metric": "word_recall", "value": round(recall(said, shown), 3), "unit": "fraction", **labels},
        {
            "metric": "word_error_rate", "value": round(word_error_rate(said, shown), 3), "unit": "fraction", "target": 0.08,
            "scoring": "normalised words; hesitations (um, uh, er, ah, hmm) left out of both sides", **labels,
        },
    ]


def partial_accuracy(finals: list[dict], **labels) -> list[dict]:
    """How right the live transcript was before each final replaced it (the page's metrics.finals, each with the
    phrase's last partial as shown): words matched as a multiset, summed over the phrases; a phrase that showed no
    partial at all counts as nothing shown."""
    matched = final_words = partial_words = 0
    for final in finals:
        want, have = words_of(final["text"]), words_of(final.get("partial_text") or "")
        final_words, partial_words = final_words + len(want), partial_words + len(have)
        for word in want:
            if word in have:
                have.remove(word)
                matched += 1
    phrases = sum(1 for f in finals if words_of(f["text"]))
    common = {"unit": "fraction", "target": 0.8, "phrases": phrases, **labels}
    return [
        {"metric": "partial_word_accuracy", "measure": "shown: the final's words the last partial already showed",
         "value": round(matched / final_words, 3) if final_words else None, **common},
        {"metric": "partial_word_accuracy", "measure": "kept: the last partial's words the final kept",
         "value": round(matched / partial_words, 3) if partial_words else None, **common},
    ]  # fmt: skip


def answer_in_browser(audio48: np.ndarray, min_finals: int = len(UTTERANCES) // 2) -> dict:
    """The page's metrics once a candidate has answered one question with `audio48` (48 kHz) as their microphone. The
    end of the turn is silence alone here, so that the model does not end the answer at a pause (turn-taking is
    bench/conversation.py's)."""
    with tempfile.TemporaryDirectory() as tmp:
        tmp_path = Path(tmp)
        wav = write_wav(tmp_path / "answer.wav", audio48, 48000)
        with running_app(tmp_path / "data", tmp_path / "server.log", REHEARSE_TURN_MODEL="none") as (base, _proc):
            return browser_metrics(base, wav, audio48.size / 48000, min_finals)


def browser_metrics(base_url: str, wav: Path, duration_s: float, min_finals: int = len(UTTERANCES) // 2) -> dict:
    from playwright.sync_api import sync_playwright

    from tests.e2e.test_browser_interview import CHROMIUM, browser_args

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=browser_args(wav))
        page = browser.new_page()
        page.goto(base_url)
        page.wait_for_function("() => document.querySelectorAll('#role option').length >= 1")
        page.select_option("#role", "software_engineer")
        page.fill("#question-count", "1")
        page.click("#start")
        started = time.time()
        page.wait_for_function(f"() => window.rehearse && window.rehearse.metrics.finals.length >= {min_finals}", timeout=240_000, polling=500)
        time.sleep(max(0.0, started + duration_s + 3 - time.time()))  # the whole answer, once
        metrics = page.evaluate("window.rehearse.metrics")
        browser.close()
    return metrics


def recognizer_rtf(speeches: list[np.ndarray]) -> tuple[float, float]:
    from rehearse.adapters.local.pocketsphinx_partials import PocketsphinxPartials
    from rehearse.adapters.local.two_pass_recognizer import PARTIAL_EVERY_FRAMES
    from rehearse.adapters.local.whisper_finals import WhisperFinals

    audio_s = sum(s.size for s in speeches) / 16000
    partials = PocketsphinxPartials()
    started = time.perf_counter()
    for speech in speeches:
        partials.begin(0.0)
        for i, start in enumerate(range(0, speech.size, 320)):
            partials.feed(speech[start : start + 320])
            if i % PARTIAL_EVERY_FRAMES == PARTIAL_EVERY_FRAMES - 1:
                partials.hypothesis()
        partials.finish()
    streaming = (time.perf_counter() - started) / audio_s
    finals = WhisperFinals(MODEL_DIR)
    finals.transcribe(speeches[0], 0.0)  # warm-up, as the app does at start
    started = time.perf_counter()
    for speech in speeches:
        finals.transcribe(speech, 0.0)
    accurate = (time.perf_counter() - started) / audio_s
    return streaming, accurate


def main() -> None:
    audio48, _ = build_audio(48000)
    print(f"bench audio: {len(UTTERANCES)} utterances, {audio48.size / 48000:.0f} s", file=sys.stderr)
    # One long answer of 24 sentences with 1.2 s pauses.
    metrics = answer_in_browser(audio48)
    words = [m["rendered_ms"] - m["heard_ms"] for m in metrics["partialWords"] if m.get("heard_ms")]
    finals = [m["rendered_ms"] - m["heard_ms"] for m in metrics["finals"] if m.get("heard_ms")]
    emit("transcript_latency_ms", **percentiles(words), target_p95=300)
    emit("final_latency_ms", **percentiles(finals), target_p95=1000)
    shown = " ".join(m["text"] for m in metrics["finals"])
    for line in transcript_accuracy(" ".join(UTTERANCES), shown, source="finals shown in the page", speech="espeak-ng en-us"):
        emit(line.pop("metric"), **line)
    for line in partial_accuracy(metrics["finals"], speech="espeak-ng en-us"):
        emit(line.pop("metric"), **line)
    from bench import human_speech

    for line in human_speech.run():
        emit(line.pop("metric"), **line)
    if "--speech-only" in sys.argv[1:]:
        return
    _, speeches16 = build_audio(16000)
    streaming, accurate = recognizer_rtf(speeches16)
    emit("recognizer_rtf", value=round(streaming, 3), unit="x", recognizer_pass="streaming (pocketsphinx)")
    emit("recognizer_rtf", value=round(accurate, 3), unit="x", recognizer_pass="final (whisper base int8)")
    from bench import cold_start, score_answer

    emit("score_answer_ms", **score_answer.measure(), target_p95=150, answer="2 minutes, 310 words, 5 key points, embedder and tone")
    emit("function_app_import_ms", **cold_start.measure(), target_p95=1500)
    from bench import conversation, follow_up, store_ops, tts, turn

    for line in [*store_ops.run(), *follow_up.run(), *tts.run(), *turn.run(), *conversation.run()]:
        emit(line.pop("metric"), **line)
    if "--skip-faults" not in sys.argv[1:]:
        from bench import faults

        for line in faults.run():
            emit(line.pop("metric"), **line)
    if "--skip-load" not in sys.argv[1:]:
        from bench import load

        for line in load.run(["two_pass", "forward_only"], budget_s=330):
            emit(line.pop("metric"), **line)


if __name__ == "__main__":
    asyncio.set_event_loop_policy(None)
    main()
