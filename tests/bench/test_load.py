"""The load benchmark's driver, run small: two forward-only candidates over real WebRTC, and its loss checks."""

import os

from bench import load

SPEECH = {"sentences": [(0.3, 2.5), (4.0, 6.2)], "expect_finals": True, "text": ""}


def final(seq, phrase_id, start, end, text="words"):
    return {"seq": seq, "phrase_id": phrase_id, "text": text, "start": start, "end": end}


def test_two_forward_only_sessions_lose_no_audio_and_are_measured(tmp_path):
    speech = load.build_speech(tmp_path, sentences=2)
    result = load.measure(
        "forward_only", speech, tmp_path, steps=[2], budget_s=60,
        REHEARSE_PRELOAD_MODELS="false", REHEARSE_END_OF_TURN_SILENCE_S="1.0",
    )
    [row] = result["rounds"]
    assert row["sessions"] == 2 and row["lost"] == 0, row.get("problems")
    assert 0 <= row["frames_missed_max"] <= load.FRAME_SLACK
    assert row["ping_p95_ms"] is not None and row["words_timed"] == 0
    assert 0 < row["cpu_per_session"] < 2 and row["server_cpu_cores"] > 0 and row["client_cpu_cores"] > 0
    lines = load.metrics(result)
    assert [m["metric"] for m in lines] == ["concurrent_sessions_max", "cpu_per_session"]
    assert all(m["recognizer"] == "forward_only" for m in lines)
    assert lines[0]["value"] == (2 if row["passed"] else 0)


def test_finals_that_match_the_store_and_cover_every_sentence_lose_nothing():
    finals = [final(1, 1, 1.2, 3.0), final(2, 2, 4.9, 7.0)]
    assert load._lost(finals, [dict(f) for f in finals], SPEECH, speech_frame=50) == []


def test_a_final_missing_from_the_store_or_a_sentence_without_final_is_lost():
    finals = [final(1, 1, 1.2, 3.0)]
    problems = load._lost(finals, [], SPEECH, speech_frame=50)
    assert any("differ from those persisted" in p for p in problems)
    assert "sentence 2 has no final" in problems


def test_a_phrase_announced_twice_is_a_problem():
    finals = [final(1, 1, 1.2, 3.0), final(2, 1, 4.9, 7.0)]
    assert "a phrase was announced twice" in load._lost(finals, finals, SPEECH, speech_frame=50)


def test_frames_that_never_reached_the_recognizer_stage_fail_the_round():
    clients = [{"sent_frames": 1000}, {"sent_frames": 1200}]
    assert load._frames_check(clients, [1194 * 320, 995 * 320]) == ([], 6)
    problems, missed = load._frames_check(clients, [1100 * 320, 995 * 320])
    assert missed == 100 and problems == ["a stream missed 100 of its client's frames"]
    assert load._frames_check(clients, [995 * 320])[0] == ["1 recognizer streams closed for 2 clients"]


def test_cpu_of_a_live_process_is_read_from_proc():
    before = load.cpu_seconds(os.getpid())
    sum(i * i for i in range(2_000_000))
    assert load.cpu_seconds(os.getpid()) > before
