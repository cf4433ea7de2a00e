import numpy as np

from rehearse.adapters.local.espeak_synthesizer import OUTPUT_RATE, EspeakSynthesizer


async def test_question_is_spoken_as_48khz_audio_of_plausible_length():
    pcm = await EspeakSynthesizer().synthesize("Tell me about a project you are proud of.")
    seconds = pcm.size / OUTPUT_RATE
    assert pcm.dtype == np.int16
    assert 1.5 < seconds < 6.0
    assert np.abs(pcm).max() > 3000  # real speech, not silence


async def test_repeated_text_comes_from_the_cache():
    synth = EspeakSynthesizer()
    first = await synth.synthesize("Why this role?")
    assert await synth.synthesize("Why this role?") is first
