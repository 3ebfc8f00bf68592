// A parsed scenario file → the engine's Scenario: the init block becomes configuration, cache and
// setup; each P body is parsed by tree-sitter-c and lowered by the same extraction as the kernel's
// functions (analyzer/extract.ts), with the thread API's aliases (kfree_rcu) and loops.

import {
  builtinPrograms,
  checkProp,
  Clause,
  defaultRegistry,
  makeScenario,
  MIN_CPUS,
  Observation,
  ORCHESTRATION,
  Program,
  ProgramSet,
  Scenario,
  scenarioIds,
  SetupOp,
  Stmt,
  stripAnchors,
  suggest,
} from '../../../engine/src';
import { applySetup } from '../../../engine/src/scenario';
import { Analyzer } from '../analyzer';
import { extractProgram, ExtractOptions, knownFunctions } from '../analyzer/extract';
import { Diagnostic, diag, InitItem, LitmusAst, SrcLoc } from './ast';

/** The most threads (one per CPU) a scenario may have: the engine's CPU limit. */
export const MAX_THREADS = 16;

/** Configuration switches the models read. */
export const CONFIGS: Record<string, string> = {
  CONFIG_KASAN: 'KASAN: freed objects go through the quarantine (kasan_slab_free), kasan_cache_shutdown() flushes it',
  CONFIG_SLUB_RCU_DEBUG:
    'SLAB_TYPESAFE_BY_RCU caches free through an RCU callback; kmem_cache_destroy() adds an rcu_barrier()',
  CONFIG_SLUB_TINY: 'no percpu sheaves (cache_has_sheaves() is false)',
};

/** Settings of the init block besides CONFIG_*: the model's protections and the built-in IR's variant. */
export const SETTINGS: Record<string, string> = {
  NR_CPUS: 'CPUs in the simulated machine (at least the threads, at least 2)',
  flush_slab_irqsave: 'y: flush_slab() runs under local_lock_irqsave() (pre-series allocator); n: without it',
  free_tid_check: "y: the free fastpath's cmpxchg also compares c->tid; n: only c->freelist",
  patch01:
    'y: kvfree_rcu_barrier_on_cache() with patch 01 (rcu_barrier() after flush_rcu_sheaves_on_cache()); built-in IR only',
  shutdown_rcu_barrier: 'n: __kmem_cache_shutdown() without its rcu_barrier() (F4); built-in IR only',
};

export const CACHE_FIELDS: Record<string, string> = {
  name: 'the cache name in messages (test_cache)',
  cpu_sheaves: 'y: the cache has percpu sheaves',
  sheaf_capacity: 'objects per sheaf (a full rcu_free sheaf goes to call_rcu())',
  refcount: 'merge count: kmem_cache_destroy() shuts the cache down only when it drops to 0',
  flags: 'SLAB_* flags, joined by |, or 0',
};

/** What the init block can do on a CPU, in kernel words. */
export const INIT_CPU_CALLS: Record<string, string> = {
  kfree_rcu: "kfree_rcu(o, rcu): the object goes into this CPU's pcs->rcu_free sheaf",
  kmem_cache_free: "kmem_cache_free(s, o): the object goes into this CPU's pcs->main sheaf",
  flush_rcu_sheaf: "flush_rcu_sheaf(): this CPU's rcu_free sheaf was already handed to call_rcu()",
};

export const INIT_CALLS: Record<string, string> = {
  new_slab: 'slabN = new_slab(k): a slab of k free objects; the objects are named o0, o1, … in the order made',
  kmem_cache_alloc: 'oN = kmem_cache_alloc(s, GFP_KERNEL): oN is allocated',
};

/** What a thread body may call: API name → the model (program or leaf) and its arguments. */
export const THREAD_ALIASES: Record<string, { fn: string; args: string[] }> = {
  kfree_rcu: { fn: '__kfree_rcu_sheaf', args: ['s', '$1'] },
};

const THREAD_CALLS = [
  ...ORCHESTRATION,
  'kfree_rcu',
  'kmem_cache_free',
  'do_slab_free',
  'rcu_barrier',
  'rcu_read_lock',
  'rcu_read_unlock',
  'kasan_cache_shutdown',
  'free_partial',
  'barn_shrink',
  'pcs_flush_all',
  'flush_slab',
  'flush_rcu_sheaf',
  'flush_cpu_slab',
  'flush_cpu_sheaves',
  '__kfree_rcu_sheaf',
  '__kvfree_rcu_barrier',
];

