// Size: 657 lines with comments, 568 of code (eslint counts code, at most 600): the execution model is the one API every explorer drives; its parts (enabled, footprint, step) share the task table.
// The execution model: which tasks may take a step in a state, what that step touches, and the
// state after it. Every explorer (dpor, naive, bounded, random, pct, replay) drives this one API.

import { Interp } from './interp';
import { Pred, ProgramSet, Stmt } from './ir';
import { Env, Footprint, Registry, StepCtx } from './model';
import { applySetup, Scenario } from './scenario';
import { cloneState, diffViews, flatView, Frame, State, Task, Value } from './state';
import { lockdepReport } from './models/locks';
import { ModelError } from './modelError';
import { DryStep, StepMemo } from './stepMemo';

export { ModelError } from './modelError';

/** Record a violated property in the run's events (each once, in order). */
export function noteEvent(s: State, property: string): void {
  if (!s.events) s.events = [];
  if (!s.events.includes(property)) s.events.push(property);
}

/** Dropped by flush_slab, or pushed on a c->freelist whose c->slab is no longer its slab. */
export function lostObjects(s: State): State['objects'] {
  return s.objects.filter((o) => {
    if (o.where === 'lost') return true;
    const m = /^cpu_freelist:(\d+)$/.exec(o.where);
    return m !== null && s.cpuSlab[Number(m[1])].slab !== o.slab;
  });
}

/** Objects outside their slabs that no one holds at the end (sheaves, quarantine, rcu, cpu freelists). */
export function leakedObjects(s: State): State['objects'] {
  return s.objects.filter((o) => o.where !== 'slab' && o.where !== 'allocated');
}

export interface StepInfo {
  task: string;
  cpu: number;
  ctx: Task['ctx'];
  /** the kernel function this step is in */
  fn: string;
  /** orchestration functions on the task's stack, outermost first, then the leaf */
  stack: string[];
  /** the call statement the leaf was reached from */
  anchor?: Stmt['anchor'];
  /** the statement of the thread's own body this step is under (a scenario file's P line); traces only */
  origin?: Stmt['anchor'];
  event: string;
  warnings: string[];
  violation?: { property: string; message: string };
  changes?: { key: string; from: string | null; to: string | null }[];
}

type LeafFrame = Extract<Frame, { k: 'leaf' }>;
type CFrame = Extract<Frame, { k: 'c' }>;

export class Machine {
  readonly env: Env;
  /** the statements control flow has reached, over every state explored (for "Show Coverage") */
  readonly executed = new Set<NonNullable<Stmt['anchor']>>();
  /** interpreted C functions (the scenario's cfuncs): preferred over leaf models of the same name */
  readonly interp: Interp;
  /** dry runs of interpreted steps and softirq invocations (their footprints and results) */
  private readonly memo = new StepMemo<StepInfo>();
  constructor(
    readonly scenario: Scenario,
    readonly programs: ProgramSet,
    readonly registry: Registry,
  ) {
    this.env = { config: scenario.config, switches: scenario.switches };
    this.interp = new Interp(scenario.cfuncs ?? {}, registry, this.env);
  }

  initial(): State {
    const s = applySetup(this.scenario);
    for (const t of this.scenario.threads) {
      s.tasks.push({
        id: t.id,
        cpu: t.cpu,
        ctx: 'process',
        frames: [{ k: 'body', fn: t.id, body: t.program, pc: 0, locals: { ...t.locals } }],
        done: false,
      });
    }
    for (let c = 0; c < s.ncpus; c++) {
      s.tasks.push({ id: `rcu_core/${c}`, cpu: c, ctx: 'softirq', frames: [], done: false, service: true });
    }
    for (const t of s.tasks) this.settle(s, t);
    return s;
  }

  task(s: State, id: string): Task {
    const t = s.tasks.find((x) => x.id === id);
    if (!t) throw new ModelError(`no task ${id}`);
    return t;
  }

  private top(t: Task): LeafFrame | null {
    const f = t.frames[t.frames.length - 1];
    return f && f.k === 'leaf' ? f : null;
  }

  private topC(t: Task): CFrame | null {
    const f = t.frames[t.frames.length - 1];
    return f && f.k === 'c' ? f : null;
  }

  private phase(f: LeafFrame) {
    const m = this.registry.leaf(f.fn);
    if (!m) throw new ModelError(`not modelled: ${f.fn}`);
    return m.phases[f.phase];
  }

