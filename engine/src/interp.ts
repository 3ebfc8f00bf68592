// The interpreter of lowered kernel C (cir.ts) over the heap view (heap.ts).
//
// Step granularity: a step runs the task's C from one statement boundary up to and including the
// first statement that touches shared state (a field of a heap object, a primitive with a
// footprint). Statements on the task's own frames only join the step before or after them, and
// dead locals leave the frame at the end of a step (clive.ts). A section with irqs or
// preemption off on this CPU (local_lock, spin_lock*, local_lock_irqsave) runs whole as one step,
// and so does an RCU callback (softirq, see Machine.composite). A call to an interpreted function
// is no step of its own; a call to a blocking primitive (rcu_barrier, flush_work) is.

import { CExpr, CFunc, CFuncSet, CInstr, showC } from './cir';
import { CONSTANTS, CStruct, CVal, GLOBALS, Halt, HeapStep, isRef, splitRef } from './heap';
import { PRIM, CCtx } from './cprims';
import { ARRAY_LEN, LIST_ENTRIES, Mem } from './cmem';
import { fieldOf, isLvar, lvar, lvarGet, lvarSet, withField } from './clocal';
import { dropDead, localStatement } from './clive';
import { ModelError } from './modelError';
import type { Env, Registry } from './model';
import type { Frame, State, Task, Value } from './state';

type CFrame = Extract<Frame, { k: 'c' }>;

/** Backward jumps one call may take before the run is reported as a livelock. */
export const MAX_LOOPS = 64;
/** Instructions one step may run without touching shared state. */
const MAX_LOCAL = 20_000;

export interface StepHooks {
  emit(text: string): void;
  violate(property: string, message: string): void;
  /** push a leaf model frame (blocking primitive / hand model); its result goes to local `assign` */
  pushLeaf(fn: string, args: Record<string, Value>, assign: string | undefined, line: number): void;
  /** the C frame returned into a non-C frame */
  deliver(assign: string | undefined, v: Value): void;
}

export interface CStepResult {
  heap: HeapStep;
  /** the C stopped at a violation (a crash or a corruption): the task goes no further */
  halted: boolean;
  fn: string;
  line: number;
}

const truthy = (v: CVal): boolean => v !== null && v !== 0 && v !== undefined;

export class Interp {
  constructor(
    readonly cfuncs: CFuncSet,
    readonly registry: Registry,
    readonly env: Env,
  ) {}

  /** a call that stays in the task: an interpreted body, or a primitive without effect */
  private readonly calleeLocal = (fn: string): boolean =>
    this.has(fn) || PRIM.get(fn)?.kind === 'no-op' || !!PRIM.get(fn)?.pure;

  has(fn: string): boolean {
    return Object.prototype.hasOwnProperty.call(this.cfuncs, fn);
  }

  /** Whether the task is inside a section that runs as one step. */
  atomic(s: State, t: Task): boolean {
    const c = s.cpus[t.cpu];
    return c.irqOwner === t.id || c.preemptOwner === t.id;
  }

