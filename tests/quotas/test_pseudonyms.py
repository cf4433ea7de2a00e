"""Client addresses and candidates are stored as keyed hashes, never in clear."""

from rehearse.security.pseudonyms import Pseudonyms, client_address

SECRET = "s" * 32


def test_a_pseudonym_is_stable_keyed_and_hides_the_value():
    one, other = Pseudonyms(SECRET), Pseudonyms("t" * 32)
    assert one.of("a", "203.0.113.7") == one.of("a", "203.0.113.7")
    assert one.of("a", "203.0.113.7") != other.of("a", "203.0.113.7")  # without the secret it cannot be recomputed
    assert "203.0.113.7" not in one.of("a", "203.0.113.7")
    assert one.of("a", "x") != one.of("c", "x")


def test_the_socket_address_is_the_client_where_nothing_fronts_the_app():
    assert client_address("127.0.0.1") == "127.0.0.1"
    assert client_address(None) is None


def test_behind_a_front_end_the_last_forwarded_entry_counts_and_ports_are_dropped():
    assert client_address("10.0.0.4", "198.51.100.9, 203.0.113.7:52100") == "203.0.113.7"
    assert client_address(None, "[2001:db8::1]:443") == "2001:db8::1"
    assert client_address(None, "2001:db8::1") == "2001:db8::1"
