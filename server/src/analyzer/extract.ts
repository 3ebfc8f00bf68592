// Deriving the engine's program IR from the C body of an orchestration function.
// Only what decides what the allocator does is kept: calls of modelled functions in order, guards
// over known predicates, per-CPU/per-node loops, work queue/flush, returns, WARN, s->refcount--.
// Everything else is either known to be irrelevant (locks, accessors, sysfs/debugfs teardown:
// the `ignored` list) or reported in `notModelled`.

import {
  anchorPrograms,
  defaultRegistry,
  HOTPLUG_PRIMITIVES,
  LOCK_PRIMITIVES,
  ORCHESTRATION,
  Pred,
  Program,
  ProgramSet,
  Stmt,
} from '../../../engine/src';

/** Named like a lock operation (or a lockdep assertion) but with no model: reported, never dropped. */
const LOCKISH = /^(?:\w+_)?(?:(?:try)?lock|unlock)(?:_\w+)?$|^(?:down|up)_(?:read|write)\w*$|^lockdep_assert\w*$/;
import type { SyntaxNode } from './parse';
import { loopMacroOf } from './calls';
import type { FoundFunction } from './types';
import { at, Ctx, ExtractOptions, Extraction, line } from './extractCtx';
import { argList, isArgumentCheck, perCpuField, pred } from './extractPred';
import { isLoopMacro } from './words';

export type { ExtractOptions, Extraction, Ignored, NotModelled } from './extractCtx';

/** Blocks nested deeper than this are not extracted (the walk recurses per level): an "unsupported" note. */
export const MAX_C_NESTING = 200;

/**
 * Calls with no effect on what the engine models: dropped, but listed in `ignored`.
 * defer_free_barrier() waits for the frees kmalloc_nolock()/kfree_nolock() deferred: the engine
 * has no such frees, so there is nothing for it to wait for.
 */
const IRRELEVANT =
  /^(might_sleep|might_fault|cond_resched|list_del\w*|list_add\w*|sysfs_slab_\w+|debugfs_slab_\w+|kfence_shutdown_cache|kmem_cache_release|slab_kmem_cache_release|__kmem_cache_release|per_cpu|per_cpu_ptr|this_cpu_ptr|raw_cpu_ptr|container_of|READ_ONCE|WRITE_ONCE|barrier|pr_\w+|printk|kasan_check_byte|kfree_const|INIT_WORK|defer_free_barrier)$/;

/** Names the engine has a model (or a program) for. */
export function knownFunctions(): Set<string> {
  const reg = defaultRegistry();
  const known = new Set<string>(ORCHESTRATION);
  const candidates = [
    'rcu_barrier',
    'call_rcu',
    'rcu_read_lock',
    'rcu_read_unlock',
    'kasan_cache_shutdown',
    '__kmem_cache_shutdown',
    'flush_all_cpus_locked',
    'free_partial',
    'barn_shrink',
    '__kvfree_rcu_barrier',
    'cache_has_sheaves',
    'node_nr_slabs',
    'flush_rcu_sheaf',
    'flush_cpu_slab',
    'flush_slab',
    'do_slab_free',
    'deactivate_slab',
    'pcs_flush_all',
    'sheaf_flush_unused',
    '__kfree_rcu_sheaf',
    'rcu_free_sheaf_nobarn',
    'kmem_cache_free',
    'slab_free_hook',
    '__update_cpu_freelist_fast',
    'queue_work_on',
    'flush_work',
    'slab_in_kunit_test',
    '__pcs_flush_all_cpu',
    'has_pcs_used',
  ];
  for (const c of candidates) if (reg.leaf(c) || reg.pred(c)) known.add(c);
  return known;
}

