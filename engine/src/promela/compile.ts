// Scenario → Promela. Every task becomes a step machine: a `pc` and one atomic step
// (d_step) per leaf phase, guarded by the phase's enabledness and its CPU's irq exclusion, as
// Machine.isEnabled has it. The control flow between phases (guards, loops over CPUs, calls
// into orchestration programs, returns) runs inside the step before, as Machine.settle runs it
// right after a step; loops over CPUs are unrolled and programs inlined (the CPU count is
// known). A softirq callback (rcu_do_batch) is one step, as in the engine. Properties: the
// violations the leaves raise are assertions; "no task can move" with tasks left is Spin's
// invalid end state (deadlock); the end-of-run checks (lost free, leak) run at `timeout` once
// every task has finished.

import type { Pred, Stmt } from '../ir';
import type { Registry } from '../model';
import { controlCpu } from '../models/hotplug';
import { applySetup, Scenario } from '../scenario';
import { initialAssignments, Sizes, sizesOf, W } from './encode';
import { ExportError } from './errors';
import { HOTPLUG_LEAVES } from './hotplug';
import { LEAVES, PREDS } from './leaves';
import { lockStmt } from './locks';
import { pcType, RESET, scratch } from './scratch';
import type { Args, StepWriter, TaskCtx } from './task';

const SCRATCH: [string, string, string][] = [
  // name, type, array size
  ['tid', 'byte', ''],
  ['fl', 'int', ''],
  ['slab', 'byte', ''],
  ['sh', 'byte', ''],
  ['j', 'byte', ''],
  ['np', 'byte', ''],
  ['pi', 'byte', ''],
  ['pend', 'byte', 'NOBJ'],
  ['target', 'byte', 'NCPU'],
  // read holds of cpu_hotplug_lock (locks.ts)
  ['hpr', 'byte', ''],
];

const ident = (s: string) => s.replace(/[^A-Za-z0-9_]/g, '_');

interface Step {
  pc: number;
  guard: string | null;
  body: string;
  /** starts a process: atomic, not d_step */
  spawns: boolean;
}

/** The steps of one task's machine, and the scenario-wide facts the leaves ask for. */
export class Gen implements StepWriter {
  readonly steps = new Map<number, Step>();
  private next = 1;
  private tokens = 0;
  private patches: [string, string][] = [];

  constructor(readonly part: Part) {}

  get sc() {
    return this.part.sc;
  }
  get kasan() {
    return !!this.part.sc.config.CONFIG_KASAN;
  }
  get cpus() {
    return this.part.cpus;
  }
  get slabs() {
    return this.part.slabs;
  }
  get readers() {
    return this.part.readers;
  }
  get hotplug() {
    return this.part.hotplug;
  }
  get movers() {
    return this.part.movers;
  }

  alloc(): number {
    return this.next++;
  }
  define(pc: number, guard: string | null, body: string, spawns = false): void {
    this.steps.set(pc, { pc, guard, body, spawns });
  }
  step(guard: string | null, body: string, spawns = false): number {
    const pc = this.alloc();
    this.define(pc, guard, body, spawns);
    return pc;
  }
  /** A placeholder in bodies, replaced once the code it stands for is known (loops). */
  token(): string {
    return `@@${this.tokens++}@@`;
  }
  patch(token: string, text: string): void {
    this.patches.push([token, text]);
  }
  finish(): Step[] {
    const out = [...this.steps.values()].sort((a, b) => a.pc - b.pc);
    for (const s of out) for (const [tok, text] of this.patches) s.body = s.body.split(tok).join(text);
    return out;
  }

  reader(t: TaskCtx): number {
    if (t.readerSlot === null)
      throw new ExportError(
        `not exportable: rcu_read_lock() in ${t.name} (only threads are RCU readers in the export)`,
      );
    return t.readerSlot;
  }

  kworker(fn: string, work: string): number {
    return this.part.kworker(fn, work);
  }

  lock(key: string): number {
    return this.part.lock(key);
  }

