// Static lock rules over the call graph, the way lockdep reasons, without running anything:
//  - lock order: every path from the roots (entry points, functions nothing calls, cpuhp
//    callbacks, work functions, RCU callbacks) is walked with the locks it holds; taking B while
//    holding A records A→B; a cycle of such dependencies is a possible deadlock, reported with one
//    chain per dependency. Readers of cpu_hotplug_lock follow lockdep's recursive-read rule: a
//    cycle that enters and leaves a lock as a reader on both sides is not a deadlock.
//  - hotplug protection: a for_each_online_cpu loop that queues work on / calls into each CPU, or
//    a lockdep_assert_cpus_held(), reached on a path without cpu_hotplug_lock.
// No LSP types here: the server and the CLI turn findings into diagnostics and JSON.

import type { Analyzer } from './analyzer';
import { CNode, liteTree } from './liteTree';
import { Lines } from './parse';
import { loopMacroOf } from './calls';
import type { FunctionInfo } from './types';
import { isLoopMacro } from './words';
import { ENTRY_POINTS } from './callgraph';

export type LockMode = 'write' | 'read';

/** What a kernel lock primitive does (its contract, as lockdep sees it). */
export interface LockPrimitive {
  op: 'acquire' | 'release' | 'assert';
  mode: LockMode;
  /** a trylock: it never waits, so taking it adds no dependency towards it */
  try?: boolean;
  /** the lock is cpu_hotplug_lock, not the first argument */
  hotplug?: boolean;
}

export const CPU_HOTPLUG_LOCK = 'cpu_hotplug_lock';

const P = (op: LockPrimitive['op'], mode: LockMode = 'write', extra: Partial<LockPrimitive> = {}): LockPrimitive => ({ op, mode, ...extra });

/** Lock primitives by C name. Anything else named like a lock is reported as not modelled. */
export const LOCK_PRIMITIVES: ReadonlyMap<string, LockPrimitive> = new Map<string, LockPrimitive>([
  ...['mutex_lock', 'mutex_lock_nested', 'mutex_lock_interruptible', 'mutex_lock_killable', 'mutex_lock_io'].map((n) => [n, P('acquire')] as const),
  ['mutex_trylock', P('acquire', 'write', { try: true })],
  ['mutex_unlock', P('release')],
  ...['spin_lock', 'spin_lock_nested', 'spin_lock_irq', 'spin_lock_bh', 'spin_lock_irqsave', 'spin_lock_irqsave_nested',
    'raw_spin_lock', 'raw_spin_lock_nested', 'raw_spin_lock_irq', 'raw_spin_lock_bh', 'raw_spin_lock_irqsave',
    'local_lock', 'local_lock_irq', 'local_lock_irqsave', 'local_lock_nested_bh', 'write_lock', 'write_lock_irq', 'write_lock_irqsave', 'write_lock_bh',
    'down_write', 'down_write_nested', 'down_write_killable', 'percpu_down_write'].map((n) => [n, P('acquire')] as const),
  ...['read_lock', 'read_lock_irq', 'read_lock_irqsave', 'read_lock_bh', 'down_read', 'down_read_nested', 'down_read_killable', 'percpu_down_read'].map((n) => [n, P('acquire', 'read')] as const),
  ...['spin_trylock', 'spin_trylock_irq', 'spin_trylock_irqsave', 'raw_spin_trylock', 'raw_spin_trylock_irqsave', 'local_trylock', 'local_trylock_irqsave',
    'down_write_trylock', 'write_trylock'].map((n) => [n, P('acquire', 'write', { try: true })] as const),
  ...['down_read_trylock', 'read_trylock', 'percpu_down_read_trylock'].map((n) => [n, P('acquire', 'read', { try: true })] as const),
  ...['spin_unlock', 'spin_unlock_irq', 'spin_unlock_bh', 'spin_unlock_irqrestore', 'raw_spin_unlock', 'raw_spin_unlock_irq', 'raw_spin_unlock_bh',
    'raw_spin_unlock_irqrestore', 'local_unlock', 'local_unlock_irq', 'local_unlock_irqrestore', 'local_unlock_nested_bh', 'read_unlock', 'read_unlock_irq',
    'read_unlock_irqrestore', 'read_unlock_bh', 'write_unlock', 'write_unlock_irq', 'write_unlock_irqrestore', 'write_unlock_bh', 'up_read', 'up_write',
    'percpu_up_read', 'percpu_up_write'].map((n) => [n, P('release')] as const),
  ['cpus_read_lock', P('acquire', 'read', { hotplug: true })],
  ['get_online_cpus', P('acquire', 'read', { hotplug: true })],
  ['cpus_read_trylock', P('acquire', 'read', { hotplug: true, try: true })],
  ['cpus_read_unlock', P('release', 'read', { hotplug: true })],
  ['put_online_cpus', P('release', 'read', { hotplug: true })],
  ['cpus_write_lock', P('acquire', 'write', { hotplug: true })],
  ['cpus_write_unlock', P('release', 'write', { hotplug: true })],
  ...['lockdep_assert_held', 'lockdep_assert_held_once', 'lockdep_assert_held_write'].map((n) => [n, P('assert')] as const),
  ['lockdep_assert_held_read', P('assert', 'read')],
  ['lockdep_assert_cpus_held', P('assert', 'read', { hotplug: true })],
]);

/** Calls that run something on a given CPU: inside for_each_online_cpu they need that CPU to stay online. */
export const ON_CPU_CALLS = new Set(['queue_work_on', 'queue_delayed_work_on', 'mod_delayed_work_on', 'schedule_work_on', 'schedule_delayed_work_on', 'smp_call_function_single', 'smp_call_function_single_async', 'work_on_cpu']);