/** Functions a thread body may call, with the model's summary (for completion and hover). */
export function threadApi(): { name: string; summary: string }[] {
  const reg = defaultRegistry();
  return THREAD_CALLS.map((name) => {
    const target = THREAD_ALIASES[name]?.fn ?? name;
    const leaf = reg.leaf(target);
    const summary = leaf
      ? leaf.summary
      : ORCHESTRATION.includes(target)
        ? 'interpreted from its C body (the built-in IR, or --kernel / the workspace)'
        : '';
    return { name, summary: THREAD_ALIASES[name] ? `${name}() → ${target}(): ${summary}` : summary };
  });
}

export interface Lowered {
  scenario: Scenario;
  clause: Clause;
  expected?: Observation;
  /** warnings (ignored calls, settings without effect) */
  warnings: Diagnostic[];
}

export interface LowerOptions {
  /** orchestration programs from C (--kernel or the workspace); the built-in IR otherwise */
  programs?: ProgramSet;
}

class Errors {
  list: Diagnostic[] = [];
  add(message: string, loc: Pick<SrcLoc, 'line' | 'column'> & Partial<SrcLoc>): void {
    this.list.push(diag(message, loc));
  }
}

const yn = (v: string): boolean | undefined =>
  v === 'y' || v === '1' ? true : v === 'n' || v === '0' ? false : undefined;

/** The init block read item by item: configuration, cache, setup, and the CPUs it names. */
class InitBlock {
  readonly config: Record<string, boolean> = {
    CONFIG_KASAN: false,
    CONFIG_SLUB_RCU_DEBUG: false,
    CONFIG_SLUB_TINY: false,
  };
  readonly switches = { flush_slab_irqsave: true, free_tid_check: true };
  readonly variant = { patch01: false, noShutdownBarrier: false };
  readonly cache = { name: 'test_cache', cpu_sheaves: true, sheaf_capacity: 4, refcount: 1, flags: [] as string[] };
  readonly setup: SetupOp[] = [];
  private readonly slabs = new Map<string, number>();
  objects = 0;
  nrCpus: number | undefined;
  maxCpu = -1;
  private readonly knownConfigs: Set<string>;

  constructor(
    private readonly e: Errors,
    private readonly warnings: Diagnostic[],
    private readonly o: LowerOptions,
  ) {
    this.knownConfigs = new Set([...Object.keys(CONFIGS), ...configsRead(o.programs ?? {})]);
  }

  add(it: InitItem): void {
    switch (it.kind) {
      case 'setting':
        return this.setting(it);
      case 'cache':
        return this.cacheField(it);
      case 'assign':
        return this.assign(it);
      case 'call':
        return this.cpuCall(it);
      case 'cpuslab': {
        this.maxCpu = Math.max(this.maxCpu, it.cpu);
        const id = this.slabs.get(it.slab);
        if (id === undefined) this.e.add(`${it.slab} is not a slab (slabN = new_slab(k) first)`, it.loc);
        else this.setup.push({ op: 'cpu_slab', slab: id, cpu: it.cpu });
      }
    }
  }

  private object(name: string, loc: SrcLoc): number | undefined {
    const m = /^o(\d+)$/.exec(name);
    if (!m)
      this.e.add(`'${name}' is not an object: objects are named o0, o1, … in the order new_slab() makes them`, loc);
    else if (Number(m[1]) >= this.objects)
      this.e.add(
        `${name} does not exist yet: ${this.objects ? `the slabs so far hold o0…o${this.objects - 1}` : 'no new_slab() before it'}`,
        loc,
      );
    else return Number(m[1]);
    return undefined;
  }

  private cacheField(it: Extract<InitItem, { kind: 'cache' }>): void {
    const { e, cache } = this;
    if (!(it.field in CACHE_FIELDS)) {
      e.add(
        `s->${it.field}: not a field the model has${suggest(it.field, Object.keys(CACHE_FIELDS))} (fields: ${Object.keys(CACHE_FIELDS).join(', ')})`,
        it.loc,
      );
      return;
    }
    if (it.field === 'name') cache.name = it.value;
    else if (it.field === 'flags') cache.flags = it.value === '0' ? [] : it.value.split('|').map((f) => f.trim());
    else if (it.field === 'cpu_sheaves') {
      const v = yn(it.value);
      if (v === undefined) e.add(`s->cpu_sheaves=${it.value}: y or n`, it.loc);
      else cache.cpu_sheaves = v;
    } else {
      if (!/^\d+$/.test(it.value)) e.add(`s->${it.field}=${it.value}: a number`, it.loc);
      else (cache as Record<string, unknown>)[it.field] = Number(it.value);
    }
  }

