"""Link quality rules: thresholds, hysteresis between good and poor, lost on silence, ping bookkeeping, and the page's copy."""

import dataclasses
import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from rehearse.domain.errors import InvalidRequest
from rehearse.interview.channel_messages import Link, PingOut, Pong, parse_client_message
from rehearse.interview.link_quality import (
    THRESHOLDS,
    LinkFigures,
    LinkQuality,
    LinkState,
    LinkWatch,
    PingBook,
    Thresholds,
    poor_reasons,
)

GOOD = LinkFigures(rtt_ms=40, ping_loss=0, packet_loss=0.0, jitter_ms=5, available_kbps=300)
POOR = LinkFigures(rtt_ms=900, ping_loss=0, packet_loss=0.0, jitter_ms=5, available_kbps=300)


def run(quality: LinkQuality, *readings: LinkFigures, silent_s: float = 0.0) -> list[str]:
    return [quality.update(r, silent_s).value for r in readings]


def test_a_healthy_link_is_good():
    assert poor_reasons(GOOD) == []
    assert run(LinkQuality(), GOOD, GOOD, GOOD) == ["good"] * 3


def test_unknown_figures_do_not_make_a_link_poor():
    assert poor_reasons(LinkFigures()) == []


@pytest.mark.parametrize(
    ("figures", "reason"),
    [
        (LinkFigures(rtt_ms=401), "rtt"),
        (LinkFigures(ping_loss=0.34), "ping_loss"),
        (LinkFigures(packet_loss=0.06), "packet_loss"),
        (LinkFigures(jitter_ms=51), "jitter"),
        (LinkFigures(available_kbps=49), "bandwidth"),
    ],
)
def test_each_figure_beyond_its_threshold_makes_a_poor_reading(figures, reason):
    assert poor_reasons(figures) == [reason]


@pytest.mark.parametrize(
    "figures",
    [LinkFigures(rtt_ms=400), LinkFigures(ping_loss=0.3), LinkFigures(packet_loss=0.05), LinkFigures(jitter_ms=50), LinkFigures(available_kbps=50)],
)
def test_figures_at_their_threshold_are_still_good(figures):
    assert poor_reasons(figures) == []


def test_one_spike_does_not_make_the_link_poor():
    assert run(LinkQuality(), GOOD, POOR, GOOD, POOR, GOOD) == ["good"] * 5


def test_two_poor_readings_in_a_row_make_it_poor():
    assert run(LinkQuality(), POOR, POOR) == ["good", "poor"]


def test_it_takes_three_good_readings_in_a_row_to_leave_poor():
    quality = LinkQuality()
    run(quality, POOR, POOR)
    assert run(quality, GOOD, GOOD, POOR, GOOD, GOOD, GOOD) == ["poor", "poor", "poor", "poor", "poor", "good"]


def test_an_alternating_link_does_not_flicker():
    quality = LinkQuality()
    states = run(quality, *[POOR, GOOD] * 10)
    assert len({s for s in states}) == 1


def test_silence_is_lost_at_once():
    quality = LinkQuality()
    assert quality.update(GOOD, silent_s=3.9) is LinkState.GOOD
    assert quality.update(GOOD, silent_s=THRESHOLDS.lost_after_s) is LinkState.LOST
    assert quality.reasons == ["silent"]


def test_a_link_back_from_lost_is_good_and_its_first_readings_cannot_make_it_poor():
    quality = LinkQuality()
    quality.update(GOOD, silent_s=10)
    assert run(quality, POOR, POOR, POOR) == ["good", "good", "good"]  # what a blackout leaves in the figures
    assert run(quality, POOR, POOR) == ["good", "poor"]


def test_a_poor_link_that_goes_silent_is_lost_then_good_when_heard_again():
    quality = LinkQuality()
    run(quality, POOR, POOR)
    assert quality.update(POOR, silent_s=5) is LinkState.LOST
    assert quality.update(GOOD, silent_s=0) is LinkState.GOOD


def test_ping_book_measures_round_trips_with_the_median():
    book = PingBook()
    for i, rtt_s in enumerate([0.05, 0.9, 0.06]):
        book.sent(i, now_s=10.0 * i)
        assert book.answered(i, now_s=10.0 * i + rtt_s) == pytest.approx(rtt_s * 1000)
    assert book.rtt_ms == pytest.approx(60)
    assert book.loss == 0


