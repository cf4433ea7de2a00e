from rehearse.interview.timeline import AudioTimeline


def test_audio_time_maps_to_the_chunk_that_carried_it():
    timeline = AudioTimeline(sample_rate=16000)
    timeline.add(320, 1000)  # 0.00-0.02 s
    timeline.add(320, 1020)  # 0.02-0.04 s
    timeline.add(320, 1045)  # 0.04-0.06 s
    assert timeline.received_ms(0.01) == 1000
    assert timeline.received_ms(0.03) == 1020
    assert timeline.received_ms(0.05) == 1045
    assert timeline.received_ms(9.0) == 1045  # beyond the end: the latest chunk
    assert timeline.seconds == 0.06


def test_empty_timeline_knows_nothing():
    assert AudioTimeline().received_ms(1.0) == 0
