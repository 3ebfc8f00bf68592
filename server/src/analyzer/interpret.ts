// Which functions of a scenario's paths run interpreted from the C in the analyzer's files, and
// which do not (with the construct that blocks each). The walk starts at what the orchestration
// programs and the scenario's threads call (work functions, RCU callbacks included) and follows
// the lowered bodies' calls and callbacks.

import { calledFunctions, CFunc, CFuncSet, defaultRegistry, ORCHESTRATION, Scenario } from '../../../engine/src';
import { cCallbacks, cCallees } from '../../../engine/src/cir';
import { PRIM, CONSTANTS } from '../../../engine/src/cprims';
import { GLOBALS } from '../../../engine/src/heap';
import type { Analyzer } from './index';
import { LowerEnv, lowerFunction, NotLowered } from './lower';

export interface HandModel {
  name: string;
  /** why the body is not interpreted ("not modelled: <construct> at line N") */
  reason: string;
  /** what stands in for it: a hand model (leaf model / C hand model) or nothing */
  fallback: 'hand model' | 'predicate model' | 'none';
}

export interface Interpretation {
  cfuncs: CFuncSet;
  /** functions on the path interpreted from their C bodies, in walk order */
  interpreted: string[];
  /** functions on the path with a body in the files that is not interpreted */
  handModels: HandModel[];
  /** kernel primitives on the path (no body in these files, or a primitive by contract) */
  primitives: string[];
  /** calls in interpreted bodies to functions neither interpreted nor modelled: reaching one stops the run */
  traps: Trap[];
  lowered: Lowered;
}

export interface Trap {
  caller: string;
  callee: string;
  line: number;
  reason: string;
}

const registry = defaultRegistry();

/** Roots of a scenario's paths: what its programs and threads call, its RCU callbacks. */
export function pathRoots(sc: Scenario): string[] {
  const out = new Set<string>();
  for (const p of Object.values(sc.programs)) calledFunctions(p).forEach((f) => out.add(f));
  for (const t of sc.threads) calledFunctions(t.program).forEach((f) => out.add(f));
  if (sc.setup.some((op) => op.op === 'kfree_rcu' || op.op === 'call_rcu_sheaf')) out.add('rcu_free_sheaf_nobarn');
  for (const o of ORCHESTRATION) out.delete(o);
  for (const p of Object.keys(sc.programs)) out.delete(p);
  return [...out];
}

const isPrimitive = (name: string) => {
  const p = PRIM.get(name);
  return !!p && p.kind !== 'hand model';
};

/** Lower every function on the paths from `roots` that has a body in the analyzer's files. */
export function interpretPaths(a: Analyzer, roots: string[], file?: (uri: string) => string): Interpretation {
  const env: LowerEnv = {
    isFunction: (n) => !!a.definition(n) || PRIM.has(n) || !!registry.leaf(n) || !!registry.pred(n),
    isNoop: (n) => PRIM.get(n)?.kind === 'no-op',
    struct: (n) => a.struct(n),
    structHas: (n, field) => {
      const def = a.struct(n);
      const text = def && a.text(def.uri);
      if (!def || text === undefined) return undefined;
      if (def.fields.some((x) => x.name === field)) return true;
      // fields inside #ifdef blocks or anonymous unions: the definition's own text decides
      const body = text
        .split('\n')
        .slice(def.range.start.line, def.range.end.line + 1)
        .join('\n');
      return new RegExp(`\\b${field}\\s*(\\[[^\\]]*\\])?\\s*;`).test(body);
    },
    isConstant: (n) => n in CONSTANTS || n in GLOBALS,
  };
  const texts = [...new Set(a.functions().map((f) => f.uri))].map((uri) => a.text(uri) ?? '');
  const mentioned = (n: string) => texts.some((t) => new RegExp(`\\b${n}\\b`).test(t));
  const cfuncs: CFuncSet = {};
  const failed = new Map<string, string>();
  const primitives = new Set<string>();
  const order: string[] = [];
  const seen = new Set<string>();
  const queue = [...roots];
  while (queue.length) {
    const name = queue.shift()!;
    if (seen.has(name)) continue;
    seen.add(name);
    order.push(name);
    if (ORCHESTRATION.includes(name)) continue;
    if (registry.pred(name) && !registry.leaf(name)) {
      failed.set(name, 'a predicate of the orchestration IR (evaluated by its model)');
      continue;
    }
    const found = isPrimitive(name) ? undefined : a.found(name);
    if (!found && registry.leaf(name) && !isPrimitive(name) && !mentioned(name)) {
      // a slab function the scenario calls that this tree has nowhere (F5's do_slab_free on a tree
      // without cpu slabs): its hand model runs in its place, and the report says so
      failed.set(name, NOT_IN_TREE);
      continue;
    }
    if (!found) {
      primitives.add(name);
      continue;
    }
    let f: CFunc;
    try {
      f = lowerFunction(found, env, file?.(found.info.uri));
    } catch (e) {
      if (!(e instanceof NotLowered)) throw e;
      failed.set(name, e.message);
      continue;
    }
    cfuncs[name] = f;
    for (const c of [...cCallees(f), ...cCallbacks(f)]) if (!seen.has(c)) queue.push(c);
  }
  return finish({ roots, order, lowered: cfuncs, failed, primitives: [...primitives] });
}

