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
// operations in lockOps.ts, the registered callbacks in lockRoots.ts, the findings in
// lockFindings.ts.

import type { Analyzer } from './analyzer';
import { ENTRY_POINTS } from './callgraph';
import { liteTree } from './liteTree';
import { Ctx, cycleFindings, dedupeBy, Dependency, hotplugFindings, SiteHit, State } from './lockFindings';
import { BodyCtx, blockOps, flatOps, LOp, Tag, typeReader } from './lockOps';
import {
  CPU_HOTPLUG_LOCK,
  Frame,
  Held,
  isLockCall,
  LOCK_PRIMITIVES,
  LOCKISH,
  LockFinding,
  LockReport,
  NOT_LOCKS,
  NotModelledLock,
  ON_CPU_CALLS,
  PathLocks,
} from './lockPrimitives';
import { Registration, registrations } from './lockRoots';
import { Lines } from './parse';
import type { FunctionInfo } from './types';

export * from './lockPrimitives';
export { registrations } from './lockRoots';
export type { Registration } from './lockRoots';

// --- the walk -----------------------------------------------------------------------------------

const heldKey = (s: State): string => s.map((h) => `${h.key}:${h.mode[0]}`).join(',');
const stateKey = (s: State): string =>
  `${heldKey(s)}|${s.ret ?? ''}|${
    s.facts
      ? Object.entries(s.facts)
          .map(([k, v]) => k + v)
          .join(',')
      : ''
  }`;
/** `held` with the facts and result of `from`, or those given (an explicit undefined forgets them) */
function keep(from: State, held: Held[], ...given: [facts?: State['facts'], ret?: Tag]): State {
  const s = held as State;
  const facts = given.length >= 1 ? given[0] : from.facts;
  const ret = given.length >= 2 ? given[1] : from.ret;
  if (facts && Object.keys(facts).length) s.facts = facts;
  if (ret) s.ret = ret;
  return s;
}
const MAX_STATES = 16;

function dedupe(states: State[]): State[] {
  const seen = new Map<string, State>();
  for (const s of states) if (!seen.has(stateKey(s))) seen.set(stateKey(s), s);
  if (seen.size <= MAX_STATES) return [...seen.values()];
  // too many: forget what is known of values before forgetting a set of locks held
  const coarse = new Map<string, State>();
  for (const s of seen.values())
    if (!coarse.has(heldKey(s) + s.ret)) coarse.set(heldKey(s) + s.ret, keep(s, [...s], undefined));
  return [...coarse.values()];
}

export interface LockOptions {
  /** entry points (default: the slab API entry points); functions nothing calls are roots too */
  entries?: string[];
}