  /** A call (Machine.pushCall): an orchestration program, inlined, or a leaf's steps. */
  call(fn: string, t: TaskCtx, args: Args, k: string, assign: string | null): string {
    const prog = this.sc.programs[fn];
    if (prog) {
      if (t.stack.includes(fn)) throw new ExportError(`not exportable: recursive call of ${fn}`);
      const vars = new Map(Object.entries(args));
      const inner = { ...t, stack: [...t.stack, fn] };
      const frame: Frame = { fn, vars, assign, k, perCpu: new Map(), ctx: inner };
      declareAssigns(prog, frame, t);
      return compileStmts(this, inner, prog, `${assign ? `${assign} = 0; ` : ''}${k}`, frame);
    }
    const gen = LEAVES[fn] ?? (this.hotplug ? HOTPLUG_LEAVES[fn] : undefined);
    if (!gen) {
      throw new ExportError(
        this.part.registry.leaf(fn)
          ? `not exportable: ${fn} (no Promela model of this leaf)`
          : `not exportable: ${fn} (not modelled)`,
      );
    }
    const ret = (v: string) => (assign ? `${assign} = ${v}` : 'skip');
    // leaves without a result deliver null: falsy, as 0
    const after = assign && fn !== 'queue_work_on' ? `${assign} = 0; ${k}` : k;
    return gen(this, t, args, after, ret);
  }
}

interface Frame {
  fn: string;
  /** variables in scope: arguments, loop variables, locals assigned from results */
  vars: Map<string, string>;
  /** per-CPU locals (sfw->skip of CPU n: `skip#n`), made when first named; shared by the frame's loops */
  perCpu?: Map<string, string>;
  assign: string | null;
  /** code that continues after the call returns */
  k: string;
  /** the innermost for_each of this function: where continue and break go */
  loop?: { next: string; out: string };
  ctx?: TaskCtx;
}

/** A program's locals assigned from call results get a variable each before its code is compiled. */
function declareAssigns(body: Stmt[], f: Frame, t: TaskCtx): void {
  const walk = (ss: Stmt[]) => {
    for (const s of ss) {
      if ((s.op === 'call' || s.op === 'lock') && s.assign && !f.vars.has(s.assign)) f.vars.set(s.assign, t.local());
      else if (s.op === 'set' && !s.index && !f.vars.has(s.name)) f.vars.set(s.name, t.local());
      else if (s.op === 'if') {
        walk(s.then);
        if (s.else) walk(s.else);
      } else if (s.op === 'for_each') walk(s.body);
    }
  };
  walk(body);
}

function lookup(f: Frame, name: string): string {
  const v = f.vars.get(name);
  if (v !== undefined) return v;
  if (name === 's') return '0';
  if (/^-?\d+$/.test(name)) return name;
  throw new ExportError(`not exportable: unknown variable ${name} in ${f.fn}`);
}

/** `name#cpu` of a per-CPU local: the index must be known when exporting (a loop variable). */
function perCpu(f: Frame, name: string, index: string): string {
  const i = lookup(f, index);
  if (!/^\d+$/.test(i)) throw new ExportError(`not exportable: ${name}[${index}] with ${index} known only at run time`);
  const key = `${name}#${i}`;
  let v = f.perCpu!.get(key);
  if (!v) f.perCpu!.set(key, (v = f.ctx!.local()));
  return v;
}

function pred(g: Gen, f: Frame, p: Pred): string {
  switch (p.kind) {
    case 'const':
      return p.value ? 'true' : 'false';
    case 'config':
      return g.sc.config[p.name] ? 'true' : 'false';
    case 'cache':
      if (p.field === 'refcount') return '(refcount != 0)';
      if (p.field === 'cpu_sheaves' || p.field === 'sheaf_capacity') return g.sc.cache[p.field] ? 'true' : 'false';
      throw new ExportError(`not exportable: cache field s->${p.field}`);
    case 'flag':
      return g.sc.cache.flags.includes(p.name) ? 'true' : 'false';
    case 'call': {
      const m = PREDS[p.fn];
      if (!m) throw new ExportError(`not exportable: predicate ${p.fn}()`);
      return m(
        g,
        (p.args ?? []).map((a) => lookup(f, a)),
      );
    }
    case 'local':
      return `(${p.index ? perCpu(f, p.name, p.index) : lookup(f, p.name)} != 0)`;
    case 'not':
      return `!${pred(g, f, p.arg)}`;
    case 'and':
      return p.args.length ? `(${p.args.map((a) => pred(g, f, a)).join(' && ')})` : 'true';
    case 'or':
      return p.args.length ? `(${p.args.map((a) => pred(g, f, a)).join(' || ')})` : 'false';
    default:
      throw new ExportError(`not exportable: predicate kind ${(p as { kind: string }).kind}`);
  }
}

