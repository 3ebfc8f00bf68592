// The conditions a call sits under, read from the C body: a hover's "rcu_barrier if
// cache_has_sheaves(s)" says when an effect happens, not only that the function has it somewhere.

import type { Analyzer } from './analyzer';
import type { SyntaxNode } from './analyzer/parse';

export interface GuardedCall {
  call: string;
  /** the conditions around the call, innermost last, as C; empty when it always runs */
  guards: string[];
  line: number;
}

const oneLine = (s: string) => s.replace(/\s+/g, ' ').trim();
/** `(x)` → `x` for a condition clause's parentheses */
const bare = (s: string) => {
  const t = oneLine(s);
  return t.startsWith('(') && t.endsWith(')') ? t.slice(1, -1).trim() : t;
};

/** The conditions on the way from `n` up to `body`: if / else branches, #ifdef, #if. */
function guardsOf(n: SyntaxNode, body: SyntaxNode): string[] {
  const out: string[] = [];
  let child = n;
  for (let p = n.parent; p && p.id !== body.parent?.id; child = p, p = p.parent) {
    if (p.type === 'if_statement') {
      const cond = p.childForFieldName('condition');
      const alt = p.childForFieldName('alternative');
      if (!cond || child.id === cond.id) continue;
      const inElse =
        alt !== null && (child.id === alt.id || (child.startIndex >= alt.startIndex && child.endIndex <= alt.endIndex));
      out.push(inElse ? `!(${bare(cond.text)})` : bare(cond.text));
    } else if (p.type === 'else_clause') {
      // handled at its if_statement
    } else if (p.type === 'preproc_ifdef') {
      const name = p.childForFieldName('name')?.text ?? '';
      const alt = p.childForFieldName('alternative');
      const inAlt = alt !== null && child.startIndex >= alt.startIndex && child.endIndex <= alt.endIndex;
      const ifndef = p.text.startsWith('#ifndef');
      out.push(`${ifndef !== inAlt ? '!' : ''}defined(${name})`);
    } else if (p.type === 'preproc_if') {
      const cond = p.childForFieldName('condition');
      if (cond) out.push(oneLine(cond.text));
    }
  }
  return out.reverse();
}

/** Calls matching `which` in the body of `fn`, each with the conditions it runs under. */
export function guardedCalls(a: Analyzer, fn: string, which: RegExp): GuardedCall[] {
  const found = a.found(fn);
  if (!found) return [];
  const out: GuardedCall[] = [];
  const walk = (n: SyntaxNode): void => {
    for (const c of n.namedChildren) {
      if (c.type === 'call_expression') {
        const name = c.childForFieldName('function');
        if (name?.type === 'identifier' && which.test(name.text))
          out.push({ call: name.text, guards: guardsOf(c, found.body), line: c.startPosition.row });
      }
      walk(c);
    }
  };
  try {
    walk(found.body);
  } catch {
    return []; // a damaged tree: the hover goes without guards rather than fail
  }
  return out;
}

/** "`rcu_barrier` if `cache_has_sheaves(s)`", one entry per distinct call and guard. */
export function describeGuarded(calls: GuardedCall[]): string[] {
  const seen = new Set<string>();
  const out: string[] = [];
  for (const c of calls) {
    const s = c.guards.length ? `\`${c.call}\` if \`${c.guards.join(' && ')}\`` : `\`${c.call}\``;
    if (seen.has(s)) continue;
    seen.add(s);
    out.push(s);
  }
  return out;
}
