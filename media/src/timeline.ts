// The trace view's interleaving: the failure in front, the step toolbar, and the lanes (a column
// per CPU and context, a row per step) beside the details of the selected step.

import type { TraceStep } from '../../engine/src';
import { button, h } from './dom';
import { details } from './details';
import { finalMismatch, Lane, laneKey, stepLabel } from './model';
import { Model, nav, persist, st } from './page';

export function workspace(m: Model): HTMLElement {
  const trace = m.trace!;
  const v = m.view;
  const parts: HTMLElement[] = [];
  if (v.verdict === 'fail' && m.failing !== null) {
    const s = trace.steps[m.failing];
    parts.push(
      h(
        'section',
        { id: 'error-front', class: 'error-front', attrs: { 'aria-label': 'Failure' } },
        h('strong', {}, `Violated at step ${stepLabel(s)}`),
        ` on CPU${s.cpu} (${s.context} ${s.thread}) in ${s.function}: `,
        s.violation ? `${s.violation.property}: ${s.violation.message}` : (v.message ?? ''),
        ' ',
        button('Go to failing step', () => nav.select(m.failing!, { post: true, scroll: true, focus: true }), {
          id: 'goto-failing',
          'aria-keyshortcuts': 'F',
        }),
      ),
    );
  } else if (v.verdict !== 'fail') {
    parts.push(
      h(
        'h2',
        { class: 'sample-heading' },
        v.verdict === 'pass' ? 'Sample execution (the first interleaving explored)' : 'Last execution reached',
      ),
    );
  }
  const mismatch = finalMismatch(trace, m.states);
  if (mismatch.length)
    parts.push(
      h(
        'p',
        { class: 'warn' },
        `The steps' changes do not rebuild the trace's final state (${mismatch.join(', ')}): the state panel may be wrong.`,
      ),
    );
  const hasClocks = trace.steps.every((s) => s.clock);
  return h('div', { class: 'workspace' }, ...parts, h('div', { class: 'columns' }, timeline(m, hasClocks), details()));
}

function toolbar(m: Model, hasClocks: boolean): HTMLElement {
  const hb = h('input', { id: 'hb-toggle', attrs: { type: 'checkbox' } });
  hb.checked = st.hbEnabled && hasClocks;
  hb.disabled = !hasClocks;
  hb.addEventListener('change', () => {
    st.hbEnabled = hb.checked;
    nav.applyOrder();
    persist();
  });
  const failBtn = button(
    'Failing step',
    () => m.failing !== null && nav.select(m.failing, { post: true, scroll: true, focus: true }),
    { id: 'btn-failing', 'aria-keyshortcuts': 'F' },
  );
  failBtn.disabled = m.failing === null;
  return h(
    'div',
    // a group, not role=toolbar: the arrow keys step through the trace rather than move between buttons
    { class: 'toolbar', attrs: { role: 'group', 'aria-label': 'Step through the trace' } },
    button('◀◀ First', () => nav.select(0, { post: true, scroll: true }), {
      id: 'btn-first',
      'aria-keyshortcuts': 'Home',
    }),
    button('◀ Back', () => nav.select(st.current - 1, { post: true, scroll: true }), {
      id: 'btn-back',
      'aria-keyshortcuts': 'ArrowLeft K',
    }),
    h('span', { id: 'position', class: 'position', attrs: { 'aria-live': 'polite' } }),
    button('Forward ▶', () => nav.select(st.current + 1, { post: true, scroll: true }), {
      id: 'btn-forward',
      'aria-keyshortcuts': 'ArrowRight J',
    }),
    button('Last ▶▶', () => nav.select(m.trace!.steps.length - 1, { post: true, scroll: true }), {
      id: 'btn-last',
      'aria-keyshortcuts': 'End',
    }),
    failBtn,
    h(
      'label',
      {
        class: 'hb',
        attrs: {
          title: hasClocks
            ? 'Dim the steps concurrent with the selected one (vector clocks)'
            : 'This trace has no vector clocks',
        },
      },
      hb,
      ' dim concurrent steps',
    ),
  );
}