const branch = (cond: string, then: string, els: string) => `if :: ${cond} -> ${then} :: else -> ${els} fi`;

/** Entry code of a statement list: the control flow up to its first step, then `k`. */
function compileStmts(g: Gen, t: TaskCtx, stmts: Stmt[], k: string, f: Frame): string {
  let entry = k;
  for (let i = stmts.length - 1; i >= 0; i--) entry = compileStmt(g, t, stmts[i], entry, f);
  return entry;
}

const VIA_OP = new Set(['queue_work_on', 'flush_work', 'process_one_work', 'rcu_do_batch']);

function compileStmt(g: Gen, t: TaskCtx, s: Stmt, k: string, f: Frame): string {
  switch (s.op) {
    case 'call': {
      if (VIA_OP.has(s.fn))
        throw new ExportError(`not exportable: a call of ${s.fn} (the IR has its own statement for it)`);
      const params = g.part.registry.leaf(s.fn)?.params;
      const args: Args = {};
      (s.args ?? []).forEach((a, i) => (args[params?.[i] ?? a] = lookup(f, a)));
      return g.call(s.fn, t, args, k, s.assign ? lookup(f, s.assign) : null);
    }
    case 'if':
      return branch(
        pred(g, f, s.cond),
        compileStmts(g, t, s.then, k, f),
        s.else ? compileStmts(g, t, s.else, k, f) : k,
      );
    case 'for_each': {
      if (s.over === 'cpu' && g.hotplug) return onlineLoop(g, t, s, k, f);
      const n = s.over === 'cpu' ? g.sc.ncpus : 1;
      let entry = k;
      for (let i = n - 1; i >= 0; i--) {
        const inner: Frame = { ...f, vars: new Map(f.vars).set(s.var, String(i)), loop: { next: entry, out: k } };
        entry = compileStmts(g, t, s.body, entry, inner);
      }
      return entry;
    }
    case 'continue':
    case 'break': {
      if (!f.loop) throw new ExportError(`not exportable: ${s.op} outside a for_each loop in ${f.fn}`);
      return s.op === 'continue' ? f.loop.next : f.loop.out;
    }
    case 'set': {
      const v = s.index ? perCpu(f, s.name, s.index) : lookup(f, s.name);
      return `${v} = (${pred(g, f, s.value)} -> 1 : 0); ${k}`;
    }
    case 'queue_work_on':
      return g.call(
        'queue_work_on',
        t,
        { cpu: lookup(f, s.cpu), work: String(g.part.work(s.work)), fn: s.fn },
        k,
        null,
      );
    case 'flush_work':
      return LEAVES.flush_work(g, t, { cpu: lookup(f, s.cpu), work: String(g.part.work(s.work)) }, k, () => 'skip');
    case 'return': {
      const v = s.value ? `(${pred(g, f, s.value)} -> 1 : 0)` : '0';
      return `${f.assign ? `${f.assign} = ${v}; ` : ''}${f.k}`;
    }
    case 'warn':
      // a WARN taints the run; no property reads it
      pred(g, f, s.cond);
      return k;
    case 'lock':
      return lockStmt(g, t, s.fn, s.lock, k, s.assign ? lookup(f, s.assign) : null);
    case 'dec':
      if (s.field !== 'refcount') throw new ExportError(`not exportable: dec of s->${s.field}`);
      return `refcount--; ${k}`;
    default:
      throw new ExportError(`not exportable: ${(s as { op: string }).op}`);
  }
}

/**
 * for_each_online_cpu with CPU hotplug: each iteration starts with a step that reads the online
 * mask (cpumask_next) and goes to the first online CPU from there, or out of the loop.
 */
function onlineLoop(g: Gen, t: TaskCtx, s: Extract<Stmt, { op: 'for_each' }>, k: string, f: Frame): string {
  const n = g.sc.ncpus;
  const probes = Array.from({ length: n }, () => g.alloc());
  const probe = (i: number) => (i < n ? t.goto(probes[i]) : k);
  const bodies = Array.from({ length: n }, (_, i) => {
    const inner: Frame = { ...f, vars: new Map(f.vars).set(s.var, String(i)), loop: { next: probe(i + 1), out: k } };
    return compileStmts(g, t, s.body, probe(i + 1), inner);
  });
  const chain = (i: number): string => (i < n ? `if :: online[${i}] -> ${bodies[i]} :: else -> ${chain(i + 1)} fi` : k);
  for (let i = 0; i < n; i++) g.define(probes[i], null, chain(i));
  return probe(0);
}

