// Latency instrumentation: benchmarks and tests read window.rehearse; keep its shape.
// metrics.finals: {seq, phrase_id, question_id, text, partial_text (the phrase's last partial shown, or null), heard_ms,
// rendered_ms} for each live final; metrics.partialWords: {phrase_id, w, heard_ms, rendered_ms} for each new partial word.
// metrics.connectionStates: {state, at (Date.now())} on every change of #connection's data-state;
// metrics.resumes: connections re-established by the page itself (after a loss, or after a reload).
// metrics.questions: {question_id, at} when each `question` arrived; metrics.answerEnds: {question_id, reason, at} when
// each `answer_end` arrived (the interviewer's acknowledgement starts then); metrics.interruptions: {question_id, at} when the
// relay said the candidate spoke over the interviewer (`interrupted`); metrics.followUps: {question_id, n, text, at
// (Date.now())} when each follow-up question first arrived over the data channel and was shown (a re-sent one, e.g.
// after a reconnect, is not added again).

export const rehearse = {
  pc: null,
  channel: null,
  sessionId: null,
  link: { state: null, figures: {} },
  metrics: {
    partialWords: [],
    finals: [],
    messages: 0,
    cues: [],
    questions: [],
    answerEnds: [],
    interruptions: [],
    followUps: [],
    pubsubEvents: 0,
    connectionStates: [],
    resumes: 0,
    diagnosticsUploads: 0,
  },
};
window.rehearse = rehearse;

// Wall-clock milliseconds with sub-millisecond precision, comparable with the relay's heard_ms.
export function nowMs() {
  return performance.timeOrigin + performance.now();
}
