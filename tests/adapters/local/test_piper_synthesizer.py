"""The Piper voice on the real model: its words come back through the project's Whisper, sentence by sentence."""

import numpy as np
import pytest
from pydantic import ValidationError

from rehearse.adapters.local.espeak_phonemes import BOS, EOS, PAD, EspeakPhonemizer, clauses
from rehearse.adapters.local.espeak_synthesizer import EspeakSynthesizer
from rehearse.adapters.local.piper_synthesizer import OUTPUT_RATE, PiperSynthesizer
from rehearse.adapters.local.resample import resample_int16
from rehearse.adapters.local.wav import write_wav
from rehearse.adapters.local.whisper_finals import WhisperFinals
from rehearse.config import BuiltWorld
from rehearse.domain.question_bank import default_bank
from rehearse.settings import Settings
from tests.support.audio import recall
from tests.support.server import MODEL_DIR

QUESTION = default_bank().questions_for("software_engineer", 1)[0].text


@pytest.fixture(scope="module")
def synth():
    return PiperSynthesizer()


async def test_a_bank_question_comes_back_through_whisper_word_for_word(synth, artifacts):
    pcm = await synth.synthesize(QUESTION)
    write_wav(artifacts / "question-joe.wav", pcm, OUTPUT_RATE)
    assert pcm.dtype == np.int16 and 2.0 < pcm.size / OUTPUT_RATE < 15.0
    words, _ = WhisperFinals(MODEL_DIR).transcribe(resample_int16(pcm, OUTPUT_RATE, 16000), 0.0)
    heard = " ".join(w.w for w in words)
    assert recall(QUESTION, heard) >= 0.85, heard  # the voice samples its noise: a word may blur, not the question


async def test_stream_yields_one_chunk_per_sentence_and_they_make_the_whole_text(synth):
    text = "Tell me about a deal you lost. What happened, and what did you learn?"
    chunks = [pcm async for pcm in synth.stream(text)]
    assert len(chunks) == 2
    assert all(c.dtype == np.int16 and c.size > OUTPUT_RATE // 2 for c in chunks)
    assert not chunks[1][: OUTPUT_RATE // 10].any()  # the second sentence starts after a short pause
    assert np.array_equal(await synth.synthesize(text), np.concatenate(chunks))


async def test_repeated_text_comes_from_the_cache(synth):
    first = await synth.synthesize("Why this role?")
    assert np.array_equal(await synth.synthesize("Why this role?"), first)


def test_phoneme_ids_start_with_bos_end_with_eos_and_interleave_pads(synth):
    sentences = EspeakPhonemizer().phonemize("Why this role?")
    assert sentences == [list("wˌaɪ ðɪs ɹˈoʊl?")]
    ids = synth.phoneme_ids(sentences[0])
    id_map = synth._voice.id_map
    assert ids[0] == id_map[BOS][0] and ids[-1] == id_map[EOS][0]
    assert ids[1:-1:2] == [id_map[PAD][0]] * (len(ids) // 2)
    assert ids[2:-1:2] == [id_map[p][0] for p in sentences[0]]


def test_clauses_keep_their_punctuation_as_espeak_ends_them():
    cut = clauses("Well, e.g. this works. Does it — really? Yes... fine")
    assert [(c.text, c.terminator, c.ends_sentence) for c in cut] == [
        ("Well,", ",", False),
        ("e.g. this works.", ".", True),
        ("Does it —", ";", False),
        ("really?", "?", True),
        ("Yes...", "", False),
        ("fine", "", True),
    ]


def test_a_comma_stays_in_the_sentence_and_is_followed_by_a_space():
    assert ["".join(s) for s in EspeakPhonemizer().phonemize("Hello there, friend. Why?")] == [
        "həlˈoʊ ðˈɛɹ, fɹˈɛnd.",
        "wˈaɪ?",
    ]


@pytest.mark.parametrize(("voice", "kind"), [("piper", "PiperSynthesizer"), ("espeak", "EspeakSynthesizer")])
def test_rehearse_voice_picks_the_embedded_synthesizer(monkeypatch, voice, kind):
    monkeypatch.setenv("REHEARSE_VOICE", voice)
    settings = Settings()
    world = BuiltWorld(settings, None, None, None, None, None, None)  # type: ignore[arg-type]  # only the synthesizer
    assert type(world.synthesizer).__name__ == kind


def test_an_unknown_voice_is_a_clear_settings_error(monkeypatch):
    monkeypatch.setenv("REHEARSE_VOICE", "robot")
    with pytest.raises(ValidationError, match="voice") as raised:
        Settings()
    assert "piper" in str(raised.value) and "espeak" in str(raised.value)


async def test_espeak_streams_the_whole_text_as_one_chunk():
    synth = EspeakSynthesizer()
    chunks = [pcm async for pcm in synth.stream("First sentence. Second sentence.")]
    assert len(chunks) == 1 and np.array_equal(chunks[0], await synth.synthesize("First sentence. Second sentence."))


async def test_empty_text_gives_no_audio(synth):
    assert [pcm async for pcm in synth.stream(" ... ")] == []
    assert (await synth.synthesize("")).size == 0


async def test_a_prepared_text_is_made_once_and_then_said_from_the_cache():
    import asyncio

    synth = PiperSynthesizer()
    made: list[int] = []
    speak = synth._speak
    synth._speak = lambda phonemes: made.append(1) or speak(phonemes)
    text = "Walk me through your last project. What would you change?"
    preparing = asyncio.ensure_future(synth.prepare(text))
    said = await synth.synthesize(text)  # while it is being prepared: awaited, not made twice
    await preparing
    assert len(made) == 2 and said.size > OUTPUT_RATE
    assert np.array_equal(await synth.synthesize(text), said) and len(made) == 2