  private gated(s: State, t: Task): boolean {
    const cpu = s.cpus[t.cpu];
    if (cpu.irqOwner !== null && cpu.irqOwner !== t.id) return true;
    if (t.ctx !== 'softirq' && cpu.preemptOwner !== null && cpu.preemptOwner !== t.id) return true;
    return false;
  }

  /** Whether task `t` can take its next step in `s`. */
  isEnabled(s: State, t: Task): boolean {
    if (t.done) return false;
    if (this.topC(t)) return !this.gated(s, t);
    const f = this.top(t);
    if (!f) return false;
    if (this.gated(s, t)) return false;
    const p = this.phase(f);
    return p.enabled ? p.enabled({ s, task: t, frame: f, env: this.env }) : true;
  }

  enabled(s: State): string[] {
    const out: string[] = [];
    for (const t of s.tasks) if (this.isEnabled(s, t)) out.push(t.id);
    return out.sort();
  }

  /** A softirq invocation runs to completion as one step: nothing else on its CPU runs inside it. */
  private composite(t: Task): boolean {
    const f = this.top(t);
    return !!t.service && !!f && f.fn === 'rcu_do_batch' && f.phase === 0;
  }

  private ownFootprint(s: State, t: Task): Footprint | null {
    if (t.done) return null;
    if (this.topC(t)) return this.exclusion(s, t, this.dryRun(s, t).fp);
    const f = this.top(t);
    if (!f) return null;
    return this.exclusion(s, t, this.leafFootprint(s, t, f));
  }

  /** An irq-disabled section on this CPU (local_lock_irqsave) disables the step: entering one
   * does not commute with it, so every step reads its CPU's exclusion state. */
  private leafFootprint(s: State, t: Task, f: LeafFrame): Footprint {
    const fp = this.phase(f).footprint({ s, task: t, frame: f, env: this.env });
    return { ...fp, r: [...fp.r, `cpu:${t.cpu}`] };
  }

  /** Inside an irq-off section the owner holds irq:N, which blocks every other task's step on CPU N (see gated()). */
  private exclusion(s: State, t: Task, fp: Footprint): Footprint {
    const holds = [...(fp.holds ?? [])];
    s.cpus.forEach((c, n) => {
      if (c.irqOwner === t.id) holds.push(`irq:${n}`);
      if (c.preemptOwner === t.id) holds.push(`preempt:${n}`);
    });
    const blockedBy = [...(fp.blockedBy ?? []), `irq:${t.cpu}`, ...(t.ctx !== 'softirq' ? [`preempt:${t.cpu}`] : [])];
    return { ...fp, holds, blockedBy };
  }

  /**
   * Footprint of the task's next step (also for a blocked task: what it waits to do). For a
   * softirq invocation it is the union over the whole callback, found by a dry run.
   */
  footprint(s: State, t: Task): Footprint | null {
    const own = this.ownFootprint(s, t);
    if (!own || !this.composite(t) || !this.isEnabled(s, t)) return own;
    const { fp } = this.dryRun(s, t);
    // whether the invocation may start is decided by its first phase alone
    return { ...fp, holds: own.holds, blockedBy: own.blockedBy };
  }

  /**
   * The footprint of an interpreted step, or of a whole softirq invocation, is what it touches
   * when run: it is run on a copy, and the copy kept for the step itself (states are never
   * changed once made). See StepMemo for when it carries over from the state before.
   */
  private dryRun(s: State, t: Task): DryStep<StepInfo> {
    const known = this.memo.get(s, t);
    if (known) return known;
    const next = cloneState(s);
    const nt = this.task(next, t.id);
    const acc = { r: new Set<string>(), w: new Set<string>() };
    const wait = new Set<string>();
    const infos: StepInfo[] = [];
    do {
      const f = this.top(nt);
      if (f) {
        const fp = this.leafFootprint(next, nt, f);
        fp.r.forEach((k) => acc.r.add(k));
        fp.w.forEach((k) => acc.w.add(k));
        fp.wait?.forEach((k) => wait.add(k));
      } else acc.r.add(`cpu:${nt.cpu}`);
      infos.push(this.stepOnce(next, nt, false, acc));
    } while (nt.service && !this.composite(nt));
    const d: DryStep<StepInfo> = { fp: { r: [...acc.r], w: [...acc.w], wait: [...wait] }, task: t, next, infos };
    this.memo.put(s, d);
    return d;
  }

