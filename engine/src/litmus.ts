// The question of a scenario file (herd7's shape): a proposition over the final state and the
// events of one execution, quantified by exists / ~exists / forall, and the Observation over all
// executions explored (Never / Sometimes / Always). Pure: the file's parser lives in the server.

import { check, CheckResult } from './check';
import type { ExploreOptions } from './explore';
import { leakedObjects, lostObjects, Machine } from './machine';
import type { Scenario } from './scenario';
import type { State, Value } from './state';
import { buildTrace, machineFor, Trace } from './trace';

export type Quantifier = 'exists' | '~exists' | 'forall';
export type Observation = 'Never' | 'Sometimes' | 'Always';
export const OBSERVATIONS: Observation[] = ['Never', 'Sometimes', 'Always'];

/** A source position, 1-based like herd7's and the editors' messages. */
export interface Loc {
  line: number;
  column: number;
}

export type Prop =
  | { kind: 'const'; value: boolean; loc?: Loc }
  /** a predicate of the final state or of the events: leak, lost_free, objects_remaining(s) */
  | { kind: 'pred'; name: string; arg?: string; loc?: Loc }
  /** `0:r0=1`: P0's local r0 when P0 finished */
  | { kind: 'reg'; thread: number; reg: string; value: number; loc?: Loc }
  | { kind: 'not'; arg: Prop; loc?: Loc }
  | { kind: 'and'; args: Prop[]; loc?: Loc }
  | { kind: 'or'; args: Prop[]; loc?: Loc };

export interface Clause {
  quantifier: Quantifier;
  prop: Prop;
}

interface PredicateDef {
  /** what the predicate means, for hovers and completion */
  doc: string;
  /** takes the cache: objects_remaining(s) */
  takesCache?: boolean;
  /** a reason when no model in the engine can make it true: the file gets "not modelled" */
  notModelled?: string;
  holds(s: State, m: Machine): boolean;
}

const event = (name: string) => (s: State) => !!s.events?.includes(name) || s.violation?.property === name;

/** The predicates an exists clause may use, in the kernel's words. */
export const PREDICATES: Record<string, PredicateDef> = {
  objects_remaining: {
    doc: 'free_partial() found a slab still in use: "Objects remaining in <cache> on __kmem_cache_shutdown()"',
    takesCache: true,
    holds: event('objects remaining'),
  },
  lost_free: {
    doc: 'an object freed to a c->freelist that no longer belongs to its slab (or dropped by flush_slab()): its slab never empties',
    holds: (s) => lostObjects(s).length > 0,
  },
  leak: {
    doc: 'at the end an object is neither allocated nor back on its slab (left in a sheaf, the KASAN quarantine, an RCU callback)',
    holds: (s) => leakedObjects(s).length > 0,
  },
  double_free: {
    doc: 'an object freed twice (kmem_cache_free() of an object that is not allocated)',
    holds: event('double free'),
  },
  deadlock: {
    doc: 'no task can run while some are blocked (lockdep would report the cycle)',
    holds: (s, m) => m.stuck(s).length > 0,
  },
  warn: {
    doc: 'a WARN() fired (kmem_cache_destroy(): "Slab cache still has objects")',
    holds: (s) => s.warnings.length > 0,
  },
  use_after_free: {
    doc: 'an access to a sheaf or slab already freed (kfree(), discard_slab())',
    // the interpreter's property; scenario files run the hand models, which track no freed memory
    notModelled:
      'scenario files run the hand models, which track no freed memory; the C interpreter reports use after free of sheaves and slabs, but only for the built-in scenarios (check <id> --kernel DIR) so far',
    holds: event('use after free'),
  },
};

/** Errors of a proposition that is well-formed text but names what the engine cannot answer. */
export function checkProp(p: Prop, threads: { regs: Set<string> }[]): { message: string; loc?: Loc }[] {
  const out: { message: string; loc?: Loc }[] = [];
  const walk = (q: Prop): void => {
    switch (q.kind) {
      case 'pred': {
        const d = PREDICATES[q.name];
        if (!d)
          out.push({
            message: `not modelled: ${q.name}${suggest(q.name, Object.keys(PREDICATES))} (predicates: ${Object.keys(PREDICATES).join(', ')})`,
            loc: q.loc,
          });
        else if (d.notModelled) out.push({ message: `not modelled: ${q.name} — ${d.notModelled}`, loc: q.loc });
        else if (d.takesCache && q.arg === undefined)
          out.push({ message: `${q.name} takes the cache: ${q.name}(s)`, loc: q.loc });
        else if (!d.takesCache && q.arg !== undefined) out.push({ message: `${q.name} takes no argument`, loc: q.loc });
        else if (d.takesCache && q.arg !== 's')
          out.push({ message: `${q.name}(${q.arg}): the scenario's cache is s`, loc: q.loc });
        break;
      }
      case 'reg': {
        const t = threads[q.thread];
        if (!t) out.push({ message: `${q.thread}:${q.reg}: there is no thread P${q.thread}`, loc: q.loc });
        else if (!t.regs.has(q.reg))
          out.push({
            message: `${q.thread}:${q.reg}: P${q.thread} has no local ${q.reg} that a call assigns`,
            loc: q.loc,
          });
        break;
      }
      case 'not':
        walk(q.arg);
        break;
      case 'and':
      case 'or':
        q.args.forEach(walk);
        break;
    }
  };
  walk(p);
  return out;
}

