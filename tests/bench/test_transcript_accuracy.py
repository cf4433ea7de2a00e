"""How the bench scores a transcript against what was said (word recall and word error rate), how it scores the live
partials against the finals that replaced them, and its recordings of real people."""

import json

import pytest

from bench import human_speech
from bench.run import emit, partial_accuracy, transcript_accuracy
from rehearse.adapters.local.wav import decode_wav
from tests.support.audio import recall, word_error_rate


def test_word_error_rate_counts_substitutions_deletions_and_insertions_over_the_spoken_words():
    said = "we planned the migration in small stages"
    assert word_error_rate(said, "We planned the migration in small stages.") == 0
    assert word_error_rate(said, "we planned a migration in small stages") == pytest.approx(1 / 7)  # substitution
    assert word_error_rate(said, "we planned the migration in stages") == pytest.approx(1 / 7)  # deletion
    assert word_error_rate(said, "we planned the migration in small stages. I'm sorry.") == pytest.approx(2 / 7)  # insertions
    assert word_error_rate(said, "") == 1
    assert word_error_rate("", "") == 0


def test_invented_words_raise_the_error_rate_but_not_recall():
    said = "later I led the move to a new database"
    heard = "Later I led the move to a new database. So, yeah. I'm sorry."
    assert recall(said, heard) == 1
    assert word_error_rate(said, heard) == pytest.approx(4 / 9)


def test_spellings_of_the_same_words_are_not_errors():
    assert word_error_rate("go forward ten meters", "Go forward 10 meters.") == 0
    assert word_error_rate("and mister john dashwood", "And Mr. John Dashwood") == 0
    assert word_error_rate("he was not an ill disposed young man", "He was not an ill-disposed young man.") == 0
    assert recall("the slowest query took four seconds", "The slowest query took 4 seconds.") == 1


def test_hesitations_count_on_neither_side():
    # the reference transcripts do not write hesitations, and the filler prompt asks the recognizer to write them
    assert word_error_rate("we shipped it on time", "Um, we shipped it, uh, on time.") == 0
    assert word_error_rate("we shipped it um on time", "we shipped it on time") == 0


def test_the_bench_reports_word_error_rate_beside_word_recall(capsys):
    lines = transcript_accuracy("I started my career as a support engineer.", "I started my career as a support engineer. Thank you.", source="finals shown in the page")
    assert [line["metric"] for line in lines] == ["word_recall", "word_error_rate"]
    assert lines[0]["value"] == 1 and lines[1]["value"] == pytest.approx(2 / 8, abs=0.001)
    assert all(line["unit"] == "fraction" and line["source"] == "finals shown in the page" for line in lines)
    assert "hesitations" in lines[1]["scoring"]
    for line in lines:
        emit(line.pop("metric"), **line)
    printed = [json.loads(row) for row in capsys.readouterr().out.splitlines()]
    assert [p["metric"] for p in printed] == ["word_recall", "word_error_rate"]
    assert printed[1]["value"] == lines[1]["value"] and printed[1]["target"] == 0.08


def test_the_recordings_of_real_people_are_16_khz_speech_with_a_transcript_and_a_licence():
    assert len(human_speech.RECORDINGS) >= 10
    speakers = {r.source for r in human_speech.RECORDINGS}
    assert len(speakers) >= 3
    for recording in human_speech.RECORDINGS:
        pcm = decode_wav(human_speech.RECORDINGS_DIR / recording.file, 16000)
        assert 0.8 < pcm.size / 16000 < 10, recording.file
        assert abs(pcm.astype(float)).max() > 3000, recording.file  # speech, not silence
        assert recording.transcript.strip() and recording.licence.strip()
    assert (human_speech.RECORDINGS_DIR / "NOTICE.md").exists()


def test_the_answer_of_real_recordings_pauses_between_them_with_room_tone():
    audio, said = human_speech.build_answer(16000)
    assert said == " ".join(r.transcript for r in human_speech.RECORDINGS)
    speech_s = sum(decode_wav(human_speech.RECORDINGS_DIR / r.file, 16000).size for r in human_speech.RECORDINGS) / 16000
    assert audio.size / 16000 == pytest.approx(speech_s + human_speech.LEAD_S + human_speech.TAIL_S + human_speech.GAP_S * (len(human_speech.RECORDINGS) - 1), abs=0.1)
    assert (audio[: int(human_speech.LEAD_S * 16000)] != 0).any()  # room tone, not digital silence


def test_partials_are_scored_against_the_finals_that_replaced_them_both_ways():
    finals = [
        {"text": "We measured latency at every step.", "partial_text": "we measured latency at every"},  # 5 of 6 shown
        {"text": "The slowest query took four seconds.", "partial_text": "the slow west query to for seconds"},  # 3 of 6
        {"text": "I added an index.", "partial_text": None},  # the final came with no partial before it: 0 of 4 shown
        {"text": "", "partial_text": "um"},  # an empty final: a line taken back, nothing to compare
    ]
    shown, kept = partial_accuracy(finals, speech="test")
    assert shown["measure"].startswith("shown") and shown["value"] == round(8 / 16, 3)
    assert kept["measure"].startswith("kept") and kept["value"] == round(8 / 12, 3)
    assert shown["phrases"] == kept["phrases"] == 3 and shown["target"] == 0.8 and shown["speech"] == "test"


def test_no_partials_at_all_are_reported_as_such_not_as_perfect():
    shown, kept = partial_accuracy([{"text": "Seven of clubs.", "partial_text": None}])
    assert shown["value"] == 0 and kept["value"] is None