  /** Execute one step of task `id`; returns the new state (the old one is untouched). */
  step(prev: State, id: string, record = false): { state: State; info: StepInfo; infos: StepInfo[] } {
    const pt = this.task(prev, id);
    let fp: Footprint | null = null;
    if (!record && this.isEnabled(prev, pt)) {
      const top = this.top(pt);
      if (!top || this.composite(pt)) fp = this.dryRun(prev, pt).fp;
      const hit = this.memo.take(prev, id);
      if (hit) {
        const s = hit.next!;
        s.steps = prev.steps + 1;
        this.memo.link(s, prev, id, hit.fp);
        return { state: s, info: hit.infos![0], infos: hit.infos! };
      }
      // what the step touches, for carrying the other tasks' footprints over to the next state
      if (!fp && top && this.memo.knows(prev)) fp = this.leafFootprint(prev, pt, top);
    }
    const s = cloneState(prev);
    const t = this.task(s, id);
    if (!this.isEnabled(s, t)) throw new ModelError(`task ${id} cannot step now`);
    const infos: StepInfo[] = [];
    do infos.push(this.stepOnce(s, t, record));
    while (t.service && !this.composite(t));
    s.steps++;
    if (fp) this.memo.link(s, prev, id, fp);
    return { state: s, info: infos[0], infos };
  }

  private stackOf(t: Task): string[] {
    return t.frames.filter((x) => (x.k === 'body' && x.locals) || x.k === 'c').map((x) => x.fn);
  }

  /** One step of the task's interpreted C function on top, on a state the caller owns. */
  private stepC(s: State, t: Task, record: boolean, acc?: { r: Set<string>; w: Set<string> }): StepInfo {
    const f = this.topC(t)!;
    const events: string[] = [];
    const warningsBefore = s.warnings.length;
    const violationBefore = s.violation;
    const before = record ? flatView(s) : null;
    const stack = this.stackOf(t);
    const pending: { fn: string; args: Record<string, Value>; assign?: string; line: number }[] = [];
    const r = this.interp.step(s, t, {
      emit: (text) => events.push(text),
      violate: (property, message) => {
        if (!s.violation) s.violation = { property, message, step: s.steps, task: t.id };
        noteEvent(s, property);
      },
      pushLeaf: (fn, args, assign, line) => pending.push({ fn, args, assign, line }),
      deliver: (assign, v) => this.deliver(t, assign, v),
    });
    if (r.halted) {
      // the C stopped where it crashed: a thread ends there, a softirq callback returns to rcu_do_batch
      if (t.service) while (t.frames.length && t.frames[t.frames.length - 1].k !== 'leaf') t.frames.pop();
      else {
        t.frames = [];
        t.done = true;
      }
    }
    for (const p of r.halted ? [] : pending)
      this.pushCall(s, t, p.fn, p.args, { fn: r.fn, index: 0, line: p.line }, p.assign);
    if (acc) {
      r.heap.r.forEach((k) => acc.r.add(k));
      r.heap.w.forEach((k) => acc.w.add(k));
    }
    this.settle(s, t);
    const info: StepInfo = {
      task: t.id,
      cpu: t.cpu,
      ctx: t.ctx,
      fn: r.fn,
      stack,
      anchor: { fn: r.fn, index: f.pc, line: r.line },
      event: events.join('; ') || `${r.fn}`,
      warnings: s.warnings.slice(warningsBefore),
    };
    if (s.violation && s.violation !== violationBefore)
      info.violation = { property: s.violation.property, message: s.violation.message };
    if (before) info.changes = diffViews(before, flatView(s));
    return info;
  }