def test_a_ping_unanswered_within_the_timeout_counts_as_lost_and_its_late_pong_is_ignored():
    book = PingBook()
    book.sent(1, now_s=0)
    book.answered(1, now_s=0.1)
    book.sent(2, now_s=5)
    book.expire(now_s=5 + THRESHOLDS.ping_timeout_s + 0.1)
    assert book.loss == 0.5
    assert book.answered(2, now_s=9) is None
    assert book.loss == 0.5 and book.rtt_ms == pytest.approx(100)


def test_a_client_that_never_answers_pings_is_not_judged_by_them():
    book = PingBook()
    for i in range(3):
        book.sent(i, now_s=i * 5)
    book.expire(now_s=20)
    assert book.loss is None


def test_ping_loss_is_over_the_recent_window():
    book = PingBook()
    book.sent(-1, now_s=0)
    book.answered(-1, now_s=0.01)
    book.sent(0, now_s=1)
    book.expire(now_s=10)
    assert book.loss == 0.5
    for i in range(1, THRESHOLDS.ping_window + 1):
        book.sent(i, now_s=10 + i * 5)
        book.answered(i, now_s=10 + i * 5 + 0.01)
    assert book.loss == 0


def test_pings_are_due_every_interval():
    book = PingBook()
    assert book.due(0)
    book.sent(1, 0)
    assert not book.due(THRESHOLDS.ping_interval_s - 0.1) and book.due(THRESHOLDS.ping_interval_s)


def test_link_watch_goes_lost_when_nothing_is_heard_and_recovers_when_it_is():
    watch = LinkWatch(now_s=0)
    assert watch.update(1) is LinkState.GOOD
    assert watch.update(4.5) is LinkState.LOST
    watch.heard(5)
    assert watch.update(5.5) is LinkState.GOOD


def test_link_watch_unanswered_pings_make_the_link_poor():
    watch = LinkWatch(now_s=0)
    watch.pings.sent(-1, now_s=0)
    watch.pings.answered(-1, now_s=0.01)
    for i in range(3):
        watch.pings.sent(i, now_s=i * 5)
        watch.heard(i * 5)
    states = []
    for now in (15.5, 16.5):
        watch.heard(now)
        states.append(watch.update(now))
    assert states == [LinkState.GOOD, LinkState.POOR] and watch.quality.reasons == ["ping_loss"]


# -- the page runs the same rules (web/link.js) ---------------------------------------------------------------------

LINK_JS = Path(__file__).resolve().parents[1] / "web" / "link.js"

_JS_NAMES = {
    "lostAfterMs": ("lost_after_s", 1000),
    "poorRttMs": ("poor_rtt_ms", 1),
    "poorPingLoss": ("poor_ping_loss", 1),
    "poorPacketLoss": ("poor_packet_loss", 1),
    "poorJitterMs": ("poor_jitter_ms", 1),
    "poorAvailableKbps": ("poor_available_kbps", 1),
    "enterPoorReadings": ("enter_poor_readings", 1),
    "leavePoorReadings": ("leave_poor_readings", 1),
    "settleReadings": ("settle_readings", 1),
    "pingIntervalMs": ("ping_interval_s", 1000),
    "pingTimeoutMs": ("ping_timeout_s", 1000),
    "pingWindow": ("ping_window", 1),
    "rttSamples": ("rtt_samples", 1),
}


def page_thresholds() -> dict[str, float]:
    block = re.search(r"const LINK_THRESHOLDS = Object\.freeze\(\{(.*?)\}\);", LINK_JS.read_text(), re.S)
    assert block, "web/link.js must define LINK_THRESHOLDS"
    body = re.sub(r"//[^\n]*", "", block.group(1))
    return json.loads("{" + re.sub(r"(\w+):", r'"\1":', body).rstrip().rstrip(",") + "}")


def test_the_page_uses_the_same_thresholds():
    page = page_thresholds()
    assert set(page) == set(_JS_NAMES)
    assert {f.name for f in dataclasses.fields(Thresholds)} == {name for name, _ in _JS_NAMES.values()}
    for js_name, (py_name, scale) in _JS_NAMES.items():
        assert page[js_name] == getattr(THRESHOLDS, py_name) * scale, js_name


