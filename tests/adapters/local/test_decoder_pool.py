"""pocketsphinx decoders are built ahead and used again: a candidate who connects waits for no decoder to be built
(it competed with the first question's synthesis), and a stream that ends hands its decoder on."""

import threading
import time

import numpy as np

from bench.human_speech import RECORDINGS, RECORDINGS_DIR
from rehearse.adapters.local.pocketsphinx_partials import PocketsphinxPartials
from rehearse.adapters.local.two_pass_recognizer import DecoderPool
from tests.support.audio import decode_wav, recall, speak


class CountedBuilds:
    def __init__(self) -> None:
        self.threads: list[str] = []
        self.freed = 0

    def __call__(self) -> PocketsphinxPartials:
        self.threads.append(threading.current_thread().name)
        decoder = PocketsphinxPartials()
        close = decoder.close

        def counted_close() -> None:
            self.freed += 1
            close()

        decoder.close = counted_close
        return decoder


def _wait_until(probe, timeout_s: float = 20.0) -> None:
    deadline = time.monotonic() + timeout_s
    while not probe():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.01)


def _heard(decoder: PocketsphinxPartials, pcm: np.ndarray) -> str:
    decoder.begin(0.0)
    for start in range(0, pcm.size, 320):
        decoder.feed(pcm[start : start + 320])
    return " ".join(w.w for w in decoder.finish())


def test_a_decoder_is_ready_before_the_first_stream_takes_it_and_is_built_off_the_streams_thread():
    builds = CountedBuilds()
    pool = DecoderPool(build=builds)
    _wait_until(lambda: len(builds.threads) == 1 and pool._idle)
    taken = pool.take()
    assert builds.threads[0].startswith("decoder-build")
    _wait_until(lambda: len(builds.threads) == 2 and pool._idle)  # the next stream's, built ahead in the background
    assert all(name.startswith("decoder-build") for name in builds.threads)
    pool.give_back(taken)
    taken.close()


def test_streams_one_after_another_use_the_same_decoder():
    builds = CountedBuilds()
    pool = DecoderPool(build=builds)
    _wait_until(lambda: pool._idle)
    pcm = speak("We moved every customer to the new billing system within two weeks.")
    for _ in range(4):  # four interviews, one after another
        decoder = pool.take()
        decoder.begin(0.0)
        decoder.feed(pcm[:8000])  # a stream may end in the middle of a phrase
        pool.give_back(decoder)
    assert len(builds.threads) <= 2  # the first, and at most one built ahead while the first was in use
    assert builds.freed == 0


def test_a_decoder_handed_on_hears_people_as_well_as_a_new_one():
    """It keeps the speaker normalisation learned from the last candidate (here a synthetic voice), as it does from
    one phrase to the next; on recordings of people it recalls their words as well as a new decoder does."""
    other = speak("I led the migration of our billing service last spring, and every customer moved within two weeks.")
    new, handed_on = [], []
    for recording in RECORDINGS:
        pcm = decode_wav(RECORDINGS_DIR / recording.file, 16000)
        fresh = PocketsphinxPartials()
        new.append(recall(recording.transcript, _heard(fresh, pcm)))
        fresh.close()
        used = PocketsphinxPartials()
        _heard(used, other)
        handed_on.append(recall(recording.transcript, _heard(used, pcm)))
        used.close()
    assert np.mean(handed_on) >= np.mean(new) - 0.03, (np.mean(handed_on), np.mean(new))


def test_no_more_than_keep_decoders_wait_unused():
    builds = CountedBuilds()
    pool = DecoderPool(keep=2, build=builds)
    _wait_until(lambda: pool._idle)
    taken = [pool.take() for _ in range(4)]  # four candidates at once: the ones not ready are built on their streams
    pool._ahead.result(timeout=20)  # one built ahead meanwhile, not one per candidate
    assert len(builds.threads) == 5
    for decoder in taken:
        pool.give_back(decoder)
    assert len(pool._idle) == 2
    assert builds.freed == len(builds.threads) - 2