  /** One phase of the task's top leaf, on a state the caller owns. */
  private stepOnce(s: State, t: Task, record: boolean, acc?: { r: Set<string>; w: Set<string> }): StepInfo {
    if (this.topC(t)) return this.stepC(s, t, record, acc);
    const f = this.top(t);
    if (!f || !this.isEnabled(s, t))
      throw new ModelError(`task ${t.id} cannot step now (inside ${f?.fn ?? 'nothing'})`);
    const m = this.registry.leaf(f.fn)!;
    const phase = m.phases[f.phase];
    const events: string[] = [];
    const warningsBefore = s.warnings.length;
    const violationBefore = s.violation;
    const stack = this.stackOf(t);
    const info: StepInfo = {
      task: t.id,
      cpu: t.cpu,
      ctx: t.ctx,
      fn: phase.name ?? f.fn,
      stack: [...stack, f.fn],
      anchor: f.anchor,
      event: '',
      warnings: [],
    };
    if (record) {
      const origin = this.origin(t);
      if (origin) info.origin = origin;
    }
    const pending: { fn: string; args: Record<string, Value> }[] = [];
    const ctx: StepCtx = {
      s,
      task: t,
      frame: f,
      env: this.env,
      emit: (text) => events.push(text),
      violate: (property, message) => {
        if (!s.violation) s.violation = { property, message, step: s.steps, task: t.id };
        noteEvent(s, property);
      },
      warn: (message) => s.warnings.push(message),
      call: (fn, args) => pending.push({ fn, args }),
      spawn: (task) => {
        s.tasks.push(task);
        this.settle(s, task);
      },
      ret: (v) => (f.data.__ret = v),
    };
    const before = record ? flatView(s) : null;
    const r = phase.run(ctx);
    if (r === 'done') f.phase = m.phases.length;
    else if (r !== 'again') f.phase++;
    // Calls made by the phase run after it, in order: push in reverse.
    for (let i = pending.length - 1; i >= 0; i--) this.pushCall(s, t, pending[i].fn, pending[i].args, f.anchor);
    this.settle(s, t);
    info.event = events.join('; ') || info.fn;
    info.warnings = s.warnings.slice(warningsBefore);
    if (s.violation && s.violation !== violationBefore)
      info.violation = { property: s.violation.property, message: s.violation.message };
    if (before) info.changes = diffViews(before, flatView(s));
    return info;
  }

  /** The thread body's statement running now: the innermost frame of the thread's own program (or its loop helpers). */
  private origin(t: Task): Stmt['anchor'] | undefined {
    for (let i = t.frames.length - 1; i >= 0; i--) {
      const f = t.frames[i];
      if (f.k === 'body' && (f.fn === t.id || f.fn.startsWith(`${t.id}:`))) return f.body[f.pc - 1]?.anchor;
    }
    return undefined;
  }

  private pushCall(
    s: State,
    t: Task,
    fn: string,
    args: Record<string, Value>,
    anchor?: Stmt['anchor'],
    assign?: string,
  ): void {
    const prog = this.programs[fn];
    if (prog) {
      // A scenario body's loop is lowered to a program calling itself last (`P0:loop@12`): the
      // call replaces the running iteration's frames, so an unbounded loop stays one frame deep.
      if (fn.includes(':loop@')) {
        const at = t.frames.findIndex((f) => f.k === 'body' && f.fn === fn && f.locals);
        if (at >= 0) t.frames.length = at;
      }
      t.frames.push({ k: 'body', fn, body: prog, pc: 0, locals: { ...args }, assign });
      return;
    }
    if (this.interp.has(fn)) {
      // inside a for_each_kmem_cache_node loop, the node it is at
      const node = args.node === undefined ? this.find(t, 'node') : undefined;
      if (node !== undefined) args = { ...args, node };
      t.frames.push({ k: 'c', fn, pc: 0, locals: this.interp.bindEntry(fn, args, s, t), assign, anchor });
      return;
    }
    if (!this.registry.leaf(fn)) throw new ModelError(`not modelled: ${fn}`);
    t.frames.push({ k: 'leaf', fn, phase: 0, args, data: {}, anchor, assign });
  }

  private lookup(t: Task, name: string): Value {
    const v = this.find(t, name);
    if (v === undefined) throw new ModelError(`unknown variable ${name} in ${t.id}`);
    return v;
  }

  private find(t: Task, name: string): Value | undefined {
    for (let i = t.frames.length - 1; i >= 0; i--) {
      const f = t.frames[i];
      if (f.k === 'loop' && f.stmt.var === name) return f.i - 1;
      if (f.k === 'body' && f.locals) {
        if (name in f.locals) return f.locals[name];
        break;
      }
    }
    if (name === 's') return 0;
    if (/^-?\d+$/.test(name)) return Number(name);
    return undefined;
  }