/** Extract the IR of one function found by the analyzer. Never throws on damaged C. */
export function extractProgram(
  f: FoundFunction,
  known: Set<string> = knownFunctions(),
  opts: ExtractOptions = {},
): Extraction {
  const sig = f.info.signature;
  const cacheVars = new Set<string>();
  for (const m of sig.matchAll(/struct\s+kmem_cache\s*\*\s*(\w+)/g)) cacheVars.add(m[1]);
  const ctx: Ctx = {
    fn: f.info.name,
    opts,
    helpers: {},
    params: new Set(f.info.params),
    known,
    cacheVars,
    locals: new Set(),
    workOf: new Map(),
    workCpu: new Map(),
    workFn: new Map(),
    loopVars: [],
    nodeVars: new Set(),
    text: f.text,
    notModelled: [],
    ignored: [],
    depth: 0,
  };
  let body: Program = [];
  try {
    body = block(f.body, ctx);
  } catch (e) {
    ctx.notModelled.push({
      call: f.info.name,
      line: line(f.body),
      reason: `extraction failed: ${(e as Error).message}`,
    });
    ctx.unsupported ??= `${f.info.name}: extraction failed (${(e as Error).message})`;
  }
  const program = anchorPrograms({ [f.info.name]: body })[f.info.name];
  const lines: number[] = [];
  const walk = (ss: Stmt[]): void => {
    for (const s of ss) {
      if (s.anchor) lines[s.anchor.index] = s.anchor.line ?? -1;
      if (s.op === 'if') {
        walk(s.then);
        if (s.else) walk(s.else);
      } else if (s.op === 'for_each') walk(s.body);
    }
  };
  walk(program);
  return {
    program,
    notModelled: ctx.notModelled,
    ignored: ctx.ignored,
    lines,
    helpers: anchorPrograms(ctx.helpers),
    ...(ctx.unsupported ? { unsupported: ctx.unsupported } : {}),
  };
}

/** The statements of a block (or of a single statement used as one). */
function block(n: SyntaxNode | null, ctx: Ctx): Stmt[] {
  if (!n) return [];
  if (ctx.depth >= MAX_C_NESTING) {
    const why = `unsupported: blocks nested deeper than ${MAX_C_NESTING} levels (line ${line(n) + 1})`;
    if (!ctx.unsupported) ctx.notModelled.push({ call: ctx.fn, line: line(n), reason: why });
    ctx.unsupported ??= `${ctx.fn}: ${why}`;
    return [];
  }
  ctx.depth++;
  try {
    return blockBody(n, ctx);
  } finally {
    ctx.depth--;
  }
}

function blockBody(n: SyntaxNode, ctx: Ctx): Stmt[] {
  if (n.type !== 'compound_statement') return stmt(n, ctx, new Set());
  const out: Stmt[] = [];
  const consumed = new Set<number>();
  for (let i = 0; i < n.namedChildCount; i++) {
    const c = n.namedChild(i)!;
    if (consumed.has(c.id)) continue;
    out.push(...stmt(c, ctx, consumed));
  }
  return out;
}

function stmt(n: SyntaxNode, ctx: Ctx, consumed: Set<number>): Stmt[] {
  const lm = loopMacroOf(n, ctx.text);
  if (lm) {
    if (lm.body) consumed.add(lm.body.id);
    return loop(n, lm.name, lm.args, lm.body, ctx);
  }
  switch (n.type) {
    case 'comment':
    case 'labeled_statement':
      return n.type === 'labeled_statement' ? stmt(n.namedChildren[n.namedChildCount - 1], ctx, consumed) : [];
    case 'compound_statement':
      return block(n, ctx);
    case 'declaration': {
      const out: Stmt[] = [];
      for (const d of n.childrenForFieldName('declarator')) {
        if (d.type !== 'init_declarator') continue;
        const name = d.childForFieldName('declarator');
        const value = d.childForFieldName('value');
        if (value) out.push(...expr(value, ctx, name?.type === 'identifier' ? name.text : undefined));
      }
      return out;
    }
    case 'expression_statement': {
      const e = n.namedChild(0);
      return e ? expr(e, ctx) : [];
    }
    case 'if_statement':
      return ifStatement(n, ctx);
    case 'return_statement': {
      const v = n.namedChild(0);
      if (!v) return [at({ op: 'return' }, n, ctx.fn)];
      const p = pred(v, ctx);
      if (p) return [at({ op: 'return', value: p }, n, ctx.fn)];
      const pre = expr(v, ctx);
      return [...pre, at({ op: 'return' }, n, ctx.fn)];
    }
    case 'preproc_ifdef':
      return preprocIfdef(n, ctx, consumed);
    case 'ERROR':
      ctx.notModelled.push({ call: n.text.slice(0, 40), line: line(n), reason: 'syntax error' });
      return [];
    case 'break_statement':
    case 'continue_statement': {
      const op = n.type === 'break_statement' ? 'break' : 'continue';
      // inside for_each_online_cpu/for_each_kmem_cache_node: control flow of the modelled loop
      if (ctx.loopVars.length) return [at({ op }, n, ctx.fn)];
      ctx.notModelled.push({
        call: `${op} statement`,
        line: line(n),
        reason: `${op} of a loop or switch the simulator does not model`,
      });
      return [];
    }
    default:
      if (ctx.opts.loops && /^(for|while|do)_statement$/.test(n.type)) {
        const l = loopStatement(n, ctx);
        if (l) return l;
      }
      if (n.type === 'goto_statement') {
        ctx.notModelled.push({
          call: n.text.replace(/\s+/g, ' '),
          line: line(n),
          reason: 'a goto: the simulator follows structured control flow only',
        });
      } else if (/^(for|while|do|switch)_statement$/.test(n.type)) {
        const what = n.type.replace('_statement', '');
        ctx.notModelled.push({
          call: `${what} statement`,
          line: line(n),
          reason: `a ${what} loop or switch the simulator does not model (only for_each_online_cpu and for_each_kmem_cache_node)`,
        });
      }
      return [];
  }
}

