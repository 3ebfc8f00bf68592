// Static lock rules over the call graph, the way lockdep reasons, without running anything:
//  - lock order: every path from the roots (entry points, functions nothing calls, cpuhp
//    callbacks, work functions, RCU callbacks) is walked with the locks it holds; taking B while
//    holding A records A→B; a cycle of such dependencies is a possible deadlock, reported with one
//    chain per dependency. Readers of cpu_hotplug_lock follow lockdep's recursive-read rule: a
//    cycle that enters and leaves a lock as a reader on both sides is not a deadlock.
//  - hotplug protection: a for_each_online_cpu loop that queues work on / calls into each CPU, or
//    a lockdep_assert_cpus_held(), reached on a path without cpu_hotplug_lock.
// No LSP types here: the server and the CLI turn findings into diagnostics and JSON.
// This file is the walk; the primitives and report types are in lockPrimitives.ts, a body's lock
// operations in lockOps.ts (from the tree) and lockText.ts (from the text), which bodies are read
// how in lockBodies.ts, the registered callbacks in lockRoots.ts, the findings in lockFindings.ts.
// The walk is a class, not closures made per run: V8 drops the optimized code of closures that no
// live function holds, and the walk ran interpreted on every run; the last walk is kept alive for
// the same reason (keepShape.ts).

import type { Analyzer } from './analyzer';
import { ENTRY_POINTS } from './callgraph';
import { keepShape } from './keepShape';
import { LockBodies } from './lockBodies';
import { Ctx, cycleFindings, dedupeBy, Dependency, Facts, hotplugFindings, SiteHit, State } from './lockFindings';
import type { LOp, Tag } from './lockOps';
import {
  CPU_HOTPLUG_LOCK,
  Frame,
  Held,
  isLockCall,
  LockFinding,
  LockReport,
  ON_CPU_CALLS,
  PathLocks,
} from './lockPrimitives';
import { Registration, registrations } from './lockRoots';
import type { FunctionInfo } from './types';

export * from './lockPrimitives';
export { registrations } from './lockRoots';
export type { Registration } from './lockRoots';

// --- the walk -----------------------------------------------------------------------------------

/** The locks held, as a key (kept on the state, and passed on with its locks: they never change once made). */
const heldKey = (s: State): string => (s.hk ??= s.held.map((h) => `${h.key}:${h.mode[0]}`).join(','));
/** Whether two states hold the same locks with the same result and facts (in the same order). */
function sameState(x: State, y: State): boolean {
  if (x === y) return true;
  if (heldKey(x) !== heldKey(y) || x.ret !== y.ret) return false;
  if (x.facts === y.facts) return true;
  if (!x.facts || !y.facts || x.facts.size !== y.facts.size) return false;
  const ys = [...y.facts];
  let i = 0;
  for (const [k, v] of x.facts) {
    if (ys[i][0] !== k || ys[i][1] !== v) return false;
    i++;
  }
  return true;
}
/** A state holding `held` (shared, never changed; `hk`: its key if known) with these facts and result. */
function state(held: Held[], facts: Facts | undefined, ret: Tag | undefined, hk?: string): State {
  return { held, facts: facts?.size ? facts : undefined, ret: ret || undefined, hk };
}
/** `s`'s locks with these facts and result. */
const withLocksOf = (s: State, facts: Facts | undefined, ret: Tag | undefined): State =>
  state(s.held, facts, ret, s.hk);
/** `facts` with v known to be `tag` (undefined: not known), a new map; undefined when empty. */
function withFact(facts: Facts | undefined, v: string, tag: Tag | undefined): Facts | undefined {
  const out = new Map(facts);
  if (tag) out.set(v, tag);
  else out.delete(v);
  return out.size ? out : undefined;
}
const MAX_STATES = 16;

/** `states` without repeats, first ones kept (a scan: there are few). */
function dedupe(states: State[]): State[] {
  if (states.length < 2) return states;
  let out: State[] | undefined;
  for (let i = 1; i < states.length; i++) {
    const kept = out ?? states;
    let seen = false;
    for (let j = 0; j < (out ? kept.length : i) && !seen; j++) seen = sameState(kept[j], states[i]);
    if (!seen) out?.push(states[i]);
    else out ??= states.slice(0, i);
  }
  const seen = out ?? states;
  if (seen.length <= MAX_STATES) return seen;
  // too many: forget what is known of values before forgetting a set of locks held
  const coarse = new Map<string, State>();
  for (const s of seen)
    if (!coarse.has(heldKey(s) + s.ret)) coarse.set(heldKey(s) + s.ret, withLocksOf(s, undefined, s.ret));
  return [...coarse.values()];
}

