// The program IR that threads run. It is JSON-serialisable so that the language server can
// derive the same IR from C bodies (kmem_cache_destroy, kvfree_rcu_barrier_on_cache, ...) and
// hand it to the engine. Only control flow that decides what the allocator does is kept:
// calls in order, guards over known predicates, per-CPU loops, work queue/flush, early returns.

/** A condition over things known when the program runs: config, cache fields, flags, locals. */
export type Pred =
  | { kind: 'const'; value: boolean }
  /** IS_ENABLED(CONFIG_X) / #ifdef CONFIG_X */
  | { kind: 'config'; name: string }
  /** s->field (non-zero / non-NULL): cpu_sheaves, sheaf_capacity, refcount */
  | { kind: 'cache'; field: string }
  /** s->flags & SLAB_X */
  | { kind: 'flag'; name: string }
  /** a predicate function with a model, e.g. cache_has_sheaves(s), has_pcs_used(cpu, s); `args` are variables */
  | { kind: 'call'; fn: string; args?: string[] }
  /**
   * a local set by an earlier call's result (err = __kmem_cache_shutdown(s)), or a field of a
   * per-CPU struct the function set (sfw->skip, `index` the CPU variable)
   */
  | { kind: 'local'; name: string; index?: string }
  | { kind: 'not'; arg: Pred }
  | { kind: 'and'; args: Pred[] }
  | { kind: 'or'; args: Pred[] };

/** Where a statement comes from: the function it is in and its preorder index there. */
export interface Anchor {
  fn: string;
  index: number;
  /** 0-based source line, when the IR was extracted from C text. */
  line?: number;
}

interface StmtBase {
  anchor?: Anchor;
}

export type Stmt =
  /** Call a modelled function: an orchestration program or a leaf model. `assign` keeps its result. */
  | (StmtBase & { op: 'call'; fn: string; args?: string[]; assign?: string })
  | (StmtBase & { op: 'if'; cond: Pred; then: Stmt[]; else?: Stmt[] })
  /** for_each_online_cpu(var) { body } / for_each_kmem_cache_node(s, var, n) { body } */
  | (StmtBase & { op: 'for_each'; over: 'cpu' | 'node'; var: string; body: Stmt[] })
  /** INIT_WORK(&w->work, fn); queue_work_on(cpu, wq, &w->work) */
  | (StmtBase & { op: 'queue_work_on'; cpu: string; work: string; fn: string })
  /** flush_work(&w->work) for the work queued on that cpu */
  | (StmtBase & { op: 'flush_work'; cpu: string; work: string })
  /** return [value]; the value is a predicate (int results are only tested for non-zero) */
  | (StmtBase & { op: 'return'; value?: Pred })
  /** WARN(cond, message): taints the run and records the warning */
  | (StmtBase & { op: 'warn'; cond: Pred; message: string })
  /**
   * A lock primitive (models/locks.ts): mutex_lock(&slab_mutex), spin_lock_irqsave(&n->list_lock, flags),
   * cpus_read_lock(), lockdep_assert_held(&m), lockdep_assert_cpus_held(). `lock`: the C lock expression
   * (absent for the cpu_hotplug_lock ones); `assign` keeps a trylock's result.
   */
  | (StmtBase & { op: 'lock'; fn: string; lock?: string; assign?: string })
  /** s->refcount-- (the merge count; destroy proceeds when it reaches zero) */
  | (StmtBase & { op: 'dec'; field: string })
  /** continue / break of the innermost for_each */
  | (StmtBase & { op: 'continue' })
  | (StmtBase & { op: 'break' })
  /** `sfw->skip = true` with sfw = &per_cpu(slub_flush, cpu): a function-local, per CPU when `index` is given */
  | (StmtBase & { op: 'set'; name: string; index?: string; value: Pred });

export type Program = Stmt[];

/** Programs by C function name. */
export type ProgramSet = Record<string, Program>;

/** Give every statement of every program its anchor (function + preorder index), keeping lines. */
export function anchorPrograms(programs: ProgramSet): ProgramSet {
  const out: ProgramSet = {};
  for (const [fn, body] of Object.entries(programs)) {
    let next = 0;
    const walk = (stmts: Stmt[]): Stmt[] =>
      stmts.map((s) => {
        const anchor: Anchor = { fn, index: next++ };
        if (s.anchor?.line !== undefined) anchor.line = s.anchor.line;
        if (s.op === 'if') return { ...s, anchor, then: walk(s.then), else: s.else ? walk(s.else) : undefined };
        if (s.op === 'for_each') return { ...s, anchor, body: walk(s.body) };
        return { ...s, anchor };
      });
    out[fn] = walk(body);
  }
  return out;
}

/** The IR without anchors or lines: what two extractions must agree on. */
export function stripAnchors(programs: ProgramSet): ProgramSet {
  return JSON.parse(JSON.stringify(programs, (k, v) => (k === 'anchor' ? undefined : v))) as ProgramSet;
}

/** Every function a program set calls (for "not modelled" reports). */
export function calledFunctions(body: Program): string[] {
  const out: string[] = [];
  const walk = (stmts: Stmt[]) => {
    for (const s of stmts) {
      if (s.op === 'call') out.push(s.fn);
      else if (s.op === 'queue_work_on') out.push(s.fn);
      else if (s.op === 'if') {
        predCalls(s.cond, out);
        walk(s.then);
        if (s.else) walk(s.else);
      } else if (s.op === 'for_each') walk(s.body);
      else if (s.op === 'warn') predCalls(s.cond, out);
    }
  };
  walk(body);
  return out;
}

function predCalls(p: Pred, out: string[]): void {
  if (p.kind === 'call') out.push(p.fn);
  else if (p.kind === 'not') predCalls(p.arg, out);
  else if (p.kind === 'and' || p.kind === 'or') p.args.forEach((a) => predCalls(a, out));
}

export function showPred(p: Pred): string {
  switch (p.kind) {
    case 'const':
      return String(p.value);
    case 'config':
      return `IS_ENABLED(${p.name})`;
    case 'cache':
      return `s->${p.field}`;
    case 'flag':
      return `s->flags & ${p.name}`;
    case 'call':
      return `${p.fn}(${(p.args ?? ['s']).join(', ')})`;
    case 'local':
      return p.index ? `${p.name}[${p.index}]` : p.name;
    case 'not':
      return `!${showPred(p.arg)}`;
    case 'and':
      return p.args.map(showPred).join(' && ');
    case 'or':
      return p.args.map(showPred).join(' || ');
  }
}
