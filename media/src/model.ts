// What the trace viewer computes from a trace, apart from the DOM so it is tested in node:
// lanes per CPU/context, the state after each step, happens-before from the vector clocks,
// and the grouping of the flat state keys into the allocator's parts.

import type { Trace, TraceStep } from '../../engine/src';

export interface Lane {
  key: string;
  cpu: number;
  context: string;
  /** "CPU0 process P0", "CPU0 kworker", "CPU1 softirq rcu_core/1" */
  label: string;
}

/**
 * Process threads get a lane each (two tasks can share a CPU); the kworkers of a CPU share one
 * lane, as a worker pool does, and so do softirqs (one rcu_core per CPU).
 */
export function laneKey(s: Pick<TraceStep, 'cpu' | 'context' | 'thread'>): string {
  return s.context === 'process' ? `cpu${s.cpu}/process/${s.thread}` : `cpu${s.cpu}/${s.context}`;
}

const CONTEXT_ORDER = ['process', 'kworker', 'softirq'];

export function lanes(trace: Trace): Lane[] {
  const byKey = new Map<string, Lane & { threads: Set<string> }>();
  for (const s of trace.steps) {
    const key = laneKey(s);
    let lane = byKey.get(key);
    if (!lane) byKey.set(key, (lane = { key, cpu: s.cpu, context: s.context, label: '', threads: new Set() }));
    lane.threads.add(s.thread);
  }
  const rank = (c: string) => (CONTEXT_ORDER.indexOf(c) + CONTEXT_ORDER.length + 1) % (CONTEXT_ORDER.length + 1);
  return [...byKey.values()]
    .sort((a, b) => a.cpu - b.cpu || rank(a.context) - rank(b.context) || a.key.localeCompare(b.key))
    .map(({ threads, ...l }) => {
      // name the thread when the lane has one (P0, rcu_core/0); a kworker pool runs several
      const who = l.context === 'kworker' && threads.size > 1 ? '' : ` ${[...threads][0]}`;
      return { ...l, label: `CPU${l.cpu} ${l.context}${who}` };
    });
}

/** The index in trace.steps of the violating step, else null. */
export function failingIndex(trace: Trace): number | null {
  const i = trace.steps.findIndex((s) => s.violation);
  if (i >= 0) return i;
  if (trace.violationStep !== undefined) {
    // the violation was found at the end (leak check): the last sub-step of that scheduling step
    for (let k = trace.steps.length - 1; k >= 0; k--) if (trace.steps[k].step === trace.violationStep) return k;
  }
  return null;
}

/** "29" for a scheduling step, "29.2" for the third sub-step of a softirq callback. */
export const stepLabel = (s: Pick<TraceStep, 'step' | 'sub'>) => (s.sub ? `${s.step}.${s.sub}` : String(s.step));

/** States after each step, built by applying the steps' changes to `initial`: states[i+1] is after step i. */
export function statesOf(trace: Trace): Record<string, string>[] {
  const out = [{ ...trace.initial }];
  for (const s of trace.steps) {
    const next = { ...out[out.length - 1] };
    for (const c of s.changes ?? []) {
      if (c.to === null) delete next[c.key];
      else next[c.key] = c.to;
    }
    out.push(next);
  }
  return out;
}

/** Keys whose values differ between the reconstructed end state and the trace's `final`. */
export function finalMismatch(trace: Trace, states = statesOf(trace)): string[] {
  const last = states[states.length - 1];
  const keys = new Set([...Object.keys(last), ...Object.keys(trace.final)]);
  return [...keys].filter((k) => last[k] !== trace.final[k]).sort();
}

export type Order = 'same' | 'before' | 'after' | 'concurrent' | 'unknown';

/**
 * How step b relates to step a by the vector clocks: a happens before b iff
 * b.clock[a.thread] >= a.clock[a.thread]. Sub-steps of one scheduling step are one event.
 */
export function order(a: TraceStep, b: TraceStep): Order {
  if (a.step === b.step && a.thread === b.thread) return 'same';
  if (!a.clock || !b.clock) return 'unknown';
  const aBeforeB = (b.clock[a.thread] ?? 0) >= (a.clock[a.thread] ?? Infinity);
  const bBeforeA = (a.clock[b.thread] ?? 0) >= (b.clock[b.thread] ?? Infinity);
  if (aBeforeB) return 'after';
  if (bBeforeA) return 'before';
  return 'concurrent';
}

export interface StateRow {
  key: string;
  /** the key without its section's prefix, e.g. "cpu0" for kasan.quarantine.cpu0 */
  name: string;
  value: string | null;
  /** set when this step changed the key: the value before it (null = the key is new) */
  from?: string | null;
  change?: 'added' | 'modified' | 'removed';
}