export interface LockOptions {
  /** entry points (default: the slab API entry points); functions nothing calls are roots too */
  entries?: string[];
}

/** Run the lock rules over what the analyzer has indexed. */
export function analyzeLocks(a: Analyzer, opts: LockOptions = {}): LockReport {
  return new LockWalk(a, opts).report();
}

/** The calls that led to a function, innermost first: made into frames only where a lock is taken. */
interface Stack {
  frame: Frame;
  up: Stack | undefined;
}

function frames(s: Stack | undefined, last: Frame): Frame[] {
  const out = [last];
  for (let x = s; x; x = x.up) out.push(x.frame);
  return out.reverse();
}

/** A function being walked: its context, the calls that led to it, what its gotos and returns carry. */
interface Walking {
  fn: string;
  f: FunctionInfo;
  c: Ctx;
  stack: Stack | undefined;
  labels: Map<string, State[]> | undefined;
  returned: State[];
}

/** The locks a root starts holding: cpuhp callbacks the write side of cpu_hotplug_lock, memory notifiers the read side. */
function rootEntry(r: LockReport['roots'][number], f: FunctionInfo): Held[] {
  const at = (what: string): Frame[] => [{ fn: r.fn, uri: f.uri, line: f.range.start.line, what }];
  const held = (key: string, mode: Held['mode'], what: string): Held => ({
    key,
    name: key,
    mode,
    try: false,
    chain: at(what),
  });
  if (r.kind === 'cpuhp') return [held(CPU_HOTPLUG_LOCK, 'write', `cpuhp callback ${r.fn}() (cpus_write_lock() held)`)];
  if (r.kind === 'memory-notifier')
    return [
      held(CPU_HOTPLUG_LOCK, 'read', `memory hotplug notifier ${r.fn}() (mem_hotplug_begin(): cpus_read_lock() held)`),
      held(
        'mem_hotplug_lock',
        'write',
        `memory hotplug notifier ${r.fn}() (mem_hotplug_begin(): mem_hotplug_lock held)`,
      ),
    ];
  return [];
}

/** Every path from the roots, walked with the locks held; what the rules need recorded on the way. */
class LockWalk {
  private readonly byName = new Map<string, FunctionInfo>();
  private readonly bodies: LockBodies;
  private readonly regByFn = new Map<string, Registration>();
  private readonly roots: LockReport['roots'] = [];
  private readonly ctxs: Ctx[] = [];
  /** by function, then by the locks held on entry ('' for a shared context) */
  private readonly ctxByKey = new Map<string, Map<string, Ctx>>();
  private readonly exits = new Map<number, State[]>();
  private readonly deps = new Map<string, Dependency>();
  private readonly hits: SiteHit[] = [];
  /** functions that take, release or assert a lock or queue work on a CPU, themselves or through a callee */
  private readonly lockful: Set<string>;

  constructor(
    private readonly a: Analyzer,
    opts: LockOptions,
  ) {
    const fns = a.functions();
    for (const f of fns) if (!this.byName.has(f.name)) this.byName.set(f.name, a.definition(f.name) ?? f);
    this.bodies = new LockBodies(a, this.byName);
    const uris = new Set<string>();
    for (const f of fns) uris.add(f.uri);
    for (const uri of uris)
      for (const r of registrations(a.text(uri) ?? ''))
        if (this.byName.has(r.fn) && !this.regByFn.has(r.fn)) this.regByFn.set(r.fn, r);
    this.lockful = lockful(a, this.byName);
    const entries = new Set(opts.entries ?? ENTRY_POINTS);
    for (const name of this.byName.keys()) {
      const reg = this.regByFn.get(name);
      if (reg) this.roots.push({ fn: name, kind: reg.kind });
      else if (entries.has(name)) this.roots.push({ fn: name, kind: 'entry' });
      else if (!a.callers(name).some((c) => !c.reference)) this.roots.push({ fn: name, kind: 'uncalled' });
    }
    // with its bodies and states: their shapes stay alive for the next run
    keepShape(this);
  }

