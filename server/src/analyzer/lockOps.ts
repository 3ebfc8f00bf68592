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
import type { FunctionInfo } from './types';
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
      out.push({
        k: 'acquire',
        lock,
        mode: /read/.test(kind) ? 'read' : 'write',
        try: false,
        line: lineOf(call),
        text: call.text.replace(/\s+/g, ' '),
      });
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
    if (p.op === 'acquire')
      out.push({
        k: 'acquire',
        lock,
        mode: p.mode,
        try: !!p.try,
        line,
        text: call.text.replace(/\s+/g, ' '),
        base: /^&?\(?([A-Za-z_]\w*)(?:->|\.)/.exec(args[0]?.text ?? '')?.[1],
      });
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
    if (v)
      out.push({
        k: 'assign',
        v,
        tag: /^(NULL|false|0)$/.test(value.text) ? 'null' : /^(true|1)$/.test(value.text) ? 'set' : undefined,
      });
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

// Left over 80 lines (issue 16, open): one case per C statement kind, to be cut like extract.ts's stmt.
// eslint-disable-next-line max-lines-per-function
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
        const lock = /cpus_read_lock/.test(kind)
          ? HOTPLUG_REF
          : args[1]
            ? lockRef(args[1].text, ctx.typeOf)
            : undefined;
        if (lock && next?.type === 'compound_statement') {
          consumed.add(next.id);
          out.push({
            k: 'acquire',
            lock,
            mode: /read/.test(kind) ? 'read' : 'write',
            try: false,
            line: lineOf(n),
            text: e.text.replace(/\s+/g, ' '),
          });
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
      if (alt)
        arms[1].push(
          ...blockOps(
            alt.type === 'else_clause' ? (alt.namedChildren.find((c) => c.type !== 'comment') ?? null) : alt,
            ctx,
          ),
        );
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
      const value = !v
        ? undefined
        : /^(NULL|false|0)$/.test(v.text)
          ? 'null'
          : /^(true|1)$/.test(v.text)
            ? 'set'
            : v.type === 'call_expression' && out[out.length - 1]?.k === 'call'
              ? '$call'
              : undefined;
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
        if (c.type.endsWith('_statement') || c.type === 'compound_statement' || c.type === 'declaration')
          stmtOps(c, ctx, out, consumed);
        else exprOps(c, ctx, out);
      }
  }
}

function firstOnCpuCall(ops: LOp[]): string | undefined {
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
  return [...f.calls]
    .filter((c) => !c.viaPointer && !isLoopMacro(c.callee))
    .sort((x, y) => x.range.start.line - y.range.start.line || x.range.start.character - y.range.start.character)
    .map((c) => ({ k: 'call', callee: c.callee, line: c.range.start.line }));
}
