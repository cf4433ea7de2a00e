"""The always-on media relay: WebRTC in (aiortc), transcript and interviewer voice out."""