  report(): LockReport {
    for (const r of this.roots)
      this.analyze(
        r.fn,
        state(rootEntry(r, this.byName.get(r.fn)!), undefined, undefined),
        undefined,
        undefined,
        r.kind,
      );
    const pathsTo = (ctxId: number, max?: number): number[][] => this.pathsTo(ctxId, max);
    const names = (p: number[]): string[] => p.map((i) => this.ctxs[i].fn);
    const findings: LockFinding[] = [
      ...hotplugFindings(this.hits, this.ctxs, pathsTo, names),
      ...cycleFindings([...this.deps.values()]),
    ];
    findings.sort((x, y) => x.uri.localeCompare(y.uri) || x.line - y.line || x.rule.localeCompare(y.rule));
    const ctxs = this.ctxs;
    const heldOn = (p: number[]): string[][] => this.heldOn(p);
    return {
      findings,
      notModelled: dedupeBy(this.bodies.notModelled, (n) => `${n.uri}:${n.line}:${n.call}`),
      contexts: ctxs.length,
      roots: this.roots,
      dependencies: [...this.deps.values()].map(
        (d) =>
          `${d.from.name}${d.from.mode === 'read' ? ' (read)' : ''} -> ${d.to.name}${d.to.mode === 'read' ? ' (read)' : ''}`,
      ),
      pathLocks(fn: string, max = 8): PathLocks[] {
        const out: PathLocks[] = [];
        for (const c of ctxs) {
          if (c.fn !== fn) continue;
          for (const p of pathsTo(c.id, max)) {
            if (out.length >= max) return out;
            out.push({ path: names(p), held: heldOn(p) });
          }
        }
        return out;
      },
    };
  }

  /** Up to `max` paths of contexts from a root down to context `ctxId`, shortest first. */
  private pathsTo(ctxId: number, max = 8): number[][] {
    const out: number[][] = [];
    const queue: number[][] = [[ctxId]];
    while (queue.length && out.length < max) {
      const p = queue.shift()!;
      const c = this.ctxs[p[0]];
      if (c.root || !c.from.length) {
        out.push(p);
        if (!c.from.length) continue;
      }
      if (p.length > 40) continue;
      for (const f of c.from) if (!p.includes(f.ctx)) queue.push([f.ctx, ...p]);
    }
    return out;
  }

  /**
   * `fn` walked holding `entry`: the states it can return in. Once per function and locks held;
   * once per function where nothing below it touches a lock (a shared context).
   */
  private analyze(
    fn: string,
    entry: State,
    stack: Stack | undefined,
    from: { ctx: number; line: number } | undefined,
    rootKind?: Ctx['root'],
  ): State[] {
    const shared = !this.lockful.has(fn);
    const key = shared ? '' : heldKey(entry);
    let byHeld = this.ctxByKey.get(fn);
    if (!byHeld) this.ctxByKey.set(fn, (byHeld = new Map()));
    let c = byHeld.get(key);
    if (c) {
      if (from) link(c, from, shared ? entry : undefined);
      if (rootKind && !c.root) c.root = rootKind;
      if (rootKind && shared) c.rootHeld = heldNames(entry);
      const exits = this.exits.get(c.id);
      // recursion: the call is taken as changing nothing
      if (!exits) return [entry];
      // a shared context's exits hold what its first walk held: the caller's locks instead
      return shared ? exits.map((x) => withLocksOf(entry, undefined, x.ret)) : exits;
    }
    const f = this.byName.get(fn)!;
    const held = heldNames(entry);
    c = {
      id: this.ctxs.length,
      fn,
      uri: f.uri,
      held,
      from: from ? [fromLink(from, shared ? entry : undefined)] : [],
      root: rootKind,
      shared,
      rootHeld: shared && rootKind ? held : undefined,
      fromKeys: undefined,
    };
    this.ctxs.push(c);
    byHeld.set(key, c);
    const w: Walking = { fn, f, c, stack, labels: undefined, returned: [] };
    // a function that returns NULL/false somewhere returns something set elsewhere (the kernel's
    // "NULL with the lock released, else the lock held" contracts)
    const fellOff = this.run(w, this.bodies.of(fn), [entry]);
    const explicitNull = w.returned.some((s) => s.ret === 'null');
    const out = dedupe(
      [...fellOff, ...w.returned].map((s) => withLocksOf(s, undefined, s.ret ?? (explicitNull ? 'set' : undefined))),
    );
    this.exits.set(c.id, out);
    return out;
  }