/** `if (c) … else …`: an if in the IR when the condition is modelled (a guard the simulator can evaluate). */
function ifStatement(n: SyntaxNode, ctx: Ctx): Stmt[] {
  const condNode = n.childForFieldName('condition');
  const then = block(n.childForFieldName('consequence'), ctx);
  const altNode = n.childForFieldName('alternative');
  const alt = altNode ? block(altNode.type === 'else_clause' ? altNode.namedChild(0) : altNode, ctx) : [];
  const cond = condNode ? pred(condNode, ctx) : undefined;
  if (then.length === 0 && alt.length === 0) {
    if (condNode) callsIn(condNode, ctx); // calls in the condition itself still count
    return [];
  }
  if (
    !cond &&
    condNode &&
    then.length === 1 &&
    then[0].op === 'return' &&
    !then[0].value &&
    !alt.length &&
    isArgumentCheck(condNode, ctx)
  ) {
    // `if (unlikely(!s) || !kasan_check_byte(s)) return;`: a NULL/poison check of the cache argument
    ctx.ignored.push({ call: condNode.text.replace(/\s+/g, ' '), line: line(n) });
    return [];
  }
  if (!cond) {
    ctx.notModelled.push({
      call: condNode?.text.replace(/\s+/g, ' ') ?? 'if',
      line: line(n),
      reason: `condition not modelled: ${condNode?.text.replace(/\s+/g, ' ')}`,
    });
    return [];
  }
  const s: Stmt = { op: 'if', cond, then };
  if (alt.length) s.else = alt;
  return [at(s, n, ctx.fn)];
}

/** `#ifdef CONFIG_X … #else … #endif` inside a body: an if over the configuration. */
function preprocIfdef(n: SyntaxNode, ctx: Ctx, consumed: Set<number>): Stmt[] {
  const name = n.childForFieldName('name')?.text ?? '';
  const negate = n.text.startsWith('#ifndef');
  const kids = n.namedChildren.filter(
    (c) =>
      c !== null && c.type !== 'identifier' && !c.type.startsWith('preproc_else') && !c.type.startsWith('preproc_elif'),
  );
  const then: Stmt[] = [];
  for (const k of kids) then.push(...stmt(k, ctx, consumed));
  const altNode = n.childForFieldName('alternative');
  const alt: Stmt[] = [];
  if (altNode) for (const k of altNode.namedChildren) alt.push(...stmt(k, ctx, consumed));
  if (!then.length && !alt.length) return [];
  const c: Pred = { kind: 'config', name };
  const s: Stmt = { op: 'if', cond: negate ? { kind: 'not', arg: c } : c, then };
  if (alt.length) s.else = alt;
  return [at(s, n, ctx.fn)];
}

/**
 * A C loop as a helper program that runs the body and calls itself while the condition holds.
 * Only conditions the engine can evaluate; `for` only without init/update (`for (;;)`).
 */