  /**
   * Locals for a call from a model or an IR body, which name their arguments (obj, sheaf, key,
   * node) rather than giving C values: each C parameter is bound by its type.
   */
  bindEntry(fn: string, args: Record<string, Value>, s: State, t: Task): Record<string, Value> {
    const f = this.cfuncs[fn];
    const locals: Record<string, Value> = {};
    const pos = Array.isArray(args.__c) ? (args.__c as string[]) : null;
    f.params.forEach((p, i) => {
      if (pos) {
        locals[p.name] = pos[i] ?? null;
        return;
      }
      const ty = p.type
        .replace(/\s+/g, ' ')
        .replace(/\bconst\b\s*/g, '')
        .trim();
      const obj = typeof args.obj === 'number' ? args.obj : undefined;
      let v: Value | undefined;
      const named = args[p.name];
      // an integer the caller passes by this parameter's name (slub_cpu_dead's cpu: the dead CPU, not 0)
      if (/^(unsigned )?(int|long|unsigned long)$/.test(ty) && typeof named === 'number') v = named;
      else if (/struct kmem_cache \*$/.test(ty)) v = 'cache';
      else if (/struct rcu_head \*$/.test(ty) && typeof args.sheaf === 'number') v = `sheaf:${args.sheaf}/rcu_head`;
      else if (/struct slab_sheaf \*$/.test(ty) && typeof args.sheaf === 'number') v = `sheaf:${args.sheaf}`;
      else if (/struct work_struct \*$/.test(ty) && typeof args.key === 'string') v = `sfw:${args.key}/work`;
      else if (/struct slab \*$/.test(ty) && obj !== undefined) v = `slab:${s.objects[obj].slab}`;
      else if (/^void \*+$/.test(ty) && obj !== undefined) v = `obj:${obj}`;
      else if (/struct kmem_cache_node \*$/.test(ty)) v = `node:${typeof args.node === 'number' ? args.node : 0}`;
      else if (/struct node_barn \*$/.test(ty)) v = `barn:${typeof args.node === 'number' ? args.node : 0}`;
      else if (/struct kmem_cache_cpu \*$/.test(ty)) v = `kcc:${t.cpu}`;
      else if (/^(unsigned )?(int|long|size_t|unsigned)$/.test(ty) && /cnt|count|nr|size/.test(p.name))
        v = obj !== undefined ? 1 : 0;
      else if (/^(unsigned )?(int|long|unsigned long)$/.test(ty)) v = 0;
      else if (/^bool$/.test(ty)) v = 0;
      if (v === undefined)
        throw new ModelError(`cannot bind parameter ${p.type} ${p.name} of ${fn} from ${JSON.stringify(args)}`);
      locals[p.name] = v;
    });
    return locals;
  }

  /** the current step's violation reporter and element memory (set while a step runs) */
  private violate?: (property: string, message: string) => void;
  private mem!: Mem;

  /** Run one step of the C frame on top of the task (the state is the caller's to change). */
  step(s: State, t: Task, hooks: StepHooks): CStepResult {
    this.violate = hooks.violate;
    const heap = new HeapStep(s, t.cpu, hooks.violate);
    this.mem = new Mem(heap, t, hooks.violate);
    const top = t.frames[t.frames.length - 1] as CFrame;
    const res: CStepResult = {
      heap,
      halted: false,
      fn: top.fn,
      line: this.cfuncs[top.fn].code[top.pc]?.line ?? this.cfuncs[top.fn].line,
    };
    const texts: string[] = [];
    // a section entered and left within the step changes nothing others see; one left open does
    const cpuBefore = JSON.stringify(s.cpus[t.cpu]);
    // an object that changes place is written (obj:N), as the hand models declare it
    const whereBefore = s.objects.map((o) => o.where);
    const violationBefore = s.violation;
    let budget = MAX_LOCAL;
    let at = { fn: res.fn, line: res.line };
    try {
      for (;;) {
        const f = t.frames[t.frames.length - 1];
        if (!f || f.k !== 'c') break;
        const fn = this.cfuncs[f.fn];
        at = { fn: f.fn, line: fn.code[f.pc]?.line ?? fn.line };
        if (f.pc >= fn.code.length) {
          if (this.ret(t, f, 0, hooks, heap)) break;
          continue;
        }
        const ins = fn.code[f.pc];
        // a statement on the task's own frames only is invisible to the others (clive.ts): no new step
        if (ins.st && heap.shared > 0 && !this.atomic(s, t) && !localStatement(fn, f.pc, f.locals, this.calleeLocal))
          break;
        if (--budget < 0)
          throw new ModelError(
            `not modelled: ${f.fn} runs ${MAX_LOCAL} instructions without touching shared state (line ${ins.line + 1})`,
          );
        const before = heap.shared;
        const stop = this.exec(s, t, f, fn, ins, hooks, heap, texts);
        if (before === 0 && heap.shared > 0) {
          // the step is named after the statement that touched shared state first
          res.fn = f.fn;
          res.line = ins.line;
        }
        if (stop || s.violation !== violationBefore) break;
      }
    } catch (e) {
      if (e instanceof ModelError) e.at ??= at;
      if (!(e instanceof Halt)) throw e;
      res.halted = true;
    }
    for (const fr of t.frames) if (fr.k === 'c') dropDead(this.cfuncs[fr.fn], fr.pc, fr.locals);
    if (JSON.stringify(s.cpus[t.cpu]) !== cpuBefore) heap.write(`cpu:${t.cpu}`);
    try {
      heap.commit();
    } catch (e) {
      if (e instanceof ModelError) e.at ??= { fn: res.fn, line: res.line };
      // after a violation the heap may be half-updated: the violation is what the run reports
      if (!s.violation) throw e;
    }
    s.objects.forEach((o, i) => o.where !== whereBefore[i] && heap.write(`obj:${o.id}`));
    if (texts.length) hooks.emit(texts.join('; '));
    return res;
  }

