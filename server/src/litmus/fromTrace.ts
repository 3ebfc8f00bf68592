// "New Scenario from Trace…": the scenario a trace ran, written as a .litmus file that asks the
// trace's question (does the property it violated happen?). The init block is the scenario's
// configuration, cache and setup; each thread's calls become its P body. What a file cannot say
// (a hotplug thread, control flow in a thread, a program variant that is neither the built-in IR
// nor the workspace's C) is refused with the reason, never written approximately. No Result line
// is written: the trace shows one execution, not whether it is Sometimes or Always.

import { builtinPrograms, ORCHESTRATION, PREDICATES, ProgramSet, stripAnchors } from '../../../engine/src';
import type { Prop, Scenario, Stmt, Trace } from '../../../engine/src';
import type { InitItem, LitmusAst } from './ast';
import { THREAD_ALIASES } from './lower';
import { printScenario } from './print';

export class FromTraceError extends Error {}

/** A trace's violated property → the clause predicate that holds when it happens. */
const PROPERTY_PREDICATE: Record<string, Prop> = {
  'objects remaining': { kind: 'pred', name: 'objects_remaining', arg: 's' },
  'lost free': { kind: 'pred', name: 'lost_free' },
  'double free': { kind: 'pred', name: 'double_free' },
  leak: { kind: 'pred', name: 'leak' },
  deadlock: { kind: 'pred', name: 'deadlock' },
};

const IDENT = /^[A-Za-z_]\w{0,63}$/;
const yn = (b: boolean) => (b ? 'y' : 'n');
const noLoc = { line: 1, column: 1, offset: 0, endLine: 1, endColumn: 1, endOffset: 0 };

/** Which built-in IR variant the programs are (patch01, the shutdown's rcu_barrier), if any. */
function variantOf(programs: ProgramSet): { patch01: boolean; noShutdownBarrier: boolean } | undefined {
  const norm = (p: ProgramSet) => JSON.stringify(stripAnchors(Object.fromEntries(ORCHESTRATION.map((f) => [f, p[f]]))));
  const have = norm(programs);
  for (const patch01 of [false, true])
    for (const noShutdownBarrier of [false, true])
      if (norm(builtinPrograms({ patch01, noShutdownBarrier })) === have) return { patch01, noShutdownBarrier };
  return undefined;
}

function initItems(sc: Scenario, threads: number): InitItem[] {
  const items: InitItem[] = [];
  const setting = (name: string, value: string) => items.push({ kind: 'setting', name, value, loc: noLoc });
  for (const [k, v] of Object.entries(sc.config).sort()) if (/^CONFIG_\w+$/.test(k)) setting(k, yn(v));
  if (sc.ncpus > Math.max(2, threads)) setting('NR_CPUS', String(sc.ncpus));
  setting('flush_slab_irqsave', yn(sc.switches.flush_slab_irqsave !== false));
  setting('free_tid_check', yn(sc.switches.free_tid_check !== false));
  const v = variantOf(sc.programs);
  if (v) {
    setting('patch01', yn(v.patch01));
    setting('shutdown_rcu_barrier', yn(!v.noShutdownBarrier));
  }
  const c = sc.cache;
  if (!IDENT.test(c.name) || !c.flags.every((f) => IDENT.test(f)))
    throw new FromTraceError('the cache name or flags are not C identifiers');
  for (const [field, value] of [
    ['name', c.name],
    ['cpu_sheaves', yn(c.cpu_sheaves)],
    ['sheaf_capacity', String(c.sheaf_capacity)],
    ['refcount', String(c.refcount)],
    ['flags', c.flags.join('|') || '0'],
  ]) {
    items.push({ kind: 'cache', field, value, loc: noLoc });
  }
  let slabs = 0;
  for (const op of sc.setup) {
    if (op.op === 'new_slab')
      items.push({ kind: 'assign', target: `slab${slabs++}`, fn: 'new_slab', args: [String(op.objects)], loc: noLoc });
    else if (op.op === 'alloc')
      items.push({
        kind: 'assign',
        target: `o${op.obj}`,
        fn: 'kmem_cache_alloc',
        args: ['s', 'GFP_KERNEL'],
        loc: noLoc,
      });
    else if (op.op === 'kfree_rcu')
      items.push({ kind: 'call', cpu: op.cpu, fn: 'kfree_rcu', args: [`o${op.obj}`, 'rcu'], loc: noLoc });
    else if (op.op === 'free_to_main')
      items.push({ kind: 'call', cpu: op.cpu, fn: 'kmem_cache_free', args: ['s', `o${op.obj}`], loc: noLoc });
    else if (op.op === 'call_rcu_sheaf')
      items.push({ kind: 'call', cpu: op.cpu, fn: 'flush_rcu_sheaf', args: [], loc: noLoc });
    else items.push({ kind: 'cpuslab', cpu: op.cpu, slab: `slab${op.slab}`, loc: noLoc });
  }
  return items;
}

