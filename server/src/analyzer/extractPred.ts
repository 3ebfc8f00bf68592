// Conditions of the C as predicates the engine evaluates (cache flags, configuration, modelled
// predicate calls, locals); a condition that cannot be mapped gives undefined, never a guess.

import type { Pred } from '../../../engine/src';
import type { SyntaxNode } from './parse';
import type { Ctx } from './extractCtx';

/** Struct fields tested together with a modelled predicate that already covers them. */
const SUBSUMED: Record<string, string> = { nr_partial: 'node_nr_slabs' };

/**
 * Fields of the node in `for_each_kmem_cache_node(s, node, n)` that stand for a cache predicate:
 * a node has a barn exactly when the cache has percpu sheaves (they are set up together).
 */
const NODE_FIELDS: Record<string, Pred> = { barn: { kind: 'call', fn: 'cache_has_sheaves' } };

export function argList(c: SyntaxNode): SyntaxNode[] {
  return c.childForFieldName('arguments')?.namedChildren.filter((a) => a.type !== 'comment') ?? [];
}

/** A condition as a predicate the engine can evaluate, or undefined when it cannot be mapped. */
export function pred(n: SyntaxNode, ctx: Ctx): Pred | undefined {
  switch (n.type) {
    case 'parenthesized_expression':
    case 'condition_clause':
      return n.namedChildCount ? pred(n.namedChildren[n.namedChildCount - 1], ctx) : undefined;
    case 'true':
      return { kind: 'const', value: true };
    case 'false':
      return { kind: 'const', value: false };
    case 'number_literal':
      return { kind: 'const', value: Number(n.text.replace(/[uUlL]+$/, '')) !== 0 };
    case 'identifier':
      if (n.text === 'true' || n.text === 'false') return { kind: 'const', value: n.text === 'true' };
      if (ctx.locals.has(n.text)) return { kind: 'local', name: n.text };
      return undefined;
    case 'field_expression': {
      const obj = n.childForFieldName('argument');
      const field = n.childForFieldName('field');
      if (obj && field && ctx.cacheVars.has(obj.text)) return { kind: 'cache', field: field.text };
      if (obj && field && ctx.nodeVars.has(obj.text) && NODE_FIELDS[field.text]) return NODE_FIELDS[field.text];
      const pf = perCpuField(n, ctx);
      if (pf && ctx.locals.has(pf.name)) return { kind: 'local', ...pf };
      return undefined;
    }
    case 'unary_expression': {
      const op = n.child(0)?.text;
      const arg = n.childForFieldName('argument');
      if (op !== '!' || !arg) return undefined;
      const p = pred(arg, ctx);
      return p ? { kind: 'not', arg: p } : undefined;
    }
    case 'binary_expression':
      return binaryPred(n, ctx);
    case 'call_expression':
      return callPred(n, ctx);
    default:
      return undefined;
  }
}

/** `a && b`, `a || b` and `s->flags & FLAG`. */
function binaryPred(n: SyntaxNode, ctx: Ctx): Pred | undefined {
  const op = n.childForFieldName('operator')?.text ?? n.child(1)?.text;
  const l = n.childForFieldName('left');
  const r = n.childForFieldName('right');
  if (!l || !r) return undefined;
  if (op === '&') {
    const [obj, flag] = l.type === 'field_expression' ? [l, r] : [r, l];
    if (
      obj.type === 'field_expression' &&
      obj.childForFieldName('field')?.text === 'flags' &&
      ctx.cacheVars.has(obj.childForFieldName('argument')?.text ?? '') &&
      /^[A-Z_][A-Z0-9_]*$/.test(flag.text)
    ) {
      return { kind: 'flag', name: flag.text };
    }
    return undefined;
  }
  if (op !== '&&' && op !== '||') return undefined;
  const kind = op === '&&' ? 'and' : 'or';
  const operands = flatten(n, op);
  // a field tested next to the modelled predicate that covers it (n->nr_partial || node_nr_slabs(n))
  const callsHere = new Set(
    operands
      .map((o) => (o.type === 'call_expression' ? o.childForFieldName('function')?.text : undefined))
      .filter(Boolean) as string[],
  );
  const kept = operands.filter(
    (o) =>
      !(
        kind === 'or' &&
        o.type === 'field_expression' &&
        callsHere.has(SUBSUMED[o.childForFieldName('field')?.text ?? ''] ?? '')
      ),
  );
  const ps = kept.map((o) => pred(o, ctx));
  if (ps.some((p) => !p)) return undefined;
  return ps.length === 1 ? ps[0] : { kind, args: ps as Pred[] };
}

/** likely/unlikely, IS_ENABLED, and calls of modelled predicates. */
function callPred(n: SyntaxNode, ctx: Ctx): Pred | undefined {
  const fname = n.childForFieldName('function')?.text ?? '';
  const args = argList(n);
  if ((fname === 'unlikely' || fname === 'likely') && args[0]) return pred(args[0], ctx);
  if (fname === 'IS_ENABLED' && args[0]) return { kind: 'config', name: args[0].text };
  if (ctx.known.has(fname)) {
    // has_pcs_used(cpu, s): the CPU of the loop and the cache go to the model
    const vars = args.map((a) =>
      a.type === 'identifier' && (ctx.cacheVars.has(a.text) || ctx.loopVars.includes(a.text)) ? a.text : undefined,
    );
    if (vars.length && vars.every((v) => v !== undefined) && !vars.every((v) => ctx.cacheVars.has(v!)))
      return { kind: 'call', fn: fname, args: vars as string[] };
    return { kind: 'call', fn: fname };
  }
  return undefined;
}

/** `sfw->skip` with sfw = &per_cpu(slub_flush, cpu): the local `slub_flush.skip`, per `cpu`. */
export function perCpuField(n: SyntaxNode, ctx: Ctx): { name: string; index: string } | undefined {
  if (n.type !== 'field_expression') return undefined;
  const obj = n.childForFieldName('argument')?.text ?? '';
  const field = n.childForFieldName('field')?.text;
  const work = ctx.workOf.get(obj);
  const cpu = ctx.workCpu.get(obj);
  if (!work || !cpu || !field || !ctx.loopVars.includes(cpu)) return undefined;
  return { name: `${work}.${field}`, index: cpu };
}

/** A condition made only of `!s` (cache argument NULL) and kasan_check_byte(s) tests. */
export function isArgumentCheck(cond: SyntaxNode, ctx: Ctx): boolean {
  const c = cond.text.replace(/\s+/g, '').replace(/^\((.*)\)$/, '$1');
  const v = [...ctx.cacheVars].join('|');
  if (!v) return false;
  const atom = `(?:!(?:${v})|!kasan_check_byte\\((?:${v})\\)|unlikely\\(!(?:${v})\\)|(?:${v})==NULL)`;
  return new RegExp(`^${atom}(?:\\|\\|${atom})*$`).test(c);
}

function flatten(n: SyntaxNode, op: string): SyntaxNode[] {
  let x = n;
  while (x.type === 'parenthesized_expression' && x.namedChildCount === 1) x = x.namedChild(0)!;
  if (x.type === 'binary_expression' && (x.childForFieldName('operator')?.text ?? x.child(1)?.text) === op) {
    return [...flatten(x.childForFieldName('left')!, op), ...flatten(x.childForFieldName('right')!, op)];
  }
  return [x];
}