  /** Returns true when the step must end after this instruction. */
  private exec(
    s: State,
    t: Task,
    f: CFrame,
    fn: CFunc,
    ins: CInstr,
    hooks: StepHooks,
    heap: HeapStep,
    texts: string[],
  ): boolean {
    const ev = (e: CExpr) => this.eval(e, f, heap, s, t, ins.line);
    switch (ins.i) {
      case 'set':
        this.execSet(s, t, f, ins, heap, texts);
        return false;
      case 'jf': {
        const r0 = heap.shared;
        const v = ev(ins.e);
        if (heap.shared > r0) texts.push(`${f.fn}: if (${showC(ins.e)}) → ${truthy(v) ? 'true' : 'false'}`);
        f.pc = truthy(v) ? f.pc + 1 : ins.to;
        return false;
      }
      case 'jmp':
        if (ins.to <= f.pc) this.loopBack(f, ins.line, hooks);
        f.pc = ins.to;
        return false;
      case 'ret':
        return this.ret(t, f, ins.e ? ev(ins.e) : 0, hooks, heap);
      case 'call': {
        const args = ins.args.map(ev);
        f.pc++;
        return this.call(s, t, f, fn, ins, args, hooks, heap, texts);
      }
    }
  }

  private execSet(
    s: State,
    t: Task,
    f: CFrame,
    ins: Extract<CInstr, { i: 'set' }>,
    heap: HeapStep,
    texts: string[],
  ): void {
    const r0 = heap.shared;
    const v = this.eval(ins.e, f, heap, s, t, ins.line);
    const shared = heap.shared;
    this.store(ins.to, v, f, heap, s, t, ins.line);
    // what the step did, in the C's words: a store to the heap, or a local read from it
    if (heap.shared > shared) texts.push(`${f.fn}: ${showC(ins.to)} = ${show(v)}`);
    else if (shared > r0)
      texts.push(
        ins.to.k === 'var' && ins.to.n.startsWith('$')
          ? `${f.fn}: ${showC(ins.e)} is ${show(v)}`
          : `${f.fn}: ${showC(ins.to)} = ${showC(ins.e)} (${show(v)})`,
      );
    f.pc++;
  }

  /** A backward jump: one more round of a loop (or a goto retry), a livelock past MAX_LOOPS. */
  private loopBack(f: CFrame, line: number, hooks: StepHooks): void {
    f.loops = (f.loops ?? 0) + 1;
    if (f.loops <= MAX_LOOPS) return;
    hooks.violate('livelock', `${f.fn}: the loop at line ${line + 1} ran ${MAX_LOOPS} times without leaving`);
    throw new Halt();
  }