/** The lanes: a header row naming them, then a row per step with its cell in its lane. */
function timeline(m: Model, hasClocks: boolean): HTMLElement {
  const trace = m.trace!;
  const laneIndex = new Map(m.lanes.map((l, i) => [l.key, i]));
  const head = h(
    'div',
    { class: 'row lane-head', attrs: { 'aria-hidden': 'true' } },
    h('div', { class: 'cell time' }, 'step'),
    ...m.lanes.map((l) => h('div', { class: `cell lane lane-${l.context}` }, l.label)),
  );
  const list = h('div', {
    id: 'steps',
    class: 'steps',
    attrs: {
      role: 'listbox',
      tabindex: '0',
      'aria-label': `Steps of the trace, one column per CPU and context: ${m.lanes.map((l) => l.label).join(', ')}`,
    },
  });
  m.rows = trace.steps.map((s, i) => {
    const row = stepRow(m, s, i, laneIndex.get(laneKey(s)) ?? 0);
    // a click selects (the host shows the source beside, the keys stay here); Enter opens it
    row.addEventListener('click', () => {
      nav.select(i, { post: true, scroll: false });
      list.focus({ preventScroll: true });
    });
    return row;
  });
  list.append(...m.rows);
  list.addEventListener('keydown', (e) => {
    if (e.key === 'ArrowDown') nav.step(+1, e);
    else if (e.key === 'ArrowUp') nav.step(-1, e);
    else if (e.key === 'Enter' || e.key === ' ') {
      e.preventDefault();
      nav.revealStep(m.trace!.steps[st.current], e.key === 'Enter');
    }
  });
  return h(
    'section',
    { class: 'timeline', attrs: { 'aria-label': 'Interleaving' } },
    toolbar(m, hasClocks),
    legend(hasClocks),
    h('div', { class: 'scroller' }, head, list),
  );
}

/** One step: its label, then a cell per lane, empty but in the step's own. */
function stepRow(m: Model, s: TraceStep, i: number, lane: number): HTMLElement {
  const cls = [
    'row',
    'step',
    s.sub ? 'sub' : '',
    s.violation ? 'violation' : '',
    s.warnings.length ? 'has-warning' : '',
    s.changes?.length ? 'has-changes' : '',
  ]
    .filter(Boolean)
    .join(' ');
  const cells: HTMLElement[] = [h('div', { class: 'cell time' }, stepLabel(s))];
  m.lanes.forEach((l, k) => cells.push(k === lane ? stepCell(s, l) : h('div', { class: 'cell lane empty' })));
  return h(
    'div',
    {
      id: `step-${i}`,
      class: cls,
      attrs: {
        role: 'option',
        'aria-selected': 'false',
        'aria-label': `step ${stepLabel(s)}, CPU${s.cpu} ${s.context} ${s.thread}, ${s.function}: ${s.event}${s.violation ? ', violation: ' + s.violation.property : ''}`,
      },
    },
    ...cells,
  );
}

function stepCell(s: TraceStep, l: Lane): HTMLElement {
  return h(
    'div',
    { class: `cell lane lane-${l.context} occupied`, attrs: { title: s.event } },
    // shown only when a narrow panel folds the lanes into one column
    h('span', { class: 'lane-tag', attrs: { 'aria-hidden': 'true' } }, l.label),
    h('span', { class: 'fn' }, s.function),
    l.label.endsWith(s.thread) ? null : h('span', { class: 'thread' }, ` ${s.thread}`),
    s.violation
      ? h('span', { class: 'mark violation-mark' }, ` ✖ ${s.violation.property}`)
      : s.warnings.length
        ? h('span', { class: 'mark warning-mark' }, ' ⚠ WARN')
        : null,
    h('span', { class: 'event' }, s.event),
  );
}

function legend(hasClocks: boolean): HTMLElement {
  return h(
    'p',
    { class: 'legend muted' },
    hasClocks
      ? h(
          'span',
          {},
          h('span', { class: 'swatch before' }, '▲'),
          ' happens before the selected step · ',
          h('span', { class: 'swatch after' }, '▼'),
          ' happens after it · dimmed: concurrent with it (its order against the selected step is not forced)',
        )
      : 'This trace has no vector clocks: happens-before is not shown.',
  );
}
