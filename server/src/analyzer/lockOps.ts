// The lock operations of one C body, in order, with its control flow (branches, loops, goto,
// return): what the lock rules walk. Read from a copy of the body's syntax tree (liteTree.ts).

import { loopMacroOf } from './calls';
import type { CNode } from './liteTree';
import {
  CPU_HOTPLUG_LOCK,
  LOCK_PRIMITIVES,
  LOCKISH,
  LockMode,
  NOT_LOCKS,
  NotModelledLock,
  ON_CPU_CALLS,
} from './lockPrimitives';
import type { CallSite, FunctionInfo } from './types';
import { isLoopMacro } from './words';

// --- the lock operations of a body -------------------------------------------------------------

export interface LockRef {
  key: string;
  name: string;
}

/** What a value is known to be: 'null' (NULL, false, 0) or 'set'. */
export type Tag = 'null' | 'set';

export type LOp =
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

export const HOTPLUG_REF: LockRef = { key: CPU_HOTPLUG_LOCK, name: CPU_HOTPLUG_LOCK };

/** A lock's class from its C expression: the base variable's struct type when it can be read, else the expression. */
export function lockRef(expr: string, typeOf: (v: string) => string | undefined): LockRef {
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

export interface BodyCtx {
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

/** What a value assigned or returned is known to be, from its text: NULL/false/0, true/1, or unknown. */
export function tagOf(text: string): Tag | undefined {
  return /^(NULL|false|0)$/.test(text) ? 'null' : /^(true|1)$/.test(text) ? 'set' : undefined;
}

/** `guard(<kind>)(<lock>)` / `scoped_guard(<kind>, <lock>)`: the lock taken, how, where. */
export function guardAcquire(kind: string, lock: LockRef, line: number, text: string): LOp {
  return {
    k: 'acquire',
    lock,
    mode: /read/.test(kind) ? 'read' : 'write',
    try: false,
    line,
    text: text.replace(/\s+/g, ' '),
  };
}

/** The lock of a guard's kind and lock argument: cpus_read_lock's is cpu_hotplug_lock. */
export function guardLock(kind: string, arg: string | undefined, ctx: BodyCtx): LockRef | undefined {
  return /cpus_read_lock/.test(kind) ? HOTPLUG_REF : arg !== undefined ? lockRef(arg, ctx.typeOf) : undefined;
}

/**
 * The operation of a call of `name` (a plain name), its arguments' operations already in `out`:
 * a lock primitive's, else a call (a lock-like name not modelled is reported). `text`: the call's.
 */
export function namedCallOps(
  name: string,
  firstArg: string | undefined,
  line: number,
  text: () => string,
  ctx: BodyCtx,
  out: LOp[],
): void {
  const p = LOCK_PRIMITIVES.get(name);
  if (p) {
    const lock = p.hotplug ? HOTPLUG_REF : firstArg !== undefined ? lockRef(firstArg, ctx.typeOf) : undefined;
    if (!lock) {
      ctx.notModelled.push({ fn: ctx.fn, uri: ctx.uri, line, call: name });
      return;
    }
    if (p.op === 'acquire')
      out.push({
        k: 'acquire',
        lock,
        mode: p.mode,
        try: !!p.try,
        line,
        text: text().replace(/\s+/g, ' '),
        base: /^&?\(?([A-Za-z_]\w*)(?:->|\.)/.exec(firstArg ?? '')?.[1],
      });
    else if (p.op === 'release') out.push({ k: 'release', lock, line });
    else out.push({ k: 'assert', lock, mode: p.mode, hotplug: !!p.hotplug, line });
    return;
  }
  // branch hints are no calls: the value tested is their argument's
  if (name === 'likely' || name === 'unlikely') return;
  if (LOCKISH.test(name) && !NOT_LOCKS.test(name)) ctx.notModelled.push({ fn: ctx.fn, uri: ctx.uri, line, call: name });
  out.push({ k: 'call', callee: name, line, assign: undefined });
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
    const kind = inner?.text === 'guard' ? (argsOf(fnNode)[0]?.text ?? '') : '';
    // guard(cpus_read_lock)(): no lock argument, cpu_hotplug_lock
    const lock = inner?.text === 'guard' ? guardLock(kind, args[0]?.text, ctx) : undefined;
    if (lock) {
      out.push(guardAcquire(kind, lock, lineOf(call), call.text));
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
  namedCallOps(fnNode.text, args[0]?.text, lineOf(call), () => call.text, ctx, out);
}

function exprOps(n: CNode, ctx: BodyCtx, out: LOp[]): void {
  if (n.type === 'call_expression') {
    callOps(n, ctx, out);
    return;
  }
  // pcs = __pcs_replace_full_main(...): the result is remembered for a later `if (!pcs)`
  const target =
    n.type === 'assignment_expression'
      ? n.childForFieldName('left')
      : n.type === 'init_declarator'
        ? n.childForFieldName('declarator')
        : null;
  const value =
    n.type === 'assignment_expression'
      ? n.childForFieldName('right')
      : n.type === 'init_declarator'
        ? n.childForFieldName('value')
        : null;
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
    if (v) out.push({ k: 'assign', v, tag: tagOf(value.text) });
    return;
  }
  for (const c of n.namedChildren) exprOps(c, ctx, out);
}

/** A condition without its parentheses, likely()/unlikely() and `!`s: what is tested, and whether negated. */
function unwrapCondition(cond: CNode | null): { n: CNode | null; negated: boolean } {
  let n = cond;
  let negated = false;
  while (n) {
    if (
      n.type === 'parenthesized_expression' ||
      (n.type === 'call_expression' && /^(unlikely|likely)$/.test(n.childForFieldName('function')?.text ?? ''))
    ) {
      n =
        n.type === 'parenthesized_expression'
          ? (n.namedChildren.find((c) => c.type !== 'comment') ?? null)
          : (argsOf(n)[0] ?? null);
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
  if (n?.type === 'call_expression' && n.childForFieldName('function')?.type === 'identifier')
    return { v: '$call', negated };
  return undefined;
}

/** A trylock tested by an if condition, and whether the then-arm is the one that holds it. */
function trylockIn(cond: CNode | null): { call: CNode; thenHolds: boolean } | undefined {
  const { n, negated } = unwrapCondition(cond);
  if (n?.type !== 'call_expression') return undefined;
  const p = LOCK_PRIMITIVES.get(n.childForFieldName('function')?.text ?? '');
  return p?.try ? { call: n, thenHolds: !negated } : undefined;
}

export function blockOps(n: CNode | null, ctx: BodyCtx): LOp[] {
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

/** What `return <v>` gives a caller's test: NULL/false/0, true/1, or the result of the call it ends with. */
export function returnValue(text: string | undefined, isCall: boolean, out: LOp[]): Tag | '$call' | undefined {
  if (text === undefined) return undefined;
  return tagOf(text) ?? (isCall && out[out.length - 1]?.k === 'call' ? '$call' : undefined);
}

/** The statements of a C body by kind; anything else: its statements and expressions in order. */
const STATEMENTS: Record<string, (n: CNode, ctx: BodyCtx, out: LOp[], consumed: Set<number>) => void> = {
  compound_statement: (n, ctx, out) => out.push(...blockOps(n, ctx)),
  expression_statement: expressionStatementOps,
  declaration: (n, ctx, out) => {
    for (const c of n.namedChildren) exprOps(c, ctx, out);
  },
  if_statement: ifOps,
  for_statement: loopOps,
  while_statement: loopOps,
  do_statement: loopOps,
  switch_statement: switchOps,
  return_statement: (n, ctx, out) => {
    for (const c of n.namedChildren) exprOps(c, ctx, out);
    const v = n.namedChildren.find((c) => c.type !== 'comment');
    out.push({
      k: 'return',
      release: ctx.guards.flat(),
      value: returnValue(v?.text, v?.type === 'call_expression', out),
    });
  },
  goto_statement: (n, _ctx, out) => {
    const l = n.childForFieldName('label')?.text;
    if (l) out.push({ k: 'goto', label: l });
  },
  labeled_statement: (n, ctx, out, consumed) => {
    const l = n.childForFieldName('label')?.text;
    if (l) out.push({ k: 'label', label: l });
    const s = n.namedChildren[n.namedChildCount - 1];
    if (s && s.type !== 'statement_identifier') stmtOps(s, ctx, out, consumed);
  },
  comment: () => undefined,
};

function stmtOps(n: CNode, ctx: BodyCtx, out: LOp[], consumed: Set<number>): void {
  if (loopMacroOps(n, ctx, out, consumed)) return;
  const kind = STATEMENTS[n.type];
  if (kind) {
    kind(n, ctx, out, consumed);
    return;
  }
  for (const c of n.namedChildren) {
    if (c.type.endsWith('_statement') || c.type === 'compound_statement' || c.type === 'declaration')
      stmtOps(c, ctx, out, consumed);
    else exprOps(c, ctx, out);
  }
}

/** `for_each_online_cpu(cpu) { ... }` and the other loop macros: false if `n` is none. */
function loopMacroOps(n: CNode, ctx: BodyCtx, out: LOp[], consumed: Set<number>): boolean {
  const lm = loopMacroOf(n, ctx.text);
  if (!lm) return false;
  if (lm.body) consumed.add(lm.body.id);
  const head: LOp[] = [];
  for (const a of lm.args) exprOps(a, ctx, head);
  out.push(...head);
  if (lm.name === 'scoped_guard' || lm.name === 'scoped_cond_guard') return true; // not a loop macro name (isLoopMacro), kept for safety
  out.push(loopMacroOp(lm.name, blockOps(lm.body, ctx), lineOf(n)));
  return true;
}

/** The loop op of a loop macro: a for_each_online_cpu loop names the first call it makes on each CPU. */
export function loopMacroOp(macro: string, body: LOp[], line: number): LOp {
  const onCpu = macro === 'for_each_online_cpu' ? firstOnCpuCall(body) : undefined;
  return { k: 'loop', body, line, macro, onCpu };
}

function expressionStatementOps(n: CNode, ctx: BodyCtx, out: LOp[], consumed: Set<number>): void {
  const e = n.namedChild(0);
  // scoped_guard(mutex, &m) { ... }: the tree sees a call followed by a block
  if (e?.type === 'call_expression' && /^scoped_(cond_)?guard$/.test(e.childForFieldName('function')?.text ?? '')) {
    const args = argsOf(e);
    const next = n.nextNamedSibling;
    const kind = args[0]?.text ?? '';
    const lock = guardLock(kind, args[1]?.text, ctx);
    if (lock && next?.type === 'compound_statement') {
      consumed.add(next.id);
      out.push(guardAcquire(kind, lock, lineOf(n), e.text));
      out.push(...blockOps(next, ctx));
      out.push({ k: 'release', lock, line: next.endPosition.row });
      return;
    }
  }
  if (e) exprOps(e, ctx, out);
}

function ifOps(n: CNode, ctx: BodyCtx, out: LOp[]): void {
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
  if (alt)
    arms[1].push(
      ...blockOps(
        alt.type === 'else_clause' ? (alt.namedChildren.find((c) => c.type !== 'comment') ?? null) : alt,
        ctx,
      ),
    );
  out.push({ k: 'branch', arms, test: t ? undefined : valueTest(cond) });
}

function loopOps(n: CNode, ctx: BodyCtx, out: LOp[]): void {
  for (const f of ['initializer', 'condition']) {
    const c = n.childForFieldName(f);
    if (c) exprOps(c, ctx, out);
  }
  const body = blockOps(n.childForFieldName('body'), ctx);
  const upd = n.childForFieldName('update');
  if (upd) exprOps(upd, ctx, body);
  out.push({ k: 'loop', body, line: lineOf(n) });
}

function switchOps(n: CNode, ctx: BodyCtx, out: LOp[]): void {
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
}

export function firstOnCpuCall(ops: LOp[]): string | undefined {
  for (const o of ops) {
    if (o.k === 'call' && ON_CPU_CALLS.has(o.callee)) return o.callee;
    if (o.k === 'branch')
      for (const a of o.arms) {
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
export function typeReader(sig: string, body: string): (v: string) => string | undefined {
  const m = new Map<string, string>();
  for (const src of [sig, body])
    for (const x of src.matchAll(/struct\s+(\w+)\s*\*\s*(\w+)/g)) if (!m.has(x[2])) m.set(x[2], x[1]);
  return (v) => m.get(v);
}

export function flatOps(f: FunctionInfo): LOp[] {
  const calls = f.calls.filter((c) => !c.viaPointer && !isLoopMacro(c.callee));
  const before = (x: CallSite, y: CallSite): number =>
    x.range.start.line - y.range.start.line || x.range.start.character - y.range.start.character;
  // the index lists them in source order: sorted only where it does not
  if (calls.some((c, i) => i > 0 && before(calls[i - 1], c) > 0)) calls.sort(before);
  return calls.map((c) => ({ k: 'call', callee: c.callee, line: c.range.start.line, assign: undefined }));
}
