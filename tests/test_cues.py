from rehearse.interview.cues import ADD_RESULT, FEWER_FILLERS, SLOW_DOWN, TAKE_A_MOMENT, WRAP_UP, CueEngine


def spoken(text: str, start: float, wpm: float) -> list[tuple[str, float]]:
    step = 60.0 / wpm
    return [(w, start + (i + 1) * step) for i, w in enumerate(text.split())]


def engine(now=0.0, limit=120.0):
    e = CueEngine()
    e.start_answer(now, limit)
    return e


def test_a_long_answer_is_asked_to_wrap_up():
    words = spoken("we shipped it and it cut costs by 30 percent " * 30, 0, 140)
    e = engine()
    assert e.check(121, [w for w in words if w[1] <= 121]) == WRAP_UP


def test_fast_speech_gets_slow_down_but_normal_speech_does_not():
    fast = spoken("word " * 80, 0, 220)
    assert engine().check(20, [w for w in fast if w[1] <= 20]) == SLOW_DOWN
    calm = spoken("word " * 80, 0, 140)
    assert engine().check(20, [w for w in calm if w[1] <= 20]) is None


def test_many_fillers_get_a_cue():
    words = spoken("so um we uh built it um and uh it worked", 0, 140)
    assert engine().check(6, words) == FEWER_FILLERS


def test_silence_after_the_question_gets_take_a_moment():
    assert engine().check(5, []) is None
    assert engine().check(8.5, []) == TAKE_A_MOMENT


def test_late_answer_without_a_result_is_nudged_and_one_with_a_result_is_not():
    vague = spoken("we worked on the project together and talked a lot " * 15, 0, 140)
    assert engine().check(61, [w for w in vague if w[1] <= 61]) == ADD_RESULT
    concrete = spoken("we worked on the project and reduced errors " * 15, 0, 140)
    assert engine().check(61, [w for w in concrete if w[1] <= 61]) is None


def test_cues_are_rate_limited():
    e = engine()
    fast = spoken("word " * 400, 0, 220)
    seen = [(t, e.check(t, [w for w in fast if w[1] <= t])) for t in range(10, 110)]
    given = [(t, c) for t, c in seen if c is not None]
    assert all(b[0] - a[0] >= 15 for a, b in zip(given, given[1:], strict=False))
    slow_downs = [t for t, c in given if c == SLOW_DOWN]
    assert all(b - a >= 60 for a, b in zip(slow_downs, slow_downs[1:], strict=False))
    assert len(given) <= 4


def test_a_new_answer_resets_the_limits():
    e = engine()
    assert e.check(8.5, []) == TAKE_A_MOMENT
    e.start_answer(100)
    assert e.check(108.5, []) == TAKE_A_MOMENT
