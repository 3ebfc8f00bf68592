// Finding function definitions, their calls and struct definitions in a tree-sitter C tree,
// tolerating the ways kernel idioms confuse the grammar (attribute macros, loop macros).

import type Parser from 'tree-sitter';
import type { SyntaxNode, Tree } from './parse';

export interface Position { line: number; character: number }
/** 0-based lines and columns. */
export interface Range { start: Position; end: Position }

export interface CallSite {
  /** the function called (for a call through a pointer: the field or variable name) */
  callee: string;
  /** the function containing the call */
  caller: string;
  uri: string;
  range: Range;
  /** called through a struct field or a function pointer variable, not by name */
  viaPointer: boolean;
  /** the innermost loop macro (for_each_online_cpu, list_for_each_entry, ...) around the call */
  inLoopMacro?: string;
  /** not a call: the function is passed as an argument (INIT_WORK(&w, fn), call_rcu(&h, fn)) */
  reference?: boolean;
}

export interface FunctionInfo {
  name: string;
  uri: string;
  range: Range;
  selectionRange: Range;
  /** the text up to the body, whitespace collapsed */
  signature: string;
  isStatic: boolean;
  params: string[];
  calls: CallSite[];
  /** identifiers passed as call arguments: possible function references (callbacks) */
  refs?: CallSite[];
}

export interface StructField { name: string; type: string; range: Range }
export interface StructInfo { name: string; uri: string; range: Range; selectionRange: Range; fields: StructField[] }

/** Iteration macros: look like calls followed by a block; never functions. */
export function isLoopMacro(name: string): boolean {
  return /^(for_each_|list_for_each|hlist_for_each|hlist_nulls_for_each|llist_for_each|rbtree_postorder_for_each|xa_for_each|radix_tree_for_each)/.test(name);
}

/** Function-like macros/keywords that are not calls worth recording. */
const NOT_CALLS = new Set(['sizeof', '__alignof__', 'typeof', '__typeof__', 'offsetof', 'defined', 'if', 'while', 'for', 'switch', 'return']);

export function rangeOf(n: SyntaxNode): Range {
  return {
    start: { line: n.startPosition.row, character: n.startPosition.column },
    end: { line: n.endPosition.row, character: n.endPosition.column },
  };
}

/** Walk declarator wrappers down to the function_declarator, if any. */
function functionDeclarator(n: SyntaxNode | null): SyntaxNode | null {
  while (n) {
    if (n.type === 'function_declarator') return n;
    if (n.type === 'pointer_declarator' || n.type === 'attributed_declarator' || n.type === 'parenthesized_declarator') {
      n = n.childForFieldName('declarator') ?? n.namedChildren.find((c) => c.type.endsWith('declarator')) ?? null;
      continue;
    }
    return null;
  }
  return null;
}

function declaratorName(fd: SyntaxNode): SyntaxNode | null {
  let d: SyntaxNode | null = fd.childForFieldName('declarator');
  while (d && d.type !== 'identifier') {
    if (d.type === 'parenthesized_declarator' || d.type === 'pointer_declarator' || d.type === 'attributed_declarator') {
      d = d.childForFieldName('declarator') ?? d.namedChildren.find((c) => c.type === 'identifier' || c.type.endsWith('declarator')) ?? null;
    } else return null;
  }
  return d;
}

function paramNames(fd: SyntaxNode): string[] {
  const params = fd.childForFieldName('parameters');
  if (!params) return [];
  const out: string[] = [];
  for (const p of params.namedChildren) {
    if (p.type !== 'parameter_declaration') continue;
    let d: SyntaxNode | null = p.childForFieldName('declarator');
    while (d && d.type !== 'identifier') d = d.childForFieldName('declarator') ?? d.namedChildren.find((c) => c.type === 'identifier') ?? null;
    if (d) out.push(d.text);
  }
  return out;
}

/** What extraction needs of a definition: its info and its body node in the current tree. */
export interface FoundFunction { info: FunctionInfo; body: SyntaxNode }

/** A half-open span of text offsets (UTF-16 code units, like the text and tree-sitter's indices). */
export interface Span { start: number; end: number }

/**
 * A function definition as the index keeps it. No tree nodes: those of an old tree go stale after
 * an edit, and keeping them alive costs memory. The body is found again by its offsets.
 */