function loopStatement(n: SyntaxNode, ctx: Ctx): Stmt[] | undefined {
  const condNode = n.childForFieldName('condition');
  if (n.type === 'for_statement' && (n.childForFieldName('initializer') || n.childForFieldName('update')))
    return undefined;
  const cond: Pred | undefined = condNode ? pred(condNode, ctx) : { kind: 'const', value: true };
  if (!cond) return undefined;
  const name = `${ctx.fn}:loop@${line(n) + 1}`;
  const body = block(n.childForFieldName('body'), ctx);
  const again: Stmt = at({ op: 'call', fn: name, args: [] }, n, name);
  ctx.helpers[name] =
    n.type === 'do_statement'
      ? [...body, at({ op: 'if', cond, then: [again] }, n, name)]
      : [at({ op: 'if', cond, then: [...body, again] }, n, name)];
  return [at({ op: 'call', fn: name, args: [] }, n, ctx.fn)];
}

function loop(n: SyntaxNode, name: string, args: SyntaxNode[], body: SyntaxNode | null, ctx: Ctx): Stmt[] {
  let over: 'cpu' | 'node' | undefined;
  let v: string | undefined;
  if (name === 'for_each_online_cpu' && args[0]) {
    over = 'cpu';
    v = args[0].text;
  } else if (
    name === 'list_for_each_entry' &&
    args[0]?.type === 'identifier' &&
    args[1]?.text.replace(/\s+/g, '') === '&slab_caches'
  ) {
    // every cache on slab_caches: the scenario has one, so the body runs once with it
    ctx.cacheVars.add(args[0].text);
    ctx.ignored.push({ call: name, line: line(n) });
    return block(body, ctx);
  } else if (name === 'for_each_kmem_cache_node' && args[1]) {
    over = 'node';
    v = args[1].text;
    if (args[2]?.type === 'identifier') ctx.nodeVars.add(args[2].text);
  }
  if (!over || !v) {
    ctx.notModelled.push({ call: name, line: line(n), reason: `no model for ${name}` });
    return [];
  }
  ctx.loopVars.push(v);
  const inner = block(body, ctx);
  ctx.loopVars.pop();
  return [at({ op: 'for_each', over, var: v, body: inner }, n, ctx.fn)];
}

/** The statements an expression (statement) stands for. */
function expr(e: SyntaxNode, ctx: Ctx, assign?: string): Stmt[] {
  switch (e.type) {
    case 'parenthesized_expression':
    case 'cast_expression':
      return expr(e.namedChildren[e.namedChildCount - 1], ctx, assign);
    case 'call_expression':
      return call(e, ctx, assign);
    case 'assignment_expression': {
      const left = e.childForFieldName('left');
      const right = e.childForFieldName('right');
      if (!left || !right) return [];
      if (left.type === 'identifier' && right.type === 'pointer_expression') {
        const pc = right.childForFieldName('argument');
        if (pc?.type === 'call_expression' && /^per_cpu(_ptr)?$/.test(pc.childForFieldName('function')?.text ?? '')) {
          const [a, cpu] = pc.childForFieldName('arguments')?.namedChildren ?? [];
          if (a) ctx.workOf.set(left.text, a.text.replace(/^&/, ''));
          if (cpu?.type === 'identifier') ctx.workCpu.set(left.text, cpu.text);
          ctx.ignored.push({ call: pc.childForFieldName('function')!.text, line: line(pc) });
          return [];
        }
      }
      const field = perCpuField(left, ctx);
      if (field) {
        // sfw->skip = true: remembered per CPU for a later loop's `if (sfw->skip) continue;`
        const value = pred(right, ctx);
        if (value) {
          ctx.locals.add(field.name);
          return [at({ op: 'set', ...field, value }, e, ctx.fn)];
        }
      }
      return expr(right, ctx, left.type === 'identifier' ? left.text : undefined);
    }
    case 'update_expression': {
      const arg = e.childForFieldName('argument');
      const isDec = e.text.includes('--');
      if (
        isDec &&
        arg?.type === 'field_expression' &&
        ctx.cacheVars.has(arg.childForFieldName('argument')?.text ?? '')
      ) {
        return [at({ op: 'dec', field: arg.childForFieldName('field')!.text }, e, ctx.fn)];
      }
      return [];
    }
    default:
      return callsIn(e, ctx);
  }
}