const num = (v: Value | undefined): number | undefined =>
  typeof v === 'number' ? v : typeof v === 'boolean' ? (v ? 1 : 0) : v === null ? 0 : undefined;

/** Whether the proposition holds in a final state (after the machine's final check). */
export function evalProp(p: Prop, s: State, m: Machine): boolean {
  switch (p.kind) {
    case 'const':
      return p.value;
    case 'pred':
      return PREDICATES[p.name]?.holds(s, m) ?? false;
    case 'reg': {
      const t = s.tasks.find((x) => x.id === `P${p.thread}`);
      return num(t?.regs?.[p.reg]) === p.value;
    }
    case 'not':
      return !evalProp(p.arg, s, m);
    case 'and':
      return p.args.every((a) => evalProp(a, s, m));
    case 'or':
      return p.args.some((a) => evalProp(a, s, m));
  }
}

/** The proposition as herd7 writes it (`/\`, `\/`, `~`), fully parenthesised where it nests. */
export function showProp(p: Prop, top = true): string {
  switch (p.kind) {
    case 'const':
      return String(p.value);
    case 'pred':
      return p.arg !== undefined ? `${p.name}(${p.arg})` : p.name;
    case 'reg':
      return `${p.thread}:${p.reg}=${p.value}`;
    case 'not':
      return `~${showProp(p.arg, false)}`;
    case 'and':
    case 'or': {
      const s = p.args.map((a) => showProp(a, false)).join(p.kind === 'and' ? ' /\\ ' : ' \\/ ');
      return top ? s : `(${s})`;
    }
  }
}

export function showClause(c: Clause): string {
  return `${c.quantifier} (${showProp(c.prop)})`;
}

/** herd7's Observation: how many of the executions the proposition held in. */
export function observation(holds: number, total: number): Observation {
  return holds === 0 ? 'Never' : holds === total ? 'Always' : 'Sometimes';
}

/** herd7's test outcome: exists is Ok when observed, ~exists when never, forall when always. */
export function clauseOk(q: Quantifier, o: Observation): boolean {
  return q === 'exists' ? o !== 'Never' : q === '~exists' ? o === 'Never' : o === 'Always';
}

/** " — did you mean X?" for a name close to a known one (Damerau–Levenshtein ≤ 2, or a prefix). */
export function suggest(name: string, known: Iterable<string>): string {
  let best: string | undefined;
  let bestD = Infinity;
  for (const k of known) {
    const d = editDistance(name, k);
    if (d < bestD || (d === bestD && best !== undefined && k.length < best.length)) {
      bestD = d;
      best = k;
    }
  }
  return best !== undefined && bestD <= Math.max(1, Math.min(2, Math.floor(name.length / 3)))
    ? ` — did you mean ${best}?`
    : '';
}

function editDistance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array<number>(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) d[0][j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1])
        d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
    }
  }
  return d[a.length][b.length];
}

export interface ClauseResult {
  clause: string;
  quantifier: Quantifier;
  /** undefined when the exploration stopped before it could decide (incomplete) */
  observation?: Observation;
  /** executions (complete, explored) where the proposition held, out of all explored */
  holds: number;
  total: number;
  /** herd7's Ok / No of the test itself */
  ok?: boolean;
  expected?: Observation;
  /** the observation is the expected one; undefined when either is unknown */
  matches?: boolean;
  /** the shortest execution where the proposition held */
  witness: Trace | null;
}

export type LitmusCheckResult = CheckResult & { litmus: ClauseResult };

/**
 * Explore the scenario and count the executions where the clause's proposition holds. An
 * exploration stopped early decides only "Sometimes" (it saw both); else no observation.
 */
export function checkClause(
  sc: Scenario,
  clause: Clause,
  o: ExploreOptions,
  expected?: Observation,
): LitmusCheckResult {
  const m = machineFor(sc);
  // Counting executions needs every execution run to its end: the stateful cache prunes
  // executions at a state seen before, so a litmus run searches without it.
  const r = check(sc, { ...o, stateless: true, observe: (s) => evalProp(clause.prop, s, m) });
  const ob = r.observed ?? { holds: 0, total: 0 };
  const complete = !r.reason && ob.total > 0;
  let observed: Observation | undefined = complete ? observation(ob.holds, ob.total) : undefined;
  if (!complete && ob.holds > 0 && ob.holds < ob.total) observed = 'Sometimes';
  const witness = ob.witness ? buildTrace(sc, ob.witness, 'pass') : null;
  if (witness) witness.verdict = witness.property ? 'fail' : 'pass'; // its own execution's verdict
  return {
    ...r,
    litmus: {
      clause: showClause(clause),
      quantifier: clause.quantifier,
      observation: observed,
      holds: ob.holds,
      total: ob.total,
      ok: observed ? clauseOk(clause.quantifier, observed) : undefined,
      expected,
      matches: observed && expected ? observed === expected : undefined,
      witness,
    },
  };
}