  /** The locks held on entry of each context of path `p` (root first). */
  private heldOn(p: number[]): string[][] {
    const out: string[][] = [];
    p.forEach((id, k) => {
      const c = this.ctxs[id];
      const before = k > 0 ? this.ctxs[p[k - 1]] : undefined;
      if (!c.shared) out.push(c.held);
      else if (!before) out.push(c.rootHeld ?? c.held);
      // below a shared context the locks are those it was entered with
      else if (before.shared) out.push(out[k - 1]);
      else out.push(c.from.find((x) => x.ctx === before.id)?.held ?? c.held);
    });
    return out;
  }

  /** The ops in order from `states`: the states after them. */
  private run(w: Walking, ops: LOp[], states: State[]): State[] {
    for (const op of ops) {
      if (!states.length && op.k !== 'label') continue;
      switch (op.k) {
        case 'acquire':
          states = this.acquire(w, op, states);
          break;
        case 'release':
          states = states.map((s) => release(s, op.lock.key));
          break;
        case 'assert':
          if (op.hotplug) for (const s of states) this.hit(w, op.line, s, 'lockdep_assert_cpus_held()', 'assert');
          break;
        case 'call':
          states = this.call(w, op, states);
          break;
        case 'assign':
          states = states.map((s) => assign(s, op.v, op.tag));
          break;
        case 'branch':
          states = this.branch(w, op, states);
          break;
        case 'loop':
          if (op.onCpu)
            for (const s of states) this.hit(w, op.line, s, `${op.macro} loop calling ${op.onCpu}()`, 'loop');
          states = dedupe([...states, ...this.run(w, op.body, states)]);
          break;
        case 'return':
          for (const s of states) w.returned.push(returned(s, op));
          states = [];
          break;
        case 'goto':
          w.labels ??= new Map();
          w.labels.set(op.label, [...(w.labels.get(op.label) ?? []), ...states]);
          states = [];
          break;
        case 'label':
          states = dedupe([...states, ...(w.labels?.get(op.label) ?? [])]);
          break;
      }
    }
    return states;
  }

  private hit(w: Walking, line: number, held: State, what: string, kind: SiteHit['kind']): void {
    this.hits.push({ fn: w.fn, uri: w.f.uri, line, ctx: w.c.id, held: held.held, what, kind });
  }

  /** A lock taken: a dependency on each lock held (lockdep's A→B), unless it is only tried. */
  private acquire(w: Walking, op: Extract<LOp, { k: 'acquire' }>, states: State[]): State[] {
    const chain = frames(w.stack, { fn: w.fn, uri: w.f.uri, line: op.line, what: op.text });
    const { key, name } = op.lock;
    return states.map((s) => {
      if (!op.try)
        for (const h of s.held) {
          if (h.key === key) continue;
          const dk = `${h.key}|${h.mode}|${key}|${op.mode}`;
          if (!this.deps.has(dk))
            this.deps.set(dk, { from: h, to: { key, name, mode: op.mode, try: op.try, chain, frames: chain } });
        }
      const facts = op.base && s.facts?.get(op.base) !== 'set' ? withFact(s.facts, op.base, 'set') : s.facts;
      if (s.held.some((h) => h.key === key && h.mode === op.mode)) return withLocksOf(s, facts, s.ret);
      return state([...s.held, { key, name, mode: op.mode, try: op.try, chain }], facts, s.ret);
    });
  }

  /** A call: into the callee when it is defined (not a cpuhp callback), with the locks held and no facts. */
  private call(w: Walking, op: Extract<LOp, { k: 'call' }>, states: State[]): State[] {
    if (!this.byName.has(op.callee) || this.regByFn.get(op.callee)?.kind === 'cpuhp')
      return states.map((s) => {
        if (!op.assign) return s.ret ? withLocksOf(s, s.facts, undefined) : s;
        return withLocksOf(s, withFact(s.facts, op.assign, undefined), undefined);
      });
    const next: State[] = [];
    const stack: Stack = { frame: { fn: w.fn, uri: w.f.uri, line: op.line, what: `${op.callee}()` }, up: w.stack };
    const from = { ctx: w.c.id, line: op.line };
    for (const s of states) {
      for (const x of this.analyze(
        op.callee,
        s.facts || s.ret ? withLocksOf(s, undefined, undefined) : s,
        stack,
        from,
      )) {
        // the callee's locks, this function's facts; its result kept for a test or an assignment
        const facts = op.assign ? withFact(s.facts, op.assign, x.ret) : s.facts;
        next.push(withLocksOf(x, facts, op.assign ? undefined : x.ret));
      }
    }
    return dedupe(next);
  }