/** Calls nested somewhere in an expression that is not itself modelled, in source order. */
function callsIn(e: SyntaxNode, ctx: Ctx): Stmt[] {
  const out: Stmt[] = [];
  for (const c of e.namedChildren) {
    if (c.type === 'call_expression') out.push(...call(c, ctx));
    else out.push(...callsIn(c, ctx));
  }
  return out;
}

/** `&sfw->work` -> 'sfw' */
function workVar(a: SyntaxNode | undefined): string | undefined {
  if (!a) return undefined;
  const m = /^&\s*\(?\s*(\w+)\s*(->|\.)\s*work\s*\)?$/.exec(a.text.replace(/\s+/g, ''));
  return m?.[1];
}

/** WARN(cond, fmt, …) and WARN_ON(cond): a warning event when the condition holds. */
function warn(c: SyntaxNode, name: string, args: SyntaxNode[], ctx: Ctx): Stmt[] {
  const cond = args[0] ? pred(args[0], ctx) : undefined;
  if (!cond) {
    ctx.notModelled.push({ call: name, line: line(c), reason: `condition not modelled: ${args[0]?.text ?? ''}` });
    return [];
  }
  const msgNode = name.startsWith('WARN_ON') ? undefined : args[1];
  const message = msgNode ? formatMessage(stringValue(msgNode), args.slice(2), ctx) : '';
  return [at({ op: 'warn', cond, message }, c, ctx.fn)];
}

/** INIT_WORK, queue_work_on and flush_work; undefined for any other call. */
function workCall(c: SyntaxNode, name: string, args: SyntaxNode[], ctx: Ctx): Stmt[] | undefined {
  if (name === 'INIT_WORK') {
    const v = workVar(args[0]);
    if (v && args[1]) ctx.workFn.set(v, args[1].text);
    ctx.ignored.push({ call: name, line: line(c) });
    return [];
  }
  if (name === 'queue_work_on') {
    const v = workVar(args[2]);
    const fn = v ? ctx.workFn.get(v) : undefined;
    if (!v || !fn || !args[0]) {
      ctx.notModelled.push({
        call: name,
        line: line(c),
        reason: 'queue_work_on of a work item without a visible INIT_WORK',
      });
      return [];
    }
    return [at({ op: 'queue_work_on', cpu: args[0].text, work: ctx.workOf.get(v) ?? v, fn }, c, ctx.fn)];
  }
  if (name === 'flush_work') {
    const v = workVar(args[0]);
    const cpu = ctx.loopVars[ctx.loopVars.length - 1];
    if (!v || !cpu) {
      ctx.notModelled.push({ call: name, line: line(c), reason: 'flush_work outside a per-cpu loop' });
      return [];
    }
    return [at({ op: 'flush_work', cpu, work: ctx.workOf.get(v) ?? v }, c, ctx.fn)];
  }
  return undefined;
}

/** A lock operation: state in the engine (models/locks.ts), one instance per C lock expression. */
function lockCall(c: SyntaxNode, name: string, args: SyntaxNode[], ctx: Ctx, assign?: string): Stmt[] {
  // locks are state in the engine (models/locks.ts): one instance per C lock expression
  if (HOTPLUG_PRIMITIVES.has(name)) return [at({ op: 'lock', fn: name }, c, ctx.fn)];
  if (!args[0]) {
    ctx.notModelled.push({ call: name, line: line(c), reason: `${name} without a lock argument` });
    return [];
  }
  const s: Stmt = { op: 'lock', fn: name, lock: args[0].text.replace(/\s+/g, '') };
  if (assign) {
    s.assign = assign;
    ctx.locals.add(assign);
  }
  return [at(s, c, ctx.fn)];
}

