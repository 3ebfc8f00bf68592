// What a leaf model is: a C function modelled as a sequence of atomic phases, each declaring its
// footprint (the state it reads and writes) so the explorer can tell independent steps apart.

import type { Frame, State, Task, Value } from './state';

/** Keys of the state a step reads / writes. `wait` keys only gate enabledness (monotone waits). */
export interface Footprint {
  r: string[];
  w: string[];
  wait?: string[];
  /**
   * Exclusion tokens (`own:<lock>`, `read:cpu_hotplug_lock`, `irq:<cpu>`): `holds` are held by the
   * step's task in the state it runs from; `blockedBy` are tokens that, held by another task,
   * disable the step. A step holding what another's step is blocked by is never enabled together
   * with it (a mutex_unlock and another task's mutex_lock): dpor does not take such a pair as a
   * race, only as an order (Flanagan–Godefroid's "may be co-enabled").
   */
  holds?: string[];
  blockedBy?: string[];
}

export interface Switches {
  /** flush_slab() runs under local_lock_irqsave() (pre-series allocator) */
  flush_slab_irqsave: boolean;
  /** the free fastpath's cmpxchg also compares c->tid */
  free_tid_check: boolean;
}

export interface Env {
  config: Record<string, boolean>;
  switches: Switches;
}

/** What a phase sees when asked whether it may run and what it touches. */
export interface PeekCtx {
  s: State;
  task: Task;
  frame: Extract<Frame, { k: 'leaf' }>;
  env: Env;
}

/** What a phase may do when it runs. */
export interface StepCtx extends PeekCtx {
  /** One line for the trace, in kernel words. */
  emit(text: string): void;
  violate(property: string, message: string): void;
  warn(message: string): void;
  /** Call another modelled function after this phase (a program or a leaf). */
  call(fn: string, args: Record<string, Value>): void;
  /** Start a new task (a queued work item runs in its own kworker task). */
  spawn(task: Task): void;
  /** The leaf's return value, for `err = f(s)`. */
  ret(v: Value): void;
}

export interface Phase {
  /** The kernel function this phase stands for, when not the leaf itself (e.g. slab_free_hook). */
  name?: string;
  enabled?(c: PeekCtx): boolean;
  footprint(c: PeekCtx): Footprint;
  /** 'again' repeats this phase (a loop over objects); 'done' skips the remaining phases. */
  run(c: StepCtx): void | 'again' | 'done';
}

export interface LeafModel {
  name: string;
  /** "modelled as ..." for hovers and the README */
  summary: string;
  /** What the model assumes of the C body; the server warns of drift when the body disagrees. */
  assumes: { calls: string[]; locks?: string[] };
  /** parameter names, bound by position from the IR's call arguments */
  params?: string[];
  phases: Phase[];
}

/**
 * Predicate functions that guards may call (cache_has_sheaves(s), has_pcs_used(cpu, s)), with the
 * values of the C arguments in order. Evaluated as part of the thread's control flow, not as a
 * step of its own: a predicate that reads per-CPU state says in its summary what that assumes.
 */
export interface PredModel {
  name: string;
  summary: string;
  eval(s: State, env: Env, args: Value[]): boolean;
}

export class Registry {
  private leaves = new Map<string, LeafModel>();
  private preds = new Map<string, PredModel>();
  addLeaf(m: LeafModel): this {
    this.leaves.set(m.name, m);
    return this;
  }
  addPred(p: PredModel): this {
    this.preds.set(p.name, p);
    return this;
  }
  leaf(name: string): LeafModel | undefined {
    return this.leaves.get(name);
  }
  pred(name: string): PredModel | undefined {
    return this.preds.get(name);
  }
  leafNames(): string[] {
    return [...this.leaves.keys()];
  }
  predNames(): string[] {
    return [...this.preds.keys()];
  }
}

export const dependent = (a: Footprint, b: Footprint): boolean => {
  for (const k of a.w) if (b.w.includes(k) || b.r.includes(k)) return true;
  for (const k of b.w) if (a.r.includes(k)) return true;
  return false;
};

/** Two steps never enabled in one state: one holds a token that blocks the other. */
const exclusive = (a: Footprint, b: Footprint): boolean =>
  !!(a.holds?.some((k) => b.blockedBy?.includes(k)) || b.holds?.some((k) => a.blockedBy?.includes(k)));

/** A race (dpor reverses it): dependent steps of two tasks that may be enabled together. */
export const races = (a: Footprint, b: Footprint): boolean => dependent(a, b) && !exclusive(a, b);

/** Dependence for happens-before: also counts the keys a wait was blocked on. */
export const orderedAfter = (earlier: Footprint, later: Footprint): boolean => {
  if (dependent(earlier, later)) return true;
  if (later.wait) for (const k of later.wait) if (earlier.w.includes(k)) return true;
  return false;
};
