"""The Azure Speech adapters' pure logic, without the service: detailed results, phrase discipline, SSML, settings."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from types import SimpleNamespace

import pytest

from rehearse.adapters.azure.speech_mapping import (
    EntraTokens,
    PhraseTracker,
    SilenceClock,
    SpeechSettingsError,
    describe_cancellation,
    entra_authorization_token,
    entra_tokens,
    parse_detailed,
    partial_words,
    speech_auth,
    ssml_for,
    ticks_to_seconds,
    voice_locale,
)

RESOURCE_ID = "/subscriptions/9f3c0000-0000-0000-0000-000000000000/resourceGroups/rehearse-prod/providers/Microsoft.CognitiveServices/accounts/rehearse-speech"

# A final as the SDK hands it over (result.json) for "um so I led the migration" spoken 1.2 s into the stream.
LED_MIGRATION = """{
  "Id": "0b4d2d0a5c7e4f3f8d8e0a7c1f2b3c4d",
  "RecognitionStatus": "Success",
  "Offset": 12000000,
  "Duration": 21600000,
  "DisplayText": "Um so I led the migration.",
  "NBest": [
    {
      "Confidence": 0.9137852,
      "Lexical": "um so i led the migration",
      "ITN": "um so i led the migration",
      "MaskedITN": "um so i led the migration",
      "Display": "Um so I led the migration.",
      "Words": [
        {"Word": "um", "Offset": 12000000, "Duration": 3100000, "Confidence": 0.6214},
        {"Word": "so", "Offset": 16300000, "Duration": 1900000, "Confidence": 0.8871},
        {"Word": "i", "Offset": 18300000, "Duration": 1100000, "Confidence": 0.9652},
        {"Word": "led", "Offset": 19500000, "Duration": 2900000, "Confidence": 0.9418},
        {"Word": "the", "Offset": 22500000, "Duration": 1300000, "Confidence": 0.9733},
        {"Word": "migration", "Offset": 23900000, "Duration": 9700000, "Confidence": 0.9581}
      ]
    },
    {"Confidence": 0.61, "Lexical": "um so i let the migration", "ITN": "", "MaskedITN": "", "Display": "", "Words": []}
  ]
}"""

# Inverse text normalization rewrites the display form, so it no longer lines up word for word with the timings;
# this service also left out per-word confidence.
SAVED_MONEY = """{
  "Id": "7a1e", "RecognitionStatus": "Success", "Offset": 50000000, "Duration": 30000000,
  "DisplayText": "We saved $900 a month.",
  "NBest": [{
    "Confidence": 0.87,
    "Lexical": "we saved nine hundred dollars a month",
    "ITN": "we saved $900 a month", "MaskedITN": "we saved $900 a month", "Display": "We saved $900 a month.",
    "Words": [
      {"Word": "we", "Offset": 50000000, "Duration": 2000000},
      {"Word": "saved", "Offset": 52100000, "Duration": 4000000},
      {"Word": "nine", "Offset": 56200000, "Duration": 3000000},
      {"Word": "hundred", "Offset": 59300000, "Duration": 4000000},
      {"Word": "dollars", "Offset": 63400000, "Duration": 5000000},
      {"Word": "a", "Offset": 68500000, "Duration": 1000000},
      {"Word": "month", "Offset": 69600000, "Duration": 10400000}
    ]
  }]
}"""

# Disfluency removal (TrueText) took the hesitation out of the display form; the lexical form still has it.
TRUE_TEXT = """{
  "Id": "c3", "RecognitionStatus": "Success", "Offset": 0, "Duration": 15000000, "DisplayText": "I think we shipped.",
  "NBest": [{"Confidence": 0.9, "Lexical": "uh i think we shipped", "ITN": "uh i think we shipped",
    "MaskedITN": "uh i think we shipped", "Display": "I think we shipped.",
    "Words": [{"Word": "uh", "Offset": 0, "Duration": 2000000}, {"Word": "i", "Offset": 2500000, "Duration": 1000000},
      {"Word": "think", "Offset": 3600000, "Duration": 3000000}, {"Word": "we", "Offset": 6700000, "Duration": 2000000},
      {"Word": "shipped", "Offset": 8800000, "Duration": 6200000}]}]
}"""


def final_json(text: str, offset: int, duration: int, lexical: str | None = None) -> str:
    lexical = lexical if lexical is not None else text.lower().strip(".")
    words = lexical.split()
    step = duration // max(1, len(words))
    timed = [{"Word": w, "Offset": offset + i * step, "Duration": step, "Confidence": 0.9} for i, w in enumerate(words)]
    best = {"Confidence": 0.9, "Lexical": lexical, "ITN": lexical, "MaskedITN": lexical, "Display": text, "Words": timed}
    return json.dumps(
        {"Id": "x", "RecognitionStatus": "Success", "Offset": offset, "Duration": duration, "DisplayText": text, "NBest": [best]}
    )


# -- ticks and detailed results -----------------------------------------------------------------------------------------
def test_ticks_are_hundreds_of_nanoseconds():
    assert ticks_to_seconds(10_000_000) == 1.0
    assert ticks_to_seconds(12_345_678) == 1.235
    assert ticks_to_seconds(0) == 0.0


def test_detailed_result_gives_timed_words_in_display_form_with_their_confidence():
    phrase = parse_detailed(LED_MIGRATION)
    assert phrase.text == "Um so I led the migration."
    assert phrase.lexical == "um so i led the migration"
    assert phrase.confidence == pytest.approx(0.914)
    assert (phrase.start, phrase.end) == (1.2, 3.36)
    assert [w.w for w in phrase.words] == ["Um", "so", "I", "led", "the", "migration."]
    assert (phrase.words[0].start, phrase.words[0].end, phrase.words[0].conf) == (1.2, 1.51, 0.621)
    assert phrase.words[-1].end == pytest.approx(3.36)


def test_display_form_rewritten_by_normalization_falls_back_to_lexical_words_and_phrase_confidence():
    phrase = parse_detailed(SAVED_MONEY)
    assert phrase.text == "We saved $900 a month."
    assert [w.w for w in phrase.words] == ["we", "saved", "nine", "hundred", "dollars", "a", "month"]
    assert {w.conf for w in phrase.words} == {0.87}
    assert phrase.words[2].start == 5.62 and phrase.words[-1].end == 8.0


def test_display_form_with_the_same_word_count_but_other_words_is_not_borrowed():
    data = json.loads(final_json("OK we shipped.", 0, 9_000_000, lexical="okay we shipped"))
    phrase = parse_detailed(json.dumps(data))
    assert phrase.text == "OK we shipped." and [w.w for w in phrase.words] == ["okay", "we", "shipped"]


def test_display_words_are_preferred_when_the_service_sends_them():
    data = json.loads(SAVED_MONEY)
    data["NBest"][0]["DisplayWords"] = [
        {"Word": "We", "Offset": 50000000, "Duration": 2000000},
        {"Word": "saved", "Offset": 52100000, "Duration": 4000000},
        {"Word": "$900", "Offset": 56200000, "Duration": 12200000},
        {"Word": "a", "Offset": 68500000, "Duration": 1000000},
        {"Word": "month.", "Offset": 69600000, "Duration": 10400000},
    ]
    phrase = parse_detailed(json.dumps(data))
    assert [w.w for w in phrase.words] == ["We", "saved", "$900", "a", "month."]
    assert (phrase.words[2].start, phrase.words[2].end) == (5.62, 6.84)


def test_word_times_follow_the_sdk_offset_when_the_json_has_another_anchor():
    phrase = parse_detailed(LED_MIGRATION, offset_ticks=112_000_000, duration_ticks=21_600_000)
    assert (phrase.start, phrase.end) == (11.2, 13.36)
    assert phrase.words[0].start == 11.2 and phrase.words[1].start == 11.63


def test_a_result_without_word_timings_gets_estimated_words_over_its_span():
    phrase = parse_detailed(
        json.dumps({"RecognitionStatus": "Success", "Offset": 10_000_000, "Duration": 20_000_000, "DisplayText": "Hello there."})
    )
    assert phrase.text == "Hello there." and [w.w for w in phrase.words] == ["Hello", "there."]
    assert phrase.words[0].start == 1.0 and phrase.words[-1].end == 3.0


def test_partial_words_share_the_span_by_length_without_claiming_confidence():
    words = partial_words("so i led the migration", 2.0, 4.0)
    assert [w.w for w in words] == ["so", "i", "led", "the", "migration"]
    assert words[0].start == 2.0 and words[-1].end == 4.0
    assert all(a.end == pytest.approx(b.start, abs=0.002) for a, b in zip(words, words[1:], strict=False))
    assert words[-1].end - words[-1].start > words[1].end - words[1].start
    assert {w.conf for w in words} == {0.0}
    assert partial_words("  ", 0.0, 1.0) == []


# -- the caller's clock -------------------------------------------------------------------------------------------------
def test_pushed_silence_is_taken_out_of_later_times():
    clock = SilenceClock()
    clock.add_silence(5.0, 0.8)
    clock.add_silence(9.8, 0.8)
    assert clock.to_caller(4.0) == 4.0
    assert clock.to_caller(5.4) == 5.0  # inside the silence: where the caller's audio resumes
    assert clock.to_caller(6.0) == 5.2
    assert clock.to_caller(11.0) == 9.4


# -- phrases ------------------------------------------------------------------------------------------------------------
def test_partials_share_a_phrase_id_and_its_final_closes_it_with_hesitations_kept():
    tracker = PhraseTracker()
    first = tracker.partial("um so", 12_000_000, 6_000_000)
    second = tracker.partial("um so i led", 12_000_000, 10_500_000)
    final = tracker.final(LED_MIGRATION, 12_000_000, 21_600_000)
    assert [h.phrase_id for h in first + second + final] == [1, 1, 1]
    assert [h.final for h in first + second + final] == [False, False, True]
    assert second[0].text == "um so i led" and (second[0].start, second[0].end) == (1.2, 2.25)
    assert final[0].fillers == ("um",) and final[0].confidence == pytest.approx(0.914)
    assert not tracker.in_phrase
    assert tracker.partial("we finished", 40_000_000, 5_000_000)[0].phrase_id == 2


def test_hesitations_dropped_from_the_display_form_still_count():
    tracker = PhraseTracker()
    tracker.partial("uh i think", 0, 5_000_000)
    final = tracker.final(TRUE_TEXT, 0, 15_000_000)[0]
    assert final.text == "I think we shipped." and final.fillers == ("uh",)
    assert [w.w for w in final.words][0] == "uh"  # the timed lexical words keep it for the scoring


def test_a_hesitation_only_a_partial_heard_is_kept_once():
    tracker = PhraseTracker()
    tracker.partial("um we", 0, 4_000_000)
    tracker.partial("um we shipped", 0, 8_000_000)
    final = tracker.final(final_json("We shipped.", 0, 9_000_000), 0, 9_000_000)[0]
    assert final.fillers == ("um",)


def test_a_final_without_partials_opens_and_closes_its_own_phrase():
    tracker = PhraseTracker()
    tracker.final(final_json("Yes.", 0, 4_000_000), 0, 4_000_000)
    second = tracker.final(final_json("No.", 20_000_000, 4_000_000), 20_000_000, 4_000_000)
    assert second[0].phrase_id == 2 and second[0].final


def test_no_match_after_partials_gives_the_phrase_an_empty_final():
    tracker = PhraseTracker()
    tracker.partial("hmm", 0, 3_000_000)
    closed = tracker.no_match()
    assert len(closed) == 1 and closed[0].final and closed[0].text == "" and closed[0].phrase_id == 1
    assert tracker.no_match() == []


def test_a_forced_final_comes_from_the_last_partial_and_the_late_results_are_dropped():
    tracker = PhraseTracker()
    tracker.partial("uh we moved billing", 30_000_000, 12_000_000)
    forced = tracker.force_final()
    assert forced[0].final and forced[0].text == "uh we moved billing" and forced[0].confidence == 0.0
    assert forced[0].fillers == ("uh",)
    assert tracker.partial("uh we moved billing over", 30_000_000, 14_000_000) == []
    assert tracker.final(final_json("Uh we moved billing over.", 30_000_000, 15_000_000), 30_000_000, 15_000_000) == []
    assert tracker.partial("next", 60_000_000, 3_000_000)[0].phrase_id == 2


def test_phrase_times_are_on_the_callers_clock_after_flush_silence():
    tracker = PhraseTracker()
    tracker.clock.add_silence(2.0, 0.8)
    final = tracker.final(final_json("After the flush.", 40_000_000, 10_000_000), 40_000_000, 10_000_000)[0]
    assert (final.start, final.end) == (3.2, 4.2)
    assert final.words[0].start == 3.2


# -- SSML ---------------------------------------------------------------------------------------------------------------
def test_ssml_escapes_the_question_and_names_the_voice_and_its_language():
    ssml = ssml_for('Tell me about "R&D" at <Contoso>, it\'s\x07 fine.', "en-GB-SoniaNeural")
    root = ET.fromstring(ssml)
    voice = root.find("{http://www.w3.org/2001/10/synthesis}voice")
    assert root.get("{http://www.w3.org/XML/1998/namespace}lang") == "en-GB"
    assert voice is not None and voice.get("name") == "en-GB-SoniaNeural"
    assert voice.text == 'Tell me about "R&D" at <Contoso>, it\'s  fine.'


# -- settings and errors ------------------------------------------------------------------------------------------------
def test_voice_names_give_their_locale_and_bad_ones_name_the_setting():
    assert voice_locale("en-US-JennyNeural") == "en-US"
    assert voice_locale("en-US-Ava:DragonHDLatestNeural") == "en-US"
    assert voice_locale("de-DE-FlorianMultilingualNeural") == "de-DE"
    with pytest.raises(SpeechSettingsError, match="REHEARSE_SPEECH_VOICE"):
        voice_locale("Jenny")
    with pytest.raises(SpeechSettingsError, match="REHEARSE_SPEECH_VOICE"):
        voice_locale('en-US-Jenny"Neural')


def test_settings_need_a_region_and_a_credential_and_say_which_to_set():
    with pytest.raises(SpeechSettingsError, match="REHEARSE_SPEECH_REGION is not set"):
        speech_auth(None, "key")
    with pytest.raises(SpeechSettingsError, match="region name such as westeurope"):
        speech_auth("West Europe", "key")
    with pytest.raises(SpeechSettingsError, match="REHEARSE_SPEECH_RESOURCE_ID.*REHEARSE_SPEECH_KEY"):
        speech_auth("westeurope")
    with pytest.raises(SpeechSettingsError, match="ARM id"):
        speech_auth("westeurope", resource_id="rehearse-speech")


def test_a_key_wins_over_entra_id_and_a_host_needs_no_region():
    keyed = speech_auth("westeurope", " key-1234 ", RESOURCE_ID)
    assert not keyed.uses_entra and keyed.key == "key-1234" and "key-1234" not in repr(keyed)
    entra = speech_auth("westeurope", "", RESOURCE_ID)
    assert entra.uses_entra and entra.resource_id == RESOURCE_ID
    assert speech_auth(None, "key", host="ws://localhost:5000").host == "ws://localhost:5000"


def test_the_resources_own_endpoint_needs_no_region_and_is_checked():
    """Behind a private endpoint the region's hosts do not lead to the resource: REHEARSE_SPEECH_ENDPOINT does."""
    auth = speech_auth(None, resource_id=RESOURCE_ID, endpoint=" https://rehearse-speech.cognitiveservices.azure.com ")
    assert auth.endpoint == "https://rehearse-speech.cognitiveservices.azure.com/" and auth.uses_entra
    assert speech_auth(None, endpoint="https://rehearse-speech.cognitiveservices.azure.com/").uses_entra  # no resource id needed
    assert speech_auth(None, "key", endpoint="http://127.0.0.1:5000").endpoint == "http://127.0.0.1:5000/"
    with pytest.raises(SpeechSettingsError, match="REHEARSE_SPEECH_ENDPOINT must be.*https://"):
        speech_auth(None, "key", endpoint="http://rehearse-speech.cognitiveservices.azure.com/")  # no TLS off this machine
    with pytest.raises(SpeechSettingsError, match="REHEARSE_SPEECH_ENDPOINT must be"):
        speech_auth(None, "key", endpoint="rehearse-speech")
    with pytest.raises(SpeechSettingsError, match="without a path.*https://rehearse-speech.cognitiveservices.azure.com/"):
        speech_auth(None, "key", endpoint="https://rehearse-speech.cognitiveservices.azure.com/stt/speech/universal/v2")
    with pytest.raises(SpeechSettingsError, match="not both"):
        speech_auth(None, "key", host="ws://localhost:5000", endpoint="https://rehearse-speech.cognitiveservices.azure.com/")