/** A call of a modelled function (or an alias of one), after the calls in its arguments. */
function modelledCall(c: SyntaxNode, name: string, args: SyntaxNode[], ctx: Ctx, assign?: string): Stmt[] {
  const alias = ctx.opts.aliases?.[name];
  const pre: Stmt[] = [];
  for (const a of args) pre.push(...(a.type === 'call_expression' ? call(a, ctx) : callsIn(a, ctx)));
  // the cache, and the dead CPU a cpuhp callback is given (`cpu`, its parameter)
  const kept = args
    .filter(
      (a) =>
        (a.type === 'identifier' || a.type === 'number_literal') &&
        (ctx.cacheVars.has(a.text) || !!ctx.opts.keepArg?.(a.text) || (a.text === 'cpu' && ctx.params.has('cpu'))),
    )
    .map((a) => a.text);
  const s: Stmt = alias
    ? {
        op: 'call',
        fn: alias.fn,
        args: alias.args.map((x) => (/^\$\d+$/.test(x) ? (args[Number(x.slice(1)) - 1]?.text ?? x) : x)),
      }
    : { op: 'call', fn: name, args: kept };
  if (assign) {
    s.assign = assign;
    ctx.locals.add(assign);
  }
  return [...pre, at(s, c, ctx.fn)];
}

function call(c: SyntaxNode, ctx: Ctx, assign?: string): Stmt[] {
  const f = c.childForFieldName('function');
  const name = f?.type === 'identifier' ? f.text : undefined;
  const args = argList(c);
  if (!name) {
    ctx.notModelled.push({
      call: f?.text ?? c.text,
      line: line(c),
      reason: `call through a pointer: ${f?.text ?? ''}`,
    });
    return [];
  }
  const queued = workCall(c, name, args, ctx);
  if (queued) return queued;
  if (name === 'WARN' || name === 'WARN_ON' || name === 'WARN_ON_ONCE' || name === 'WARN_ONCE')
    return warn(c, name, args, ctx);
  if (LOCK_PRIMITIVES.has(name)) return lockCall(c, name, args, ctx, assign);
  if (IRRELEVANT.test(name)) {
    ctx.ignored.push({ call: name, line: line(c) });
    return [];
  }
  if (LOCKISH.test(name) && !/^(rcu_read_(un)?lock|\w*_lock_init|local_irq_\w+)$/.test(name) && !ctx.known.has(name)) {
    ctx.notModelled.push({ call: name, line: line(c), reason: `lock primitive ${name} is not modelled` });
    return [];
  }
  const alias = ctx.opts.aliases?.[name];
  if (ctx.known.has(name) || alias) return modelledCall(c, name, args, ctx, assign);
  if (isLoopMacro(name)) return [];
  ctx.notModelled.push({ call: name, line: line(c), column: f!.startPosition.column, reason: `no model for ${name}` });
  return [];
}

/**
 * A WARN's format with the arguments known here filled in: `__func__` is the function, the cache's
 * `s->name` stays `%s` (the engine puts the simulated cache's name there), `%pS` of `_RET_IP_` is
 * the caller; any other conversion is kept as it is.
 */
function formatMessage(fmt: string, args: SyntaxNode[], ctx: Ctx): string {
  let i = 0;
  return fmt.replace(/%%|%[-+ #0]*\d*(?:\.\d+)?(?:p[sSfFB]?|[hljzt]*[diouxXcs])/g, (conv) => {
    if (conv === '%%') return conv;
    const a = args[i++]?.text.replace(/\s+/g, '');
    if (a === undefined) return conv;
    if (conv === '%s' && a === '__func__') return ctx.fn;
    if (conv === '%s' && [...ctx.cacheVars].some((v) => a === `${v}->name`)) return '%s';
    if (/^%p[sS]$/.test(conv) && /^(\(void\*\))?_RET_IP_$/.test(a)) return '<caller>';
    return conv;
  });
}

function stringValue(n: SyntaxNode): string {
  if (n.type === 'string_literal')
    return (
      n.namedChildren
        .filter((c) => c.type === 'string_content' || c.type === 'escape_sequence')
        .map((c) => c.text)
        .join('') || n.text.slice(1, -1)
    );
  if (n.type === 'concatenated_string') return n.namedChildren.map(stringValue).join('');
  return n.text;
}

/** The programs of the orchestration functions the analyzer has definitions for. */
export function extractAll(
  find: (name: string) => FoundFunction | undefined,
  names: string[] = ORCHESTRATION,
): { programs: ProgramSet; extractions: Record<string, Extraction> } {
  const known = knownFunctions();
  const programs: ProgramSet = {};
  const extractions: Record<string, Extraction> = {};
  for (const n of names) {
    const f = find(n);
    if (!f) continue;
    const x = extractProgram(f, known);
    extractions[n] = x;
    programs[n] = x.program;
  }
  return { programs, extractions };
}