  /** A call: an interpreted function (a frame), a primitive, a predicate, or a hand model (a step of its own). */
  private call(
    s: State,
    t: Task,
    f: CFrame,
    fn: CFunc,
    ins: Extract<CInstr, { i: 'call' }>,
    args: CVal[],
    hooks: StepHooks,
    heap: HeapStep,
    texts: string[],
  ): boolean {
    if (this.has(ins.fn)) {
      const callee = this.cfuncs[ins.fn];
      const locals: Record<string, Value> = {};
      callee.params.forEach((p, i) => (locals[p.name] = (args[i] ?? null) as Value));
      const anchor = { fn: f.fn, index: f.pc - 1, line: ins.line };
      t.frames.push({ k: 'c', fn: ins.fn, pc: 0, locals, to: ins.to, anchor });
      return false;
    }
    const prim = PRIM.get(ins.fn);
    if (prim) {
      const ctx: CCtx = {
        s,
        t,
        heap,
        mem: this.mem,
        env: this.env,
        fn: f.fn,
        line: ins.line,
        emit: (x) => texts.push(x),
        violate: hooks.violate,
        local: (name, v) => {
          if (v !== undefined) f.locals[name] = v as Value;
          return f.locals[name] as CVal;
        },
      };
      const v = prim.run(ctx, args);
      if (ins.to) this.store(ins.to, v, f, heap, s, t, ins.line);
      return false;
    }
    const pred = this.registry.pred(ins.fn);
    if (pred && !this.registry.leaf(ins.fn)) {
      // a predicate the orchestration IR also tests (cache_has_sheaves): constant over a run
      const v = pred.eval(s, this.env, args.map((a) => (a === 'cache' ? 0 : a)) as Value[]) ? 1 : 0;
      if (ins.to) this.store(ins.to, v, f, heap, s, t, ins.line);
      return false;
    }
    if (this.registry.leaf(ins.fn)) {
      this.callLeaf(s, t, f, ins, args, hooks);
      return true;
    }
    const why = fn.unmodelled?.[ins.fn];
    throw new ModelError(
      `not modelled: call to ${ins.fn}() in ${f.fn} at line ${ins.line + 1}${why ? ` (${why})` : ''}`,
    );
  }

  /** A hand model or blocking primitive: the step ends, and the leaf's frame runs next. */
  private callLeaf(
    s: State,
    t: Task,
    f: CFrame,
    ins: Extract<CInstr, { i: 'call' }>,
    args: CVal[],
    hooks: StepHooks,
  ): void {
    const leaf = this.registry.leaf(ins.fn)!;
    if (this.atomic(s, t))
      throw new ModelError(
        `not modelled: ${ins.fn}() called with irqs or preemption off in ${f.fn} (line ${ins.line + 1})`,
      );
    // leaf models name their arguments by what they are (obj, sheaf), not by C position
    const refOf = (kind: string) => {
      const a = args.find((x) => isRef(x) && splitRef(x).kind === kind && !splitRef(x).member) as string | undefined;
      return a === undefined ? null : Number(splitRef(a).id);
    };
    const named: Record<string, Value> = {};
    (leaf.params ?? []).forEach((p, i) => {
      if (p === 'obj' || p === 'sheaf') named[p] = refOf(p);
      else named[p] = p === 's' ? 0 : ((args[i] ?? null) as Value);
    });
    if (ins.to && ins.to.k !== 'var')
      throw new ModelError(`not modelled: result of ${ins.fn}() stored in ${showC(ins.to)}`);
    hooks.pushLeaf(ins.fn, named, ins.to?.k === 'var' ? ins.to.n : undefined, ins.line);
  }

  /** Return from the C frame f with v. True when the step ends (the caller is no C frame). */
  private ret(t: Task, f: CFrame, v: CVal, hooks: StepHooks, heap: HeapStep): boolean {
    t.frames.pop();
    const caller = t.frames[t.frames.length - 1];
    if (caller && caller.k === 'c') {
      if (f.to) this.store(f.to, v, caller, heap, null, t, f.anchor?.line ?? 0);
      return false;
    }
    hooks.deliver(f.assign, v as Value);
    return true;
  }

  private local(f: CFrame, n: string, line: number): CVal {
    if (!(n in f.locals)) {
      if (n in CONSTANTS) return CONSTANTS[n];
      this.violate?.('uninitialised variable', `${f.fn}: ${n} is read before it is set (line ${line + 1})`);
      throw new Halt();
    }
    return f.locals[n] as CVal;
  }