  evalPred(s: State, t: Task, p: Pred): boolean {
    switch (p.kind) {
      case 'const':
        return p.value;
      case 'config':
        return !!this.scenario.config[p.name];
      case 'cache': {
        const v = (s.cache as unknown as Record<string, unknown>)[p.field];
        if (v === undefined) throw new ModelError(`unknown cache field s->${p.field}`);
        return !!v;
      }
      case 'flag':
        return s.cache.flags.includes(p.name);
      case 'call': {
        const m = this.registry.pred(p.fn);
        if (!m) throw new ModelError(`not modelled: predicate ${p.fn}()`);
        return m.eval(
          s,
          this.env,
          (p.args ?? []).map((a) => this.lookup(t, a)),
        );
      }
      case 'local':
        return !!this.lookup(t, p.index ? `${p.name}#${this.lookup(t, p.index)}` : p.name);
      case 'not':
        return !this.evalPred(s, t, p.arg);
      case 'and':
        return p.args.every((a) => this.evalPred(s, t, a));
      case 'or':
        return p.args.some((a) => this.evalPred(s, t, a));
    }
  }

  /** Return from the innermost function frame with value v. */
  private unwind(t: Task, v: Value): void {
    while (t.frames.length) {
      const f = t.frames.pop()!;
      if (f.k === 'body' && f.locals) {
        this.keepRegs(t, f);
        this.deliver(t, f.assign, v);
        return;
      }
    }
  }

  /** continue: drop the loop body's frames (the loop frame goes on to the next CPU); break: the loop's too. */
  private leaveLoop(t: Task, how: 'continue' | 'break'): void {
    for (let i = t.frames.length - 1; i >= 0; i--) {
      const f = t.frames[i];
      if (f.k === 'loop') {
        t.frames.length = how === 'continue' ? i + 1 : i;
        return;
      }
      if (f.k === 'body' && f.locals) break;
    }
    throw new ModelError(`${how} outside a for_each loop in ${t.id}`);
  }

  /** A thread's own body frame left: its locals stay readable as registers (`0:r0`). */
  private keepRegs(t: Task, f: Frame): void {
    if (!t.service && t.frames.length === 0 && f.k === 'body' && f.locals) t.regs = { ...f.locals };
  }

  private deliver(t: Task, assign: string | undefined, v: Value): void {
    if (!assign) return;
    for (let i = t.frames.length - 1; i >= 0; i--) {
      const f = t.frames[i];
      if (f.k === 'c') {
        f.locals[assign] = v;
        return;
      }
      if (f.k === 'body' && f.locals) {
        f.locals[assign] = v;
        return;
      }
    }
  }

  /**
   * Run the task's control flow (guards over constants and locals, loops, calls, returns) up to
   * its next atomic step. Control flow touches no shared state, so it is not a step of its own.
   */
  settle(s: State, t: Task): void {
    for (;;) {
      if (t.done) return;
      const f = t.frames[t.frames.length - 1];
      if (!f) {
        if (t.service) {
          t.frames.push({ k: 'leaf', fn: 'rcu_do_batch', phase: 0, args: {}, data: {} });
          return;
        }
        t.done = true;
        return;
      }
      if (f.k === 'c') return;
      if (f.k === 'leaf') {
        const m = this.registry.leaf(f.fn)!;
        if (f.phase < m.phases.length) return;
        t.frames.pop();
        this.deliver(t, f.assign, f.data.__ret ?? null);
        continue;
      }
      if (f.k === 'loop') {
        const n = f.stmt.over === 'cpu' ? s.ncpus : s.nnodes;
        // with CPU hotplug in the scenario, for_each_online_cpu reads the mask as it goes: a step
        if (f.stmt.over === 'cpu' && this.scenario.hotplug && f.probed !== f.i && f.i < n) {
          t.frames.push({ k: 'leaf', fn: 'cpumask_next', phase: 0, args: {}, data: {}, anchor: f.stmt.anchor });
          return;
        }
        if (f.i >= n) {
          t.frames.pop();
          continue;
        }
        f.i++;
        t.frames.push({ k: 'body', fn: f.fn, body: f.stmt.body, pc: 0 });
        continue;
      }
      if (f.pc >= f.body.length) {
        t.frames.pop();
        this.keepRegs(t, f);
        if (f.locals) this.deliver(t, f.assign, 0);
        continue;
      }
      const st = f.body[f.pc++];
      if (st.anchor) this.executed.add(st.anchor);
      this.execute(s, t, f, st);
    }
  }

