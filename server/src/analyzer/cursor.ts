// Reading a tree-sitter tree with a cursor: node type names by numeric id (TypeNames), moves to a
// field or child, ranges and words. Cursor moves create no node objects, which is what keeps the
// index fast (each node object the binding hands out is cached with a finalizer).

import type Parser from 'tree-sitter';
import type { Lines, SyntaxNode } from './parse';
import type { Position, Range, Span } from './types';

export function rangeOf(n: SyntaxNode): Range {
  return {
    start: { line: n.startPosition.row, character: n.startPosition.column },
    end: { line: n.endPosition.row, character: n.endPosition.column },
  };
}

/**
 * Node type names by numeric id. `cursor.nodeType` allocates a string on every call; the numeric id
 * is cheap, and each grammar symbol's name and named-ness never change.
 */
class TypeNames {
  readonly names: string[] = [];
  readonly named: boolean[] = [];
  /** how the call walk treats the type (KIND_*), and whether it is a statement (a possible loop body) */
  readonly kind: number[] = [];
  readonly block: boolean[] = [];
  /** an anonymous `(` token */
  readonly openParen: boolean[] = [];
  private readonly fields: (string | undefined)[] = [];
  /** the type of the cursor's node; `id` is its nodeTypeId, read once by the caller */
  of(c: Parser.TreeCursor, id: number): string {
    let n = this.names[id];
    if (n === undefined) {
      n = this.names[id] = c.nodeType;
      const named = (this.named[id] = c.nodeIsNamed);
      this.kind[id] = !named
        ? KIND_TOKEN
        : NO_CALLS.has(n)
          ? KIND_NO_CALLS
          : MAYBE_NO_CALLS.has(n)
            ? KIND_MAYBE
            : LEAVES.has(n)
              ? KIND_LEAF
              : KIND_OTHER;
      this.block[id] = n === 'compound_statement' || n.endsWith('_statement');
      this.openParen[id] = !named && n === '(';
    }
    return n;
  }
  name(c: Parser.TreeCursor): string {
    return this.of(c, c.nodeTypeId);
  }
  /** after name() on the same node */
  isNamed(c: Parser.TreeCursor): boolean {
    return this.named[c.nodeTypeId];
  }
  /** the field of the cursor's node in its parent (by numeric id: no string made per call) */
  field(c: Parser.TreeCursor): string | undefined {
    const id = c.currentFieldId;
    if (!(id in this.fields)) this.fields[id] = c.currentFieldName;
    return this.fields[id];
  }
}
export const KIND_TOKEN = 0;
export const KIND_NO_CALLS = 1;
export const KIND_MAYBE = 2;
export const KIND_LEAF = 3;
const KIND_OTHER = 4;
export const types = new TypeNames();

export const CONTAINERS = new Set([
  'preproc_if',
  'preproc_ifdef',
  'preproc_else',
  'preproc_elif',
  'preproc_elifdef',
  'linkage_specification',
  'declaration_list',
]);

/** Whether [s, e) touches one of the sorted regions (adjacent counts). */
export function touches(regions: Span[], s: number, e: number): boolean {
  let lo = 0;
  let hi = regions.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (regions[mid].end + 1 < s) lo = mid + 1;
    else hi = mid;
  }
  return lo < regions.length && regions[lo].start <= e + 1;
}

/**
 * From a node, down to its child that ends after `goal` (or false: none does), backed up to the
 * named sibling before it: a definition's specifiers may sit in that one.
 */
export function seekChild(c: Parser.TreeCursor, goal: number): boolean {
  // the binding returns the child's index, or null when there is none (its typings say boolean)
  if ((c.gotoFirstChildForIndex(Math.max(0, goal)) as unknown as number | null) === null) return false;
  while (c.gotoPreviousSibling()) {
    types.name(c);
    if (types.isNamed(c)) break;
  }
  return true;
}

/**
 * Down from the cursor's node to its child in `field`, or else to its first named child `fallback`
 * accepts. False (cursor unmoved) when there is neither. The fields searched here occur once per
 * node: `fromEnd` looks from the last child back (one native call per child passed either way;
 * a declarator is the last child of most wrappers). Types are read only when no child is in
 * the field.
 */
export function gotoChild(
  c: Parser.TreeCursor,
  field: string,
  fallback?: (type: string) => boolean,
  fromEnd = false,
): boolean {
  if (!(fromEnd ? c.gotoLastChild() : c.gotoFirstChild())) return false;
  do if (types.field(c) === field) return true;
  while (fromEnd ? c.gotoPreviousSibling() : c.gotoNextSibling());
  c.gotoParent();
  if (!fallback) return false;
  c.gotoFirstChild();
  do {
    const t = types.name(c);
    if (types.isNamed(c) && fallback(t)) return true;
  } while (c.gotoNextSibling());
  c.gotoParent();
  return false;
}