  private assign(it: Extract<InitItem, { kind: 'assign' }>): void {
    if (it.fn === 'new_slab') {
      if (it.args.length !== 1 || !/^\d+$/.test(it.args[0]) || Number(it.args[0]) < 1 || Number(it.args[0]) > 64)
        this.e.add('new_slab(k): k objects, 1 to 64', it.loc);
      else if (this.slabs.has(it.target)) this.e.add(`${it.target} is already a slab`, it.loc);
      else {
        this.slabs.set(it.target, this.slabs.size);
        this.setup.push({ op: 'new_slab', objects: Number(it.args[0]) });
        this.objects += Number(it.args[0]);
      }
    } else if (it.fn === 'kmem_cache_alloc') {
      const obj = this.object(it.target, it.loc);
      if (obj !== undefined) this.setup.push({ op: 'alloc', obj });
    } else
      this.e.add(
        `not modelled in the init block: ${it.fn}${suggest(it.fn, Object.keys(INIT_CALLS))} (${Object.keys(INIT_CALLS).join(', ')})`,
        it.loc,
      );
  }

  private cpuCall(it: Extract<InitItem, { kind: 'call' }>): void {
    this.maxCpu = Math.max(this.maxCpu, it.cpu);
    if (it.fn === 'kfree_rcu' || it.fn === 'kmem_cache_free') {
      const a = it.fn === 'kfree_rcu' ? it.args[0] : it.args[1];
      const obj =
        a === undefined
          ? (this.e.add(`${INIT_CPU_CALLS[it.fn]}: the object is missing`, it.loc), undefined)
          : this.object(a, it.loc);
      if (obj !== undefined)
        this.setup.push({ op: it.fn === 'kfree_rcu' ? 'kfree_rcu' : 'free_to_main', obj, cpu: it.cpu });
    } else if (it.fn === 'flush_rcu_sheaf') this.setup.push({ op: 'call_rcu_sheaf', cpu: it.cpu });
    else
      this.e.add(
        `not modelled in the init block: ${it.fn}${suggest(it.fn, Object.keys(INIT_CPU_CALLS))} (on a CPU: ${Object.keys(INIT_CPU_CALLS).join(', ')}, c->slab = slabN)`,
        it.loc,
      );
  }

  private setting(it: Extract<InitItem, { kind: 'setting' }>): void {
    const { e, knownConfigs } = this;
    if (it.name.startsWith('CONFIG_')) {
      const v = yn(it.value);
      if (!knownConfigs.has(it.name))
        e.add(`not modelled: ${it.name} — no modelled code reads it${suggest(it.name, knownConfigs)}`, it.loc);
      else if (v === undefined) e.add(`${it.name}=${it.value}: y or n`, it.loc);
      else this.config[it.name] = v;
      return;
    }
    if (it.name === 'NR_CPUS') {
      if (!/^\d+$/.test(it.value) || Number(it.value) < MIN_CPUS || Number(it.value) > MAX_THREADS)
        e.add(`NR_CPUS=${it.value}: ${MIN_CPUS} to ${MAX_THREADS}`, it.loc);
      else this.nrCpus = Number(it.value);
      return;
    }
    if (!(it.name in SETTINGS)) {
      e.add(
        `unknown setting ${it.name}${suggest(it.name, [...Object.keys(SETTINGS), ...knownConfigs])} (CONFIG_*, ${Object.keys(SETTINGS).join(', ')})`,
        it.loc,
      );
      return;
    }
    const v = yn(it.value);
    if (v === undefined) {
      e.add(`${it.name}=${it.value}: y or n`, it.loc);
      return;
    }
    if (it.name === 'flush_slab_irqsave' || it.name === 'free_tid_check') this.switches[it.name] = v;
    else if (this.o.programs)
      this.warnings.push(
        diag(
          `${it.name}=${it.value} has no effect: the programs come from the kernel's C, not the built-in IR`,
          it.loc,
          'warning',
        ),
      );
    else if (it.name === 'patch01') this.variant.patch01 = v;
    else this.variant.noShutdownBarrier = !v;
  }
}

