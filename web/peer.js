// One WebRTC peer connection to the relay (docs/protocol.md, "Interview flow"): the microphone's track out, the
// interviewer's voice in, and the data channel "rehearse"; offered to the relay, then closed. window.rehearse.pc and
// .channel are the latest one's (tests read its stats).

import { ApiError, api } from "./api.js";
import { PROTOCOL_VERSION } from "./constants.js";
import { rehearse } from "./metrics.js";

const ICE_GATHER_TIMEOUT_MS = 3000;

// handlers: onFailed() when ICE fails, and the channel's onOpen(), onMessage(data), onClose().
export function openPeer(session, track, audio, { onFailed, onOpen, onMessage, onClose }) {
  const pc = new RTCPeerConnection({ iceServers: session.ice_servers || [], iceTransportPolicy: session.ice_transport_policy || "all" });
  rehearse.pc = pc;
  pc.addTransceiver(track, { direction: "sendrecv" });
  pc.ontrack = (event) => {
    const stream = event.streams && event.streams[0] ? event.streams[0] : new MediaStream([event.track]);
    if (audio.srcObject !== stream) audio.srcObject = stream;
    play(audio);
  };
  pc.onconnectionstatechange = () => {
    // "disconnected" may come back by itself (a short blackout): the watchdog decides. "failed" will not.
    if (pc.connectionState === "failed") onFailed();
  };

  const channel = pc.createDataChannel("rehearse", { ordered: true });
  rehearse.channel = channel;
  channel.onopen = onOpen;
  channel.onmessage = (event) => onMessage(event.data);
  channel.onclose = onClose;
  channel.onerror = () => {
    // A close follows; handled by onclose.
  };
  return { pc, channel };
}

// Offer and answer. step(promise) waits and throws if the attempt is no longer wanted.
export async function negotiate(pc, session, step) {
  await step(pc.setLocalDescription(await pc.createOffer()));
  await step(waitForIceGathering(pc, ICE_GATHER_TIMEOUT_MS));
  const body = { sdp: pc.localDescription.sdp, type: "offer" };
  const answer = await step(api(session.offer_url, { method: "POST", token: session.token, body }));
  if (typeof answer.sdp !== "string") throw new ApiError(200, "bad_response", "The relay sent an unexpected answer.");
  await step(pc.setRemoteDescription({ type: "answer", sdp: answer.sdp }));
}

// Closes the latest peer connection; its handlers go first, so nothing of it is heard after.
export function closePeer() {
  const { pc, channel } = rehearse;
  if (channel) {
    channel.onopen = null;
    channel.onmessage = null;
    channel.onclose = null;
    channel.onerror = null;
  }
  if (pc) {
    pc.ontrack = null;
    pc.onconnectionstatechange = null;
    if (pc.signalingState !== "closed") pc.close();
  }
}

export function channelOpen() {
  return !!rehearse.channel && rehearse.channel.readyState === "open";
}

export function send(message) {
  const channel = rehearse.channel;
  if (!channel || channel.readyState !== "open") return false;
  try {
    channel.send(JSON.stringify({ v: PROTOCOL_VERSION, ...message }));
    return true;
  } catch {
    return false;
  }
}

function waitForIceGathering(pc, timeoutMs) {
  if (pc.iceGatheringState === "complete") return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      pc.removeEventListener("icegatheringstatechange", check);
      resolve();
    };
    const check = () => {
      if (pc.iceGatheringState === "complete") done();
    };
    const timer = setTimeout(done, timeoutMs);
    pc.addEventListener("icegatheringstatechange", check);
  });
}

function play(audio) {
  const playing = audio.play();
  if (playing && typeof playing.catch === "function") {
    // Autoplay may be refused after a reload (no click yet): play on the first click or key press.
    playing.catch(() => {
      const retry = () => {
        document.removeEventListener("pointerdown", retry, true);
        document.removeEventListener("keydown", retry, true);
        const again = audio.play();
        if (again && typeof again.catch === "function") again.catch(() => {});
      };
      document.addEventListener("pointerdown", retry, true);
      document.addEventListener("keydown", retry, true);
    });
  }
}
