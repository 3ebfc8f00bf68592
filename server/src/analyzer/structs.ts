// Struct definitions and their fields, for document symbols.

import type Parser from 'tree-sitter';
import { CONTAINERS, cursorRange, gotoChild, rangeOf, touches, types, up } from './cursor';
import type { Tree } from './parse';
import type { Span, StructEntry, StructField } from './types';

/**
 * Struct definitions with their fields (in the top-level items touching one of `regions`, when
 * given; `skeleton`: the tree is one, see Skeleton). Only the items whose text may define a
 * struct are searched, natively, for field lists.
 */
export function findStructs(tree: Tree, uri: string, text: string, regions?: Span[], skeleton = false): StructEntry[] {
  const out: StructEntry[] = [];
  const seen = new Set<number>();
  const textOf = maskedText(tree);
  const c = tree.walk();
  const visit = (): void => {
    if (!c.gotoFirstChild()) return;
    do {
      const type = types.name(c);
      if (!types.isNamed(c)) continue;
      const s = c.startIndex;
      const e = c.endIndex;
      if (regions && !touches(regions, s, e)) continue;
      if (CONTAINERS.has(type)) visit();
      // (a skeleton has no function interiors, where a local struct would be: completeTrees finds those)
      else if (!(skeleton && type === 'function_definition') && mayDefineStruct(c, type, text, s, e)) {
        for (const body of c.currentNode.descendantsOfType('field_declaration_list')) {
          const st = body.parent;
          if (!st || st.type !== 'struct_specifier' || seen.has(st.startIndex)) continue;
          seen.add(st.startIndex);
          const name = st.childForFieldName('name');
          if (!name) continue;
          const fields: StructField[] = [];
          addFieldsAt(body.walk(), fields, textOf);
          out.push({
            info: { name: name.text, uri, range: rangeOf(st), selectionRange: rangeOf(name), fields },
            span: { start: st.startIndex, end: st.endIndex },
          });
        }
      }
    } while (c.gotoNextSibling());
    c.gotoParent();
  };
  visit();
  return out;
}

/** `struct name {` (attributes, with their parentheses, allowed before the brace): text that may define a struct. */
const STRUCT_BODY = /\bstruct\b(?:[^;{}=()]|\((?:[^()]|\((?:[^()]|\([^()]*\))*\))*\))*\{/g;

/**
 * Whether the item at the cursor ([s, e), of `type`) may define a struct: its text has `struct
 * name {`, other than `struct slab *new_slab(...) {` where the brace opens a definition's body
 * (searching a whole function for field lists is what made this slow).
 */
function mayDefineStruct(c: Parser.TreeCursor, type: string, text: string, s: number, e: number): boolean {
  const item = text.slice(s, e);
  STRUCT_BODY.lastIndex = 0;
  const m = STRUCT_BODY.exec(item);
  if (!m) return false;
  if (type !== 'function_definition') return true;
  // the body is the definition's last child
  if (!c.gotoLastChild()) return true;
  const body = c.startIndex - s;
  c.gotoParent();
  if (m.index + m[0].length - 1 !== body) return true;
  return STRUCT_BODY.exec(item) !== null;
}

/** The masked text of a span, as node.text reads it (the tree's own reader). */
function maskedText(tree: Tree): (start: number, end: number) => string {
  const t = tree as unknown as { getText(n: { startIndex: number; endIndex: number }): string };
  return (start, end) => t.getText({ startIndex: start, endIndex: end });
}

/**
 * The fields of the field_declaration_list at the cursor (where the cursor ends too): each
 * declarator's field_identifier, with the declaration's type (` *` added for a pointer). An
 * anonymous union or struct without declarators gives its own fields.
 */
function addFieldsAt(
  c: Parser.TreeCursor,
  fields: StructField[],
  textOf: (start: number, end: number) => string,
): void {
  if (!c.gotoFirstChild()) return;
  do {
    if (types.name(c) !== 'field_declaration') continue;
    if (!c.gotoFirstChild()) continue;
    let type = '';
    let typeIndex = -1;
    let typeType = '';
    let declarators = 0;
    let i = 0;
    do {
      const field = types.field(c);
      if (field === 'type') {
        type = textOf(c.startIndex, c.endIndex);
        typeType = types.name(c);
        typeIndex = i;
      } else if (field === 'declarator') {
        declarators++;
        const pointer = types.name(c) === 'pointer_declarator';
        let depth = 0;
        while (types.name(c) !== 'field_identifier' && gotoChild(c, 'declarator', (t) => t === 'field_identifier'))
          depth++;
        if (types.name(c) === 'field_identifier')
          fields.push({
            name: textOf(c.startIndex, c.endIndex),
            type: type + (pointer ? ' *' : ''),
            range: cursorRange(c),
          });
        up(c, depth);
      }
      i++;
    } while (c.gotoNextSibling());
    if (declarators === 0 && (typeType === 'union_specifier' || typeType === 'struct_specifier')) {
      // anonymous union/struct: its fields belong to the parent
      c.gotoParent();
      c.gotoFirstChild();
      for (let k = 0; k < typeIndex; k++) c.gotoNextSibling();
      if (gotoChild(c, 'name')) c.gotoParent();
      else if (gotoChild(c, 'body')) {
        addFieldsAt(c, fields, textOf);
        c.gotoParent();
      }
    }
    c.gotoParent();
  } while (c.gotoNextSibling());
  c.gotoParent();
}