  eval(e: CExpr, f: CFrame, heap: HeapStep, s: State, t: Task, line: number): CVal {
    const ev = (x: CExpr) => this.eval(x, f, heap, s, t, line);
    switch (e.k) {
      case 'num':
        return e.v;
      case 'null':
        return null;
      case 'str':
        return `"${e.v}`;
      case 'var':
        return this.local(f, e.n, line);
      case 'larr':
        return `local:${t.frames.indexOf(f)}:${e.n}[0]`;
      case 'fn':
        return `fn:${e.n}`;
      case 'const':
        if (e.n in CONSTANTS) return CONSTANTS[e.n];
        if (e.n in GLOBALS) return GLOBALS[e.n];
        throw new ModelError(`not modelled: constant ${e.n} in ${f.fn} (line ${line + 1})`);
      case 'cfg':
        return this.env.config[e.n] ? 1 : 0;
      case 'arrow': {
        const b = ev(e.e);
        return isLvar(b) ? lvarGet(t, b, e.f, line) : heap.get(b, e.f, line);
      }
      case 'dot': {
        const b = ev(e.e);
        if (b && typeof b === 'object') return e.f === 'full' ? b : fieldOf(b, e.f);
        return heap.get(b, e.f, line);
      }
      case 'idx': {
        const b = ev(e.e);
        const i = Number(ev(e.i));
        if (b === 'nodes') return `node:${i}`;
        return this.mem.load(this.mem.offset(b, i, line), line);
      }
      case 'addr':
        return this.addr(e.e, f, heap, s, t, line);
      case 'deref': {
        const p = ev(e.e);
        if (isRef(p) && p.startsWith('local:')) return this.local(f, p.slice(6), line);
        return this.mem.load(p, line);
      }
      case 'un': {
        const v = ev(e.e);
        if (e.op === '!') return truthy(v) ? 0 : 1;
        if (typeof v !== 'number') throw new ModelError(`not modelled: ${e.op}${String(v)} (line ${line + 1})`);
        return e.op === '-' ? -v : ~v;
      }
      case 'bin': {
        if (e.op === '&&') return truthy(ev(e.l)) && truthy(ev(e.r)) ? 1 : 0;
        if (e.op === '||') return truthy(ev(e.l)) || truthy(ev(e.r)) ? 1 : 0;
        const l = ev(e.l);
        const r = ev(e.r);
        return binop(e.op, l, r, this.mem, line);
      }
      case 'cond':
        return truthy(ev(e.c)) ? ev(e.t) : ev(e.f);
      case 'cof': {
        const p = ev(e.e);
        if (isRef(p) && p.endsWith(`/${e.member}`)) return p.slice(0, -e.member.length - 1);
        throw new ModelError(
          `not modelled: container_of(${String(p)}, struct ${e.type}, ${e.member}) (line ${line + 1})`,
        );
      }
      case 'init': {
        const out: CStruct = {};
        for (const [k, v] of Object.entries(e.fields)) out[k] = ev(v);
        return out;
      }
    }
  }

  private addr(e: CExpr, f: CFrame, heap: HeapStep, s: State, t: Task, line: number): CVal {
    const ev = (x: CExpr) => this.eval(x, f, heap, s, t, line);
    switch (e.k) {
      case 'var': {
        // &df of a stack-only struct (clocal.ts) may go to a callee: the pointer names the frame
        const v = f.locals[e.n];
        if (v && typeof v === 'object' && !(ARRAY_LEN in v) && !(LIST_ENTRIES in v))
          return lvar(t.frames.indexOf(f), e.n);
        return `local:${e.n}`;
      }
      case 'dot':
        if (e.e.k === 'var' && f.locals[e.e.n] && typeof f.locals[e.e.n] === 'object') return `local:${e.e.n}`;
        return heap.get(ev(e.e), e.f, line);
      case 'arrow': {
        const base = ev(e.e);
        const v = heap.get(base, e.f, line);
        if (isRef(v) && (v.endsWith(`/${e.f}`) || v.endsWith(`/${e.f}[0]`))) return v;
        return `${String(base)}/${e.f}`;
      }
      case 'idx': {
        const b = ev(e.e);
        if (b === 'nodes') return `node:${Number(ev(e.i))}`;
        return this.mem.offset(b, Number(ev(e.i)), line);
      }
      case 'deref':
        return ev(e.e);
      case 'fn':
        return `fn:${e.n}`;
      case 'const':
        // &krc: a per-CPU variable's address is what per_cpu_ptr() takes
        if (e.n in GLOBALS) return GLOBALS[e.n];
        throw new ModelError(`not modelled: &${e.n} (line ${line + 1})`);
      default:
        throw new ModelError(`not modelled: &(${showC(e)}) (line ${line + 1})`);
    }
  }

