// What a leaf generator (leaves.ts) may ask of the code generator (compile.ts). The leaves see
// these interfaces, not the Gen class, so that compile.ts imports leaves.ts and never the reverse.

import type { Scenario } from '../scenario';

/** Arguments by parameter name, as Promela expressions. */
export type Args = Record<string, string>;

/** Who runs the code being generated: its CPU, its pc, its scratch variables. */
export interface TaskCtx {
  name: string;
  /** Promela expression of the task's CPU */
  cpu: string;
  pcVar: string;
  /** the name of one of the task's scratch variables (SCRATCH) */
  v(name: string): string;
  goto(pc: number): string;
  /** thread index, for RCU readers; kworkers and softirqs are never readers here */
  readerSlot: number | null;
  /** program frames being inlined, to refuse recursion */
  stack: string[];
  /** a fresh variable for a program local (assigned from a call's result) */
  local(): string;
}

/** The steps of one task's machine being written, and the scenario-wide facts the leaves ask for. */
export interface StepWriter {
  readonly sc: Scenario;
  readonly kasan: boolean;
  readonly cpus: number[];
  /** CPU hotplug: the CPU that goes down and the control CPU (models/hotplug.ts) */
  readonly hotplug: { dead: number; ctrl: number } | null;
  /** with hotplug: the threads that may run on the dead CPU, by pc and CPU variable (takedown_cpu moves them) */
  readonly movers: { pc: string; cpu: string }[];
  readonly slabs: number[];
  readonly readers: string[];
  alloc(): number;
  define(pc: number, guard: string | null, body: string, spawns?: boolean): void;
  step(guard: string | null, body: string, spawns?: boolean): number;
  token(): string;
  patch(token: string, text: string): void;
  reader(t: TaskCtx): number;
  /** the kworkers of work item `work` running fn (one per CPU, started by init): fn's number for wfn[] */
  kworker(fn: string, work: string): number;
  /** index of a lock in lk[] */
  lock(key: string): number;
  call(fn: string, t: TaskCtx, args: Args, k: string, assign: string | null): string;
}