export interface StateSection {
  id: string;
  title: string;
  rows: StateRow[];
}

interface SectionDef {
  id: string;
  title: string;
  match: RegExp;
}

// Ordered the way a reviewer reads the allocator: per-CPU caches, then where freed objects wait.
const SECTIONS: SectionDef[] = [
  { id: 'sheaves', title: 'Per-CPU sheaves (pcs)', match: /^(cpu\d+)\.pcs\.(.+)$/ },
  { id: 'cpuslab', title: 'CPU slabs (kmem_cache_cpu)', match: /^(cpu\d+)\.kmem_cache_cpu$/ },
  { id: 'cpu', title: 'CPU state', match: /^(cpu\d+)\.(irqs_off|preempt_off|online)$/ },
  { id: 'locks', title: 'Locks', match: /^lock\.(.+)$/ },
  { id: 'barn', title: 'Barn', match: /^(barn)$/ },
  { id: 'rcu', title: 'Pending RCU callbacks', match: /^rcu\.(.+)$/ },
  { id: 'work', title: 'Workqueue items', match: /^work\.(.+)$/ },
  { id: 'kasan', title: 'KASAN quarantine', match: /^kasan\.quarantine\.(.+)$/ },
  { id: 'slabs', title: 'Slabs', match: /^(slab#\d+)$/ },
  { id: 'objects', title: 'Objects', match: /^(o\d+)$/ },
];

const sectionOf = (key: string): { def: SectionDef; name: string } => {
  for (const def of SECTIONS) {
    const m = def.match.exec(key);
    if (m) return { def, name: m.slice(1).join('.') };
  }
  return { def: { id: 'other', title: 'Other', match: /./ }, name: key };
};

// Natural order so cpu10 follows cpu9 and o10 follows o9.
const natural = (a: string, b: string) => a.localeCompare(b, 'en', { numeric: true });

/**
 * The state after a step in sections, each key marked with how this step changed it.
 * `before` is the state before the step; removed keys stay visible (struck out) for that step.
 */
export function stateSections(after: Record<string, string>, before: Record<string, string> | null): StateSection[] {
  const keys = new Set(Object.keys(after));
  if (before) for (const k of Object.keys(before)) keys.add(k);
  const out = new Map<string, StateSection>();
  for (const id of [...SECTIONS.map((d) => d.id), 'other']) out.set(id, { id, title: '', rows: [] });
  for (const key of [...keys].sort(natural)) {
    const { def, name } = sectionOf(key);
    const sec = out.get(def.id)!;
    sec.title = def.title;
    const row: StateRow = { key, name, value: after[key] ?? null };
    if (before && before[key] !== after[key]) {
      row.from = before[key] ?? null;
      row.change = !(key in before) ? 'added' : !(key in after) ? 'removed' : 'modified';
    }
    sec.rows.push(row);
  }
  return [...out.values()].filter((s) => s.rows.length);
}

export interface Piece {
  text: string;
  /** present in this value but not in the one before */
  added: boolean;
}

/**
 * Which parts of a value are new, so the panel can underline the one object that entered a
 * sheaf or a quarantine rather than the whole line. Tokens are the list entries and fields of
 * the flat view ("sheaf#0[o0,o1]", "inuse=1/2 freelist=[o1]"); each token of `from` cancels one
 * equal token of `to`.
 */
export function tokenDiff(from: string | null, to: string): Piece[] {
  const split = (s: string) => s.split(/([[\],\s]+)/).filter((t) => t !== '');
  const pool = new Map<string, number>();
  for (const t of from === null ? [] : split(from)) pool.set(t, (pool.get(t) ?? 0) + 1);
  const out: Piece[] = [];
  for (const t of split(to)) {
    const n = pool.get(t) ?? 0;
    const sep = /^[[\],\s]+$/.test(t);
    const added = !sep && n === 0 && from !== null;
    if (n > 0) pool.set(t, n - 1);
    const last = out[out.length - 1];
    if (last && last.added === added) last.text += t;
    else out.push({ text: t, added });
  }
  return out;
}

export interface KeyChange {
  /** index in trace.steps */
  index: number;
  from: string | null;
  to: string | null;
}

/** Every step that changed `key`, in trace order: the watch over one object, sheaf or callback. */
export function history(trace: Trace, key: string): KeyChange[] {
  const out: KeyChange[] = [];
  trace.steps.forEach((s, index) => {
    for (const c of s.changes ?? []) if (c.key === key) out.push({ index, from: c.from, to: c.to });
  });
  return out;
}
