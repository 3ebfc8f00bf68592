// The trace view's right column: the selected step (its event, source, stack) and the allocator
// state after it, with what it changed and the keys the reviewer watches across the trace.

import type { TraceStep } from '../../engine/src';
import { button, h } from './dom';
import { history, laneKey, StateRow, stateSections, stepLabel, tokenDiff } from './model';
import { nav, persist, post, st } from './page';

export function details(): HTMLElement {
  const filterInput = h('input', {
    id: 'state-filter',
    attrs: { type: 'search', placeholder: 'filter (cpu0, o2, rcu…)', 'aria-label': 'Filter the state' },
  });
  filterInput.value = st.filter;
  filterInput.addEventListener('input', () => {
    st.filter = filterInput.value;
    renderState();
    persist();
  });
  const changed = h('input', { id: 'changed-only', attrs: { type: 'checkbox' } });
  changed.checked = st.changedOnly;
  changed.addEventListener('change', () => {
    st.changedOnly = changed.checked;
    renderState();
    persist();
  });
  return h(
    'aside',
    { class: 'details' },
    h('section', { id: 'current-step', class: 'current-step', attrs: { 'aria-label': 'Selected step' } }),
    h(
      'section',
      { class: 'state', attrs: { 'aria-label': 'Allocator state after the selected step' } },
      h('h2', {}, 'State after this step'),
      h('div', { class: 'state-tools' }, filterInput, ' ', h('label', {}, changed, ' changed only')),
      h('div', { id: 'state-body' }),
    ),
  );
}

export function renderCurrent(): void {
  const box = document.getElementById('current-step');
  if (!box || !st.model?.trace) return;
  const s = st.model.trace.steps[st.current];
  const lane = st.model.lanes.find((l) => l.key === laneKey(s));
  const src = s.anchor
    ? `${s.anchor.fn}${s.anchor.line !== undefined ? ':' + (s.anchor.line + 1) : ` (statement ${s.anchor.index})`}`
    : s.function;
  box.replaceChildren(
    h(
      'div',
      {},
      h(
        'h2',
        {},
        `Step ${stepLabel(s)}`,
        h('span', { class: 'muted' }, ` · ${lane?.label ?? 'CPU' + s.cpu} · ${s.thread}`),
      ),
      s.violation
        ? h(
            'p',
            { class: 'violation-box', attrs: { role: 'alert' } },
            h('strong', {}, s.violation.property),
            ': ',
            s.violation.message,
          )
        : null,
      h('p', { id: 'event', class: 'event-text' }, s.event),
      s.warnings.length
        ? h('ul', { id: 'warnings', class: 'warnings' }, ...s.warnings.map((w) => h('li', {}, 'WARNING: ', w)))
        : null,
      h(
        'p',
        {},
        'In ',
        button(s.function, () => nav.revealStep(s), { id: 'reveal-step', title: `Open the source at ${src}` }, 'link'),
        s.anchor ? h('span', { class: 'muted' }, ` called from ${src}`) : null,
      ),
      scenarioLink(s),
      s.stack.length
        ? h(
            'ol',
            { id: 'stack', class: 'stack', attrs: { 'aria-label': 'Call stack, outermost first' } },
            ...s.stack.map((fn) =>
              h(
                'li',
                {},
                /^[A-Za-z_]\w*$/.test(fn)
                  ? button(fn, () => post({ type: 'reveal', function: fn }), { title: `Open ${fn}` }, 'link')
                  : fn,
              ),
            ),
          )
        : null,
    ),
  );
}

function valueCell(r: StateRow): HTMLTableCellElement {
  const value = h('td', { class: 'value' });
  if (r.change === 'removed') value.append(h('del', {}, r.from ?? ''), h('span', { class: 'muted' }, ' (gone)'));
  else if (r.change === 'modified') {
    for (const p of tokenDiff(r.from ?? null, r.value ?? '')) value.append(p.added ? h('ins', {}, p.text) : p.text);
    value.append(h('div', { class: 'was' }, 'was ', h('del', {}, r.from ?? '')));
  } else value.append(r.value ?? '');
  return value;
}

function toggleWatch(key: string): void {
  st.watched = st.watched.includes(key) ? st.watched.filter((k) => k !== key) : [...st.watched, key];
  nav.markWatched();
  renderState();
  persist();
}