def test_an_entra_token_goes_as_it_is_to_the_resources_own_endpoint():
    class Credential:
        def get_token(self, *scopes: str) -> SimpleNamespace:
            return SimpleNamespace(token="t1", expires_on=4_000_000_000)

    regional = entra_tokens(speech_auth("westeurope", resource_id=RESOURCE_ID), Credential())
    assert regional is not None and regional.current() == f"aad#{RESOURCE_ID}#t1"
    own = entra_tokens(speech_auth(None, resource_id=RESOURCE_ID, endpoint="https://x.cognitiveservices.azure.com"), Credential())
    assert own is not None and own.current() == "t1"
    assert entra_tokens(speech_auth("westeurope", "key"), Credential()) is None


def test_entra_tokens_are_wrapped_for_the_resource_and_fetched_again_before_expiry():
    now = [1_000.0]
    issued: list[str] = []

    class Credential:
        def get_token(self, *scopes: str) -> SimpleNamespace:
            assert scopes == ("https://cognitiveservices.azure.com/.default",)
            issued.append(f"t{len(issued) + 1}")
            return SimpleNamespace(token=issued[-1], expires_on=now[0] + 3600)

    tokens = EntraTokens(Credential(), RESOURCE_ID, refresh_margin_s=300, now=lambda: now[0])
    assert tokens.current() == entra_authorization_token(RESOURCE_ID, "t1") == f"aad#{RESOURCE_ID}#t1"
    assert tokens.refresh_in() == 3300
    now[0] += 3000
    assert tokens.current().endswith("#t1")  # cached: still 10 minutes from expiry
    now[0] += 301
    assert tokens.refresh_in() == 0 and tokens.current().endswith("#t2")


def test_cancellations_are_worded_with_their_code_and_what_to_check():
    message = describe_cancellation(
        "recognition", "AuthenticationFailure", "WebSocket upgrade failed:\n Authentication error (401)."
    )
    assert message.startswith("Azure Speech recognition failed (AuthenticationFailure): WebSocket upgrade failed: Authentication")
    assert "REHEARSE_SPEECH_KEY" in message and "Cognitive Services Speech User" in message
    assert "see the details" in describe_cancellation("synthesis", "SomethingNew", "")
    no_openssl = "Runtime error: Failed to initialize platform (azure-c-shared). Error: 2407"
    assert "install libssl3" in describe_cancellation("recognition", "ConnectionFailure", no_openssl)
