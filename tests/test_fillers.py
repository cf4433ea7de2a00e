from rehearse.domain.fillers import hesitations_in, merge_fillers, most_of


def test_hesitations_are_found_through_punctuation_and_case():
    assert hesitations_in(["Um,", "I", "uh", "think", "Hmm."]) == ["um", "uh", "hmm"]


def test_fillers_the_accurate_pass_dropped_are_kept_from_the_streaming_pass():
    assert merge_fillers(["um"], ["um", "uh", "uh"]) == ["uh", "uh", "um"]


def test_streaming_noise_words_are_not_evidence():
    assert merge_fillers([], ["ah", "er"]) == []


def test_two_accurate_readings_keep_every_hesitation_either_heard():
    """A final taken from tiny.en's read keeps the "er" and "hmm" Whisper base heard; they are no streaming noise."""
    assert most_of(["um"], ["er", "hmm", "um", "um"]) == ["er", "hmm", "um", "um"]
    assert merge_fillers(most_of([], ["er"]), ["ah"]) == ["er"]