/** The object arguments of the thread API: where a number is an object (`o2`), not a CPU or a count. */
const OBJECT_ARG: Record<string, number> = { kmem_cache_free: 1, do_slab_free: 1, __kfree_rcu_sheaf: 1 };
const KFREE_RCU = THREAD_ALIASES.kfree_rcu.fn;

/** A thread's IR as the C of a P body: its calls, one a line. */
function body(id: string, program: Stmt[]): string {
  const lines = program.map((st) => {
    if (st.op === 'lock') return `\t${st.fn}();`;
    if (st.op !== 'call')
      throw new FromTraceError(`thread ${id} has a '${st.op}' statement: only calls are written back as a P body`);
    if (st.fn.includes(':loop@'))
      throw new FromTraceError(`thread ${id} has a loop: only straight-line calls are written back as a P body`);
    if (!IDENT.test(st.fn) || !(st.args ?? []).every((a) => /^\w{1,64}$/.test(a)))
      throw new FromTraceError(`thread ${id} calls something that is not C: ${st.fn}`);
    const args = (st.args ?? []).map((a, i) => (OBJECT_ARG[st.fn] === i && /^\d+$/.test(a) ? `o${a}` : a));
    const call = st.fn === KFREE_RCU ? `kfree_rcu(${args[1]}, rcu)` : `${st.fn}(${args.join(', ')})`;
    return `\t${st.assign && IDENT.test(st.assign) ? `${st.assign} = ` : ''}${call};`;
  });
  return ['{', ...lines, '}'].join('\n');
}

/** Text that may stand in a (* … *) comment: one line, no comment end, no Result: of its own. */
const commentSafe = (t: string): string =>
  t
    .replace(/[\u0000-\u001f\u007f]+/g, ' ')
    .replace(/\*\)/g, '* )')
    .replace(/\bResult:/g, 'Result -')
    .slice(0, 200);

/** The .litmus text of a trace's scenario and question. Throws FromTraceError for what a file cannot say. */
export function scenarioFromTrace(trace: Trace, name: string): string {
  const sc = trace.scenario;
  if (!/^[A-Za-z0-9][\w.-]{0,99}$/.test(name))
    throw new FromTraceError(`${name}: a scenario name is letters, digits, '-', '_' and '.'`);
  if (sc.hotplug)
    throw new FromTraceError(
      'the trace has a hotplug thread: a scenario file cannot start one yet (cpu_down() is not a thread call)',
    );
  const threads = [...sc.threads].sort((a, b) => a.cpu - b.cpu);
  threads.forEach((t, i) => {
    if (t.cpu !== i)
      throw new FromTraceError(
        `thread ${t.id} runs on CPU${t.cpu}: a scenario file runs thread Pn on CPU n, one thread per CPU`,
      );
  });
  const prop = trace.property
    ? PROPERTY_PREDICATE[trace.property]
    : PROPERTY_PREDICATE[sc.expectProperty ?? 'objects remaining'];
  if (!prop)
    throw new FromTraceError(
      `the trace violates '${trace.property}', which no clause predicate names (${Object.keys(PREDICATES).join(', ')})`,
    );
  const from = variantOf(sc.programs)
    ? 'the built-in IR'
    : 'the C of the workspace the trace was made in (a run uses the C of the workspace it runs in)';
  const steps =
    trace.violationStep !== undefined ? `violated at step ${trace.violationStep}` : `${trace.schedule.length} steps`;
  const description = [
    `Written from the trace of "${commentSafe(String(sc.title))}" (${trace.verdict}${trace.property ? `: ${trace.property}` : ''}, ${steps}).`,
    `Its programs were ${from}.`,
    `The question: can ${trace.property ?? sc.expectProperty ?? 'objects remaining'} happen? The trace shows one execution; run the file,`,
    'then state what you expect as the Result (Never, Sometimes or Always) and why.',
  ].join('\n');
  const ast: Pick<LitmusAst, 'name' | 'description' | 'expected' | 'init' | 'clause'> & {
    threads: { name: string; params: string; body: string }[];
  } = {
    name,
    description,
    expected: undefined,
    init: initItems(sc, threads.length),
    threads: threads.map((t, i) => ({ name: `P${i}`, params: 'struct kmem_cache *s', body: body(t.id, t.program) })),
    clause: { quantifier: 'exists', prop, loc: noLoc },
  };
  return printScenario(ast);
}
