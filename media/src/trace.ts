/* eslint-disable max-lines -- issue 16: over 600 lines once prettier wrapped it; to be split */
// The trace webview: verdict first, then the interleaving as lanes per CPU/context on a time axis,
// the state after the selected step and what that step changed. Plain DOM, every string set as
// text (traces carry scenario titles and events that may come from mails or C source).

import type { Trace, TraceStep } from '../../engine/src';
import { shellCommand } from '../../engine/src/shell';
import {
  failingIndex,
  finalMismatch,
  history,
  Lane,
  laneKey,
  lanes,
  order,
  StateRow,
  stateSections,
  statesOf,
  stepLabel,
  tokenDiff,
} from './model';
import { FromWebview, isSimulationView, isToWebview, SimulationView } from './protocol';

interface VsCodeApi {
  postMessage(m: FromWebview): void;
  getState(): unknown;
  setState(s: PersistedState): void;
}
declare function acquireVsCodeApi(): VsCodeApi;

interface PersistedState {
  view: SimulationView;
  current: number;
  hb: boolean;
  filter: string;
  changedOnly: boolean;
  watched: string[];
}

const vscode = acquireVsCodeApi();

// ---- DOM helpers: text only ---------------------------------------------------------------

type Child = Node | string | null | undefined | false;
function h<K extends keyof HTMLElementTagNameMap>(
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

function button(label: string, onClick: () => void, attrs: Record<string, string> = {}, cls = ''): HTMLButtonElement {
  const b = h('button', { class: cls, attrs: { type: 'button', ...attrs } }, label);
  b.addEventListener('click', onClick);
  return b;
}

// ---- state of the page --------------------------------------------------------------------

interface Model {
  view: SimulationView;
  trace: Trace | null;
  lanes: Lane[];
  states: Record<string, string>[];
  failing: number | null;
  rows: HTMLElement[];
}

let model: Model | null = null;
let current = 0;
let hbEnabled = true;
let filter = '';
let changedOnly = false;
/** state keys the reviewer follows across the trace (o0, rcu.cb#0, …) */
let watched: string[] = [];

const app = document.getElementById('app') as HTMLElement;
const banner = h('div', { id: 'banner', attrs: { role: 'alert' } });
const busy = h('div', { id: 'busy', class: 'busy', attrs: { role: 'status', 'aria-live': 'polite' } });

function persist(): void {
  if (model) vscode.setState({ view: model.view, current, hb: hbEnabled, filter, changedOnly, watched });
}

function post(m: FromWebview): void {
  vscode.postMessage(m);
}

/** Same run shown again (reload, re-sent view): keep the reviewer's place. */
const sameRun = (a: SimulationView, b: SimulationView) =>
  a.title === b.title &&
  a.verdict === b.verdict &&
  a.token === b.token &&
  (a.trace?.steps.length ?? -1) === (b.trace?.steps.length ?? -1) &&
  a.trace?.schedule.join() === b.trace?.schedule.join();

// ---- rendering ----------------------------------------------------------------------------

function show(view: SimulationView, keep: number | null): void {
  const trace = view.trace;
  const failing = trace ? failingIndex(trace) : null;
  model = { view, trace, lanes: trace ? lanes(trace) : [], states: trace ? statesOf(trace) : [], failing, rows: [] };
  // a failure opens at the failing step with the error in front; otherwise where the reviewer was
  const n = trace?.steps.length ?? 0;
  current = keep !== null && keep < n ? keep : (failing ?? 0);
  banner.replaceChildren();
  app.replaceChildren(
    verdictHeader(view),
    banner,
    busy,
    summary(view),
    replayBar(view),
    trace && trace.steps.length ? workspace(model) : noTrace(view),
    keysHelp(),
  );
  app.setAttribute('aria-busy', 'false');
  document.title = `${view.verdict.toUpperCase()}: ${view.title}`;
  if (trace && trace.steps.length) {
    markWatched();
    select(current, { post: false, scroll: true });
  }
  persist();
  post({ type: 'rendered' });
}

function verdictHeader(v: SimulationView): HTMLElement {
  const word = { pass: 'PASS', fail: 'FAIL', incomplete: 'INCOMPLETE' }[v.verdict];
  const what =
    v.verdict === 'fail'
      ? `${v.property ?? 'property violated'}${v.message ? ': ' + v.message : ''}`
      : v.verdict === 'pass'
        ? v.stats
          ? passLine(v.stats.strategy)
          : 'No property violated in this trace.'
        : `Not a pass: the exploration stopped before it covered every interleaving${v.reason ? ' (' + v.reason + ')' : ''}.`;
  const one = v.stats && v.stats.executions === 1 && v.verdict !== 'fail';
  return h(
    'header',
    { id: 'verdict', class: `verdict verdict-${v.verdict}`, attrs: { role: 'status', 'aria-live': 'polite' } },
    h(
      'h1',
      {},
      h('span', { class: 'badge' }, word),
      ' ',
      v.experiment ? h('span', { id: 'experiment-badge', class: 'experiment-badge' }, 'EXPERIMENT') : null,
      v.experiment ? ' ' : null,
      h('span', { id: 'title' }, v.title),
    ),
    v.experiment
      ? h('p', { id: 'experiment', class: 'experiment' }, `What-if run, not the file: ${v.experiment}.`)
      : null,
    v.litmus
      ? h(
          'p',
          { id: 'litmus', class: v.litmus.matches === false ? 'litmus warn' : 'litmus' },
          `${v.litmus.observation} — ${v.litmus.expectation}.`,
        )
      : null,
    h('p', { id: 'property', class: 'property' }, what),
    v.covers ? h('p', { id: 'covers', class: 'covers' }, `Covered: ${v.covers}.`) : null,
    // a pass over one interleaving proves little: nothing in the scenario ran concurrently with what matters
    one
      ? h(
          'p',
          { id: 'thin', class: 'warn' },
          'Only one interleaving was explored: no two threads of this scenario touch the same state in an order that matters (for example, no free runs concurrently with the destroy). The pass says nothing about such races.',
        )
      : null,
  );
}

function passLine(strategy: string): string {
  switch (strategy) {
    case 'dpor':
    case 'naive':
      return 'No property violated in any interleaving (exhaustive exploration).';
    case 'bounded':
      return 'No property violated within the preemption bound: interleavings beyond it were not explored.';
    default:
      return `No property violated in the sampled runs (${strategy}): sampling finds bugs, it does not prove their absence.`;
  }
}

function summary(v: SimulationView): HTMLElement {
  const sec = h('section', { id: 'summary', class: 'summary', attrs: { 'aria-label': 'What was explored' } });
  if (v.verdict === 'incomplete') {
    sec.append(
      h(
        'p',
        { class: 'incomplete-reason' },
        `Incomplete — ${v.reason ?? 'the exploration was stopped'}. Interleavings not reached may still violate a property; raise the state limit or narrow the scenario.`,
      ),
    );
  }
  if (v.stats) {
    const s = v.stats;
    const dl = h('dl', { id: 'stats', class: 'stats' });
    const add = (k: string, val: string) => dl.append(h('dt', {}, k), h('dd', {}, val));
    add('strategy', s.strategy);
    add('states', s.states.toLocaleString('en'));
    add('transitions', s.transitions.toLocaleString('en'));
    add('interleavings', s.executions.toLocaleString('en'));
    add('distinct outcomes', s.outcomes.toLocaleString('en'));
    // stopped at the first counterexample: say so, the counts cover only what came before it
    add('failing', s.failing.toLocaleString('en') + (v.verdict === 'fail' && v.reason ? ` (${v.reason})` : ''));
    add('time', `${s.elapsedMs.toLocaleString('en')} ms`);
    add('CPUs', String(s.ncpus));
    sec.append(h('h2', {}, v.verdict === 'pass' ? 'Explored' : 'Exploration'), dl);
  } else {
    sec.append(h('p', { class: 'muted' }, 'Loaded from a trace file: exploration statistics are not saved in traces.'));
  }
  const cfg = Object.entries(v.config ?? {});
  if (cfg.length)
    sec.append(
      h('p', { class: 'config' }, ...cfg.map(([k, on]) => h('span', { class: 'chip' }, `${k}=${on ? 'y' : 'n'}`))),
    );
  if (v.builtinFallback?.length) {
    sec.append(h('p', { class: 'warn' }, `Not found in the source, built-in IR used: ${v.builtinFallback.join(', ')}`));
  }
  const nm = Object.entries(v.notModelled ?? {}).filter(([, l]) => l.length);
  if (nm.length) {
    sec.append(
      h('h2', {}, 'Not modelled'),
      h(
        'ul',
        { class: 'not-modelled' },
        ...nm.flatMap(([fn, list]) => list.map((why) => h('li', {}, h('code', {}, fn), ': ', why))),
      ),
    );
  }
  return sec;
}

function replayBar(v: SimulationView): HTMLElement {
  const bar = h('section', { id: 'replay', class: 'replay', attrs: { 'aria-label': 'Replay' } });
  if (v.token) {
    const token = v.token;
    bar.append(
      h('span', { class: 'label' }, 'Replay token '),
      h('code', { id: 'token' }, token),
      ' ',
      button('Copy', () => post({ type: 'copyToken', token }), { id: 'copy-token', title: 'Copy the replay token' }),
      h(
        'div',
        { class: 'command' },
        h('code', { id: 'replay-command' }, shellCommand(['node', 'dist/cli.js', 'replay', '--token', token])),
      ),
    );
  } else if (v.trace) {
    bar.append(
      h('span', { class: 'muted' }, 'No replay token (programs from the source): export the trace file to replay it.'),
    );
  }
  const exp = button('Export trace…', () => post({ type: 'exportTrace' }), { id: 'export' });
  exp.disabled = !v.trace;
  bar.append(
    h(
      'div',
      { class: 'actions' },
      exp,
      ' ',
      button('Import trace…', () => post({ type: 'importTrace' }), { id: 'import' }),
    ),
  );
  return bar;
}

function noTrace(v: SimulationView): HTMLElement {
  return h(
    'p',
    { class: 'muted', id: 'no-trace' },
    v.verdict === 'incomplete'
      ? 'No execution was completed, so there is no trace to show.'
      : 'This result carries no trace.',
  );
}

function keysHelp(): HTMLElement {
  return h(
    'footer',
    { class: 'keys muted' },
    'Keys: ',
    h('kbd', {}, '→'),
    '/',
    h('kbd', {}, 'j'),
    ' next step · ',
    h('kbd', {}, '←'),
    '/',
    h('kbd', {}, 'k'),
    ' previous · ',
    h('kbd', {}, 'Home'),
    '/',
    h('kbd', {}, 'End'),
    ' first/last · ',
    h('kbd', {}, 'f'),
    ' failing step · ',
    h('kbd', {}, 'Space'),
    ' show the source beside · ',
    h('kbd', {}, 'Enter'),
    ' open the source in the editor (',
    h('kbd', {}, 'Ctrl+K T'),
    ' comes back here)',
  );
}

function workspace(m: Model): HTMLElement {
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
        button('Go to failing step', () => select(m.failing!, { post: true, scroll: true, focus: true }), {
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
  hb.checked = hbEnabled && hasClocks;
  hb.disabled = !hasClocks;
  hb.addEventListener('change', () => {
    hbEnabled = hb.checked;
    applyOrder();
    persist();
  });
  const failBtn = button(
    'Failing step',
    () => m.failing !== null && select(m.failing, { post: true, scroll: true, focus: true }),
    { id: 'btn-failing', 'aria-keyshortcuts': 'F' },
  );
  failBtn.disabled = m.failing === null;
  return h(
    'div',
    // a group, not role=toolbar: the arrow keys step through the trace rather than move between buttons
    { class: 'toolbar', attrs: { role: 'group', 'aria-label': 'Step through the trace' } },
    button('◀◀ First', () => select(0, { post: true, scroll: true }), { id: 'btn-first', 'aria-keyshortcuts': 'Home' }),
    button('◀ Back', () => select(current - 1, { post: true, scroll: true }), {
      id: 'btn-back',
      'aria-keyshortcuts': 'ArrowLeft K',
    }),
    h('span', { id: 'position', class: 'position', attrs: { 'aria-live': 'polite' } }),
    button('Forward ▶', () => select(current + 1, { post: true, scroll: true }), {
      id: 'btn-forward',
      'aria-keyshortcuts': 'ArrowRight J',
    }),
    button('Last ▶▶', () => select(m.trace!.steps.length - 1, { post: true, scroll: true }), {
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

// eslint-disable-next-line max-lines-per-function -- issue 16: wrapped past 80 lines by prettier; to be cut
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
    const li = laneIndex.get(laneKey(s)) ?? 0;
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
    m.lanes.forEach((l, k) => {
      if (k !== li) {
        cells.push(h('div', { class: 'cell lane empty' }));
        return;
      }
      cells.push(
        h(
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
        ),
      );
    });
    const row = h(
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
    // a click selects (the host shows the source beside, the keys stay here); Enter opens it
    row.addEventListener('click', () => {
      select(i, { post: true, scroll: false });
      list.focus({ preventScroll: true });
    });
    return row;
  });
  list.append(...m.rows);
  list.addEventListener('keydown', (e) => {
    if (e.key === 'ArrowDown') step(+1, e);
    else if (e.key === 'ArrowUp') step(-1, e);
    else if (e.key === 'Enter' || e.key === ' ') {
      e.preventDefault();
      revealStep(m.trace!.steps[current], e.key === 'Enter');
    }
  });
  const legend = h(
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
  return h(
    'section',
    { class: 'timeline', attrs: { 'aria-label': 'Interleaving' } },
    toolbar(m, hasClocks),
    legend,
    h('div', { class: 'scroller' }, head, list),
  );
}

function details(): HTMLElement {
  const filterInput = h('input', {
    id: 'state-filter',
    attrs: { type: 'search', placeholder: 'filter (cpu0, o2, rcu…)', 'aria-label': 'Filter the state' },
  });
  filterInput.value = filter;
  filterInput.addEventListener('input', () => {
    filter = filterInput.value;
    renderState();
    persist();
  });
  const changed = h('input', { id: 'changed-only', attrs: { type: 'checkbox' } });
  changed.checked = changedOnly;
  changed.addEventListener('change', () => {
    changedOnly = changed.checked;
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

function renderCurrent(): void {
  const box = document.getElementById('current-step');
  if (!box || !model?.trace) return;
  const s = model.trace.steps[current];
  const lane = model.lanes.find((l) => l.key === laneKey(s));
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
        button(s.function, () => revealStep(s), { id: 'reveal-step', title: `Open the source at ${src}` }, 'link'),
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
  watched = watched.includes(key) ? watched.filter((k) => k !== key) : [...watched, key];
  markWatched();
  renderState();
  persist();
}

/** Watched keys: their value now and every step that changed them (a per-key watch over the trace). */
function watchPanel(): HTMLElement | null {
  if (!model?.trace || !watched.length) return null;
  const trace = model.trace;
  const after = model.states[current + 1];
  return h(
    'section',
    { id: 'watch', class: 'state-section watch', attrs: { 'aria-label': 'Watched state' } },
    h('h3', {}, 'Watched'),
    ...watched.map((key) =>
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
              { class: c.index === current ? 'here' : c.index < current ? 'past' : 'future' },
              button(
                `${stepLabel(trace.steps[c.index])}`,
                () => select(c.index, { post: true, scroll: true }),
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

function renderState(): void {
  const body = document.getElementById('state-body');
  if (!body || !model?.trace) return;
  const after = model.states[current + 1];
  const before = model.states[current];
  const q = filter.trim().toLowerCase();
  const sections = stateSections(after, before)
    .map((sec) => ({
      ...sec,
      rows: sec.rows.filter(
        (r) =>
          (!changedOnly || r.change) &&
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
        changedOnly ? 'This step changed nothing in the state.' : 'Nothing matches the filter.',
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
              const on = watched.includes(r.key);
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

/** Steps that change a watched key get a mark on the time axis. */
function markWatched(): void {
  if (!model?.trace) return;
  model.trace.steps.forEach((s, i) =>
    model!.rows[i]?.classList.toggle('touches-watch', !!s.changes?.some((c) => watched.includes(c.key))),
  );
}

/** Classes that place every step against the selected one (vector clocks). */
function applyOrder(): void {
  if (!model?.trace) return;
  const cur = model.trace.steps[current];
  const list = document.getElementById('steps');
  list?.classList.toggle('hb-off', !hbEnabled);
  model.rows.forEach((row, i) => {
    const o = i === current ? 'current' : order(cur, model!.trace!.steps[i]);
    row.classList.remove('hb-before', 'hb-after', 'hb-concurrent', 'hb-same', 'hb-unknown', 'hb-current');
    row.classList.add(`hb-${o}`);
  });
}

function select(i: number, o: { post: boolean; scroll: boolean; focus?: boolean }): void {
  if (!model?.trace) return;
  const n = model.trace.steps.length;
  if (n === 0) return;
  const next = Math.max(0, Math.min(n - 1, i));
  model.rows[current]?.setAttribute('aria-selected', 'false');
  model.rows[current]?.classList.remove('selected');
  current = next;
  const row = model.rows[current];
  row.setAttribute('aria-selected', 'true');
  row.classList.add('selected');
  const list = document.getElementById('steps');
  list?.setAttribute('aria-activedescendant', row.id);
  const pos = document.getElementById('position');
  if (pos) pos.textContent = `step ${stepLabel(model.trace.steps[current])} (${current + 1} of ${n})`;
  // aria-disabled, not disabled: a disabled button drops the keyboard focus of whoever pressed it
  document.getElementById('btn-back')?.setAttribute('aria-disabled', String(current === 0));
  document.getElementById('btn-forward')?.setAttribute('aria-disabled', String(current === n - 1));
  applyOrder();
  renderCurrent();
  renderState();
  if (o.scroll) scrollIntoList(row);
  if (o.focus) list?.focus({ preventScroll: true });
  if (o.post) post({ type: 'step', index: current });
  persist();
}

/**
 * Scroll only the step list, below its sticky lane header: scrollIntoView would also scroll the
 * page and push the verdict out of sight, and would hide the row under the header.
 */
function scrollIntoList(row: HTMLElement): void {
  const sc = row.closest('.scroller');
  if (!(sc instanceof HTMLElement)) return;
  const head = sc.querySelector('.lane-head');
  const headH = head instanceof HTMLElement ? head.offsetHeight : 0;
  // the verdict is pinned on top of the window: rows under it are not in view
  const pinned = Math.max(0, document.getElementById('verdict')?.getBoundingClientRect().bottom ?? 0);
  const r = row.getBoundingClientRect();
  const box = sc.getBoundingClientRect();
  // the part of the list the reviewer can see: below its header and the verdict, above the window's bottom
  const top = Math.max(box.top, pinned) + (box.top < pinned ? 0 : headH);
  const bottom = Math.min(box.bottom, window.innerHeight);
  if (bottom - top < r.height) {
    pageTo(row, pinned);
    return;
  }
  if (r.top < top) sc.scrollTop -= top - r.top;
  else if (r.bottom > bottom) sc.scrollTop += r.bottom - bottom;
  // the list could not scroll far enough (its end is below the window, in a narrow panel)
  const now = row.getBoundingClientRect();
  if (now.bottom > window.innerHeight || now.top < pinned) pageTo(row, pinned);
}

/** Scroll the page so that the row is in the window, below the pinned verdict. */
function pageTo(row: HTMLElement, pinned: number): void {
  row.scrollIntoView({ block: 'nearest' });
  const r = row.getBoundingClientRect();
  if (r.top < pinned) window.scrollBy(0, r.top - pinned);
}

function step(delta: number, e: Event): void {
  e.preventDefault();
  select(current + delta, { post: true, scroll: true });
}

/** A scenario file's P step: the line of its thread body it is under, as a link to the file. */
function scenarioLink(s: TraceStep): HTMLElement | null {
  const line = s.origin?.line;
  if (!model?.view.litmus || line === undefined) return null;
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

/** Show the step's source; `focus`: the editor takes the keyboard (Enter), else the trace keeps it. */
function revealStep(s: TraceStep, focus = false): void {
  if (s.anchor) {
    const m: FromWebview = { type: 'reveal', function: s.anchor.fn, index: s.anchor.index, focus };
    if (s.anchor.line !== undefined) m.line = s.anchor.line;
    post(m);
  } else post({ type: 'reveal', function: s.function, focus });
}

// ---- input --------------------------------------------------------------------------------

document.addEventListener('keydown', (e) => {
  if (!model?.trace || e.altKey || e.ctrlKey || e.metaKey) return;
  const t = e.target as HTMLElement | null;
  // typing in the filter, or a button's own activation keys, are not navigation
  if (t && (t.tagName === 'INPUT' || t.tagName === 'TEXTAREA' || t.isContentEditable)) return;
  switch (e.key) {
    case 'ArrowRight':
    case 'j':
      return step(+1, e);
    case 'ArrowLeft':
    case 'k':
      return step(-1, e);
    case 'Home':
      e.preventDefault();
      return select(0, { post: true, scroll: true });
    case 'End':
      e.preventDefault();
      return select(model.trace.steps.length - 1, { post: true, scroll: true });
    case 'f':
      if (model.failing !== null) {
        e.preventDefault();
        select(model.failing, { post: true, scroll: true, focus: true });
      }
      return;
  }
});

window.addEventListener('message', (e: MessageEvent<unknown>) => {
  const m = e.data;
  if (!isToWebview(m)) {
    // a malformed message is a host bug: say so rather than render half a view
    const type = typeof m === 'object' && m !== null && 'type' in m ? String((m as { type: unknown }).type) : typeof m;
    showError(`Ignored a malformed message from the extension (${type.slice(0, 40)}).`);
    return;
  }
  switch (m.type) {
    case 'show': {
      const keep = model && sameRun(model.view, m.view) ? current : null;
      busy.textContent = '';
      show(m.view, keep);
      return;
    }
    case 'error':
      showError(m.message);
      return;
    case 'busy':
      busy.textContent = m.text ?? '';
      app.setAttribute('aria-busy', m.text ? 'true' : 'false');
      if (!model) app.replaceChildren(banner, busy);
      return;
    case 'select':
      select(m.index, { post: false, scroll: true });
      return;
    case 'focus':
      document.getElementById('steps')?.focus({ preventScroll: true });
      return;
  }
});

function showError(message: string): void {
  if (!banner.isConnected) app.prepend(banner);
  banner.replaceChildren(h('p', { class: 'error' }, message));
}

// ---- start --------------------------------------------------------------------------------

const saved = vscode.getState() as Partial<PersistedState> | undefined;
if (saved && typeof saved === 'object') {
  hbEnabled = saved.hb !== false;
  filter = typeof saved.filter === 'string' ? saved.filter : '';
  changedOnly = saved.changedOnly === true;
  watched = Array.isArray(saved.watched) ? saved.watched.filter((k): k is string => typeof k === 'string') : [];
  // the saved view went through the same guard when it arrived, but state storage is not ours
  if (isSimulationView(saved.view))
    show(
      saved.view,
      typeof saved.current === 'number' && Number.isInteger(saved.current) && saved.current >= 0 ? saved.current : null,
    );
}
post({ type: 'ready' });