/** The threads P0…Pn, one per CPU, checked; how many CPUs the scenario has. */
function checkThreads(ast: LitmusAst, init: InitBlock, e: Errors): number {
  const threads = ast.threads;
  if (threads.length === 0) {
    const at = ast.clause?.loc ?? { line: ast.initLoc.endLine, column: ast.initLoc.endColumn };
    e.add('no thread: a scenario needs at least P0(…) { … } after the init block', at);
  } else if (threads.length > MAX_THREADS) {
    e.add(
      `too many threads: ${threads.length} (P0…P${threads.length - 1}); the simulator runs at most ${MAX_THREADS} CPUs, one thread each`,
      threads[MAX_THREADS].loc,
    );
  }
  threads.forEach((t, i) => {
    if (t.name !== `P${i}`) e.add(`${t.name}: threads are P0, P1, … in order; expected P${i} here`, t.loc);
  });
  const { nrCpus, maxCpu } = init;
  const ncpus = Math.max(MIN_CPUS, Math.min(threads.length, MAX_THREADS), maxCpu + 1, nrCpus ?? 0);
  if (nrCpus !== undefined && nrCpus < ncpus)
    e.add(`NR_CPUS=${nrCpus}, but the scenario uses ${ncpus} CPUs`, ast.initLoc);
  if (maxCpu + 1 > MAX_THREADS) e.add(`cpu${maxCpu}: the simulator has at most ${MAX_THREADS} CPUs`, ast.initLoc);
  return ncpus;
}

/** Lower a parsed file. Returns every error found (each with its position), or the scenario. */
export function lowerScenario(ast: LitmusAst, o: LowerOptions = {}): { lowered?: Lowered; errors: Diagnostic[] } {
  const e = new Errors();
  const warnings: Diagnostic[] = [];
  const init = new InitBlock(e, warnings, o);
  for (const it of ast.init) init.add(it);
  const ncpus = checkThreads(ast, init, e);

  const helpers: ProgramSet = {};
  const specs: Scenario['threads'] = [];
  const regs: { regs: Set<string> }[] = [];
  if (e.list.length === 0) {
    ast.threads.forEach((t, i) => {
      const r = lowerThread(t, i, init.objects, e, warnings);
      Object.assign(helpers, r.helpers);
      specs.push({ id: t.name, cpu: i, program: r.program });
      regs.push({ regs: r.regs });
    });
  }

  if (!ast.clause)
    e.add('no exists, ~exists or forall clause: the question the scenario asks, e.g. exists (objects_remaining(s))', {
      line: ast.initLoc.endLine,
      column: ast.initLoc.endColumn,
    });
  else if (e.list.length === 0)
    for (const p of checkProp(ast.clause.prop, regs)) e.add(p.message, p.loc ?? ast.clause.loc);
  if (!ast.expected && ast.clause)
    warnings.push(
      diag(
        'no (* Result: Never | Sometimes | Always *) comment: the run cannot say whether it matches',
        ast.nameLoc,
        'warning',
      ),
    );

  if (e.list.length) return { errors: e.list };
  const { config, switches, cache, setup } = init;
  const programs: ProgramSet = { ...fullPrograms(o.programs, init.variant), ...helpers };
  const scenario: Scenario = {
    id: ast.name,
    title: ast.description.split('\n')[0] || ast.name,
    description: ast.description,
    ncpus,
    config,
    switches,
    cache,
    setup,
    threads: specs,
    programs,
    source: 'extracted',
    checkLeak: true,
  };
  try {
    // the setup's own checks (an object allocated twice, a CPU without an rcu_free sheaf)
    applySetup(scenario);
  } catch (x) {
    return { errors: [diag(`init block: ${(x as Error).message}`, ast.initLoc)] };
  }
  // the built-in ids are these files: they keep their replay tokens when they are the built-in scenario
  if (
    !o.programs &&
    scenarioIds().includes(ast.name) &&
    sameScenario(scenario, makeScenario(ast.name, { cpus: ncpus }))
  )
    scenario.source = 'builtin';
  return {
    lowered: {
      scenario,
      clause: { quantifier: ast.clause!.quantifier, prop: ast.clause!.prop },
      expected: ast.expected,
      warnings,
    },
    errors: [],
  };
}

/** The orchestration programs: from C where given (the built-in IR for those not found), else the built-in variant. */
function fullPrograms(
  extracted: ProgramSet | undefined,
  variant: { patch01: boolean; noShutdownBarrier: boolean },
): ProgramSet {
  const builtin = builtinPrograms(extracted ? {} : variant);
  if (!extracted) return builtin;
  const out: ProgramSet = { ...builtin };
  for (const fn of ORCHESTRATION) if (extracted[fn]) out[fn] = extracted[fn];
  return out;
}

function configsRead(programs: ProgramSet): string[] {
  const out = new Set<string>();
  const json = JSON.stringify(programs);
  for (const m of json.matchAll(/"kind":"config","name":"(\w+)"/g)) out.add(m[1]);
  return [...out];
}

