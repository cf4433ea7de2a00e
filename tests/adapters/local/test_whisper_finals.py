import zlib

import numpy as np
from faster_whisper.transcribe import Segment
from faster_whisper.transcribe import Word as DecodedWord

from rehearse.adapters.local.whisper_finals import LOOP_RUN, max_new_tokens, phrase_words, without_loops
from rehearse.domain.analysis_model import Word
from rehearse.interview.turn_text import TRUSTED_CONFIDENCE, trusted_text

RATE = 16000


def words(text: str) -> list[Word]:
    return [Word(w=w, start=i * 0.3, end=i * 0.3 + 0.25, conf=0.9) for i, w in enumerate(text.split())]


def segment(said: list[tuple[str, float]], seek: int = 0, no_speech_prob: float = 0.01, avg_logprob: float = -0.2) -> Segment:
    """A segment as faster-whisper yields it: one word every 0.3 s from the start of the phrase."""
    decoded = [DecodedWord(start=i * 0.3, end=i * 0.3 + 0.25, word=" " + w, probability=p) for i, (w, p) in enumerate(said)]
    text = "".join(w.word for w in decoded)
    ratio = len(text.encode()) / len(zlib.compress(text.encode())) if text else 0.0
    return Segment(
        id=1, seek=seek, start=0.0, end=len(said) * 0.3, text=text, tokens=[], avg_logprob=avg_logprob,
        compression_ratio=ratio, no_speech_prob=no_speech_prob, words=decoded, temperature=0.0,
    )


def voice(seconds: float, voiced: list[tuple[float, float]]) -> np.ndarray:
    """Quiet room tone with a loud 150 Hz tone over each (start, end) span, as int16 PCM."""
    rng = np.random.default_rng(0)
    pcm = rng.normal(0, 40, int(seconds * RATE))
    t = np.arange(pcm.size) / RATE
    for start, end in voiced:
        span = (t >= start) & (t < end)
        pcm[span] += 6000 * np.sin(2 * np.pi * 150 * t[span])
    return pcm.astype(np.int16)


def test_a_decoding_loop_is_cut_to_a_few_repeats():
    looped = words("Yeah, " + "yeah, " * 40 + "yeah.")
    kept = without_loops(looped)
    assert [w.w for w in kept] == ["Yeah,", "yeah,", "yeah,"][:LOOP_RUN]


def test_ordinary_repeats_and_the_rest_of_the_phrase_are_kept():
    spoken = words("so so I led the the migration and it was very very very good")
    assert [w.w for w in without_loops(spoken)] == [w.w for w in spoken]
    looped = words("we shipped it " + "so " * 8 + "on time")
    assert " ".join(w.w for w in without_loops(looped)) == "we shipped it so so so on time"


def test_a_phrase_decoded_over_and_over_is_kept_once():
    looped = words("Ten of clubs. " * 12 + "Ten of")
    assert " ".join(w.w for w in without_loops(looped)) == "Ten of clubs."
    looped = words("we went live, " + "Seven of clubs. " * 5 + "and then")
    assert " ".join(w.w for w in without_loops(looped)) == "we went live, Seven of clubs. and then"


def test_a_phrase_said_twice_is_kept():
    spoken = words("I think I think we should roll it back, roll it back now")
    assert [w.w for w in without_loops(spoken)] == [w.w for w in spoken]


def test_low_confidence_words_ending_a_phrase_are_dropped():
    said = [("to", 0.95), ("a", 0.9), ("new", 0.97), ("database.", 0.96), ("So,", 0.6), ("yeah.", 0.7), ("I'm", 0.09), ("sorry.", 0.12)]
    kept = phrase_words([segment(said)], voice(2.5, [(0.0, 1.8)]), 0.0)
    assert [w.w for w in kept] == ["to", "a", "new", "database.", "So,", "yeah."]


def test_the_finals_drop_what_the_end_of_turn_verdict_ignores():
    said = [("we", 0.9), ("shipped", 0.9), ("it.", 0.8), ("So", 0.19), ("the", 0.05), ("hard.", 0.1)]
    kept = phrase_words([segment(said)], voice(2.0, [(0.0, 0.9)]), 0.0)
    assert " ".join(w.w for w in kept) == trusted_text(said) == "we shipped it."
    assert kept[-1].conf >= TRUSTED_CONFIDENCE


def test_a_confident_word_in_the_silence_after_the_phrase_is_dropped():
    said = [("Seven", 0.4), ("of", 0.91), ("clubs.", 0.83), ("Thank", 0.01), ("you.", 0.96)]
    kept = phrase_words([segment(said)], voice(2.0, [(0.0, 0.85)]), 0.0)
    assert [w.w for w in kept] == ["Seven", "of", "clubs."]


def test_a_phrase_of_room_tone_gives_no_words_though_whisper_wrote_hesitations():
    # the voice activity detector took a quiet room for speech; Whisper read the filler prompt back
    said = [("Um,", 0.0), ("um,", 0.05), ("so,", 0.03), ("uh,", 0.21), ("I", 0.15), ("mean,", 0.2), ("um,", 0.4)]
    room = (np.random.default_rng(1).normal(0, 20, int(2.2 * RATE))).astype(np.int16)
    assert phrase_words([segment(said)], room, 0.0) == []


def test_low_confidence_words_inside_a_phrase_are_kept():
    said = [("Eight", 0.15), ("of", 0.98), ("spades,", 0.9), ("uh,", 0.0), ("four", 0.81), ("of", 0.99), ("clubs.", 0.7)]
    kept = phrase_words([segment(said)], voice(2.2, [(0.0, 2.1)]), 0.0)
    assert [w.w for w in kept] == [w for w, _ in said]


def test_a_hesitation_ending_a_phrase_is_kept_when_it_was_voiced():
    said = [("and", 0.9), ("then", 0.9), ("we,", 0.8), ("um,", 0.05)]
    voiced_to_the_end = phrase_words([segment(said)], voice(1.6, [(0.0, 1.2)]), 0.0)
    assert [w.w for w in voiced_to_the_end] == ["and", "then", "we,", "um,"]
    over_silence = phrase_words([segment(said)], voice(1.6, [(0.0, 0.85)]), 0.0)
    assert [w.w for w in over_silence] == ["and", "then", "we,"]


def test_words_are_placed_in_stream_time():
    kept = phrase_words([segment([("hello", 0.9), ("there.", 0.9)])], voice(1.0, [(0.0, 0.6)]), 12.5)
    assert [(w.start, w.end) for w in kept] == [(12.5, 12.75), (12.8, 13.05)]


def test_a_looping_segment_keeps_its_first_reading_instead_of_being_dropped():
    looped = segment([(w, 0.9) for w in ("Ten of clubs. " * 20).split()])
    assert looped.compression_ratio > 2.4
    kept = phrase_words([looped], voice(7.0, [(0.0, 1.0)]), 0.0)
    assert " ".join(w.w for w in kept) == "Ten of clubs."


def test_a_segment_whisper_itself_calls_noise_is_dropped():
    noise = segment([("Thank", 0.4), ("you.", 0.5)], no_speech_prob=0.9, avg_logprob=-1.3)
    assert phrase_words([noise], voice(1.0, []), 0.0) == []


def test_the_decode_budget_grows_with_the_phrase_and_stops_a_loop_early():
    assert max_new_tokens(1.0 * RATE) < max_new_tokens(5.0 * RATE) < max_new_tokens(15.0 * RATE) <= 224
    # fast speech: 4 words a second, about 1.5 tokens a word with punctuation, and the timestamps
    assert max_new_tokens(3.0 * RATE) >= 3.0 * 4 * 1.5 + 4