def _page_rules() -> str:
    """web/link.js as the page loads it (LINK_THRESHOLDS and the rule classes), as an ES module Node runs on its own."""
    source = LINK_JS.read_text()
    assert not re.search(r"^\s*import\b", source, re.M), "web/link.js imports nothing, so that Node can run it alone"
    return source


SCENARIO = [
    (GOOD, 0), (POOR, 0), (POOR, 0), (GOOD, 0), (GOOD, 0), (POOR, 0), (GOOD, 0), (GOOD, 0), (GOOD, 0),
    (LinkFigures(packet_loss=0.2), 0), (LinkFigures(jitter_ms=80), 0), (GOOD, 5), (POOR, 0), (GOOD, 0),
    (LinkFigures(available_kbps=20), 0), (LinkFigures(ping_loss=0.5), 0), (LinkFigures(), 4.0), (LinkFigures(), 0),
]


def test_the_page_classifies_a_reading_sequence_exactly_as_the_relay_does():
    script = _page_rules() + f"""
const q = new LinkQuality();
const states = {json.dumps([[f.model_dump(), s] for f, s in SCENARIO])}.map(([f, s]) => q.update(f, s * 1000));
const book = new PingBook();
book.sent(1, 0); book.answered(1, 50); book.sent(2, 5000); book.expire(8100); book.sent(3, 10000); book.answered(3, 10900);
book.sent(4, 15000); book.answered(4, 15060);
console.log(JSON.stringify({{states, rtt: book.rttMs(), loss: book.loss()}}));
"""
    node = shutil.which("node")
    assert node, "Node.js runs the page's copy of the rules (make test installs it with the npm packages)"
    run = [node, "--input-type=module", "-e", script]
    page = json.loads(subprocess.run(run, check=True, capture_output=True, text=True, timeout=30).stdout)
    quality = LinkQuality()
    assert page["states"] == [quality.update(f, s).value for f, s in SCENARIO]
    book = PingBook()
    book.sent(1, 0)
    book.answered(1, 0.05)
    book.sent(2, 5)
    book.expire(8.1)
    book.sent(3, 10)
    book.answered(3, 10.9)
    book.sent(4, 15)
    book.answered(4, 15.06)
    assert page["rtt"] == pytest.approx(book.rtt_ms) and page["loss"] == pytest.approx(book.loss)


def test_pings_and_round_trips_of_a_silence_are_forgotten_once_the_link_is_heard_again():
    watch = LinkWatch(now_s=0)
    watch.pings.sent(1, now_s=0)
    watch.pings.answered(1, now_s=0.01)
    for stamp, at in ((2, 5), (3, 10)):
        watch.pings.sent(stamp, now_s=at)
    assert watch.update(14) is LinkState.LOST  # nothing heard since 0
    watch.heard(14.5)
    assert watch.update(15) is LinkState.GOOD
    watch.pings.sent(4, now_s=15)
    watch.pings.answered(4, now_s=15.9)  # a pong held up by the blackout's retransmissions
    watch.heard(16)
    assert watch.update(16) is LinkState.GOOD and watch.pings.rtt_ms is None  # settling: forgotten
    assert watch.pings.loss == 0


# -- the watchdog's data channel messages -----------------------------------------------------------------------------


def test_the_page_answers_and_reports_the_link_in_versioned_messages():
    assert parse_client_message('{"v":1,"type":"pong","t":1764158400123}') == Pong(type="pong", t=1764158400123)
    link = parse_client_message('{"v":1,"type":"link","state":"poor","rtt_ms":612.5,"packet_loss":0.07,"jitter_ms":null}')
    assert isinstance(link, Link) and link.state == "poor" and link.rtt_ms == 612.5 and link.jitter_ms is None
    ping = json.loads(PingOut(t=5, rtt_ms=None, ping_loss=None).model_dump_json())
    assert ping == {"v": 1, "type": "ping", "t": 5, "rtt_ms": None, "ping_loss": None, "state": "good"}


@pytest.mark.parametrize(
    "raw",
    ['{"type":"link","state":"splendid"}', '{"type":"link"}', '{"type":"link","state":"poor","packet_loss":2}', '{"type":"pong"}'],
)
def test_malformed_watchdog_messages_get_a_clear_error(raw):
    with pytest.raises(InvalidRequest):
        parse_client_message(raw)
