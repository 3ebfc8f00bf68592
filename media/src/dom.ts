// The trace webview's DOM helpers: elements built with every string set as text, never as HTML
// (traces carry scenario titles and events that may come from mails or C source).

export type Child = Node | string | null | undefined | false;
export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  props: { class?: string; id?: string; attrs?: Record<string, string> } = {},
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  if (props.class) el.className = props.class;
  if (props.id) el.id = props.id;
  for (const [k, v] of Object.entries(props.attrs ?? {})) el.setAttribute(k, v);
  for (const c of children)
    if (c !== null && c !== undefined && c !== false) el.append(typeof c === 'string' ? document.createTextNode(c) : c);
  return el;
}

export function button(
  label: string,
  onClick: () => void,
  attrs: Record<string, string> = {},
  cls = '',
): HTMLButtonElement {
  const b = h('button', { class: cls, attrs: { type: 'button', ...attrs } }, label);
  b.addEventListener('click', onClick);
  return b;
}