/** Watched keys: their value now and every step that changed them (a per-key watch over the trace). */
function watchPanel(): HTMLElement | null {
  if (!st.model?.trace || !st.watched.length) return null;
  const trace = st.model.trace;
  const after = st.model.states[st.current + 1];
  return h(
    'section',
    { id: 'watch', class: 'state-section watch', attrs: { 'aria-label': 'Watched state' } },
    h('h3', {}, 'Watched'),
    ...st.watched.map((key) =>
      h(
        'div',
        { class: 'watch-item', attrs: { 'data-key': key } },
        h(
          'div',
          {},
          button(
            '✕',
            () => toggleWatch(key),
            { title: `Stop watching ${key}`, 'aria-label': `Stop watching ${key}` },
            'link',
          ),
          ' ',
          h('code', {}, key),
          ' = ',
          h('code', { class: 'watch-value' }, after[key] ?? '(absent)'),
        ),
        h(
          'ol',
          { class: 'watch-history', attrs: { 'aria-label': `Steps that changed ${key}` } },
          ...history(trace, key).map((c) =>
            h(
              'li',
              { class: c.index === st.current ? 'here' : c.index < st.current ? 'past' : 'future' },
              button(
                `${stepLabel(trace.steps[c.index])}`,
                () => nav.select(c.index, { post: true, scroll: true }),
                { title: `Go to step ${stepLabel(trace.steps[c.index])}` },
                'link',
              ),
              ` ${trace.steps[c.index].function}: `,
              h('code', {}, c.to ?? '(gone)'),
            ),
          ),
        ),
      ),
    ),
  );
}

export function renderState(): void {
  const body = document.getElementById('state-body');
  if (!body || !st.model?.trace) return;
  const after = st.model.states[st.current + 1];
  const before = st.model.states[st.current];
  const q = st.filter.trim().toLowerCase();
  const sections = stateSections(after, before)
    .map((sec) => ({
      ...sec,
      rows: sec.rows.filter(
        (r) =>
          (!st.changedOnly || r.change) &&
          (!q || r.key.toLowerCase().includes(q) || (r.value ?? '').toLowerCase().includes(q)),
      ),
    }))
    .filter((sec) => sec.rows.length);
  const watch = watchPanel();
  if (!sections.length) {
    body.replaceChildren(
      ...(watch ? [watch] : []),
      h(
        'p',
        { class: 'muted' },
        st.changedOnly ? 'This step changed nothing in the state.' : 'Nothing matches the filter.',
      ),
    );
    return;
  }
  body.replaceChildren(
    ...(watch ? [watch] : []),
    ...sections.map((sec) =>
      h(
        'section',
        { class: `state-section state-${sec.id}` },
        h('h3', {}, sec.title),
        h(
          'table',
          {},
          h(
            'tbody',
            {},
            ...sec.rows.map((r) => {
              const on = st.watched.includes(r.key);
              const name = button(
                r.name,
                () => toggleWatch(r.key),
                {
                  title: on ? `Stop watching ${r.key}` : `Watch ${r.key} across the trace`,
                  'aria-pressed': String(on),
                },
                'link key',
              );
              return h(
                'tr',
                {
                  class: [r.change ? `changed ${r.change}` : '', on ? 'watched' : ''].filter(Boolean).join(' '),
                  attrs: { 'data-key': r.key },
                },
                h(
                  'th',
                  { attrs: { scope: 'row' } },
                  name,
                  r.change ? h('span', { class: 'change-kind' }, ` ${r.change}`) : null,
                ),
                valueCell(r),
              );
            }),
          ),
        ),
      ),
    ),
  );
}

/** A scenario file's P step: the line of its thread body it is under, as a link to the file. */
function scenarioLink(s: TraceStep): HTMLElement | null {
  const line = s.origin?.line;
  if (!st.model?.view.litmus || line === undefined) return null;
  const label = `${s.origin!.fn.replace(/:.*/, '')}, line ${line + 1} of the scenario file`;
  return h(
    'p',
    {},
    'From ',
    button(
      label,
      () => post({ type: 'revealScenario', line }),
      { id: 'reveal-scenario', title: `Open the scenario at line ${line + 1}` },
      'link',
    ),
  );
}
