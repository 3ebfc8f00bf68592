// What of a task's interpreted C other tasks cannot see, for the step granularity (interp.ts):
//
// - A statement that reads and writes only the task's own frames (its locals, its stack structs
//   and arrays, clocal.ts / cmem.ts) commutes with every step of every other task: it joins the
//   step before it instead of being a scheduling point of its own.
// - A local that no path reads before writing it again is dead: it is dropped from its frame at
//   the end of a step, so states that differ only in dead values are one state. A local whose
//   address is taken (`&flags`, `&df`, a local array or list head) is never dropped: a callee or
//   a primitive may read it through the pointer.

import type { CExpr, CFunc, CInstr } from './cir';
import { isLvar } from './clocal';
import type { Value } from './state';

type Locals = Record<string, Value>;

/** The direct sub-expressions of e. */
function kids(e: CExpr): CExpr[] {
  switch (e.k) {
    case 'arrow':
    case 'dot':
    case 'addr':
    case 'deref':
    case 'un':
    case 'cof':
      return [e.e];
    case 'idx':
      return [e.e, e.i];
    case 'bin':
      return [e.l, e.r];
    case 'cond':
      return [e.c, e.t, e.f];
    case 'init':
      return Object.values(e.fields);
    default:
      return [];
  }
}

const isRecord = (v: Value | undefined): boolean => !!v && typeof v === 'object' && !Array.isArray(v);

/**
 * Whether evaluating e touches only the frame: `set` holds the locals an earlier instruction of
 * the same statement writes, whose values are not known before it runs (then a field access
 * through them counts as shared).
 */
function localExpr(e: CExpr, locals: Locals, set: Set<string>): boolean {
  const known = (x: CExpr): Value | undefined => (x.k === 'var' && !set.has(x.n) ? locals[x.n] : undefined);
  switch (e.k) {
    case 'dot':
      return isRecord(known(e.e));
    case 'arrow': {
      // s->flags, s->min_partial, …: struct kmem_cache is constant over a run but for the refcount
      // the orchestration lowers (the heap records no read of it either)
      const v = known(e.e);
      return typeof v === 'string' && (isLvar(v) || (v === 'cache' && e.f !== 'refcount'));
    }
    case 'idx':
      return e.e.k === 'larr' && localExpr(e.i, locals, set);
    case 'deref': {
      const v = known(e.e);
      return typeof v === 'string' && v.startsWith('local:');
    }
    case 'addr':
      return e.e.k === 'var' || (e.e.k === 'dot' && isRecord(known(e.e.e)));
    default:
      return kids(e).every((x) => localExpr(x, locals, set));
  }
}

/** Whether a store to `to` writes only the frame. */
function localStore(to: CExpr | undefined, locals: Locals, set: Set<string>): boolean {
  if (!to || to.k === 'var') return true;
  if (to.k === 'dot') return localExpr(to, locals, set);
  if (to.k === 'idx') return to.e.k === 'larr' && localExpr(to.i, locals, set);
  if (to.k === 'arrow') return localExpr(to, locals, set);
  return false;
}

/** How a callee counts: an interpreted body (a new frame) or a primitive without effect. */
export type CalleeLocal = (fn: string) => boolean;

function localInstr(ins: CInstr, locals: Locals, set: Set<string>, callee: CalleeLocal): boolean {
  switch (ins.i) {
    case 'set':
      return localExpr(ins.e, locals, set) && localStore(ins.to, locals, set);
    case 'jf':
      return localExpr(ins.e, locals, set);
    case 'jmp':
      return true;
    case 'ret':
      // the value goes to a local of the caller (a C frame's `to` is a variable, or the body's result)
      return !ins.e || localExpr(ins.e, locals, set);
    case 'call':
      return callee(ins.fn) && ins.args.every((a) => localExpr(a, locals, set)) && localStore(ins.to, locals, set);
  }
}

/** Whether the C statement starting at pc touches only the task's own frames. */
export function localStatement(fn: CFunc, pc: number, locals: Locals, callee: CalleeLocal): boolean {
  const set = new Set<string>();
  for (let i = pc; i < fn.code.length && (i === pc || !fn.code[i].st); i++) {
    const ins = fn.code[i];
    if (!localInstr(ins, locals, set, callee)) return false;
    if ((ins.i === 'set' || ins.i === 'call') && ins.to?.k === 'var') set.add(ins.to.n);
  }
  return true;
}

// ---- liveness ------------------------------------------------------------------------------

function varsOf(e: CExpr | undefined, out: Set<string>, addressed: Set<string>): void {
  if (!e) return;
  if (e.k === 'var') out.add(e.n);
  else if (e.k === 'larr') addressed.add(e.n);
  else if (e.k === 'addr') {
    let x = e.e;
    while (x.k === 'dot' || x.k === 'idx') x = x.e;
    if (x.k === 'var' || x.k === 'larr') addressed.add(x.n);
  }
  for (const k of kids(e)) varsOf(k, out, addressed);
}

interface Liveness {
  /** locals live before each instruction (and at the end of the code: none) */
  live: Set<string>[];
  /** locals whose address is taken: always live */
  addressed: Set<string>;
}

/** Uses and the one local an instruction defines (a store to `x.f` reads and writes x: no def). */
function useDef(ins: CInstr, addressed: Set<string>): { use: Set<string>; def?: string } {
  const use = new Set<string>();
  let to: CExpr | undefined;
  if (ins.i === 'set') {
    varsOf(ins.e, use, addressed);
    to = ins.to;
  } else if (ins.i === 'call') {
    ins.args.forEach((a) => varsOf(a, use, addressed));
    to = ins.to;
  } else if (ins.i === 'jf' || ins.i === 'ret') varsOf(ins.e, use, addressed);
  if (to?.k === 'var') return { use, def: to.n };
  varsOf(to, use, addressed);
  return { use, def: undefined };
}

function liveness(fn: CFunc): Liveness {
  const addressed = new Set<string>();
  const ud = fn.code.map((ins) => useDef(ins, addressed));
  const n = fn.code.length;
  const live: Set<string>[] = Array.from({ length: n + 1 }, () => new Set<string>());
  const succ = (i: number): number[] => {
    const ins = fn.code[i];
    if (ins.i === 'ret') return [];
    if (ins.i === 'jmp') return [ins.to];
    if (ins.i === 'jf') return [i + 1, ins.to];
    return [i + 1];
  };
  for (let changed = true; changed;) {
    changed = false;
    for (let i = n - 1; i >= 0; i--) {
      const out = new Set<string>();
      for (const j of succ(i)) for (const v of live[Math.min(j, n)]) out.add(v);
      if (ud[i].def) out.delete(ud[i].def!);
      for (const v of ud[i].use) out.add(v);
      if (out.size !== live[i].size) {
        live[i] = out;
        changed = true;
      }
    }
  }
  return { live, addressed };
}

const cache = new WeakMap<CFunc, Liveness>();

/** Drop the locals of a frame at pc that no path reads before writing them again. */
export function dropDead(fn: CFunc, pc: number, locals: Locals): void {
  let l = cache.get(fn);
  if (!l) cache.set(fn, (l = liveness(fn)));
  const live = l.live[Math.min(pc, fn.code.length)];
  for (const k of Object.keys(locals)) if (!live.has(k) && !l.addressed.has(k)) delete locals[k];
}
