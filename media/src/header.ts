// The trace view's top: the verdict (pinned), what was explored, what is not modelled, the replay
// token, and the keys.

import { shellCommand } from '../../engine/src/shell';
import { button, h } from './dom';
import { post } from './page';
import type { SimulationView } from './protocol';

export function verdictHeader(v: SimulationView): HTMLElement {
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
      // the browser's Element Timing API reports when this text is painted (the e2e reads it)
      { attrs: { elementtiming: 'verdict' } },
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

export function summary(v: SimulationView): HTMLElement {
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
    if (s.symmetry) add('symmetry', s.symmetry);
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

export function replayBar(v: SimulationView): HTMLElement {
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

export function noTrace(v: SimulationView): HTMLElement {
  return h(
    'p',
    { class: 'muted', id: 'no-trace' },
    v.verdict === 'incomplete'
      ? 'No execution was completed, so there is no trace to show.'
      : 'This result carries no trace.',
  );
}

export function keysHelp(): HTMLElement {
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