/** Run the lock rules over what the analyzer has indexed. */
// Left over 80 lines (issue 16, open): the walk's closures share one state; its cut into a class
// (as dpor.ts) is the next step. The disables name this function and its two inner walks only.
// eslint-disable-next-line max-lines-per-function
export function analyzeLocks(a: Analyzer, opts: LockOptions = {}): LockReport {
  const fns = a.functions();
  const byName = new Map<string, FunctionInfo>();
  for (const f of fns) if (!byName.has(f.name)) byName.set(f.name, a.definition(f.name) ?? f);

  // which bodies need their tree: those with lock operations or an online-CPU loop, and the
  // callers of functions that may return holding more or fewer locks than they were called with
  const weight = new Map<string, number>();
  const weightOf = (name: string, seen: Set<string>): number => {
    const w = weight.get(name);
    if (w !== undefined) return w;
    const f = byName.get(name);
    if (!f || seen.has(name)) return 0;
    seen.add(name);
    let sum = 0;
    for (const c of f.calls) {
      if (c.viaPointer) continue;
      const p = LOCK_PRIMITIVES.get(c.callee);
      if (p) sum += p.op === 'acquire' ? 1 : p.op === 'release' ? -1 : 0;
      else if (byName.has(c.callee)) sum += weightOf(c.callee, seen);
    }
    seen.delete(name);
    weight.set(name, sum);
    return sum;
  };
  const needsTree = (f: FunctionInfo): boolean =>
    f.calls.some(
      (c) =>
        !c.viaPointer &&
        (isLockCall(c.callee) ||
          (c.inLoopMacro === 'for_each_online_cpu' && ON_CPU_CALLS.has(c.callee)) ||
          (byName.has(c.callee) && weightOf(c.callee, new Set()) !== 0) ||
          (LOCKISH.test(c.callee) && !NOT_LOCKS.test(c.callee))),
    );

  const notModelled: NotModelledLock[] = [];
  const bodies = new Map<string, LOp[]>();
  const lines = new Map<string, Lines>();
  const linesOf = (uri: string, text: string): Lines => lines.get(uri) ?? lines.set(uri, Lines.of(text)).get(uri)!;
  const bodyOf = (name: string): LOp[] => {
    let b = bodies.get(name);
    if (b) return b;
    const f = byName.get(name)!;
    if (needsTree(f)) {
      const found = a.found(name);
      b = [];
      if (found) {
        const ctx: BodyCtx = {
          fn: name,
          text: found.text,
          typeOf: typeReader(f.signature, found.body.text),
          guards: [],
          notModelled,
          uri: f.uri,
        };
        try {
          // a plain copy of the body: the walk reads each node many times (see liteTree.ts)
          b = blockOps(liteTree(found.body, found.text, linesOf(f.uri, found.text)), ctx);
        } catch {
          b = flatOps(f);
        }
      }
    } else b = flatOps(f);
    bodies.set(name, b);
    return b;
  };

  // roots
  const regs: Registration[] = [];
  const texts = new Set<string>();
  for (const f of fns) texts.add(f.uri);
  for (const uri of texts) regs.push(...registrations(a.text(uri) ?? ''));
  const regByFn = new Map<string, Registration>();
  for (const r of regs) if (byName.has(r.fn) && !regByFn.has(r.fn)) regByFn.set(r.fn, r);
  const roots: LockReport['roots'] = [];
  const entries = new Set(opts.entries ?? ENTRY_POINTS);
  for (const name of byName.keys()) {
    const reg = regByFn.get(name);
    if (reg) roots.push({ fn: name, kind: reg.kind });
    else if (entries.has(name)) roots.push({ fn: name, kind: 'entry' });
    else if (!a.callers(name).some((c) => !c.reference)) roots.push({ fn: name, kind: 'uncalled' });
  }

  const ctxs: Ctx[] = [];
  const ctxByKey = new Map<string, Ctx>();
  const exits = new Map<number, State[]>();
  const active = new Set<number>();
  const deps = new Map<string, Dependency>();
  const hits: SiteHit[] = [];

  // eslint-disable-next-line max-lines-per-function -- see analyzeLocks
  const analyze = (
    fn: string,
    entry: State,
    stack: Frame[],
    from: { ctx: number; line: number } | undefined,
    rootKind?: Ctx['root'],
    // eslint-disable-next-line max-lines-per-function -- issue 16: wrapped past 80 lines by prettier; to be cut
  ): State[] => {
    const key = `${fn}|${heldKey(entry)}`;
    let c = ctxByKey.get(key);
    if (c) {
      if (from && !c.from.some((x) => x.ctx === from.ctx && x.line === from.line)) c.from.push(from);
      if (rootKind && !c.root) c.root = rootKind;
      // recursion: the call is taken as changing nothing
      return exits.get(c.id) ?? [entry];
    }
    c = {
      id: ctxs.length,
      fn,
      uri: byName.get(fn)!.uri,
      held: entry.map((h) => h.name + (h.mode === 'read' ? ' (read)' : '')),
      from: from ? [from] : [],
      root: rootKind,
    };
    ctxs.push(c);
    ctxByKey.set(key, c);
    active.add(c.id);
    const f = byName.get(fn)!;
    const labels = new Map<string, State[]>();
    const returned: State[] = [];
    // eslint-disable-next-line max-lines-per-function -- see analyzeLocks
    const run = (ops: LOp[], states: State[]): State[] => {
      for (const op of ops) {
        if (!states.length && op.k !== 'label') continue;
        switch (op.k) {
          case 'acquire': {
            const frames = [...stack, { fn, uri: f.uri, line: op.line, what: op.text }];
            states = states.map((s) => {
              if (!op.try)
                for (const h of s) {
                  if (h.key === op.lock.key) continue;
                  const dk = `${h.key}|${h.mode}|${op.lock.key}|${op.mode}`;
                  if (!deps.has(dk))
                    deps.set(dk, {
                      from: h,
                      to: { key: op.lock.key, name: op.lock.name, mode: op.mode, try: op.try, chain: frames, frames },
                    });
                }
              const facts = op.base && s.facts?.[op.base] !== 'set' ? { ...s.facts, [op.base]: 'set' as Tag } : s.facts;
              if (s.some((h) => h.key === op.lock.key && h.mode === op.mode)) return keep(s, [...s], facts);
              return keep(
                s,
                [...s, { key: op.lock.key, name: op.lock.name, mode: op.mode, try: op.try, chain: frames }],
                facts,
              );
            });
            break;
          }
          case 'release':
            states = states.map((s) => {
              let i = -1;
              for (let j = s.length - 1; j >= 0; j--)
                if (s[j].key === op.lock.key) {
                  i = j;
                  break;
                }
              return i < 0 ? s : keep(s, [...s.slice(0, i), ...s.slice(i + 1)]);
            });
            break;
          case 'assert':
            if (op.hotplug)
              for (const s of states)
                hits.push({
                  fn,
                  uri: f.uri,
                  line: op.line,
                  ctx: c!.id,
                  held: s,
                  what: 'lockdep_assert_cpus_held()',
                  kind: 'assert',
                });
            break;
          case 'call': {
            if (!byName.has(op.callee) || regByFn.get(op.callee)?.kind === 'cpuhp') {
              states = states.map((s) => {
                if (!op.assign) return s.ret ? keep(s, [...s], s.facts, undefined) : s;
                const facts = { ...s.facts };
                delete facts[op.assign];
                return keep(s, [...s], facts, undefined);
              });
              break;
            }
            const next: State[] = [];
            for (const s of states) {
              const entryState = keep(s, [...s], undefined, undefined);
              for (const x of analyze(
                op.callee,
                entryState,
                [...stack, { fn, uri: f.uri, line: op.line, what: `${op.callee}()` }],
                { ctx: c!.id, line: op.line },
              )) {
                // the callee's locks, this function's facts; its result kept for a test or an assignment
                const facts = op.assign ? { ...s.facts, [op.assign]: x.ret ?? 'set' } : s.facts;
                if (op.assign && !x.ret) delete facts![op.assign];
                next.push(keep(s, [...x], facts, op.assign ? undefined : x.ret));
              }
            }
            states = dedupe(next);
            break;
          }
          case 'assign':
            states = states.map((s) => {
              if (s.facts?.[op.v] === op.tag) return s;
              const facts = { ...s.facts };
              if (op.tag) facts[op.v] = op.tag;
              else delete facts[op.v];
              return keep(s, [...s], facts);
            });
            break;
          case 'branch':
            {
              const t = op.test;
              const value = (s: State): Tag | undefined => (t!.v === '$call' ? s.ret : s.facts?.[t!.v]);
              // a value known NULL/false does not take the arm that needs it set, and the other way round
              const takes = (s: State, arm: number): boolean =>
                !t || value(s) === undefined || (value(s) === 'set') === ((arm === 0) !== t.negated);
              states = dedupe(
                op.arms.flatMap((arm, i) =>
                  run(
                    arm,
                    states.filter((s) => takes(s, i)),
                  ),
                ),
              );
              break;
            }
            break;
          case 'loop':
            if (op.onCpu)
              for (const s of states)
                hits.push({
                  fn,
                  uri: f.uri,
                  line: op.line,
                  ctx: c!.id,
                  held: s,
                  what: `${op.macro} loop calling ${op.onCpu}()`,
                  kind: 'loop',
                });
            states = dedupe([...states, ...run(op.body, states)]);
            break;
          case 'return':
            for (const s of states)
              returned.push(
                keep(
                  s,
                  s.filter((h) => !op.release.some((r) => r.key === h.key)),
                  undefined,
                  op.value === '$call' ? s.ret : op.value,
                ),
              );
            states = [];
            break;
          case 'goto':
            labels.set(op.label, [...(labels.get(op.label) ?? []), ...states]);
            states = [];
            break;
          case 'label':
            states = dedupe([...states, ...(labels.get(op.label) ?? [])]);
            break;
        }
      }
      return states;
    };
    // a function that returns NULL/false somewhere returns something set elsewhere (the kernel's
    // "NULL with the lock released, else the lock held" contracts)
    const fellOff = run(bodyOf(fn), [entry]);
    const explicitNull = returned.some((s) => s.ret === 'null');
    const out = dedupe(
      [...fellOff, ...returned].map((s) => keep(s, [...s], undefined, s.ret ?? (explicitNull ? 'set' : undefined))),
    );
    exits.set(c.id, out);
    active.delete(c.id);
    return out;
  };

  for (const r of roots) {
    const f = byName.get(r.fn)!;
    const at = (what: string): Frame[] => [{ fn: r.fn, uri: f.uri, line: f.range.start.line, what }];
    const entry: State =
      r.kind === 'cpuhp'
        ? [
            {
              key: CPU_HOTPLUG_LOCK,
              name: CPU_HOTPLUG_LOCK,
              mode: 'write',
              try: false,
              chain: at(`cpuhp callback ${r.fn}() (cpus_write_lock() held)`),
            },
          ]
        : r.kind === 'memory-notifier'
          ? [
              {
                key: CPU_HOTPLUG_LOCK,
                name: CPU_HOTPLUG_LOCK,
                mode: 'read',
                try: false,
                chain: at(`memory hotplug notifier ${r.fn}() (mem_hotplug_begin(): cpus_read_lock() held)`),
              },
              {
                key: 'mem_hotplug_lock',
                name: 'mem_hotplug_lock',
                mode: 'write',
                try: false,
                chain: at(`memory hotplug notifier ${r.fn}() (mem_hotplug_begin(): mem_hotplug_lock held)`),
              },
            ]
          : [];
    analyze(r.fn, entry, [], undefined, r.kind);
  }

  const pathsTo = (ctxId: number, max = 8): number[][] => {
    const out: number[][] = [];
    const queue: number[][] = [[ctxId]];
    while (queue.length && out.length < max) {
      const p = queue.shift()!;
      const c = ctxs[p[0]];
      if (c.root || !c.from.length) {
        out.push(p);
        if (!c.from.length) continue;
      }
      if (p.length > 40) continue;
      for (const f of c.from) if (!p.includes(f.ctx)) queue.push([f.ctx, ...p]);
    }
    return out;
  };
  const names = (p: number[]): string[] => p.map((i) => ctxs[i].fn);

  const findings: LockFinding[] = [];
  findings.push(...hotplugFindings(hits, ctxs, pathsTo, names));
  findings.push(...cycleFindings([...deps.values()]));
  findings.sort((x, y) => x.uri.localeCompare(y.uri) || x.line - y.line || x.rule.localeCompare(y.rule));

  return {
    findings,
    notModelled: dedupeBy(notModelled, (n) => `${n.uri}:${n.line}:${n.call}`),
    contexts: ctxs.length,
    roots,
    dependencies: [...deps.values()].map(
      (d) =>
        `${d.from.name}${d.from.mode === 'read' ? ' (read)' : ''} -> ${d.to.name}${d.to.mode === 'read' ? ' (read)' : ''}`,
    ),
    pathLocks(fn: string, max = 8): PathLocks[] {
      const out: PathLocks[] = [];
      for (const c of ctxs) {
        if (c.fn !== fn) continue;
        for (const p of pathsTo(c.id, max)) {
          if (out.length >= max) return out;
          out.push({ path: names(p), held: p.map((i) => ctxs[i].held) });
        }
      }
      return out;
    },
  };
}