export interface FunctionEntry {
  info: FunctionInfo;
  /** the text the entry was derived from: leading specifiers included, to the end of the definition */
  span: Span;
  /** source order among the entries of a file (the definition node's start, as before) */
  key: number;
  body: Span;
  bodyType: string;
}

export interface StructEntry { info: StructInfo; span: Span }

/**
 * Node type names by numeric id. `cursor.nodeType` allocates a string on every call; the numeric id
 * is cheap, and each grammar symbol's name and named-ness never change.
 */
class TypeNames {
  readonly names: string[] = [];
  readonly named: boolean[] = [];
  /** the type of the cursor's node; `id` is its nodeTypeId, read once by the caller */
  of(c: Parser.TreeCursor, id: number): string {
    let n = this.names[id];
    if (n === undefined) {
      n = this.names[id] = c.nodeType;
      this.named[id] = c.nodeIsNamed;
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
}
const types = new TypeNames();

const CONTAINERS = new Set(['preproc_if', 'preproc_ifdef', 'preproc_else', 'preproc_elif', 'preproc_elifdef', 'linkage_specification', 'declaration_list']);

interface TopCtx { uri: string; text: string; region?: Span; out: FunctionEntry[]; seen: Set<number>; extent: Span | null }

const overlaps = (s: number, e: number, r: Span): boolean => e + 1 >= r.start && s <= r.end + 1;

function grow(ctx: TopCtx, s: number, e: number): void {
  if (!ctx.extent) ctx.extent = { start: s, end: e };
  else {
    if (s < ctx.extent.start) ctx.extent.start = s;
    if (e > ctx.extent.end) ctx.extent.end = e;
  }
}

/**
 * Every top-level function definition (also inside #if blocks and ERROR recovery nodes). With a
 * `region`, only the top-level items touching it (and the definition right after one, whose
 * specifiers may sit in it) are looked at; `extent` is the hull of what was looked at, so the
 * caller knows which of its old entries these replace.
 */
export function findFunctions(tree: Tree, uri: string, text: string, region?: Span): { functions: FunctionEntry[]; extent: Span | null } {
  const ctx: TopCtx = { uri, text, region, out: [], seen: new Set(), extent: null };
  // One cursor walk over the top level: cursor moves create no node objects (each node object the
  // binding hands out is cached with a finalizer, which is what made the indexer slow).
  const c = tree.walk();
  visitTop(c, ctx);
  ctx.out.sort((a, b) => a.key - b.key);
  return { functions: ctx.out, extent: ctx.extent };
}

function visitTop(c: Parser.TreeCursor, ctx: TopCtx): void {
  if (!c.gotoFirstChild()) return;
  // the previous named sibling: a declaration without `;` right before a definition holds its specifiers
  let prevType = '';
  let prevStart = 0;
  let prevEnd = 0;
  let prevHit = false;
  do {
    const type = types.name(c);
    if (!types.isNamed(c)) continue;
    const s = c.startIndex;
    const e = c.endIndex;
    const hit: boolean = !ctx.region || overlaps(s, e, ctx.region) || (prevHit && type === 'function_definition');
    // every item looked at is re-derived whole (a struct declaration too), so the caller's region must cover it
    if (hit && !CONTAINERS.has(type)) grow(ctx, s, e);
    if (hit) {
      if (type === 'function_definition') {
        let start = s;
        if (prevType === 'declaration' && !ctx.text.slice(prevStart, prevEnd).includes(';')) {
          const prevEndRow = pointRowAt(ctx.text, prevEnd);
          if (prevEndRow >= c.startPosition.row - 1) start = prevStart;
        }
        const f = fromDefinition(c.currentNode, ctx.uri, ctx.text, start);
        if (f && !ctx.seen.has(f.body.start)) {
          ctx.seen.add(f.body.start);
          ctx.out.push(f);
        }
        grow(ctx, start, e);
      } else if (CONTAINERS.has(type)) {
        visitTop(c, ctx);
      } else if (type === 'ERROR') {
        // Recovery nodes are rare and small: the node API is fine there.
        const err = c.currentNode;
        visitTopNodes(err, ctx);
        fromErrorRun(err, ctx.uri, ctx.text, ctx.out, ctx.seen);
        grow(ctx, s, e);
      }
    }
    prevType = type;
    prevStart = s;
    prevEnd = e;
    prevHit = hit;
  } while (c.gotoNextSibling());
  c.gotoParent();
}

/** Row of an offset, counting back only to the previous line breaks it needs (rows are cheap from nodes, not from offsets). */
function pointRowAt(text: string, index: number): number {
  let row = 0;
  for (let i = text.indexOf('\n'); i !== -1 && i < index; i = text.indexOf('\n', i + 1)) row++;
  return row;
}

/** The same walk with nodes, inside an ERROR node. */
function visitTopNodes(n: SyntaxNode, ctx: TopCtx): void {
  for (let i = 0; i < n.namedChildCount; i++) {
    const c = n.namedChild(i)!;
    if (c.type === 'function_definition') {
      const f = fromDefinition(c, ctx.uri, ctx.text, startWithSpecifiers(c, ctx.text));
      if (f && !ctx.seen.has(f.body.start)) {
        ctx.seen.add(f.body.start);
        ctx.out.push(f);
      }
    } else if (CONTAINERS.has(c.type) || c.type === 'ERROR') {
      visitTopNodes(c, ctx);
      if (c.type === 'ERROR') fromErrorRun(c, ctx.uri, ctx.text, ctx.out, ctx.seen);
    }
  }
}

function fromDefinition(def: SyntaxNode, uri: string, text: string, start: number): FunctionEntry | null {
  const body = def.childForFieldName('body');
  if (!body) return null;
  const fd = functionDeclarator(def.childForFieldName('declarator'));
  if (!fd) {
    // `void __init\nf(void) { }`: the grammar takes `f` for a type and `(void)` for a
    // parenthesized declarator (the specifiers end up in a preceding declaration).
    const t = def.childForFieldName('type');
    const d = def.childForFieldName('declarator');
    if (t?.type === 'type_identifier' && d?.type === 'parenthesized_declarator' && !isLoopMacro(t.text)) {
      return make(t.text, t, def, start, body, null, uri, text);
    }
    return null;
  }
  const nameNode = declaratorName(fd);
  if (!nameNode) return null;
  const name = nameNode.text;
  if (isLoopMacro(name)) return null;
  return make(name, nameNode, def, start, body, fd, uri, text);
}

/** A definition whose leading specifiers tree-sitter split off into a preceding sibling
 *  (`void __init\nf(void) {...}` parses as a declaration `void __init;` then a definition). */
function startWithSpecifiers(def: SyntaxNode, text: string): number {
  const prev = def.previousNamedSibling;
  if (prev && prev.type === 'declaration' && !text.slice(prev.startIndex, prev.endIndex).includes(';') && prev.endPosition.row >= def.startPosition.row - 1) {
    return prev.startIndex;
  }
  return def.startIndex;
}

function make(name: string, nameNode: SyntaxNode, def: SyntaxNode, startIndex: number, body: SyntaxNode, fd: SyntaxNode | null, uri: string, text: string, parts?: SyntaxNode[]): FunctionEntry {
  const sigText = text.slice(startIndex, body.startIndex).replace(/\s+/g, ' ').trim();
  const defStart = def.startIndex;
  const defRange = rangeOf(def);
  let range: Range = defRange;
  if (startIndex !== defStart) {
    const startNode = def.tree.rootNode.descendantForIndex(startIndex, startIndex);
    range = { start: { line: startNode.startPosition.row, character: startNode.startPosition.column }, end: defRange.end };
  }
  const info: FunctionInfo = {
    name,
    uri,
    range,
    selectionRange: rangeOf(nameNode),
    signature: sigText,
    isStatic: /(^|\s)static(\s|$)/.test(sigText),
    params: fd ? paramNames(fd) : [],
    calls: [],
  };
  const refs: CallSite[] = [];
  info.calls = parts ? parts.flatMap((p) => collectCalls(p, name, uri, text, refs)) : collectCalls(body, name, uri, text, refs);
  info.refs = refs;
  return { info, span: { start: Math.min(startIndex, defStart), end: def.endIndex }, key: defStart, body: { start: body.startIndex, end: body.endIndex }, bodyType: body.type };
}

/** In an ERROR node, look for `name ( params ) { ... }` runs the grammar did not assemble. */
function fromErrorRun(err: SyntaxNode, uri: string, text: string, out: FunctionEntry[], seen: Set<number>): void {
  const kids = err.namedChildren;
  const errSpan = { start: err.startIndex, end: err.endIndex };
  // `f(params) {` cut off before its closing brace: the body's statements are loose in the ERROR
  for (let i = 0; i < kids.length; i++) {
    const k = kids[i];
    if (k.type !== 'function_declarator' || kids[i + 1]?.type === 'compound_statement') continue;
    if (!/^\s*\{/.test(text.slice(k.endIndex, k.endIndex + 200).replace(/\/\*[\s\S]*?\*\//g, ''))) continue;
    const nameNode = declaratorName(k);
    if (!nameNode || isLoopMacro(nameNode.text) || seen.has(k.startIndex)) continue;
    let j = i + 1;
    while (j < kids.length && kids[j].type !== 'function_declarator') j++;
    const parts = kids.slice(i + 1, j);
    seen.add(k.startIndex);
    const lineStart = text.lastIndexOf('\n', nameNode.startIndex - 1) + 1;
    const f = make(nameNode.text, nameNode, err, lineStart, err, k, uri, text, parts);
    f.info.signature = text.slice(i > 0 && kids[i - 1].type !== 'function_declarator' ? firstSpecifier(kids, i) : k.startIndex, k.endIndex).replace(/\s+/g, ' ').trim();
    f.info.isStatic = /(^|\s)static(\s|$)/.test(f.info.signature);
    const last = parts[parts.length - 1] ?? k;
    f.info.range = { start: { line: nameNode.startPosition.row, character: 0 }, end: rangeOf(last).end };
    f.span = { ...errSpan };
    out.push(f);
  }
  for (let i = 0; i < kids.length; i++) {
    const k = kids[i];
    if (k.type !== 'compound_statement' || seen.has(k.startIndex)) continue;
    const prev = kids[i - 1];
    if (!prev) continue;
    let nameNode: SyntaxNode | null = null;
    let fd: SyntaxNode | null = null;
    if (prev.type === 'function_declarator') {
      fd = prev;
      nameNode = declaratorName(prev);
    } else if (prev.type === 'call_expression') {
      const f = prev.childForFieldName('function');
      if (f?.type === 'identifier') nameNode = f;
    } else if (prev.type === 'parameter_list' && kids[i - 2]?.type === 'identifier') {
      nameNode = kids[i - 2];
    }
    if (!nameNode || isLoopMacro(nameNode.text)) continue;
    // the line must look like a definition: starts at column 0 or with specifiers
    const lineStart = text.lastIndexOf('\n', nameNode.startIndex - 1) + 1;
    const lead = text.slice(lineStart, nameNode.startIndex);
    if (!/^[\w\s*]*$/.test(lead)) continue;
    seen.add(k.startIndex);
    const fake = make(nameNode.text, nameNode, err, lineStart, k, fd, uri, text);
    fake.info.range = { start: { line: nameNode.startPosition.row, character: 0 }, end: rangeOf(k).end };
    fake.span = { ...errSpan };
    out.push(fake);
  }
}

/** The loop macro a statement node opens, if it is one: `for_each_x(a) { }` in either parse. */
export function loopMacroOf(n: SyntaxNode): { name: string; args: SyntaxNode[]; body: SyntaxNode | null } | null {
  if (n.type === 'function_definition') {
    const t = n.childForFieldName('type');
    if (t && isLoopMacro(t.text)) {
      const d = n.childForFieldName('declarator');
      const args = d ? (d.type === 'parenthesized_declarator' ? d.namedChildren : [d]) : [];
      return { name: t.text, args, body: n.childForFieldName('body') };
    }
    return null;
  }
  if (n.type === 'expression_statement') {
    const call = n.namedChild(0);
    if (call?.type === 'call_expression') {
      const f = call.childForFieldName('function');
      if (f && isLoopMacro(f.text)) {
        const next = n.nextNamedSibling;
        const body = next && (next.type === 'compound_statement' || next.type.endsWith('_statement')) ? next : null;
        return { name: f.text, args: call.childForFieldName('arguments')?.namedChildren ?? [], body };
      }
    }
  }
  return null;
}

interface CallWalk { text: string; caller: string; uri: string; calls: CallSite[]; groups: CallSite[][] | null }

/**
 * Every call in a function body, with loop-macro context, in source (pre)order; `refs` gets the
 * identifiers passed as arguments, grouped call by call in the same order. One cursor walk.
 */
export function collectCalls(body: SyntaxNode, caller: string, uri: string, text: string, refs?: CallSite[]): CallSite[] {
  const w: CallWalk = { text, caller, uri, calls: [], groups: refs ? [] : null };
  const c = body.walk();
  if (types.name(c) === 'call_expression') visitCall(c, w, undefined);
  else walkChildren(c, w, types.name(c), undefined, undefined, null);
  if (refs && w.groups) for (const g of w.groups) refs.push(...g);
  return w.calls;
}

const isBlockType = (t: string): boolean => t === 'compound_statement' || t.endsWith('_statement');

/**
 * Visit the children of the cursor's node (`parentType`), inside the loop macro `loop`. A block is a
 * loop body when it is the body of a loop macro that the grammar took for a nested definition
 * (`loopDef`), or when it follows a `for_each_x(...)` expression statement. `group`: for a call,
 * where the identifiers among its arguments go. Returns the loop macro a call_expression first
 * child opens (what an expression_statement parent needs to know).
 */
function walkChildren(c: Parser.TreeCursor, w: CallWalk, parentType: string, loop: string | undefined, loopDef: string | undefined, group: CallSite[] | null): string | undefined {
  if (!c.gotoFirstChild()) return undefined;
  let prevLoop: string | undefined;
  let first: string | undefined;
  let sawNamed = false;
  do {
    const id = c.nodeTypeId;
    const type = types.of(c, id);
    // anonymous tokens and named leaves have no children, and literals hold no calls: not entered
    // (each cursor move is a native call; half the nodes are leaves)
    if (!types.named[id]) continue;
    if (LEAVES.has(type)) {
      if (type === 'identifier' && group && parentType === 'argument_list') {
        const r: CallSite = { callee: w.text.slice(c.startIndex, c.endIndex), caller: w.caller, uri: w.uri, range: cursorRange(c), viaPointer: true, reference: true };
        if (loop) r.inLoopMacro = loop;
        group.push(r);
      }
      if (!sawNamed) sawNamed = true;
      prevLoop = undefined;
      continue;
    }
    let inner = loop;
    if (isBlockType(type)) {
      const l = parentType === 'function_definition' ? (type === 'compound_statement' ? loopDef : undefined) : prevLoop;
      if (l) inner = l;
    }
    let opens: string | undefined;
    if (type === 'call_expression') opens = visitCall(c, w, loop);
    else if (type === 'function_definition') {
      // a loop macro with a block parses as a nested definition: `for_each_x(cpu) { ... }`
      const t = c.currentNode.childForFieldName('type');
      const tt = t ? t.text : '';
      walkChildren(c, w, type, inner, isLoopMacro(tt) ? tt : undefined, null);
    } else {
      const r = walkChildren(c, w, type, inner, undefined, type === 'argument_list' && parentType === 'call_expression' ? group : null);
      if (type === 'expression_statement') opens = r;
    }
    if (!sawNamed) {
      sawNamed = true;
      if (type === 'call_expression') first = opens;
    }
    prevLoop = type === 'expression_statement' ? opens : undefined;
  } while (c.gotoNextSibling());
  c.gotoParent();
  return parentType === 'expression_statement' ? first : undefined;
}

/** Named node types with no calls below them. */
const LEAVES = new Set([
  'identifier', 'field_identifier', 'type_identifier', 'statement_identifier', 'primitive_type', 'number_literal', 'comment', 'string_literal',
  'concatenated_string', 'char_literal', 'string_content', 'escape_sequence', 'true', 'false', 'null', 'system_lib_string', 'sized_type_specifier',
]);

/** A call at the cursor: record it (unless it is a loop macro or a keyword-like macro), walk into it. Returns the loop macro it is, if one. */
function visitCall(c: Parser.TreeCursor, w: CallWalk, loop: string | undefined): string | undefined {
  let callee: string | undefined;
  let viaPointer = false;
  let range: Range | undefined;
  let loopName: string | undefined;
  if (c.gotoFirstChild()) {
    const ft = types.name(c);
    if (ft === 'identifier') {
      callee = w.text.slice(c.startIndex, c.endIndex);
      if (isLoopMacro(callee)) loopName = callee;
    } else if (ft === 'field_expression') {
      viaPointer = true;
      if (c.gotoFirstChild()) {
        do if (types.name(c) === 'field_identifier') callee = w.text.slice(c.startIndex, c.endIndex);
        while (c.gotoNextSibling());
        c.gotoParent();
      }
    } else if (ft === 'parenthesized_expression' || ft === 'pointer_expression') {
      const f = c.currentNode;
      const id = f.descendantsOfType('identifier').pop() ?? f.descendantsOfType('field_identifier').pop();
      callee = id?.text;
      viaPointer = true;
    }
    if (callee !== undefined) range = cursorRange(c);
    c.gotoParent();
  }
  let group: CallSite[] | null = null;
  if (callee && range && !NOT_CALLS.has(callee) && !isLoopMacro(callee)) {
    const cs: CallSite = { callee, caller: w.caller, uri: w.uri, range, viaPointer };
    if (loop) cs.inLoopMacro = loop;
    w.calls.push(cs);
    if (w.groups) {
      group = [];
      w.groups.push(group);
    }
  }
  walkChildren(c, w, 'call_expression', loop, undefined, group);
  return loopName;
}

function cursorRange(c: Parser.TreeCursor): Range {
  const s = c.startPosition;
  const e = c.endPosition;
  return { start: { line: s.row, character: s.column }, end: { line: e.row, character: e.column } };
}

/**
 * Struct definitions with their fields (those whose body touches `region`, when given). Found from
 * their field lists, which the binding collects natively: few nodes cross into JavaScript.
 */
export function findStructs(tree: Tree, uri: string, region?: { start: Parser.Point; end: Parser.Point }): StructEntry[] {
  const out: StructEntry[] = [];
  const lists = region ? tree.rootNode.descendantsOfType('field_declaration_list', region.start, region.end) : tree.rootNode.descendantsOfType('field_declaration_list');
  for (const body of lists) {
    const s = body.parent;
    if (!s || s.type !== 'struct_specifier') continue;
    const name = s.childForFieldName('name');
    if (!name) continue;
    const fields: StructField[] = [];
    const addFields = (list: SyntaxNode): void => {
      for (const f of list.namedChildren) {
        if (f.type !== 'field_declaration') continue;
        const type = f.childForFieldName('type');
        const decls = f.childrenForFieldName('declarator');
        if (decls.length === 0 && type && (type.type === 'union_specifier' || type.type === 'struct_specifier') && !type.childForFieldName('name')) {
          const inner = type.childForFieldName('body');
          if (inner) addFields(inner); // anonymous union/struct: its fields belong to the parent
          continue;
        }
        for (const d of decls) {
          let id: SyntaxNode | null = d;
          while (id && id.type !== 'field_identifier') id = id.childForFieldName('declarator') ?? id.namedChildren.find((c) => c.type === 'field_identifier') ?? null;
          if (id) fields.push({ name: id.text, type: (type?.text ?? '') + (d.type === 'pointer_declarator' ? ' *' : ''), range: rangeOf(id) });
        }
      }
    };
    addFields(body);
    out.push({ info: { name: name.text, uri, range: rangeOf(s), selectionRange: rangeOf(name), fields }, span: { start: s.startIndex, end: s.endIndex } });
  }
  return out;
}

/** Start offset of the specifiers in an ERROR run just before kids[i] (same or previous line). */
function firstSpecifier(kids: SyntaxNode[], i: number): number {
  let start = kids[i].startIndex;
  for (let j = i - 1; j >= 0; j--) {
    const t = kids[j].type;
    if (!/(specifier|qualifier|primitive_type|type_identifier|identifier|ERROR|attribute)/.test(t) || kids[j].endPosition.row < kids[i].startPosition.row - 1) break;
    start = kids[j].startIndex;
  }
  return start;
}