  /** Each arm from the states that can take it: a value known NULL/false does not take the arm that needs it set. */
  private branch(w: Walking, op: Extract<LOp, { k: 'branch' }>, states: State[]): State[] {
    const t = op.test;
    const out: State[] = [];
    for (let i = 0; i < op.arms.length; i++)
      for (const s of this.run(w, op.arms[i], t ? states.filter((s) => takes(t, s, i)) : states)) out.push(s);
    return dedupe(out);
  }
}

/** Whether state `s` can take arm `arm` of a branch testing `t`. */
function takes(t: { v: string; negated: boolean }, s: State, arm: number): boolean {
  const value = t.v === '$call' ? s.ret : s.facts?.get(t.v);
  return value === undefined || (value === 'set') === ((arm === 0) !== t.negated);
}

const heldNames = (s: State): string[] => s.held.map((h) => h.name + (h.mode === 'read' ? ' (read)' : ''));

/** Record that `from` calls context c (holding `held`, into a shared context), once. */
function link(c: Ctx, from: { ctx: number; line: number }, held: State | undefined): void {
  // no locks held ('') keys as no locks given: the first link's key is made that way (fromKeys)
  const key = linkKey(from.ctx, from.line, (held && heldKey(held)) || undefined);
  const seen = (c.fromKeys ??= new Set(c.from.map((x) => linkKey(x.ctx, x.line, x.heldKey || undefined))));
  if (seen.has(key)) return;
  seen.add(key);
  c.from.push(fromLink(from, held));
}

/** A link's key: a number unless it holds locks' key (into a shared context). */
const linkKey = (ctx: number, line: number, hk: string | undefined): string | number =>
  hk === undefined ? ctx * 2 ** 20 + line : `${ctx}:${line}:${hk}`;

/** A caller's link (into a shared context: with the locks held there), one shape for all. */
function fromLink(from: { ctx: number; line: number }, held: State | undefined): Ctx['from'][number] {
  return held
    ? { ctx: from.ctx, line: from.line, held: heldNames(held), heldKey: heldKey(held) }
    : { ctx: from.ctx, line: from.line, held: undefined, heldKey: undefined };
}

/**
 * The functions that take, release or assert a lock, or queue work on a CPU, and their callers up
 * to the roots (by the calls the index found: more than the walk follows, never fewer).
 */
function lockful(a: Analyzer, byName: Map<string, FunctionInfo>): Set<string> {
  const out = new Set<string>();
  for (const f of byName.values())
    if (f.calls.some((c) => !c.viaPointer && (isLockCall(c.callee) || ON_CPU_CALLS.has(c.callee)))) out.add(f.name);
  const queue = [...out];
  while (queue.length)
    for (const c of a.callers(queue.pop()!))
      if (!c.reference && !out.has(c.caller)) {
        out.add(c.caller);
        queue.push(c.caller);
      }
  return out;
}

/** `s` without the last-taken instance of lock `key`. */
function release(s: State, key: string): State {
  const h = s.held;
  let i = -1;
  for (let j = h.length - 1; j >= 0; j--)
    if (h[j].key === key) {
      i = j;
      break;
    }
  return i < 0 ? s : state([...h.slice(0, i), ...h.slice(i + 1)], s.facts, s.ret);
}

/** `v = <tag>` (undefined: not known). */
function assign(s: State, v: string, tag: Tag | undefined): State {
  if (s.facts?.get(v) === tag) return s;
  return withLocksOf(s, withFact(s.facts, v, tag), s.ret);
}

/** What a `return` hands the caller: the locks held less the guards released, and its value. */
function returned(s: State, op: Extract<LOp, { k: 'return' }>): State {
  const ret = op.value === '$call' ? s.ret : op.value;
  if (!op.release.length) return withLocksOf(s, undefined, ret);
  return state(
    s.held.filter((h) => !op.release.some((r) => r.key === h.key)),
    undefined,
    ret,
  );
}
