// A small stand-in for the browser's DOM, enough for the page's modules that build and order elements
// (transcript.js, report_table.js) to run under plain Node: elements, text nodes, classList, dataset, attributes and
// querySelector(All) with the selectors the page uses (tags, #id, .class, [attr], [attr="v"], :scope, descendant and
// child combinators, selector lists). install() puts document, window, CSS, requestAnimationFrame on globalThis.

class Node {
  constructor() {
    this.parentNode = null;
    this.childNodes = [];
  }

  get parentElement() {
    return this.parentNode instanceof Element ? this.parentNode : null;
  }

  get textContent() {
    return this.childNodes.map((n) => n.textContent).join("");
  }

  remove() {
    if (!this.parentNode) return;
    const siblings = this.parentNode.childNodes;
    siblings.splice(siblings.indexOf(this), 1);
    this.parentNode = null;
  }
}

class Text extends Node {
  constructor(data) {
    super();
    this.data = String(data);
  }

  get textContent() {
    return this.data;
  }

  set textContent(value) {
    this.data = String(value);
  }
}

function kebab(name) {
  return name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
}

function camel(name) {
  return name.replace(/-([a-z])/g, (_, c) => c.toUpperCase());
}

function asNode(value) {
  return value instanceof Node ? value : new Text(value);
}

export class Element extends Node {
  constructor(tag) {
    super();
    this.tagName = tag.toUpperCase();
    this.attributes = new Map();
    this.scrollTop = 0;
    this.clientHeight = 100;
    const el = this;
    this.dataset = new Proxy(
      {},
      {
        get: (_, key) => (typeof key === "string" ? el.attributes.get(`data-${kebab(key)}`) : undefined),
        set: (_, key, value) => {
          el.attributes.set(`data-${kebab(key)}`, String(value));
          return true;
        },
        deleteProperty: (_, key) => {
          el.attributes.delete(`data-${kebab(key)}`);
          return true;
        },
        has: (_, key) => el.attributes.has(`data-${kebab(key)}`),
        ownKeys: () => [...el.attributes.keys()].filter((k) => k.startsWith("data-")).map((k) => camel(k.slice(5))),
        getOwnPropertyDescriptor: (_, key) =>
          el.attributes.has(`data-${kebab(key)}`)
            ? { enumerable: true, configurable: true, value: el.attributes.get(`data-${kebab(key)}`) }
            : undefined,
      },
    );
    this.classList = {
      contains: (c) => el.classNames().includes(c),
      add: (...cs) => el.setClasses([...new Set([...el.classNames(), ...cs])]),
      remove: (...cs) => el.setClasses(el.classNames().filter((c) => !cs.includes(c))),
      toggle: (c, force) => {
        const on = force === undefined ? !el.classList.contains(c) : force;
        if (on) el.classList.add(c);
        else el.classList.remove(c);
        return on;
      },
    };
  }

  classNames() {
    return (this.attributes.get("class") || "").split(/\s+/).filter(Boolean);
  }

  setClasses(list) {
    this.attributes.set("class", list.join(" "));
  }

  get className() {
    return this.attributes.get("class") || "";
  }

  set className(value) {
    this.attributes.set("class", String(value));
  }

  get id() {
    return this.attributes.get("id") || "";
  }

  set id(value) {
    this.attributes.set("id", String(value));
  }

  get hidden() {
    return this.attributes.has("hidden");
  }

  set hidden(on) {
    if (on) this.attributes.set("hidden", "");
    else this.attributes.delete("hidden");
  }

  get colSpan() {
    return Number(this.attributes.get("colspan") || 1);
  }

  set colSpan(n) {
    this.attributes.set("colspan", String(n));
  }

  get scope() {
    return this.attributes.get("scope") || "";
  }

  set scope(value) {
    this.attributes.set("scope", String(value));
  }

  get title() {
    return this.attributes.get("title") || "";
  }

  set title(value) {
    this.attributes.set("title", String(value));
  }

  getAttribute(name) {
    return this.attributes.has(name) ? this.attributes.get(name) : null;
  }

  setAttribute(name, value) {
    this.attributes.set(name, String(value));
  }

  removeAttribute(name) {
    this.attributes.delete(name);
  }

  hasAttribute(name) {
    return this.attributes.has(name);
  }

  get textContent() {
    return super.textContent;
  }

  set textContent(value) {
    this.replaceChildren(...(value === "" || value == null ? [] : [new Text(value)]));
  }

  get children() {
    return this.childNodes.filter((n) => n instanceof Element);
  }

  get firstChild() {
    return this.childNodes[0] || null;
  }

  get childElementCount() {
    return this.children.length;
  }

  get scrollHeight() {
    return 0;
  }

