// The trace webview: verdict first, then the interleaving as lanes per CPU/context on a time axis,
// the state after the selected step and what that step changed. Plain DOM, every string set as
// text (traces carry scenario titles and events that may come from mails or C source).
//
// This module is the page: the messages of the host, the keys, the selection. It builds the view
// from header.ts (the verdict and what was explored), timeline.ts (the lanes) and details.ts (the
// selected step and the state).

import type { TraceStep } from '../../engine/src';
import { renderCurrent, renderState } from './details';
import { h } from './dom';
import { keysHelp, noTrace, replayBar, summary, verdictHeader } from './header';
import { failingIndex, lanes, order, statesOf, stepLabel } from './model';
import { nav, persist, post, savedState, SelectOptions, st } from './page';
import { FromWebview, isSimulationView, isToWebview, SimulationView } from './protocol';
import { workspace } from './timeline';

const app = document.getElementById('app') as HTMLElement;
const banner = h('div', { id: 'banner', attrs: { role: 'alert' } });
const busy = h('div', { id: 'busy', class: 'busy', attrs: { role: 'status', 'aria-live': 'polite' } });

/** Same run shown again (reload, re-sent view): keep the reviewer's place. */
const sameRun = (a: SimulationView, b: SimulationView) =>
  a.title === b.title &&
  a.verdict === b.verdict &&
  a.token === b.token &&
  (a.trace?.steps.length ?? -1) === (b.trace?.steps.length ?? -1) &&
  a.trace?.schedule.join() === b.trace?.schedule.join();

// ---- rendering ----------------------------------------------------------------------------

/** The result being shown: a newer one cancels the lanes of an older one not built yet. */
let shownGeneration = 0;

/**
 * The verdict first, the lanes in the next task: the headline is painted before the rows of
 * every step and the state panel are built and laid out. #app is aria-busy until both are in.
 * A view restored from the page's saved state (no host waiting on it) is built in one go.
 */
function show(view: SimulationView, keep: number | null, fromHost = true): void {
  const came = performance.now();
  const arrived = Date.now();
  const generation = ++shownGeneration;
  const trace = view.trace;
  const failing = trace ? failingIndex(trace) : null;
  st.model = { view, trace, lanes: trace ? lanes(trace) : [], states: trace ? statesOf(trace) : [], failing, rows: [] };
  // a failure opens at the failing step with the error in front; otherwise where the reviewer was
  const n = trace?.steps.length ?? 0;
  st.current = keep !== null && keep < n ? keep : (failing ?? 0);
  banner.replaceChildren();
  const top = [verdictHeader(view), banner, busy, summary(view), replayBar(view)];
  const rest = h('div', { id: 'rest' });
  app.replaceChildren(...top, rest, keysHelp());
  app.setAttribute('aria-busy', 'true');
  document.title = `${view.verdict.toUpperCase()}: ${view.title}`;
  const headline = performance.now() - came;
  const lanesIn = () => {
    if (generation !== shownGeneration || !st.model) return;
    rest.replaceWith(trace && trace.steps.length ? workspace(st.model) : noTrace(view));
    if (trace && trace.steps.length) {
      markWatched();
      select(st.current, { post: false, scroll: true });
    }
    app.setAttribute('aria-busy', 'false');
    persist();
    if (fromHost)
      post({ type: 'rendered', headline: Math.round(headline), lanes: Math.round(performance.now() - came), arrived });
  };
  if (fromHost) afterPaint(lanesIn);
  else lanesIn();
}

/** Run `f` once after the next frame is painted (or soon, in a hidden view that paints no frames). */
function afterPaint(f: () => void): void {
  let done = false;
  const once = () => {
    if (done) return;
    done = true;
    f();
  };
  requestAnimationFrame(() => requestAnimationFrame(() => setTimeout(once, 0)));
  setTimeout(once, 200);
}

/** Steps that change a watched key get a mark on the time axis. */
function markWatched(): void {
  if (!st.model?.trace) return;
  st.model.trace.steps.forEach((s, i) =>
    st.model!.rows[i]?.classList.toggle('touches-watch', !!s.changes?.some((c) => st.watched.includes(c.key))),
  );
}

/** Classes that place every step against the selected one (vector clocks). */
function applyOrder(): void {
  if (!st.model?.trace) return;
  const cur = st.model.trace.steps[st.current];
  const list = document.getElementById('steps');
  list?.classList.toggle('hb-off', !st.hbEnabled);
  st.model.rows.forEach((row, i) => {
    const o = i === st.current ? 'current' : order(cur, st.model!.trace!.steps[i]);
    row.classList.remove('hb-before', 'hb-after', 'hb-concurrent', 'hb-same', 'hb-unknown', 'hb-current');
    row.classList.add(`hb-${o}`);
  });
}

function select(i: number, o: SelectOptions): void {
  // no rows yet: the lanes of a result just shown come a frame after its verdict
  if (!st.model?.trace || !st.model.rows.length) return;
  const n = st.model.trace.steps.length;
  if (n === 0) return;
  const next = Math.max(0, Math.min(n - 1, i));
  st.model.rows[st.current]?.setAttribute('aria-selected', 'false');
  st.model.rows[st.current]?.classList.remove('selected');
  st.current = next;
  const row = st.model.rows[st.current];
  row.setAttribute('aria-selected', 'true');
  row.classList.add('selected');
  const list = document.getElementById('steps');
  list?.setAttribute('aria-activedescendant', row.id);
  const pos = document.getElementById('position');
  if (pos) pos.textContent = `step ${stepLabel(st.model.trace.steps[st.current])} (${st.current + 1} of ${n})`;
  // aria-disabled, not disabled: a disabled button drops the keyboard focus of whoever pressed it
  document.getElementById('btn-back')?.setAttribute('aria-disabled', String(st.current === 0));
  document.getElementById('btn-forward')?.setAttribute('aria-disabled', String(st.current === n - 1));
  applyOrder();
  renderCurrent();
  renderState();
  if (o.scroll) scrollIntoList(row);
  if (o.focus) list?.focus({ preventScroll: true });
  if (o.post) post({ type: 'step', index: st.current });
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
  select(st.current + delta, { post: true, scroll: true });
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
  if (!st.model?.trace || e.altKey || e.ctrlKey || e.metaKey) return;
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
      return select(st.model.trace.steps.length - 1, { post: true, scroll: true });
    case 'f':
      if (st.model.failing !== null) {
        e.preventDefault();
        select(st.model.failing, { post: true, scroll: true, focus: true });
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
      const keep = st.model && sameRun(st.model.view, m.view) ? st.current : null;
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
      if (!st.model) app.replaceChildren(banner, busy);
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

Object.assign(nav, { select, step, applyOrder, markWatched, revealStep });

// ---- start --------------------------------------------------------------------------------

const saved = savedState();
if (saved && typeof saved === 'object') {
  st.hbEnabled = saved.hb !== false;
  st.filter = typeof saved.filter === 'string' ? saved.filter : '';
  st.changedOnly = saved.changedOnly === true;
  st.watched = Array.isArray(saved.watched) ? saved.watched.filter((k): k is string => typeof k === 'string') : [];
  // the saved view went through the same guard when it arrived, but state storage is not ours
  if (isSimulationView(saved.view))
    show(
      saved.view,
      typeof saved.current === 'number' && Number.isInteger(saved.current) && saved.current >= 0 ? saved.current : null,
      false,
    );
}
post({ type: 'ready' });
