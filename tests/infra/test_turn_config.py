"""The TURN server the templates deploy: its coturn configuration runs, and accepts the credentials the apps mint."""

from __future__ import annotations

import asyncio
import re
from pathlib import Path

from aiortc import RTCConfiguration, RTCIceServer, RTCPeerConnection

from rehearse.security.ice import ice_servers_for
from tests.support.server import free_port
from tests.support.turn_server import turnserver

MODULES = Path(__file__).resolve().parents[2] / "infra" / "bicep" / "modules"
CONF = MODULES / "turn" / "turnserver.conf"
SECRET = "t" * 48


def render(values: dict[str, str]) -> str:
    text = CONF.read_text()
    for key, value in values.items():
        text = text.replace(f"__{key}__", value)
    assert "__" not in text, "a placeholder was left unfilled"
    return text


def relay_candidates(servers: list[dict]) -> list[str]:
    async def gather() -> str:
        pc = RTCPeerConnection(RTCConfiguration(iceServers=[RTCIceServer(**s) for s in servers]))
        pc.createDataChannel("probe")
        await pc.setLocalDescription(await pc.createOffer())
        sdp = pc.localDescription.sdp
        await pc.close()
        return sdp

    return [line for line in asyncio.run(gather()).splitlines() if line.startswith("a=candidate") and "typ relay" in line]


def test_every_placeholder_is_filled_by_the_template():
    placeholders = set(re.findall(r"__([A-Z_]+)__", CONF.read_text()))
    bicep = (MODULES / "turn.bicep").read_text()
    assert placeholders == set(re.findall(r"'__([A-Z_]+)__'", bicep))


def test_the_network_rules_open_what_coturn_listens_on_and_nothing_else():
    bicep = (MODULES / "turn.bicep").read_text()
    ports = re.findall(r"destinationPortRange: (.+)", bicep)
    assert ports == ["string(listeningPort)", "string(listeningPort)", "'${relayPortMin}-${relayPortMax}'"]
    assert "'__LISTENING_PORT__', string(listeningPort)" in bicep and "'__MIN_PORT__', string(relayPortMin)" in bicep
    assert "22" not in re.findall(r"destinationPortRange: '?(\d+)", bicep)


def test_private_networks_and_platform_endpoints_are_denied_peers():
    denied = re.findall(r"(?m)^denied-peer-ip=(\S+)", CONF.read_text())
    for must in ("10.0.0.0-10.255.255.255", "127.0.0.0-127.255.255.255", "168.63.129.16", "169.254.0.0-169.254.255.255",
                 "172.16.0.0-172.31.255.255", "192.168.0.0-192.168.255.255"):
        assert must in denied
    assert re.search(r"(?m)^use-auth-secret$", CONF.read_text())


def test_the_deployed_configuration_accepts_minted_credentials_and_refuses_others(tmp_path):
    port = free_port()
    conf = tmp_path / "turnserver.conf"
    conf.write_text(render({
        "LISTENING_PORT": str(port), "MIN_PORT": "47000", "MAX_PORT": "47099", "EXTERNAL_IP": "127.0.0.1",
        "TURN_SECRET": SECRET, "TOTAL_QUOTA": "100",
    }))
    with turnserver(tmp_path, port, "-c", str(conf)):
        urls = [f"turn:127.0.0.1:{port}?transport=udp"]
        assert relay_candidates(ice_servers_for("relay-s_1", [], urls, SECRET, 600))
        assert not relay_candidates(ice_servers_for("relay-s_1", [], urls, "x" * 48, 600))
        assert not relay_candidates(ice_servers_for("relay-s_1", [], urls, SECRET, -60)), "an expired credential was accepted"