const gate = (cpu: string) => `(irq[${cpu}] == 0 || irq[${cpu}] == _pid + 1)`;

function loopOf(steps: ReturnType<Gen['finish']>, pcVar: string, cpu: string, ends = true): string[] {
  const out: string[] = [];
  for (const s of steps) {
    const cond = [`${pcVar} == ${s.pc}`, gate(cpu), ...(s.guard ? [`(${s.guard})`] : [])].join(' && ');
    out.push(`  :: ${s.spawns ? 'atomic' : 'd_step'} { ${cond} -> ${s.body} }`);
  }
  if (ends) out.push(`  :: ${pcVar} == 0 -> break`);
  return out;
}

/** One scenario's processes and initial state, with names under `prefix`. */
export class Part {
  readonly cpus: number[];
  readonly slabs: number[];
  readonly readers: string[];
  readonly sizes: Sizes;
  readonly hotplug: { dead: number; ctrl: number } | null;
  readonly movers: { pc: string; cpu: string }[] = [];
  private works = new Map<string, number>();
  private locks = new Map<string, number>();
  /** work functions by number (wfn[] holds it + 1), and the work items each runs for */
  private kworkers = new Map<string, { n: number; works: Set<string> }>();
  private locals = 0;
  readonly globals: string[] = [];
  readonly procs: string[] = [];
  readonly init: string[] = [];

  constructor(
    readonly sc: Scenario,
    readonly registry: Registry,
    readonly prefix: string,
  ) {
    const s0 = applySetup(sc);
    this.cpus = Array.from({ length: sc.ncpus }, (_, c) => c);
    this.slabs = s0.slabs.map((_, i) => i);
    this.readers = sc.threads.map((t) => t.id);
    const slot = (task: string) => {
      const i = this.readers.indexOf(task);
      if (i < 0) throw new ExportError(`not exportable: RCU reader ${task} at the start`);
      return i;
    };
    this.hotplug = sc.hotplug ? { dead: sc.hotplug.cpu, ctrl: controlCpu(sc.hotplug.cpu) } : null;
    const assigns = initialAssignments(s0, slot);
    if (this.hotplug) assigns.push(...this.cpus.map((c) => `online[${c}] = 1`));
    if (sc.threads.length + sc.ncpus + 2 > 200) throw new ExportError('not exportable: more than 200 processes');

    // threads: globals for pc, scratch and locals, so init can run their first control flow
    const entries: string[] = [];
    sc.threads.forEach((th, i) => {
      const name = `${prefix}${ident(th.id)}`;
      const pcVar = `${name}_pc`;
      const at = this.globals.length;
      // a thread on the CPU that goes down moves to the control CPU: its CPU is a variable
      const moves = this.hotplug?.dead === th.cpu;
      if (moves) {
        this.globals.push(`byte ${name}_cpu;`);
        assigns.push(`${name}_cpu = ${th.cpu}`);
        this.movers.push({ pc: pcVar, cpu: `${name}_cpu` });
      }
      const t: TaskCtx = {
        name: th.id,
        cpu: moves ? `${name}_cpu` : String(th.cpu),
        pcVar,
        v: (x) => `${name}_${x}`,
        goto: (pc) => `${pcVar} = ${pc}`,
        readerSlot: i,
        stack: [th.id],
        local: () => {
          const l = `${prefix}L${this.locals++}`;
          this.globals.push(`short ${l};`);
          return l;
        },
      };
      const g = new Gen(this);
      const frame: Frame = {
        fn: th.id,
        vars: new Map(Object.entries(th.locals ?? {}).map(([k, v]) => [k, String(v)])),
        assign: null,
        k: `${pcVar} = 0; live--`,
        perCpu: new Map(),
        ctx: t,
      };
      declareAssigns(th.program, frame, t);
      const entry = compileStmts(g, t, th.program, frame.k, frame);
      entries.push(entry);
      const steps = g.finish();
      const code = loopOf(steps, pcVar, t.cpu);
      // the pc and the scratch the thread's code uses, as globals (init runs its first control flow)
      const text = [entry, ...code].join('\n');
      const decls = SCRATCH.filter(([v]) => new RegExp(`\\b${name}_${v}\\b`).test(text)).map(
        ([v, ty, n]) => `${ty} ${name}_${v}${n ? `[${n}]` : ''};`,
      );
      this.globals.splice(at, 0, `${pcType(steps)} ${pcVar};`, ...decls);
      this.procs.push(`proctype ${name}() {`, '  do', ...code, '  od', '}');
    });

    for (const c of this.cpus) this.procs.push(...this.rcuCore(c));
    // kworkers, compiled as queue_work_on statements name them (a work function may queue more)
    for (let done = 0; done < this.kworkers.size; done++)
      this.procs.push(...this.kworkerProc([...this.kworkers.keys()][done]));
    // one kworker process per CPU, work item and function, from the start: spawning them would
    // give Spin states that differ only in which process slots finished kworkers left behind
    const workers: string[] = [];
    for (const [fn, k] of this.kworkers)
      for (const w of k.works) for (const c of this.cpus) workers.push(`run ${this.kwName(fn)}(${c}, ${w})`);
    this.procs.push(...this.finalCheck());

    this.sizes = sizesOf(s0, sc.threads.length, Math.max(1, this.works.size), this.locks.size, !!this.hotplug);
    this.init.push(...assigns, `live = ${sc.threads.length}`, ...entries);
    for (const th of sc.threads) this.init.push(`run ${prefix}${ident(th.id)}()`);
    for (const c of this.cpus) this.init.push(`run ${prefix}rcu_core_${c}()`);
    this.init.push(...workers);
    this.init.push(`run ${prefix}final()`);
  }