/** What interpretPaths found, before deciding what runs: kept to fall back and decide again. */
export interface Lowered {
  roots: string[];
  order: string[];
  lowered: CFuncSet;
  /** function -> why it is not interpreted */
  failed: Map<string, string>;
  primitives: string[];
}

/** The hand-model reason of a function the scenario calls that the tree neither defines nor mentions. */
export const NOT_IN_TREE =
  'not in this tree (no definition, no mention in its slab files): the hand model runs in its place';

const hasFallback = (n: string) => !!registry.leaf(n) || PRIM.get(n)?.kind === 'hand model';

function finish(l: Lowered): Interpretation {
  const { roots, order, lowered: cfuncs, failed } = l;
  const primitives = new Set(l.primitives);
  // a call to something neither interpreted nor modelled stays in the body as a trap: a run that
  // reaches it stops with "not modelled" (the kernel's dead branches here: RT, kfree_nolock, cpu partials)
  const traps: Trap[] = [];
  const bodies: CFuncSet = {};
  for (const [name, f0] of Object.entries(cfuncs)) {
    const f: CFunc = { ...f0, unmodelled: undefined };
    for (const i of f.code) {
      if (
        i.i !== 'call' ||
        cfuncs[i.fn] ||
        isPrimitive(i.fn) ||
        hasFallback(i.fn) ||
        primitives.has(i.fn) ||
        registry.pred(i.fn)
      )
        continue;
      const why = failed.get(i.fn) ?? 'no body';
      (f.unmodelled ??= {})[i.fn] = why;
      if (!traps.some((x) => x.caller === name && x.callee === i.fn))
        traps.push({ caller: name, callee: i.fn, line: i.line, reason: why });
    }
    bodies[name] = f;
  }
  const handModels: HandModel[] = [...failed]
    .filter(([name]) => hasFallback(name) || !!registry.pred(name))
    .map(([name, reason]) => ({
      name,
      reason,
      fallback: registry.pred(name) && !registry.leaf(name) ? 'predicate model' : 'hand model',
    }));
  // what runs interpreted: reached from the roots through interpreted bodies only
  const reached = new Set<string>();
  const walk = [...roots];
  while (walk.length) {
    const n = walk.pop()!;
    if (reached.has(n) || !bodies[n]) continue;
    reached.add(n);
    walk.push(...cCallees(bodies[n]), ...cCallbacks(bodies[n]));
  }
  const run: CFuncSet = {};
  for (const n of reached) run[n] = bodies[n];
  const onPath = (n: string) =>
    roots.includes(n) || [...reached].some((r) => cCallees(bodies[r]).includes(n) || cCallbacks(bodies[r]).includes(n));
  return {
    cfuncs: run,
    interpreted: order.filter((n) => reached.has(n)),
    handModels: handModels.filter((h) => onPath(h.name)),
    primitives: order.filter((n) => primitives.has(n) && onPath(n)),
    traps: traps.filter((x) => reached.has(x.caller)),
    lowered: l,
  };
}

/**
 * A run met something not modelled in `caller` (a call to a function neither interpreted nor
 * modelled, or a construct of the heap): the caller is no longer interpreted; without a hand
 * model of its own, neither are its interpreted callers, up to the first that has one. Decides
 * again what runs.
 */
export function fallBack(i: Interpretation, caller: string, why: string): Interpretation {
  const l = i.lowered;
  const failed = new Map(l.failed);
  const lowered = { ...l.lowered };
  const drop = (fn: string, why: string, seen: Set<string>) => {
    if (seen.has(fn) || !lowered[fn]) return;
    seen.add(fn);
    delete lowered[fn];
    failed.set(fn, why);
    if (hasFallback(fn)) return;
    for (const [n, f] of Object.entries(lowered))
      if (cCallees(f).includes(fn) || cCallbacks(f).includes(fn))
        drop(n, `not modelled: calls ${fn}(), which is not interpreted (${why})`, seen);
  };
  drop(caller, why, new Set());
  return finish({ ...l, lowered, failed });
}

/** Why the caller falls back when a run reached its call to a function neither interpreted nor modelled. */
export function trapWhy(i: Interpretation, callee: string, line: number): string {
  return `not modelled: the run reached ${callee}() at line ${line + 1}, which is neither interpreted nor modelled (${i.lowered.failed.get(callee) ?? 'no body'})`;
}
