// Constants more than one of the page's modules needs: one definition each.

// The data channel's and the diagnostics' message version (docs/protocol.md).
export const PROTOCOL_VERSION = 1;

// localStorage: the candidate whose history this browser adds to, {id, token, expires_at} (api.js writes it).
export const CANDIDATE_KEY = "rehearse.candidate";

// The four scores of an answer and of the report, in the order they are shown.
export const DIMENSIONS = ["content", "structure", "clarity", "confidence"];
export const DIMENSION_LABELS = { content: "Content", structure: "Structure", clarity: "Clarity", confidence: "Confidence" };

// How much evidence a score rests on.
export const CONFIDENCE_LEVELS = ["low", "medium", "high"];
