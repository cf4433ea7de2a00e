import pytest

from rehearse.domain.errors import InvalidRequest
from rehearse.interview.channel_messages import Hello, Next, Ping, parse_client_message


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