  private store(to: CExpr, v: CVal, f: CFrame, heap: HeapStep, s: State | null, t: Task, line: number): void {
    const st = s ?? heap.s;
    switch (to.k) {
      case 'var':
        f.locals[to.n] = v as Value;
        return;
      case 'arrow': {
        const b = this.eval(to.e, f, heap, st, t, line);
        if (isLvar(b)) lvarSet(t, b, to.f, v, line);
        else heap.set(b, to.f, v, line);
        return;
      }
      case 'dot':
        if (to.e.k === 'var' && f.locals[to.e.n] && typeof f.locals[to.e.n] === 'object') {
          f.locals[to.e.n] = withField(f.locals[to.e.n] as CStruct, to.f, v, line) as Value;
          return;
        }
        heap.set(this.eval(to.e, f, heap, st, t, line), to.f, v, line);
        return;
      case 'idx':
        this.mem.store(
          this.mem.offset(this.eval(to.e, f, heap, st, t, line), Number(this.eval(to.i, f, heap, st, t, line)), line),
          v,
          line,
        );
        return;
      case 'deref': {
        const p = this.eval(to.e, f, heap, st, t, line);
        if (isRef(p) && p.startsWith('local:')) {
          f.locals[p.slice(6)] = v as Value;
          return;
        }
        this.mem.store(p, v, line);
        return;
      }
      default:
        throw new ModelError(`not modelled: assignment to ${showC(to)} (line ${line + 1})`);
    }
  }
}

function binop(op: string, l: CVal, r: CVal, mem: Mem, line: number): CVal {
  // the entries of list_for_each_entry's snapshot (a comma-separated list of references)
  if (op === '#len') return typeof l === 'string' && l ? l.split(',').length : 0;
  if (op === '#nth') return typeof l === 'string' ? (l.split(',')[Number(r)] ?? null) : null;
  const isNull = (x: CVal) => x === null || x === 0;
  if (op === '==' || op === '!=') {
    const eq = isNull(l) && isNull(r) ? true : l === r;
    return (op === '==') === eq ? 1 : 0;
  }
  if ((op === '+' || op === '-') && isRef(l) && typeof r === 'number') return mem.offset(l, op === '+' ? r : -r, line);
  if (typeof l !== 'number' || typeof r !== 'number') {
    const a = l === null ? 0 : l;
    const b = r === null ? 0 : r;
    if (typeof a !== 'number' || typeof b !== 'number')
      throw new ModelError(`not modelled: ${String(l)} ${op} ${String(r)} (line ${line + 1})`);
    return binop(op, a, b, mem, line);
  }
  switch (op) {
    case '+':
      return l + r;
    case '-':
      return l - r;
    case '*':
      return l * r;
    case '/':
      return r === 0 ? 0 : Math.trunc(l / r);
    case '%':
      return r === 0 ? 0 : l % r;
    case '<':
      return l < r ? 1 : 0;
    case '<=':
      return l <= r ? 1 : 0;
    case '>':
      return l > r ? 1 : 0;
    case '>=':
      return l >= r ? 1 : 0;
    case '&':
      return l & r;
    case '|':
      return l | r;
    case '^':
      return l ^ r;
    case '<<':
      return l << r;
    case '>>':
      return l >> r;
  }
  throw new ModelError(`not modelled: operator ${op} (line ${line + 1})`);
}

function show(v: CVal): string {
  if (v === null) return 'NULL';
  if (typeof v === 'object')
    return `{${Object.entries(v)
      .map(([k, x]) => `.${k}=${show(x)}`)
      .join(', ')}}`;
  if (typeof v === 'string') {
    if (v.startsWith('"')) return JSON.stringify(v.slice(1));
    const { kind, id, member } = splitRef(v);
    const name = kind === 'obj' ? `o${id}` : kind === 'sheaf' ? `sheaf#${id}` : kind === 'slab' ? `slab#${id}` : v;
    return member ? `${name}/${member}` : name;
  }
  return String(v);
}