/** Named like a lock operation but not in LOCK_PRIMITIVES: reported as not modelled. */
const LOCKISH = /^(?:\w+_)?(?:(?:try)?lock|unlock)(?:_\w+)?$|^(?:down|up)_(?:read|write)\w*$/;
const NOT_LOCKS = /^(lockdep_\w+|\w*_lock_init|\w+_is_locked|spin_lock_init|mutex_init|\w*lockdep\w*|local_lock_init|rcu_read_(un)?lock\w*|preempt_\w+|\w+_irq_(save|restore)|local_irq_\w+)$/;

export function isLockCall(name: string): boolean {
  return LOCK_PRIMITIVES.has(name) || name === 'guard' || name === 'scoped_guard';
}

// --- results ---------------------------------------------------------------------------------

/** One step of a chain: a function and a 0-based line in it (a call, or the lock operation). */
export interface Frame { fn: string; uri: string; line: number; what: string }

/** A lock as held: its class (lockdep's: the expression with the instance abstracted), how, and where it was taken. */
export interface Held { key: string; name: string; mode: LockMode; try: boolean; chain: Frame[] }

export interface LockChain {
  /** the lock held and the lock taken under it */
  held: string;
  heldMode: LockMode;
  taken: string;
  takenMode: LockMode;
  /** where the held lock was taken (root first) */
  heldAt: Frame[];
  /** where the other lock was taken while it was held (root first) */
  takenAt: Frame[];
}

export interface LockFinding {
  rule: 'lock-order' | 'hotplug';
  message: string;
  function: string;
  uri: string;
  /** 0-based */
  line: number;
  /** call paths (function names, root first): a lock-order finding has one per dependency of the cycle; hotplug: the unprotected paths */
  paths: string[][];
  locks: string[];
  /** lock-order: one chain per dependency of the cycle */
  chains?: LockChain[];
  /** hotplug: paths on which cpu_hotplug_lock is held (some callers hold it, others not) */
  protectedPaths?: string[][];
  /** lines to show as related information: each chain's steps */
  related: { uri: string; line: number; message: string }[];
}

export interface NotModelledLock { fn: string; uri: string; line: number; call: string }

/** The locks held on entry of a function along one path (for hover). */
export interface PathLocks { path: string[]; held: string[][] }

export interface LockReport {
  findings: LockFinding[];
  notModelled: NotModelledLock[];
  /** how many contexts (function + locks held on entry) were analysed */
  contexts: number;
  roots: { fn: string; kind: 'entry' | 'uncalled' | 'cpuhp' | 'work' | 'rcu' | 'ipi' | 'memory-notifier' }[];
  /** dependencies found: "A -> B" */
  dependencies: string[];
  /** locks held at each function's entry, per path from a root (bounded) */
  pathLocks(fn: string, max?: number): PathLocks[];
}

// --- the lock operations of a body -------------------------------------------------------------

interface LockRef { key: string; name: string }

/** What a value is known to be: 'null' (NULL, false, 0) or 'set'. */
type Tag = 'null' | 'set';

type LOp =
  /** base: the variable the lock is reached through (`n` of `&n->list_lock`): taking the lock means it is set */
  | { k: 'acquire'; lock: LockRef; mode: LockMode; try: boolean; line: number; text: string; base?: string }
  /** v = NULL / v = <something else>: what a later `if (!v)` finds */
  | { k: 'assign'; v: string; tag?: Tag }
  | { k: 'release'; lock: LockRef; line: number }
  | { k: 'assert'; lock: LockRef; mode: LockMode; hotplug: boolean; line: number }
  | { k: 'call'; callee: string; line: number; assign?: string }
  /** arms[0] is the then-arm; `test`: the condition is a variable or the last call's result, tested for non-NULL/true (negated: `!x`) */
  | { k: 'branch'; arms: LOp[][]; test?: { v: string; negated: boolean } }
  | { k: 'loop'; body: LOp[]; line: number; macro?: string; onCpu?: string }
  /** value: what is returned, as far as it decides a caller's test (NULL/false/0, true/1, a call's result) */
  | { k: 'return'; release: LockRef[]; value?: Tag | '$call' }
  | { k: 'goto'; label: string }
  | { k: 'label'; label: string };

const HOTPLUG_REF: LockRef = { key: CPU_HOTPLUG_LOCK, name: CPU_HOTPLUG_LOCK };

/** A lock's class from its C expression: the base variable's struct type when it can be read, else the expression. */
function lockRef(expr: string, typeOf: (v: string) => string | undefined): LockRef {
  let e = expr.replace(/\s+/g, '').replace(/^\(+|\)+$/g, '');
  if (e.startsWith('&')) e = e.slice(1);
  const name = `&${e}`;
  // per-CPU instances are one class: this_cpu_ptr(x)/per_cpu_ptr(x, cpu)/&per_cpu(x, cpu)
  e = e.replace(/^(?:this_cpu_ptr|raw_cpu_ptr|per_cpu_ptr|per_cpu)\(([^,()]+)(?:,[^()]*)?\)/, '$1');
  e = e.replace(/\[[^\]]*\]/g, '[]');
  const m = /^([A-Za-z_]\w*)((?:->|\.).*)$/.exec(e);
  if (m) {
    const t = typeOf(m[1]);
    if (t) return { key: `struct ${t}${m[2]}`, name };
  }
  return { key: e, name: e.includes('->') || e.includes('.') ? name : e };
}

interface BodyCtx {
  fn: string;
  text: string;
  typeOf: (v: string) => string | undefined;
  guards: LockRef[][];
  notModelled: NotModelledLock[];
  uri: string;
}

const lineOf = (n: CNode): number => n.startPosition.row;

function argsOf(call: CNode): CNode[] {
  return call.childForFieldName('arguments')?.namedChildren.filter((c) => c.type !== 'comment') ?? [];
}

