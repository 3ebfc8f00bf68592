// Syntax helpers of the lowering (lower.ts): declarators, parameters, string literals, local list heads.

import type { CParam } from '../../../engine/src/cir';
import type { SyntaxNode } from './parse';

export const typeText = (s: string) =>
  s
    .replace(/\s+/g, ' ')
    .replace(/\s*\*\s*/g, ' *')
    .replace(/ \*/g, ' *')
    .trim();

export function declName(d: SyntaxNode): { name?: string; stars: string; array: boolean; size?: SyntaxNode } {
  let stars = '';
  let array = false;
  let size: SyntaxNode | undefined;
  let n: SyntaxNode | null = d;
  while (n && n.type !== 'identifier') {
    if (n.type === 'pointer_declarator') stars += '*';
    if (n.type === 'array_declarator') {
      size = array ? undefined : (n.childForFieldName('size') ?? undefined);
      array = true;
    }
    if (n.type === 'function_declarator') return { stars, array };
    n = n.childForFieldName('declarator');
  }
  return { name: n?.text, stars, array, size };
}

/** LIST_HEAD(x), or INIT_LIST_HEAD(&x) of a local `struct list_head x`: the local list's name. */
export function localListHead(call: string, args: SyntaxNode[], types: Map<string, string>): string | undefined {
  if (args.length !== 1) return undefined;
  if (call === 'LIST_HEAD' && args[0].type === 'identifier') return args[0].text;
  const a = args[0];
  if (call !== 'INIT_LIST_HEAD' || a.type !== 'pointer_expression' || a.child(0)?.text !== '&') return undefined;
  const v = a.childForFieldName('argument');
  return v?.type === 'identifier' && types.get(v.text) === 'struct list_head' ? v.text : undefined;
}

export function stringValue(n: SyntaxNode): string {
  if (n.type === 'string_literal')
    return n.namedChildren
      .filter((c) => c.type === 'string_content' || c.type === 'escape_sequence')
      .map((c) => c.text)
      .join('');
  if (n.type === 'concatenated_string') return n.namedChildren.map(stringValue).join('');
  return n.text;
}

/** The parameters of a definition, from its declarator. */
export function params(def: SyntaxNode): CParam[] {
  let d: SyntaxNode | null = def.childForFieldName('declarator');
  while (d && d.type !== 'function_declarator') d = d.childForFieldName('declarator');
  const list = d?.childForFieldName('parameters');
  const out: CParam[] = [];
  for (const p of list?.namedChildren ?? []) {
    if (p.type !== 'parameter_declaration') continue;
    const t = p.childForFieldName('type')?.text ?? '';
    const decl = p.childForFieldName('declarator');
    if (!decl) continue; // (void)
    const { name, stars } = declName(decl);
    if (name) out.push({ name, type: typeText(`${t} ${stars}`) });
  }
  return out;
}

/** Calls that stand for their (first) argument: annotations and access markers. */
export const IDENTITY = new Set(['likely', 'unlikely', 'READ_ONCE', 'data_race', 'ACCESS_ONCE', 'kasan_reset_tag']);

/** Whether an expression calls something or assigns (it must then be hoisted out, in order). */
export function hasEffect(n: SyntaxNode): boolean {
  if (n.type === 'call_expression') {
    const name = n.childForFieldName('function')?.text ?? '';
    if (!IDENTITY.has(name) && name !== 'IS_ENABLED') return true;
  }
  if (n.type === 'assignment_expression' || n.type === 'update_expression') return true;
  return n.namedChildren.some(hasEffect);
}
