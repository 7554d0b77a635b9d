// Building the page from code. Text always goes in as text nodes, never as HTML, so a code
// description or a server message can never run as markup; and nothing sets a style
// attribute, which the CSP would refuse.

const SVG_NS = "http://www.w3.org/2000/svg";

// h("button", {class: "primary", onClick: save}, "Save"); "svg:rect" makes an SVG element.
export function h(tag, props, ...children) {
  const svg = tag.startsWith("svg:");
  const el = svg ? document.createElementNS(SVG_NS, tag.slice(4)) : document.createElement(tag);
  for (const [name, value] of Object.entries(props || {})) {
    if (value === null || value === undefined || value === false) continue;
    if (name.startsWith("on") && typeof value === "function") {
      el.addEventListener(name.slice(2).toLowerCase(), value);
    } else if (name === "value" && !svg) {
      el.value = value;
    } else {
      el.setAttribute(name, value === true ? "" : String(value));
    }
  }
  append(el, children);
  return el;
}

export function append(parent, children) {
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    parent.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return parent;
}

export function replace(parent, ...children) {
  parent.replaceChildren();
  return append(parent, children);
}

// A screen's heading takes the focus, so a screen reader announces the new screen.
export function screen(main, title, ...children) {
  const heading = h("h1", { tabindex: "-1" }, title);
  replace(main, heading, ...children);
  document.title = `${title} · RVU Edge`;
  heading.focus({ preventScroll: false });
  return heading;
}

// A labelled form field: the label names the control for assistive technology.
let fieldCount = 0;
export function field(labelText, control, hint) {
  const id = control.id || `field-${++fieldCount}`;
  control.id = id;
  const hintEl = hint ? h("span", { class: "hint", id: `${id}-hint` }, hint) : null;
  if (hintEl) control.setAttribute("aria-describedby", hintEl.id);
  return h("div", {}, h("label", { for: id }, labelText), hintEl, control);
}

const toastRegion = () => document.getElementById("toast");

// A short message in the live region; `action` adds one button (e.g. Undo) to it.
export function toast(message, { action, timeout = 5000 } = {}) {
  const box = h("div", {}, h("span", {}, message));
  let timer;
  const close = () => {
    clearTimeout(timer);
    box.remove();
  };
  if (action) {
    box.append(
      h("button", { type: "button", onClick: () => { close(); action.run(); } }, action.label),
    );
  }
  toastRegion().append(box);
  timer = setTimeout(close, timeout);
  return close;
}

export function formatRvu(value) {
  const number = Number(value || 0);
  return number.toLocaleString("en-US", { minimumFractionDigits: 2, maximumFractionDigits: 2 });
}

export function plural(count, one, many = `${one}s`) {
  return `${count} ${count === 1 ? one : many}`;
}