  get tHead() {
    return this.children.find((c) => c.tagName === "THEAD") || null;
  }

  get tBodies() {
    return this.children.filter((c) => c.tagName === "TBODY");
  }

  insertBefore(node, ref) {
    if (node === ref) return node;
    node.remove();
    const at = ref ? this.childNodes.indexOf(ref) : -1;
    if (ref && at < 0) throw new Error("insertBefore: the reference is not a child");
    if (at < 0) this.childNodes.push(node);
    else this.childNodes.splice(at, 0, node);
    node.parentNode = this;
    return node;
  }

  appendChild(node) {
    return this.insertBefore(node, null);
  }

  append(...nodes) {
    for (const node of nodes) this.appendChild(asNode(node));
  }

  replaceChildren(...nodes) {
    for (const child of [...this.childNodes]) child.remove();
    this.append(...nodes);
  }

  replaceWith(node) {
    const parent = this.parentNode;
    if (!parent) return;
    parent.insertBefore(asNode(node), this);
    this.remove();
  }

  descendants() {
    const out = [];
    for (const child of this.children) out.push(child, ...child.descendants());
    return out;
  }

  querySelectorAll(selector) {
    const list = parseSelectorList(selector);
    return this.descendants().filter((el) => list.some((sel) => matches(el, sel, this)));
  }

  querySelector(selector) {
    return this.querySelectorAll(selector)[0] || null;
  }

  matches(selector) {
    return parseSelectorList(selector).some((sel) => matches(this, sel, null));
  }

  scrollIntoView() {}

  focus() {}
}

// --- selectors -------------------------------------------------------------------------------------------------------

function parseCompound(text) {
  const compound = { tag: null, id: null, classes: [], attrs: [], scope: false };
  let rest = text;
  while (rest) {
    const m = /^(?:(\*|[a-zA-Z][\w-]*)|#([\w-]+)|\.([\w-]+)|\[([\w-]+)(?:="([^"]*)")?\]|(:scope))/.exec(rest);
    if (!m) throw new Error(`fake_dom: unsupported selector "${text}"`);
    if (m[1] && m[1] !== "*") compound.tag = m[1].toUpperCase();
    if (m[2]) compound.id = m[2];
    if (m[3]) compound.classes.push(m[3]);
    if (m[4]) compound.attrs.push([m[4], m[5]]);
    if (m[6]) compound.scope = true;
    rest = rest.slice(m[0].length);
  }
  return compound;
}

// "a > .b c" -> [{compound a}, ">", {compound .b}, " ", {compound c}]
function parseSelector(text) {
  const tokens = text.trim().replace(/\s*>\s*/g, " > ").split(/\s+/);
  const parts = [];
  for (const token of tokens) {
    if (token === ">") parts.push(">");
    else {
      if (parts.length && parts[parts.length - 1] !== ">") parts.push(" ");
      parts.push(parseCompound(token));
    }
  }
  return parts;
}

function parseSelectorList(text) {
  return text.split(",").map(parseSelector);
}

function matchesCompound(el, c, scope) {
  if (c.scope && el !== scope) return false;
  if (c.tag && el.tagName !== c.tag) return false;
  if (c.id && el.id !== c.id) return false;
  for (const cls of c.classes) if (!el.classList.contains(cls)) return false;
  for (const [name, value] of c.attrs) {
    if (!el.hasAttribute(name)) return false;
    if (value !== undefined && el.getAttribute(name) !== value) return false;
  }
  return true;
}

function matches(el, parts, scope, end = parts.length - 1) {
  if (!matchesCompound(el, parts[end], scope)) return false;
  if (end === 0) return true;
  const combinator = parts[end - 1];
  if (combinator === ">") return !!el.parentElement && matches(el.parentElement, parts, scope, end - 2);
  for (let up = el.parentElement; up; up = up.parentElement) if (matches(up, parts, scope, end - 2)) return true;
  return false;
}

// --- globals ---------------------------------------------------------------------------------------------------------

export function install() {
  const body = new Element("body");
  const document = {
    body,
    createElement: (tag) => new Element(tag),
    createElementNS: (_, tag) => new Element(tag),
    createTextNode: (data) => new Text(data),
    getElementById: (id) => body.querySelector(`#${id}`),
    querySelector: (s) => body.querySelector(s),
    querySelectorAll: (s) => body.querySelectorAll(s),
    addEventListener: () => {},
    activeElement: body,
  };
  globalThis.document = document;
  globalThis.window = globalThis;
  globalThis.CSS = { escape: (s) => String(s) };
  globalThis.requestAnimationFrame = (fn) => setTimeout(() => fn(Date.now()), 0);
  return document;
}
