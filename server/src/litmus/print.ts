// A scenario file from its syntax: what parse → print → parse must give back unchanged, and what
// "New Scenario from Trace…" writes.

import { showProp } from '../../../engine/src';
import type { InitItem, LitmusAst } from './ast';

export function printInitItem(it: InitItem): string {
  switch (it.kind) {
    case 'setting':
      return `${it.name}=${it.value}`;
    case 'cache':
      return `s->${it.field}=${it.value}`;
    case 'assign':
      return `${it.target} = ${it.fn}(${it.args.join(', ')})`;
    case 'call':
      return `cpu${it.cpu}: ${it.fn}(${it.args.join(', ')})`;
    case 'cpuslab':
      return `cpu${it.cpu}: c->slab = ${it.slab}`;
  }
}

type Printable = Pick<LitmusAst, 'name' | 'description' | 'expected' | 'init' | 'clause'> & {
  threads: Pick<LitmusAst['threads'][number], 'name' | 'params' | 'body'>[];
};

export function printScenario(a: Printable): string {
  const out: string[] = [`C ${a.name}`, ''];
  const doc = a.description ? a.description.split('\n') : [];
  if (doc.length || a.expected) {
    out.push('(*');
    for (const l of doc) out.push(l ? ` * ${l}` : ' *');
    if (a.expected) out.push(...(doc.length ? [' *'] : []), ` * Result: ${a.expected}`);
    out.push(' *)', '');
  }
  out.push('{');
  for (const it of a.init) out.push(`  ${printInitItem(it)};`);
  out.push('}', '');
  for (const t of a.threads) out.push(`${t.name}(${t.params})`, t.body, '');
  if (a.clause) out.push(`${a.clause.quantifier} (${showProp(a.clause.prop)})`);
  return out.join('\n') + '\n';
}
