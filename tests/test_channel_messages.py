import json

import pytest

from rehearse.domain.errors import InvalidRequest
from rehearse.interview.channel_messages import Hello, Next, Ping, PingOut, PongOut, parse_client_message


def test_known_messages_parse():
    assert parse_client_message('{"v":1,"type":"hello","after_seq":3}') == Hello(type="hello", after_seq=3)
    assert isinstance(parse_client_message('{"type":"next"}'), Next)
    assert parse_client_message('{"type":"ping","t":5}').t == 5


@pytest.mark.parametrize("raw", ["not json", '{"type":"dance"}', '{"type":"hello","after_seq":-1}', "[]", b"bytes", "x" * 5000])
def test_bad_messages_get_a_clear_error(raw):
    with pytest.raises(InvalidRequest):
        parse_client_message(raw)


def test_ping_keeps_its_timestamp():
    assert isinstance(parse_client_message('{"type":"ping","t":1.5}'), Ping)


@pytest.mark.parametrize("t", ["1764158400123", "1764158400123.5", "0"])
def test_pong_echoes_the_pings_t_exactly_as_sent(t):
    ping = parse_client_message(f'{{"type":"ping","t":{t}}}')
    pong = json.loads(PongOut(t=ping.t, server_ms=1).model_dump_json())
    assert json.dumps(pong["t"]) == t


def test_the_relays_ping_stamp_is_whole_milliseconds():
    assert '"t":1764158400123,' in PingOut(t=1764158400123).model_dump_json()
    assert parse_client_message('{"type":"pong","t":1764158400123}').t == 1764158400123