/** The lock operations of one call (its arguments' calls first). */
function callOps(call: CNode, ctx: BodyCtx, out: LOp[]): void {
  const fnNode = call.childForFieldName('function');
  const args = argsOf(call);
  for (const a of args) exprOps(a, ctx, out);
  if (!fnNode) return;
  if (fnNode.type === 'call_expression') {
    // guard(mutex)(&slab_mutex): held to the end of the enclosing block
    const inner = fnNode.childForFieldName('function');
    if (inner?.text === 'guard' && args[0]) {
      const kind = argsOf(fnNode)[0]?.text ?? '';
      const lock = /cpus_read_lock/.test(kind) ? HOTPLUG_REF : lockRef(args[0].text, ctx.typeOf);
      out.push({ k: 'acquire', lock, mode: /read/.test(kind) ? 'read' : 'write', try: false, line: lineOf(call), text: call.text.replace(/\s+/g, ' ') });
      ctx.guards[ctx.guards.length - 1]?.push(lock);
      return;
    }
    exprOps(fnNode, ctx, out);
    return;
  }
  if (fnNode.type !== 'identifier') {
    exprOps(fnNode, ctx, out);
    return;
  }
  const name = fnNode.text;
  const p = LOCK_PRIMITIVES.get(name);
  const line = lineOf(call);
  if (p) {
    const lock = p.hotplug ? HOTPLUG_REF : args[0] ? lockRef(args[0].text, ctx.typeOf) : undefined;
    if (!lock) {
      ctx.notModelled.push({ fn: ctx.fn, uri: ctx.uri, line, call: name });
      return;
    }
    if (p.op === 'acquire') out.push({ k: 'acquire', lock, mode: p.mode, try: !!p.try, line, text: call.text.replace(/\s+/g, ' '), base: /^&?\(?([A-Za-z_]\w*)(?:->|\.)/.exec(args[0]?.text ?? '')?.[1] });
    else if (p.op === 'release') out.push({ k: 'release', lock, line });
    else out.push({ k: 'assert', lock, mode: p.mode, hotplug: !!p.hotplug, line });
    return;
  }
  // branch hints are no calls: the value tested is their argument's
  if (name === 'likely' || name === 'unlikely') return;
  if (LOCKISH.test(name) && !NOT_LOCKS.test(name)) ctx.notModelled.push({ fn: ctx.fn, uri: ctx.uri, line, call: name });
  out.push({ k: 'call', callee: name, line });
}

function exprOps(n: CNode, ctx: BodyCtx, out: LOp[]): void {
  if (n.type === 'call_expression') {
    callOps(n, ctx, out);
    return;
  }
  // pcs = __pcs_replace_full_main(...): the result is remembered for a later `if (!pcs)`
  const target = n.type === 'assignment_expression' ? n.childForFieldName('left') : n.type === 'init_declarator' ? n.childForFieldName('declarator') : null;
  const value = n.type === 'assignment_expression' ? n.childForFieldName('right') : n.type === 'init_declarator' ? n.childForFieldName('value') : null;
  if (target && value) {
    let t: CNode | null = target;
    while (t && t.type === 'pointer_declarator') t = t.childForFieldName('declarator');
    const v = t?.type === 'identifier' ? t.text : undefined;
    if (value.type === 'call_expression') {
      callOps(value, ctx, out);
      const last = out[out.length - 1];
      if (v && last?.k === 'call') last.assign = v;
      else if (v) out.push({ k: 'assign', v });
      return;
    }
    exprOps(value, ctx, out);
    if (v) out.push({ k: 'assign', v, tag: /^(NULL|false|0)$/.test(value.text) ? 'null' : /^(true|1)$/.test(value.text) ? 'set' : undefined });
    return;
  }
  for (const c of n.namedChildren) exprOps(c, ctx, out);
}

/** A condition without its parentheses, likely()/unlikely() and `!`s: what is tested, and whether negated. */
function unwrapCondition(cond: CNode | null): { n: CNode | null; negated: boolean } {
  let n = cond;
  let negated = false;
  while (n) {
    if (n.type === 'parenthesized_expression' || (n.type === 'call_expression' && /^(unlikely|likely)$/.test(n.childForFieldName('function')?.text ?? ''))) {
      n = n.type === 'parenthesized_expression' ? n.namedChildren.find((c) => c.type !== 'comment') ?? null : argsOf(n)[0] ?? null;
      continue;
    }
    if (n.type === 'unary_expression' && n.child(0)?.type === '!') {
      negated = !negated;
      n = n.childForFieldName('argument');
      continue;
    }
    break;
  }
  return { n, negated };
}

/** `if (x)`, `if (!x)`, `if (unlikely(!f(...)))`: what is tested ('$call': the call's result). */
function valueTest(cond: CNode | null): { v: string; negated: boolean } | undefined {
  const { n, negated } = unwrapCondition(cond);
  if (n?.type === 'identifier') return { v: n.text, negated };
  if (n?.type === 'call_expression' && n.childForFieldName('function')?.type === 'identifier') return { v: '$call', negated };
  return undefined;
}

/** A trylock tested by an if condition, and whether the then-arm is the one that holds it. */
function trylockIn(cond: CNode | null): { call: CNode; thenHolds: boolean } | undefined {
  const { n, negated } = unwrapCondition(cond);
  if (n?.type !== 'call_expression') return undefined;
  const p = LOCK_PRIMITIVES.get(n.childForFieldName('function')?.text ?? '');
  return p?.try ? { call: n, thenHolds: !negated } : undefined;
}

function blockOps(n: CNode | null, ctx: BodyCtx): LOp[] {
  if (!n) return [];
  const out: LOp[] = [];
  if (n.type !== 'compound_statement') {
    stmtOps(n, ctx, out, new Set());
    return out;
  }
  ctx.guards.push([]);
  const consumed = new Set<number>();
  for (const c of n.namedChildren) if (!consumed.has(c.id)) stmtOps(c, ctx, out, consumed);
  for (const g of ctx.guards.pop()!.reverse()) out.push({ k: 'release', lock: g, line: n.endPosition.row });
  return out;
}

function stmtOps(n: CNode, ctx: BodyCtx, out: LOp[], consumed: Set<number>): void {
  const lm = loopMacroOf(n, ctx.text);
  if (lm) {
    if (lm.body) consumed.add(lm.body.id);
    const head: LOp[] = [];
    for (const a of lm.args) exprOps(a, ctx, head);
    out.push(...head);
    if (lm.name === 'scoped_guard' || lm.name === 'scoped_cond_guard') return; // not a loop macro name (isLoopMacro), kept for safety
    const body = blockOps(lm.body, ctx);
    const onCpu = lm.name === 'for_each_online_cpu' ? firstOnCpuCall(body) : undefined;
    out.push({ k: 'loop', body, line: lineOf(n), macro: lm.name, onCpu });
    return;
  }
  switch (n.type) {
    case 'compound_statement':
      out.push(...blockOps(n, ctx));
      return;
    case 'expression_statement': {
      const e = n.namedChild(0);
      // scoped_guard(mutex, &m) { ... }: the tree sees a call followed by a block
      if (e?.type === 'call_expression' && /^scoped_(cond_)?guard$/.test(e.childForFieldName('function')?.text ?? '')) {
        const args = argsOf(e);
        const next = n.nextNamedSibling;
        const kind = args[0]?.text ?? '';
        const lock = /cpus_read_lock/.test(kind) ? HOTPLUG_REF : args[1] ? lockRef(args[1].text, ctx.typeOf) : undefined;
        if (lock && next?.type === 'compound_statement') {
          consumed.add(next.id);
          out.push({ k: 'acquire', lock, mode: /read/.test(kind) ? 'read' : 'write', try: false, line: lineOf(n), text: e.text.replace(/\s+/g, ' ') });
          out.push(...blockOps(next, ctx));
          out.push({ k: 'release', lock, line: next.endPosition.row });
          return;
        }
      }
      if (e) exprOps(e, ctx, out);
      return;
    }
    case 'declaration':
      for (const c of n.namedChildren) exprOps(c, ctx, out);
      return;
    case 'if_statement': {
      const cond = n.childForFieldName('condition');
      const t = trylockIn(cond);
      const arms: LOp[][] = [[], []];
      if (t) {
        for (const a of argsOf(t.call)) exprOps(a, ctx, out);
        const tryOps: LOp[] = [];
        callOps(t.call, ctx, tryOps);
        arms[t.thenHolds ? 0 : 1].push(...tryOps.filter((o) => o.k === 'acquire'));
      } else if (cond) exprOps(cond, ctx, out);
      arms[0].push(...blockOps(n.childForFieldName('consequence'), ctx));
      const alt = n.childForFieldName('alternative');
      if (alt) arms[1].push(...blockOps(alt.type === 'else_clause' ? alt.namedChildren.find((c) => c.type !== 'comment') ?? null : alt, ctx));
      out.push({ k: 'branch', arms, test: t ? undefined : valueTest(cond) });
      return;
    }
    case 'for_statement':
    case 'while_statement':
    case 'do_statement': {
      for (const f of ['initializer', 'condition']) {
        const c = n.childForFieldName(f);
        if (c) exprOps(c, ctx, out);
      }
      const body = blockOps(n.childForFieldName('body'), ctx);
      const upd = n.childForFieldName('update');
      if (upd) exprOps(upd, ctx, body);
      out.push({ k: 'loop', body, line: lineOf(n) });
      return;
    }
    case 'switch_statement': {
      const cond = n.childForFieldName('condition');
      if (cond) exprOps(cond, ctx, out);
      const body = n.childForFieldName('body');
      const arms: LOp[][] = [[]];
      for (const c of body?.namedChildren ?? []) {
        if (c.type === 'case_statement') {
          const arm: LOp[] = [];
          for (const s of c.namedChildren.slice(c.childForFieldName('value') ? 1 : 0)) stmtOps(s, ctx, arm, new Set());
          arms.push(arm);
        }
      }
      out.push({ k: 'branch', arms });
      return;
    }
    case 'return_statement': {
      for (const c of n.namedChildren) exprOps(c, ctx, out);
      const v = n.namedChildren.find((c) => c.type !== 'comment');
      const value = !v ? undefined : /^(NULL|false|0)$/.test(v.text) ? 'null' : /^(true|1)$/.test(v.text) ? 'set' : v.type === 'call_expression' && out[out.length - 1]?.k === 'call' ? '$call' : undefined;
      out.push({ k: 'return', release: ctx.guards.flat(), value });
      return;
    }
    case 'goto_statement': {
      const l = n.childForFieldName('label')?.text;
      if (l) out.push({ k: 'goto', label: l });
      return;
    }
    case 'labeled_statement': {
      const l = n.childForFieldName('label')?.text;
      if (l) out.push({ k: 'label', label: l });
      const s = n.namedChildren[n.namedChildCount - 1];
      if (s && s.type !== 'statement_identifier') stmtOps(s, ctx, out, consumed);
      return;
    }
    case 'comment':
      return;
    default:
      for (const c of n.namedChildren) {
        if (c.type.endsWith('_statement') || c.type === 'compound_statement' || c.type === 'declaration') stmtOps(c, ctx, out, consumed);
        else exprOps(c, ctx, out);
      }
  }
}

function firstOnCpuCall(ops: LOp[]): string | undefined {
  for (const o of ops) {
    if (o.k === 'call' && ON_CPU_CALLS.has(o.callee)) return o.callee;
    if (o.k === 'branch') for (const a of o.arms) {
      const r = firstOnCpuCall(a);
      if (r) return r;
    }
    if (o.k === 'loop') {
      const r = firstOnCpuCall(o.body);
      if (r) return r;
    }
  }
  return undefined;
}

/** Types of the variables declared `struct X *v` in a signature or body. */
function typeReader(sig: string, body: string): (v: string) => string | undefined {
  const m = new Map<string, string>();
  for (const src of [sig, body]) for (const x of src.matchAll(/struct\s+(\w+)\s*\*\s*(\w+)/g)) if (!m.has(x[2])) m.set(x[2], x[1]);
  return (v) => m.get(v);
}

// --- roots --------------------------------------------------------------------------------------

export interface Registration { fn: string; kind: 'cpuhp' | 'work' | 'rcu' | 'ipi' | 'memory-notifier'; teardown?: boolean }

/** Callbacks the C registers: cpuhp_setup_state*(), INIT_WORK/DECLARE_WORK, call_rcu, IPIs. */
export function registrations(text: string): Registration[] {
  const out: Registration[] = [];
  const id = '([A-Za-z_]\\w*)';
  for (const m of text.matchAll(/\bcpuhp_setup_state\w*\s*\(([^;]*?)\)\s*;/g)) {
    // (state, "name", startup, teardown): both run with cpu_hotplug_lock held for write
    const args = m[1].split(',').map((s) => s.trim());
    args.slice(2, 4).forEach((a, i) => {
      if (/^[A-Za-z_]\w*$/.test(a) && a !== 'NULL') out.push({ fn: a, kind: 'cpuhp', teardown: i === 1 });
    });
  }
  // memory/node hotplug notifiers run inside mem_hotplug_begin()/mem_hotplug_done() (offline_pages(),
  // online_pages()), and mem_hotplug_begin() takes cpus_read_lock() first
  for (const m of text.matchAll(new RegExp(`\\b(?:hotplug_memory_notifier|hotplug_node_notifier|register_memory_notifier|register_node_notifier)\\s*\\(\\s*&?${id}`, 'g'))) out.push({ fn: m[1], kind: 'memory-notifier' });
  for (const m of text.matchAll(new RegExp(`\\b(?:INIT_WORK|INIT_DELAYED_WORK|INIT_RCU_WORK|DECLARE_WORK|DECLARE_DELAYED_WORK)\\s*\\([^,;]+,\\s*${id}\\s*\\)`, 'g'))) out.push({ fn: m[1], kind: 'work' });
  for (const m of text.matchAll(new RegExp(`\\b(?:call_rcu|call_rcu_hurry|call_srcu)\\s*\\([^;]*?,\\s*${id}\\s*\\)`, 'g'))) out.push({ fn: m[1], kind: 'rcu' });
  for (const m of text.matchAll(new RegExp(`\\b(?:on_each_cpu|on_each_cpu_mask|on_each_cpu_cond|smp_call_function_single|smp_call_function)\\s*\\([^;]*?\\b${id}\\s*,`, 'g'))) {
    if (!/^(cpu|NULL|true|false)$/.test(m[1])) out.push({ fn: m[1], kind: 'ipi' });
  }
  return out;
}

// --- the walk -----------------------------------------------------------------------------------

/** The locks held, in the order taken; with what is known of values that decide later tests. */
type State = Held[] & { facts?: Record<string, Tag>; ret?: Tag };

const heldKey = (s: State): string => s.map((h) => `${h.key}:${h.mode[0]}`).join(',');
const stateKey = (s: State): string => `${heldKey(s)}|${s.ret ?? ''}|${s.facts ? Object.entries(s.facts).map(([k, v]) => k + v).join(',') : ''}`;
/** `held` with the facts and result of `from`, or those given (an explicit undefined forgets them) */
function keep(from: State, held: Held[], ...given: [facts?: State['facts'], ret?: Tag]): State {
  const s = held as State;
  const facts = given.length >= 1 ? given[0] : from.facts;
  const ret = given.length >= 2 ? given[1] : from.ret;
  if (facts && Object.keys(facts).length) s.facts = facts;
  if (ret) s.ret = ret;
  return s;
}
const MAX_STATES = 16;

function dedupe(states: State[]): State[] {
  const seen = new Map<string, State>();
  for (const s of states) if (!seen.has(stateKey(s))) seen.set(stateKey(s), s);
  if (seen.size <= MAX_STATES) return [...seen.values()];
  // too many: forget what is known of values before forgetting a set of locks held
  const coarse = new Map<string, State>();
  for (const s of seen.values()) if (!coarse.has(heldKey(s) + s.ret)) coarse.set(heldKey(s) + s.ret, keep(s, [...s], undefined));
  return [...coarse.values()];
}

interface Ctx {
  id: number;
  fn: string;
  uri: string;
  held: string[];
  /** callers' contexts with the line of the call */
  from: { ctx: number; line: number }[];
  root?: Registration['kind'] | 'entry' | 'uncalled';
}

interface SiteHit { fn: string; uri: string; line: number; ctx: number; held: State; what: string; kind: 'loop' | 'assert' }

interface Dependency { from: Held; to: Held & { frames: Frame[] } }

export interface LockOptions {
  /** entry points (default: the slab API entry points); functions nothing calls are roots too */
  entries?: string[];
}

/** Run the lock rules over what the analyzer has indexed. */
export function analyzeLocks(a: Analyzer, opts: LockOptions = {}): LockReport {
  const fns = a.functions();
  const byName = new Map<string, FunctionInfo>();
  for (const f of fns) if (!byName.has(f.name)) byName.set(f.name, a.definition(f.name) ?? f);

  // which bodies need their tree: those with lock operations or an online-CPU loop, and the
  // callers of functions that may return holding more or fewer locks than they were called with
  const weight = new Map<string, number>();
  const weightOf = (name: string, seen: Set<string>): number => {
    const w = weight.get(name);
    if (w !== undefined) return w;
    const f = byName.get(name);
    if (!f || seen.has(name)) return 0;
    seen.add(name);
    let sum = 0;
    for (const c of f.calls) {
      if (c.viaPointer) continue;
      const p = LOCK_PRIMITIVES.get(c.callee);
      if (p) sum += p.op === 'acquire' ? 1 : p.op === 'release' ? -1 : 0;
      else if (byName.has(c.callee)) sum += weightOf(c.callee, seen);
    }
    seen.delete(name);
    weight.set(name, sum);
    return sum;
  };
  const needsTree = (f: FunctionInfo): boolean =>
    f.calls.some((c) => !c.viaPointer && (isLockCall(c.callee) || (c.inLoopMacro === 'for_each_online_cpu' && ON_CPU_CALLS.has(c.callee)) || (byName.has(c.callee) && weightOf(c.callee, new Set()) !== 0) || (LOCKISH.test(c.callee) && !NOT_LOCKS.test(c.callee))));

  const notModelled: NotModelledLock[] = [];
  const bodies = new Map<string, LOp[]>();
  const lines = new Map<string, Lines>();
  const linesOf = (uri: string, text: string): Lines => lines.get(uri) ?? lines.set(uri, Lines.of(text)).get(uri)!;
  const bodyOf = (name: string): LOp[] => {
    let b = bodies.get(name);
    if (b) return b;
    const f = byName.get(name)!;
    if (needsTree(f)) {
      const found = a.found(name);
      b = [];
      if (found) {
        const ctx: BodyCtx = { fn: name, text: found.text, typeOf: typeReader(f.signature, found.body.text), guards: [], notModelled, uri: f.uri };
        try {
          // a plain copy of the body: the walk reads each node many times (see liteTree.ts)
          b = blockOps(liteTree(found.body, found.text, linesOf(f.uri, found.text)), ctx);
        } catch {
          b = flatOps(f);
        }
      }
    } else b = flatOps(f);
    bodies.set(name, b);
    return b;
  };

  // roots
  const regs: Registration[] = [];
  const texts = new Set<string>();
  for (const f of fns) texts.add(f.uri);
  for (const uri of texts) regs.push(...registrations(a.text(uri) ?? ''));
  const regByFn = new Map<string, Registration>();
  for (const r of regs) if (byName.has(r.fn) && !regByFn.has(r.fn)) regByFn.set(r.fn, r);
  const roots: LockReport['roots'] = [];
  const entries = new Set(opts.entries ?? ENTRY_POINTS);
  for (const name of byName.keys()) {
    const reg = regByFn.get(name);
    if (reg) roots.push({ fn: name, kind: reg.kind });
    else if (entries.has(name)) roots.push({ fn: name, kind: 'entry' });
    else if (!a.callers(name).some((c) => !c.reference)) roots.push({ fn: name, kind: 'uncalled' });
  }

  const ctxs: Ctx[] = [];
  const ctxByKey = new Map<string, Ctx>();
  const exits = new Map<number, State[]>();
  const active = new Set<number>();
  const deps = new Map<string, Dependency>();
  const hits: SiteHit[] = [];

  const analyze = (fn: string, entry: State, stack: Frame[], from: { ctx: number; line: number } | undefined, rootKind?: Ctx['root']): State[] => {
    const key = `${fn}|${heldKey(entry)}`;
    let c = ctxByKey.get(key);
    if (c) {
      if (from && !c.from.some((x) => x.ctx === from.ctx && x.line === from.line)) c.from.push(from);
      if (rootKind && !c.root) c.root = rootKind;
      // recursion: the call is taken as changing nothing
      return exits.get(c.id) ?? [entry];
    }
    c = { id: ctxs.length, fn, uri: byName.get(fn)!.uri, held: entry.map((h) => h.name + (h.mode === 'read' ? ' (read)' : '')), from: from ? [from] : [], root: rootKind };
    ctxs.push(c);
    ctxByKey.set(key, c);
    active.add(c.id);
    const f = byName.get(fn)!;
    const labels = new Map<string, State[]>();
    const returned: State[] = [];
    const run = (ops: LOp[], states: State[]): State[] => {
      for (const op of ops) {
        if (!states.length && op.k !== 'label') continue;
        switch (op.k) {
          case 'acquire': {
            const frames = [...stack, { fn, uri: f.uri, line: op.line, what: op.text }];
            states = states.map((s) => {
              if (!op.try) for (const h of s) {
                if (h.key === op.lock.key) continue;
                const dk = `${h.key}|${h.mode}|${op.lock.key}|${op.mode}`;
                if (!deps.has(dk)) deps.set(dk, { from: h, to: { key: op.lock.key, name: op.lock.name, mode: op.mode, try: op.try, chain: frames, frames } });
              }
              const facts = op.base && s.facts?.[op.base] !== 'set' ? { ...s.facts, [op.base]: 'set' as Tag } : s.facts;
              if (s.some((h) => h.key === op.lock.key && h.mode === op.mode)) return keep(s, [...s], facts);
              return keep(s, [...s, { key: op.lock.key, name: op.lock.name, mode: op.mode, try: op.try, chain: frames }], facts);
            });
            break;
          }
          case 'release':
            states = states.map((s) => {
              let i = -1;
              for (let j = s.length - 1; j >= 0; j--) if (s[j].key === op.lock.key) { i = j; break; }
              return i < 0 ? s : keep(s, [...s.slice(0, i), ...s.slice(i + 1)]);
            });
            break;
          case 'assert':
            if (op.hotplug) for (const s of states) hits.push({ fn, uri: f.uri, line: op.line, ctx: c!.id, held: s, what: 'lockdep_assert_cpus_held()', kind: 'assert' });
            break;
          case 'call': {
            if (!byName.has(op.callee) || regByFn.get(op.callee)?.kind === 'cpuhp') {
              states = states.map((s) => {
                if (!op.assign) return s.ret ? keep(s, [...s], s.facts, undefined) : s;
                const facts = { ...s.facts };
                delete facts[op.assign];
                return keep(s, [...s], facts, undefined);
              });
              break;
            }
            const next: State[] = [];
            for (const s of states) {
              const entryState = keep(s, [...s], undefined, undefined);
              for (const x of analyze(op.callee, entryState, [...stack, { fn, uri: f.uri, line: op.line, what: `${op.callee}()` }], { ctx: c!.id, line: op.line })) {
                // the callee's locks, this function's facts; its result kept for a test or an assignment
                const facts = op.assign ? { ...s.facts, [op.assign]: x.ret ?? 'set' } : s.facts;
                if (op.assign && !x.ret) delete facts![op.assign];
                next.push(keep(s, [...x], facts, op.assign ? undefined : x.ret));
              }
            }
            states = dedupe(next);
            break;
          }
          case 'assign':
            states = states.map((s) => {
              if (s.facts?.[op.v] === op.tag) return s;
              const facts = { ...s.facts };
              if (op.tag) facts[op.v] = op.tag;
              else delete facts[op.v];
              return keep(s, [...s], facts);
            });
            break;
          case 'branch': {
            const t = op.test;
            const value = (s: State): Tag | undefined => (t!.v === '$call' ? s.ret : s.facts?.[t!.v]);
            // a value known NULL/false does not take the arm that needs it set, and the other way round
            const takes = (s: State, arm: number): boolean => !t || value(s) === undefined || (value(s) === 'set') === ((arm === 0) !== t.negated);
            states = dedupe(op.arms.flatMap((arm, i) => run(arm, states.filter((s) => takes(s, i)))));
            break;
          }
            break;
          case 'loop':
            if (op.onCpu) for (const s of states) hits.push({ fn, uri: f.uri, line: op.line, ctx: c!.id, held: s, what: `${op.macro} loop calling ${op.onCpu}()`, kind: 'loop' });
            states = dedupe([...states, ...run(op.body, states)]);
            break;
          case 'return':
            for (const s of states) returned.push(keep(s, s.filter((h) => !op.release.some((r) => r.key === h.key)), undefined, op.value === '$call' ? s.ret : op.value));
            states = [];
            break;
          case 'goto':
            labels.set(op.label, [...(labels.get(op.label) ?? []), ...states]);
            states = [];
            break;
          case 'label':
            states = dedupe([...states, ...(labels.get(op.label) ?? [])]);
            break;
        }
      }
      return states;
    };
    // a function that returns NULL/false somewhere returns something set elsewhere (the kernel's
    // "NULL with the lock released, else the lock held" contracts)
    const fellOff = run(bodyOf(fn), [entry]);
    const explicitNull = returned.some((s) => s.ret === 'null');
    const out = dedupe([...fellOff, ...returned].map((s) => keep(s, [...s], undefined, s.ret ?? (explicitNull ? 'set' : undefined))));
    exits.set(c.id, out);
    active.delete(c.id);
    return out;
  };

  for (const r of roots) {
    const f = byName.get(r.fn)!;
    const at = (what: string): Frame[] => [{ fn: r.fn, uri: f.uri, line: f.range.start.line, what }];
    const entry: State =
      r.kind === 'cpuhp' ? [{ key: CPU_HOTPLUG_LOCK, name: CPU_HOTPLUG_LOCK, mode: 'write', try: false, chain: at(`cpuhp callback ${r.fn}() (cpus_write_lock() held)`) }]
      : r.kind === 'memory-notifier' ? [{ key: CPU_HOTPLUG_LOCK, name: CPU_HOTPLUG_LOCK, mode: 'read', try: false, chain: at(`memory hotplug notifier ${r.fn}() (mem_hotplug_begin(): cpus_read_lock() held)`) }, { key: 'mem_hotplug_lock', name: 'mem_hotplug_lock', mode: 'write', try: false, chain: at(`memory hotplug notifier ${r.fn}() (mem_hotplug_begin(): mem_hotplug_lock held)`) }]
      : [];
    analyze(r.fn, entry, [], undefined, r.kind);
  }

  const pathsTo = (ctxId: number, max = 8): number[][] => {
    const out: number[][] = [];
    const queue: number[][] = [[ctxId]];
    while (queue.length && out.length < max) {
      const p = queue.shift()!;
      const c = ctxs[p[0]];
      if (c.root || !c.from.length) {
        out.push(p);
        if (!c.from.length) continue;
      }
      if (p.length > 40) continue;
      for (const f of c.from) if (!p.includes(f.ctx)) queue.push([f.ctx, ...p]);
    }
    return out;
  };
  const names = (p: number[]): string[] => p.map((i) => ctxs[i].fn);

  const findings: LockFinding[] = [];
  findings.push(...hotplugFindings(hits, ctxs, pathsTo, names));
  findings.push(...cycleFindings([...deps.values()]));
  findings.sort((x, y) => x.uri.localeCompare(y.uri) || x.line - y.line || x.rule.localeCompare(y.rule));

  return {
    findings,
    notModelled: dedupeBy(notModelled, (n) => `${n.uri}:${n.line}:${n.call}`),
    contexts: ctxs.length,
    roots,
    dependencies: [...deps.values()].map((d) => `${d.from.name}${d.from.mode === 'read' ? ' (read)' : ''} -> ${d.to.name}${d.to.mode === 'read' ? ' (read)' : ''}`),
    pathLocks(fn: string, max = 8): PathLocks[] {
      const out: PathLocks[] = [];
      for (const c of ctxs) {
        if (c.fn !== fn) continue;
        for (const p of pathsTo(c.id, max)) {
          if (out.length >= max) return out;
          out.push({ path: names(p), held: p.map((i) => ctxs[i].held) });
        }
      }
      return out;
    },
  };
}

function flatOps(f: FunctionInfo): LOp[] {
  return [...f.calls]
    .filter((c) => !c.viaPointer && !isLoopMacro(c.callee))
    .sort((x, y) => x.range.start.line - y.range.start.line || x.range.start.character - y.range.start.character)
    .map((c) => ({ k: 'call', callee: c.callee, line: c.range.start.line }));
}

function dedupeBy<T>(xs: T[], key: (x: T) => string): T[] {
  const seen = new Set<string>();
  return xs.filter((x) => (seen.has(key(x)) ? false : (seen.add(key(x)), true)));
}

const arrow = (p: string[]): string => p.join(' → ');

function hotplugFindings(hits: SiteHit[], ctxs: Ctx[], pathsTo: (c: number, max?: number) => number[][], names: (p: number[]) => string[]): LockFinding[] {
  const bySite = new Map<string, SiteHit[]>();
  for (const h of hits) {
    const k = `${h.uri}:${h.line}`;
    bySite.set(k, [...(bySite.get(k) ?? []), h]);
  }
  // a function that asserts and loops: one finding, on the loop
  const loopFns = new Set(hits.filter((h) => h.kind === 'loop').map((h) => h.fn));
  const out: LockFinding[] = [];
  for (const list of bySite.values()) {
    const h0 = list[0];
    if (h0.kind === 'assert' && loopFns.has(h0.fn)) continue;
    const holds = (s: State): boolean => s.some((x) => x.key === CPU_HOTPLUG_LOCK);
    const bad = list.filter((h) => !holds(h.held));
    if (!bad.length) continue;
    const good = list.filter((h) => holds(h.held));
    const badPaths = dedupeBy(bad.flatMap((h) => pathsTo(h.ctx).map(names)), (p) => p.join(' '));
    const goodPaths = dedupeBy(good.flatMap((h) => pathsTo(h.ctx).map(names)), (p) => p.join(' '));
    const locks = [...new Set(bad.flatMap((h) => h.held.map((x) => x.name)))];
    const why = h0.kind === 'loop' ? `${h0.what}: the CPU can go offline between the mask read and the call (its work then runs on another CPU)` : `lockdep_assert_cpus_held() in ${h0.fn}()`;
    let message = `${why}, reached without cpu_hotplug_lock (cpus_read_lock()) by ${badPaths.map(arrow).join('; ')}`;
    if (goodPaths.length) message += `. Other callers hold it: ${goodPaths.map(arrow).join('; ')}`;
    out.push({
      rule: 'hotplug', message, function: h0.fn, uri: h0.uri, line: h0.line, paths: badPaths, locks, protectedPaths: goodPaths.length ? goodPaths : undefined,
      related: dedupeBy(
        bad.flatMap((h) => {
          const p = pathsTo(h.ctx, 1)[0] ?? [h.ctx];
          return p.slice(0, -1).map((id, i) => {
            const next = ctxs[p[i + 1]];
            const line = next.from.find((f) => f.ctx === id)?.line ?? 0;
            return { uri: ctxs[id].uri, line, message: `${ctxs[id].fn}() calls ${next.fn}() without cpu_hotplug_lock` };
          });
        }),
        (r) => `${r.uri}:${r.line}`,
      ),
    });
  }
  return out;
}

/** Cycles of dependencies, each made of at most 4 locks, that are deadlocks by lockdep's read rules. */
function cycleFindings(deps: Dependency[]): LockFinding[] {
  const out = new Map<string, LockFinding>();
  const byFrom = new Map<string, Dependency[]>();
  for (const d of deps) byFrom.set(d.from.key, [...(byFrom.get(d.from.key) ?? []), d]);
  const walk = (start: string, path: Dependency[]): void => {
    const last = path[path.length - 1];
    for (const d of byFrom.get(last.to.key) ?? []) {
      // entered and left as a reader: readers do not wait for each other (recursive read)
      if (last.to.mode === 'read' && d.from.mode === 'read') continue;
      if (d.to.key === start) {
        const first = path[0];
        if (d.to.mode === 'read' && first.from.mode === 'read') continue;
        report([...path, d]);
        continue;
      }
      if (path.length >= 4 || path.some((p) => p.from.key === d.to.key)) continue;
      walk(start, [...path, d]);
    }
  };
  const report = (cycle: Dependency[]): void => {
    const keys = cycle.map((d) => d.from.key);
    const min = keys.indexOf([...keys].sort()[0]);
    const rot = [...cycle.slice(min), ...cycle.slice(0, min)];
    const id = rot.map((d) => `${d.from.key}:${d.from.mode}>${d.to.mode}`).join('|');
    if (out.has(id)) return;
    const last = rot[rot.length - 1];
    const at = last.to.frames[last.to.frames.length - 1];
    const lk = (h: Held): string => `${h.name}${h.mode === 'read' ? ' (read)' : ''}`;
    const chains: LockChain[] = rot.map((d) => ({ held: d.from.name, heldMode: d.from.mode, taken: d.to.name, takenMode: d.to.mode, heldAt: d.from.chain, takenAt: d.to.frames }));
    const showChain = (d: Dependency): string => `${lk(d.to)} taken while ${lk(d.from)} is held: ${d.to.frames.map((f) => `${f.fn}:${f.line + 1}`).join(' → ')} (held since ${d.from.chain.map((f) => `${f.fn}:${f.line + 1}`).join(' → ')})`;
    out.set(id, {
      rule: 'lock-order',
      message: `possible circular locking dependency: ${[...rot.map((d) => lk(d.from)), lk(rot[0].from)].join(' → ')}. ${rot.map((d, i) => `#${i}: ${showChain(d)}`).join('; ')}`,
      function: at.fn,
      uri: at.uri,
      line: at.line,
      paths: rot.map((d) => d.to.frames.map((f) => f.fn).filter((f, i, xs) => xs[i - 1] !== f)),
      locks: rot.map((d) => d.from.name),
      chains,
      related: rot.flatMap((d, i) => [
        ...d.from.chain.slice(-1).map((f) => ({ uri: f.uri, line: f.line, message: `#${i}: ${lk(d.from)} taken here (${f.what})` })),
        ...d.to.frames.map((f, j) => ({ uri: f.uri, line: f.line, message: j === d.to.frames.length - 1 ? `#${i}: ${lk(d.to)} taken here while ${lk(d.from)} is held` : `#${i}: ${f.fn}() calls ${f.what}` })),
      ]),
    });
  };
  for (const d of deps) walk(d.from.key, [d]);
  return [...out.values()];
}