export const endsWithDeclarator = (t: string): boolean => t.endsWith('declarator');
export const identifierOrDeclarator = (t: string): boolean => t === 'identifier' || t.endsWith('declarator');
export const isIdentifier = (t: string): boolean => t === 'identifier';
export const WRAPPERS = new Set(['pointer_declarator', 'attributed_declarator', 'parenthesized_declarator']);

/** Up `levels` levels. */
export function up(c: Parser.TreeCursor, levels: number): void {
  while (levels-- > 0) c.gotoParent();
}

export const pointOf = (p: Parser.Point): Position => ({ line: p.row, character: p.column });

/** Named node types that hold no calls (types, declarators, jumps), with or without children. */
const NO_CALLS = new Set([
  'struct_specifier',
  'union_specifier',
  'enum_specifier',
  'pointer_declarator',
  'storage_class_specifier',
  'type_qualifier',
  'type_descriptor',
  'parameter_list',
  'goto_statement',
  'break_statement',
  'continue_statement',
  'field_declaration_list',
]);
/** Statements and expressions often without a call: looked into only when their text has a `(` (every call has one, a masked loop macro too). */
const MAYBE_NO_CALLS = new Set([
  'declaration',
  'expression_statement',
  'return_statement',
  'binary_expression',
  'pointer_expression',
  'field_expression',
  'unary_expression',
  'comma_expression',
  'subscript_expression',
  'compound_statement',
  'else_clause',
  'case_statement',
  'labeled_statement',
  'assignment_expression',
  'conditional_expression',
  'update_expression',
  'init_declarator',
  'initializer_list',
]);

/** Named node types with no calls below them. */
const LEAVES = new Set([
  'identifier',
  'field_identifier',
  'type_identifier',
  'statement_identifier',
  'primitive_type',
  'number_literal',
  'comment',
  'string_literal',
  'concatenated_string',
  'char_literal',
  'string_content',
  'escape_sequence',
  'true',
  'false',
  'null',
  'system_lib_string',
  'sized_type_specifier',
]);

/** The first offset from `i` on that is not a space (not past the end). */
export function skipSpaces(text: string, i: number): number {
  for (; i < text.length; i++) {
    const ch = text.charCodeAt(i);
    if (ch !== 32 && ch !== 9 && ch !== 10 && ch !== 13) return i;
  }
  return i;
}

/** The C grammar's identifier (tree-sitter-c's own pattern), at a given offset. */
const IDENTIFIER =
  /(?:\p{XID_Start}|\$|_|\\u[0-9A-Fa-f]{4}|\\U[0-9A-Fa-f]{8})(?:\p{XID_Continue}|\$|\\u[0-9A-Fa-f]{4}|\\U[0-9A-Fa-f]{8})*/uy;

/** Where the identifier starting at `start` ends (no further than `start` when there is none). */
export function wordEnd(text: string, start: number): number {
  IDENTIFIER.lastIndex = start;
  return IDENTIFIER.test(text) ? IDENTIFIER.lastIndex : start;
}

/** The range of [start, end) on one line (an identifier). */
export function wordRange(lines: Lines, start: number, end: number): Range {
  const p = lines.point(start);
  return { start: { line: p.row, character: p.column }, end: { line: p.row, character: p.column + end - start } };
}

/** The range of the cursor's node, rows and columns from the line index (no position objects from the binding). */
export function rangeAt(c: Parser.TreeCursor, lines: Lines): Range {
  const s = lines.point(c.startIndex);
  const e = lines.point(c.endIndex);
  return { start: { line: s.row, character: s.column }, end: { line: e.row, character: e.column } };
}

export function cursorRange(c: Parser.TreeCursor): Range {
  const s = c.startPosition;
  const e = c.endPosition;
  return { start: { line: s.row, character: s.column }, end: { line: e.row, character: e.column } };
}

/** Start offset of the specifiers in an ERROR run just before kids[i] (same or previous line). */
export function firstSpecifier(kids: SyntaxNode[], i: number): number {
  let start = kids[i].startIndex;
  for (let j = i - 1; j >= 0; j--) {
    const t = kids[j].type;
    if (
      !/(specifier|qualifier|primitive_type|type_identifier|identifier|ERROR|attribute)/.test(t) ||
      kids[j].endPosition.row < kids[i].startPosition.row - 1
    )
      break;
    start = kids[j].startIndex;
  }
  return start;
}
