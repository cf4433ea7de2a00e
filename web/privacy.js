// What the page tells a candidate is kept, and for how long: the deployment's retention settings come with GET /api/roles.

import { $ } from "./dom.js";

function kept(days) {
  return Number.isInteger(days) && days > 0 ? `for ${days} day${days === 1 ? "" : "s"}, or until you delete the interview` : "until you delete the interview";
}

export function showRetention(privacy) {
  if (!privacy || typeof privacy !== "object") return; // an older server: the page's wording stands
  $("privacy-documents").textContent = kept(privacy.document_retention_days);
  $("privacy-recordings").textContent = kept(privacy.recording_retention_days);
}
