// Building DOM without HTML strings: elements, attributes and text nodes only,
// so nothing the app shows can become markup (the page also runs under
// Trusted Types with no policy, which would refuse any HTML string sink).

type Child = Node | string | null | undefined | false;
type Props = Record<string, string | boolean | ((event: Event) => void) | undefined>;

// Returns a new <tag> with `props` (attributes, or on* listeners) and children.
export function h<K extends keyof HTMLElementTagNameMap>(tag: K, props: Props = {}, ...children: Child[]): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(props)) {
    if (value === undefined || value === false) continue;
    if (typeof value === 'function') element.addEventListener(name.replace(/^on/, ''), value);
    else element.setAttribute(name, value === true ? '' : value);
  }
  append(element, ...children);
  return element;
}

// Appends children, turning strings into text nodes.
export function append(parent: Node, ...children: Child[]): void {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    parent.appendChild(typeof child === 'string' ? document.createTextNode(child) : child);
  }
}

// Replaces everything inside `parent` with `children`.
export function replace_children(parent: Element, ...children: Child[]): void {
  parent.replaceChildren();
  append(parent, ...children);
}