  work(name: string): number {
    if (!this.works.has(name)) this.works.set(name, this.works.size);
    return this.works.get(name)!;
  }

  /** The index of a lock in lk[], by its C expression (cpu_hotplug_lock for the cpus_* ones). */
  lock(key: string): number {
    if (!this.locks.has(key)) this.locks.set(key, this.locks.size);
    return this.locks.get(key)!;
  }

  kworker(fn: string, work: string): number {
    if (!this.kworkers.has(fn)) this.kworkers.set(fn, { n: this.kworkers.size + 1, works: new Set() });
    const k = this.kworkers.get(fn)!;
    k.works.add(work);
    return k.n;
  }

  private kwName(fn: string): string {
    return `${this.prefix}kw_${ident(fn)}`;
  }

  private localCtx(name: string, cpu: string, pcVar: string, decls: string[]): TaskCtx {
    for (const [v, ty, n] of SCRATCH) decls.push(`  ${ty} ${v}${n ? `[${n}]` : ''};`);
    return {
      name,
      cpu,
      pcVar,
      v: (x) => x,
      goto: (pc) => `${pcVar} = ${pc}`,
      readerSlot: null,
      stack: [name],
      local: () => {
        const l = `L${this.locals++}`;
        decls.push(`  short ${l};`);
        return l;
      },
    };
  }

  /**
   * process_one_work(): idle until its item is queued with its function, then a step that starts
   * the function, its steps, a step that ends the item; then idle again (an end state).
   */
  private kworkerProc(fn: string): string[] {
    const decls: string[] = [];
    const item = 'w * NCPU + cpu';
    // with hotplug the kworker runs on kon[item]: its CPU, or the control CPU, or an unbound worker's
    const on = this.hotplug ? `kon[${item}]` : 'cpu';
    const t = this.localCtx(`kworker:${fn}`, on, 'pc', decls);
    const g = new Gen(this);
    const end = g.step(null, `wpend[${item}] = 0; pc = 0; live--; ${RESET}`);
    const start = g.call(fn, t, {}, t.goto(end), null);
    const queued = `pc == 0 && wfn[${item}] == ${this.kworkers.get(fn)!.n}`;
    const wake = [
      `  :: d_step { ${queued}${this.hotplug ? ` && wunb[${item}] == 0` : ''} && ${gate(on)} -> wfn[${item}] = 0; ${start} }`,
    ];
    if (this.hotplug) {
      // workqueue_pick_cpu: one of the candidate CPUs takes the item, then process_one_work starts it
      const begin = g.step(null, start);
      for (const c of this.cpus)
        wake.push(
          `  :: d_step { ${queued} && ((wunb[${item}] >> ${c}) & 1) && ${gate(String(c))} -> kon[${item}] = ${c}; wunb[${item}] = 0; wfn[${item}] = 0; pc = ${begin} }`,
        );
    }
    const steps = g.finish();
    const used = scratch(decls, [...wake, ...loopOf(steps, 'pc', on, false)]);
    return [
      `proctype ${this.kwName(fn)}(byte cpu; byte w) {`,
      `  ${pcType(steps)} pc;`,
      ...used.decls,
      'end:',
      '  do',
      ...used.code,
      '  od',
      '}',
    ];
  }