/** Equal as the engine runs them: anchors and absent-false config keys aside. */
export function sameScenario(a: Scenario, b: Scenario): boolean {
  const norm = (s: Scenario) =>
    JSON.stringify({
      ncpus: s.ncpus,
      config: Object.fromEntries(
        Object.entries(s.config)
          .filter(([, v]) => v)
          .sort(),
      ),
      switches: s.switches,
      cache: s.cache,
      setup: s.setup,
      // a call without arguments is the same with `args: []`
      threads: JSON.parse(
        JSON.stringify(
          s.threads.map((t) => ({ id: t.id, cpu: t.cpu, program: stripAnchors({ p: t.program }).p })),
          (k, v) => (k === 'args' && Array.isArray(v) && !v.length ? undefined : v),
        ),
      ),
      programs: stripAnchors(Object.fromEntries(ORCHESTRATION.map((f) => [f, s.programs[f]]))),
      checkLeak: !!s.checkLeak,
    });
  return norm(a) === norm(b);
}

const PARAMS: Record<string, number> = Object.fromEntries(ORCHESTRATION.map((f) => [f, 1]));

/** One thread body: tree-sitter-c parse at the file's own rows and columns, then the extraction. */
function lowerThread(
  t: LitmusAst['threads'][number],
  index: number,
  objects: number,
  e: Errors,
  warnings: Diagnostic[],
): { program: Program; helpers: ProgramSet; regs: Set<string> } {
  // `void P0(struct kmem_cache *s)` on row 0, the body at its own row and column: positions are the file's
  const row = t.bodyLoc.line - 1;
  const text =
    `void ${t.name}(struct kmem_cache *s)` + '\n'.repeat(Math.max(1, row)) + ' '.repeat(t.bodyLoc.column - 1) + t.body;
  const a = new Analyzer({ lazyBodies: false });
  a.update(`litmus:${t.name}.c`, text);
  const f = a.found(t.name);
  if (!f) {
    e.add(`${t.name}: its body is not C that tree-sitter-c reads as a function body`, t.bodyLoc);
    return { program: [], helpers: {}, regs: new Set() };
  }
  const known = new Set([...knownFunctions(), ...ORCHESTRATION]);
  const api = new Set(THREAD_CALLS);
  const opts: ExtractOptions = {
    keepArg: (x) => /^o\d+$/.test(x) || /^\d+$/.test(x),
    aliases: THREAD_ALIASES,
    loops: true,
  };
  const x = extractProgram(f, new Set([...known].filter((k) => api.has(k))), opts);
  if (x.unsupported) e.add(`not modelled: ${x.unsupported}`, t.bodyLoc);
  for (const n of x.notModelled) {
    const where = { line: n.line + 1, column: (n.column ?? 0) + 1 };
    if (n.reason.startsWith('no model for ')) e.add(`not modelled: ${n.call}${suggest(n.call, THREAD_CALLS)}`, where);
    else e.add(`not modelled: ${n.reason}`, where);
  }
  for (const g of x.ignored)
    warnings.push(
      diag(`${g.call}: ignored (it changes nothing the model has)`, { line: g.line + 1, column: 1 }, 'warning'),
    );
  const regs = new Set<string>();
  const reg = defaultRegistry();
  // objects by number; arity against the model's parameters
  const fix = (stmts: Stmt[]): Stmt[] =>
    stmts.map((s) => {
      if (s.op === 'call') {
        if (s.assign) regs.add(s.assign);
        const args = (s.args ?? []).map((a) => {
          if (/^\$\d+$/.test(a)) e.add(`${s.fn}: argument ${a.slice(1)} is missing`, at(s));
          const m = /^o(\d+)$/.exec(a);
          if (m && Number(m[1]) >= objects)
            e.add(
              `${a} does not exist: the init block's slabs hold ${objects ? `o0…o${objects - 1}` : 'no objects'}`,
              at(s),
            );
          return m ? m[1] : a;
        });
        const want = reg.leaf(s.fn)?.params?.length ?? PARAMS[s.fn];
        if (want !== undefined && args.length !== want && !s.fn.includes(':loop@')) {
          const params = reg.leaf(s.fn)?.params ?? ['s'];
          e.add(
            `${s.fn}(${params.join(', ')}) takes ${want} argument${want === 1 ? '' : 's'} the model reads; ${args.length} given`,
            at(s),
          );
        }
        return { ...s, args };
      }
      if (s.op === 'if') return { ...s, then: fix(s.then), else: s.else ? fix(s.else) : undefined };
      if (s.op === 'for_each') return { ...s, body: fix(s.body) };
      return s;
    });
  const helpers: ProgramSet = {};
  for (const [k, v] of Object.entries(x.helpers)) helpers[k] = fix(v);
  return { program: fix(x.program), helpers, regs };
}

const at = (s: Stmt) => ({ line: (s.anchor?.line ?? 0) + 1, column: 1 });
