// The interview's questions as the page knows them ({id, index, text}, from the session, the relay's `question`
// messages and the feedback), and the one being asked now.

export class Questions {
  constructor() {
    this.byId = new Map(); // question_id -> {id, index, text}
    this.currentId = null;
  }

  clear() {
    this.byId = new Map();
    this.currentId = null;
  }

  get size() {
    return this.byId.size;
  }

  get(id) {
    return id == null ? null : this.byId.get(String(id)) || null;
  }

  values() {
    return this.byId.values();
  }

  at(index) {
    return [...this.byId.values()].find((item) => item.index === index) || null;
  }

  // The questions of GET /api/sessions/{id} or POST /api/sessions.
  load(list) {
    if (!Array.isArray(list)) return;
    for (const q of list) {
      if (q && typeof q.id === "string") {
        this.byId.set(q.id, { id: q.id, index: Number.isInteger(q.index) ? q.index : null, text: q.text || "" });
      }
    }
  }

  // The relay asks a question (a `question` message with a question_id): it is the current one.
  asked(msg) {
    const known = this.byId.get(msg.question_id);
    this.currentId = msg.question_id;
    this.byId.set(msg.question_id, {
      id: msg.question_id,
      index: Number.isInteger(msg.index) ? msg.index : known ? known.index : null,
      text: typeof msg.text === "string" ? msg.text : known ? known.text : "",
    });
  }

  // What feedback says of a question, kept only where the page knows nothing better.
  learn(id, index, text) {
    const known = this.byId.get(id);
    this.byId.set(id, {
      id,
      index: known && Number.isInteger(known.index) ? known.index : Number.isInteger(index) ? index : null,
      text: known && known.text ? known.text : typeof text === "string" ? text : "",
    });
  }

  indexOf(id) {
    const q = this.get(id);
    return q && Number.isInteger(q.index) ? q.index : null;
  }

  // "Question N", or "Answer" when the question is unknown.
  heading(id) {
    const index = this.indexOf(id);
    return index === null ? "Answer" : `Question ${index + 1}`;
  }
}