  /** rcu_core softirq of one CPU: the oldest callback queued there, once its readers left, run to the end in one step. */
  private rcuCore(c: number): string[] {
    const decls: string[] = [];
    const t = this.localCtx(`rcu_core/${c}`, String(c), 'cpc', decls);
    const g = new Gen(this);
    const entry = g.call('rcu_free_sheaf_nobarn', t, { sheaf: 'cb' }, 'cpc = 0', null);
    const inner = g.finish().map((s) => {
      if (s.guard || s.spawns) throw new ExportError('not exportable: an RCU callback that waits or queues work');
      return `:: cpc == ${s.pc} -> ${s.body}`;
    });
    const head = `${c} * QLEN`;
    const ready = this.readers.map(
      (_, r) =>
        `(cbrd[${head} * NTHR + ${r}] == 0 || repoch[${r}] + 1 != cbrd[${head} * NTHR + ${r}] || rdepth[${r}] == 0)`,
    );
    // the queue moves up one place (callbacks are named by their place: see leaves.ts callRcu)
    const hp = !!this.hotplug;
    const shift = [
      `cbq[${head} + j] = cbq[${head} + j + 1]`,
      ...(hp ? [`cbqon[${head} + j] = cbqon[${head} + j + 1]`] : []),
      ...this.readers.map((_, r) => `cbrd[(${head} + j) * NTHR + ${r}] = cbrd[(${head} + j + 1) * NTHR + ${r}]`),
    ].join('; ');
    const clear = [
      `cbq[${head} + j] = 0`,
      ...(hp ? [`cbqon[${head} + j] = 0`] : []),
      ...this.readers.map((_, r) => `cbrd[(${head} + j) * NTHR + ${r}] = 0`),
    ].join('; ');
    const used = scratch(decls, [
      `  :: d_step { ${gate(String(c))} && cbn[${c}] > 0${ready.map((r) => ` && ${r}`).join('')} ->`,
      `       cb = cbq[${head}]; ${hp ? `q = (cbqon[${head}] == 0 -> ${c} : cbqon[${head}] - 1); ` : ''}j = 0; do :: j + 1 < cbn[${c}] -> ${shift}; j++ :: else -> break od; ${clear}; cbn[${c}]--;`,
      `       ${entry}; do ${inner.join(' ')} :: cpc == 0 -> break od; completed[${hp ? 'q' : c}]++; cb = 0; ${hp ? 'q = 0; ' : ''}${RESET} }`,
    ]);
    return [
      `proctype ${this.prefix}rcu_core_${c}() {`,
      '  byte cb;',
      ...(hp ? ['  byte q;'] : []),
      '  byte cpc;',
      ...used.decls,
      'end:',
      '  do',
      ...used.code,
      '  od',
      '}',
    ];
  }

  /** When nothing can move: with every task finished, the end-of-run properties (Machine.finalCheck). */
  private finalCheck(): string[] {
    const n = applySetup(this.sc).objects.length;
    const checks: string[] = [];
    for (let o = 0; o < n; o++) {
      checks.push(
        `if :: owhere[${o}] == ${W.lost} || (owhere[${o}] == ${W.cpu_freelist} && cslab[oarg[${o}]] != oslab[${o}]) -> lost_free = 1; assert(!lost_free) :: else -> skip fi`,
      );
    }
    if (this.sc.checkLeak) {
      for (let o = 0; o < n; o++)
        checks.push(
          `if :: owhere[${o}] != ${W.slab} && owhere[${o}] != ${W.allocated} -> leak = 1; assert(!leak) :: else -> skip fi`,
        );
    }
    return [
      `proctype ${this.prefix}final() {`,
      `  timeout -> d_step { if :: live == 0 -> ${checks.join('; ') || 'skip'} :: else -> skip fi }`,
      '}',
    ];
  }
}