  /** One statement of a body frame: control flow, or a call that pushes the frame of its first step. */
  private execute(s: State, t: Task, f: Extract<Frame, { k: 'body' }>, st: Stmt): void {
    switch (st.op) {
      case 'call': {
        // Leaves name their parameters; the IR passes C argument expressions by position.
        const params = this.registry.leaf(st.fn)?.params;
        const args: Record<string, Value> = {};
        (st.args ?? []).forEach((a, i) => (args[params?.[i] ?? a] = this.lookup(t, a)));
        this.pushCall(s, t, st.fn, args, st.anchor, st.assign);
        break;
      }
      case 'if': {
        const branch = this.evalPred(s, t, st.cond) ? st.then : st.else;
        if (branch && branch.length) t.frames.push({ k: 'body', fn: f.fn, body: branch, pc: 0 });
        break;
      }
      case 'for_each':
        t.frames.push({ k: 'loop', fn: f.fn, stmt: st, i: 0 });
        break;
      case 'queue_work_on':
        t.frames.push({
          k: 'leaf',
          fn: 'queue_work_on',
          phase: 0,
          args: { cpu: this.lookup(t, st.cpu), work: st.work, fn: st.fn },
          data: {},
          anchor: st.anchor,
        });
        break;
      case 'lock':
        t.frames.push({
          k: 'leaf',
          fn: st.fn,
          phase: 0,
          args: st.lock !== undefined ? { lock: st.lock } : {},
          data: {},
          anchor: st.anchor,
          assign: st.assign,
        });
        break;
      case 'flush_work':
        t.frames.push({
          k: 'leaf',
          fn: 'flush_work',
          phase: 0,
          args: { cpu: this.lookup(t, st.cpu), work: st.work },
          data: {},
          anchor: st.anchor,
        });
        break;
      case 'return':
        this.unwind(t, st.value ? (this.evalPred(s, t, st.value) ? 1 : 0) : 0);
        break;
      case 'warn':
        if (this.evalPred(s, t, st.cond)) s.warnings.push(st.message.replace(/%s/g, s.cache.name));
        break;
      case 'dec': {
        const c = s.cache as unknown as Record<string, number>;
        c[st.field]--;
        break;
      }
      case 'continue':
      case 'break':
        this.leaveLoop(t, st.op);
        break;
      case 'set':
        this.deliver(t, st.index ? `${st.name}#${this.lookup(t, st.index)}` : st.name, this.evalPred(s, t, st.value));
        break;
    }
  }

  /** Tasks that are neither done nor idle services: if nothing is enabled, they are stuck. */
  stuck(s: State): string[] {
    return s.tasks
      .filter((t) => !t.done && !(t.service && this.top(t)?.fn === 'rcu_do_batch' && this.top(t)!.phase === 0))
      .map((t) => t.id);
  }

  /** Properties checked when no task can move: deadlock, lost free, leak. Mutates `s.violation`. */
  finalCheck(s: State): void {
    if (s.violation) return;
    const stuck = this.stuck(s);
    if (stuck.length) {
      const cycle = lockdepReport(s, stuck);
      s.violation = {
        property: 'deadlock',
        message: `no task can run; blocked: ${stuck.join(', ')}${cycle ? `\n${cycle}` : ''}`,
        step: s.steps,
        task: stuck[0],
      };
      noteEvent(s, 'deadlock');
      return;
    }
    const lost = lostObjects(s);
    if (lost.length) {
      const o = lost[0];
      const sl = s.slabs[o.slab];
      s.violation = {
        property: 'lost free',
        message: `lost free: o${o.id} was freed but dropped from a cpu freelist; slab#${sl.id} inuse=${sl.inuse} never returns to 0`,
        step: s.steps,
        task: '',
      };
      noteEvent(s, 'lost free');
      return;
    }
    if (this.scenario.checkLeak) {
      const leaked = leakedObjects(s);
      if (leaked.length) {
        s.violation = {
          property: 'leak',
          message: `leak: ${leaked.map((o) => `o${o.id} in ${o.where}`).join(', ')} at the end`,
          step: s.steps,
          task: '',
        };
        noteEvent(s, 'leak');
      }
    }
  }
}
