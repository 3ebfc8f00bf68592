// Finding function definitions, their calls and struct definitions in a tree-sitter C tree,
// tolerating the ways kernel idioms confuse the grammar (attribute macros, loop macros).

import type Parser from 'tree-sitter';
import { callsFromText } from './calltext';
import { parseSpan } from './skeleton';
import { firstReplacementAfter, literalEnd } from './parse';
import { GRAMMAR_WORDS, isDefinitionMacro, isLoopMacro, loopMacroAt, NOT_CALLS } from './words';
import type { Lines, Masked, SyntaxNode, Tree } from './parse';

export { grammarWords, isLoopMacro, loopMacroAt } from './words';

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

/** What extraction needs of a definition: its info, its body node in the current tree, and the file's real text (the tree was parsed from a masked copy). */
export interface FoundFunction { info: FunctionInfo; body: SyntaxNode; text: string }

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
      this.kind[id] = !named ? KIND_TOKEN : NO_CALLS.has(n) ? KIND_NO_CALLS : MAYBE_NO_CALLS.has(n) ? KIND_MAYBE : LEAVES.has(n) ? KIND_LEAF : KIND_OTHER;
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
const KIND_TOKEN = 0;
const KIND_NO_CALLS = 1;
const KIND_MAYBE = 2;
const KIND_LEAF = 3;
const KIND_OTHER = 4;
const types = new TypeNames();

const CONTAINERS = new Set(['preproc_if', 'preproc_ifdef', 'preproc_else', 'preproc_elif', 'preproc_elifdef', 'linkage_specification', 'declaration_list']);

interface TopCtx {
  uri: string;
  text: string;
  lines: Lines;
  /** sorted, disjoint; none: everything */
  regions?: Span[];
  out: FunctionEntry[];
  seen: Set<number>;
  /** every item looked at (re-derived whole, so the caller's regions must cover them) */
  items: Span[];
  /** the items looked at that hold a syntax error, when asked for */
  errors: Span[] | undefined;
  /** false: only find the items (no definitions derived) */
  derive: boolean;
  masked: Masked | undefined;
  /** false: no item needs to be asked whether it holds a syntax error */
  treeHasError: boolean;
  /** the tree was parsed with these function interiors left out (see skeleton.ts) */
  skeleton: Skeleton | undefined;
}

/**
 * A tree parsed with function interiors left out: a body that is one is read from the text, or
 * from a parse of its definition alone. `interiors`: start -> end of each interior left out;
 * `matched`: how many of them turned out to be a definition's body.
 */
export interface Skeleton { text: string; masked: Masked; lines: Lines; uri: string; interiors: Map<number, number>; matched: number }

/** The calls of a body the skeleton left out, or undefined when the body is no interior of it (it was parsed). */
function skeletonCalls(sk: Skeleton | undefined, name: string, from: number, bodyStart: number, bodyEnd: number, hasError: boolean): { calls: CallSite[]; refs: CallSite[] } | undefined {
  if (!sk || sk.interiors.get(bodyStart + 1) !== bodyEnd - 1) return undefined;
  sk.matched++;
  const fromText = hasError ? undefined : callsFromText(sk.text, sk.masked, sk.lines, bodyStart, bodyEnd, name, sk.uri);
  if (fromText) return fromText;
  // not settled by the text: the definition parsed alone
  const n = bodyNodeAt(parseSpan(sk.text, sk.masked, sk.lines, from, bodyEnd), { start: bodyStart, end: bodyEnd }, 'compound_statement');
  if (!n || n.startIndex !== bodyStart || n.endIndex !== bodyEnd) throw new NotSkeleton(`${name}: its body does not parse alone`);
  const refs: CallSite[] = [];
  return { calls: collectCalls(n, name, sk.uri, sk.text, sk.lines, refs), refs };
}

/**
 * A body found again in `tree` by its offsets: the smallest node spanning them, or the node of
 * `type` above it with the same span; undefined unless that is of `type`.
 */
export function bodyNodeAt(tree: Tree, body: Span, type: string): SyntaxNode | undefined {
  let n: SyntaxNode | null = tree.rootNode.descendantForIndex(body.start, body.end);
  while (n && n.type !== type && n.startIndex === body.start && n.endIndex === body.end) n = n.parent;
  return n && n.type === type ? n : undefined;
}

/** A skeleton tree that cannot be indexed as the full one would be: the caller parses in full. */
export class NotSkeleton extends Error {}

/** Whether [s, e) touches one of the sorted regions (adjacent counts). */
function touches(regions: Span[], s: number, e: number): boolean {
  let lo = 0;
  let hi = regions.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (regions[mid].end + 1 < s) lo = mid + 1;
    else hi = mid;
  }
  return lo < regions.length && regions[lo].start <= e + 1;
}

/** Items that cannot hold a syntax error the grammar recovered from (no need to ask). */
const NO_ERRORS = new Set(['comment', 'preproc_include', 'preproc_def', 'preproc_function_def', 'preproc_call']);

/** What findFunctions looks at and finds. */
export interface FindOptions {
  /** only the top-level items touching one of these (sorted, disjoint) */
  regions?: Span[];
  /** false: only find the items (what they span decides what is derived) */
  derive?: boolean;
  /** false: do not ask which items hold a syntax error (a node object per item) */
  errors?: boolean;
  /** how the tree's text was masked: where it was not changed, argument lists are read from the text (fewer native calls) */
  masked?: Masked;
  /** the tree is a skeleton (see Skeleton); every interior must turn out to be a body, or NotSkeleton is thrown */
  skeleton?: Skeleton;
}

/**
 * Every top-level function definition (also inside #if blocks and ERROR recovery nodes). With
 * `regions`, only the top-level items touching one of them (and the definition right after a
 * declaration without `;` among them, which holds its specifiers) are looked at. `items`: the spans
 * looked at, so the caller knows which of its old entries these replace; `errors`: those of them
 * holding a syntax error (unless not asked for).
 */
export function findFunctions(tree: Tree, uri: string, text: string, lines: Lines, opts: FindOptions = {}): { functions: FunctionEntry[]; items: Span[]; errors: Span[] | undefined } {
  const wantErrors = opts.errors ?? true;
  const ctx: TopCtx = {
    uri, text, lines, regions: opts.regions, out: [], seen: new Set(), items: [], errors: wantErrors ? [] : undefined, derive: opts.derive ?? true, masked: opts.masked,
    treeHasError: tree.rootNode.hasError, skeleton: opts.skeleton,
  };
  // One cursor walk over the top level: cursor moves create no node objects (each node object the
  // binding hands out is cached with a finalizer, which is what made the indexer slow).
  const c = tree.walk();
  visitTop(c, ctx);
  if (opts.skeleton && opts.skeleton.matched !== opts.skeleton.interiors.size) throw new NotSkeleton(`${opts.skeleton.interiors.size - opts.skeleton.matched} interiors left out are no function body`);
  ctx.out.sort((a, b) => a.key - b.key);
  return { functions: ctx.out, items: ctx.items, errors: ctx.errors };
}

/** The first of the sorted regions starting after `e` (those before it are behind the walk). */
function nextRegion(regions: Span[], e: number): number {
  let lo = 0;
  let hi = regions.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (regions[mid].start <= e + 1) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * From a node, down to its child that ends after `goal` (or false: none does), backed up to the
 * named sibling before it: a definition's specifiers may sit in that one.
 */
function seekChild(c: Parser.TreeCursor, goal: number): boolean {
  // the binding returns the child's index, or null when there is none (its typings say boolean)
  if ((c.gotoFirstChildForIndex(Math.max(0, goal)) as unknown as number | null) === null) return false;
  while (c.gotoPreviousSibling()) {
    types.name(c);
    if (types.isNamed(c)) break;
  }
  return true;
}

function visitTop(c: Parser.TreeCursor, ctx: TopCtx): void {
  const rs = ctx.regions;
  // with regions, the walk jumps from one to the next (gotoFirstChildForIndex) instead of stepping over every item
  let goal = rs ? rs[0].start - 2 : -1;
  if (!(rs ? seekChild(c, goal) : c.gotoFirstChild())) return;
  // the previous named sibling: a declaration without `;` right before a definition holds its specifiers
  let prevSpecifiers = false;
  let prevStart = 0;
  let prevEnd = 0;
  let prevHit = false;
  for (;;) {
    const type = types.name(c);
    if (types.isNamed(c)) {
      const s = c.startIndex;
      const e = c.endIndex;
      const hit: boolean = !rs || touches(rs, s, e) || (prevHit && prevSpecifiers && type === 'function_definition');
      if (hit && CONTAINERS.has(type)) visitTop(c, ctx);
      else if (hit) {
        // a definition's span takes in the specifiers the grammar left in the declaration before it
        const start = type === 'function_definition' && prevSpecifiers && ctx.lines.row(prevEnd) >= ctx.lines.row(s) - 1 ? prevStart : s;
        ctx.items.push({ start, end: e });
        // (a definition is asked anyway: its walk takes shortcuts where it holds no syntax error)
        const hasError = type === 'ERROR' || (ctx.treeHasError && (ctx.errors !== undefined || (ctx.derive && type === 'function_definition')) && !NO_ERRORS.has(type) && c.currentNode.hasError);
        if (hasError) ctx.errors?.push({ start, end: e });
        if (ctx.derive && type === 'function_definition') {
          const f = definitionAt(c, ctx, start, s, e, hasError);
          if (f && !ctx.seen.has(f.body.start)) {
            ctx.seen.add(f.body.start);
            ctx.out.push(f);
          }
        } else if (ctx.derive && type === 'ERROR') {
          // Recovery nodes are rare and small: the node API is fine there.
          const err = c.currentNode;
          visitTopNodes(err, ctx);
          fromErrorRun(err, ctx.uri, ctx.text, ctx.lines, ctx.out, ctx.seen, ctx.skeleton);
        }
      }
      prevSpecifiers = type === 'declaration' && !ctx.text.slice(s, e).includes(';');
      prevStart = s;
      prevEnd = e;
      prevHit = hit;
      if (rs && !hit) {
        const next = nextRegion(rs, e);
        if (next === rs.length) break; // no region further on at this level
        if (rs[next].start - 2 > goal) {
          goal = rs[next].start - 2;
          c.gotoParent();
          if (!seekChild(c, goal)) return;
          prevSpecifiers = false;
          prevHit = false;
          continue;
        }
      }
    }
    if (!c.gotoNextSibling()) break;
  }
  c.gotoParent();
}

/** The same walk with nodes, inside an ERROR node. */
function visitTopNodes(n: SyntaxNode, ctx: TopCtx): void {
  for (let i = 0; i < n.namedChildCount; i++) {
    const c = n.namedChild(i)!;
    if (c.type === 'function_definition') {
      const f = fromDefinition(c, ctx.uri, ctx.text, ctx.lines, startWithSpecifiers(c, ctx.text), ctx.skeleton);
      if (f && !ctx.seen.has(f.body.start)) {
        ctx.seen.add(f.body.start);
        ctx.out.push(f);
      }
    } else if (CONTAINERS.has(c.type) || c.type === 'ERROR') {
      visitTopNodes(c, ctx);
      if (c.type === 'ERROR') fromErrorRun(c, ctx.uri, ctx.text, ctx.lines, ctx.out, ctx.seen, ctx.skeleton);
    }
  }
}

/**
 * Down from the cursor's node to its child in `field`, or else to its first named child `fallback`
 * accepts. False (cursor unmoved) when there is neither. The fields searched here occur once per
 * node: `fromEnd` looks from the last child back (one native call per child passed either way;
 * a declarator is the last child of most wrappers). Types are read only when no child is in
 * the field.
 */
function gotoChild(c: Parser.TreeCursor, field: string, fallback?: (type: string) => boolean, fromEnd = false): boolean {
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

const endsWithDeclarator = (t: string): boolean => t.endsWith('declarator');
const identifierOrDeclarator = (t: string): boolean => t === 'identifier' || t.endsWith('declarator');
const isIdentifier = (t: string): boolean => t === 'identifier';
const WRAPPERS = new Set(['pointer_declarator', 'attributed_declarator', 'parenthesized_declarator']);

/** Up `levels` levels. */
function up(c: Parser.TreeCursor, levels: number): void {
  while (levels-- > 0) c.gotoParent();
}

/** Walk declarator wrappers down to the function_declarator (as functionDeclarator()); how many levels down, or -1 (cursor unmoved). */
function downToFunctionDeclarator(c: Parser.TreeCursor): number {
  let depth = 0;
  for (;;) {
    const t = types.name(c);
    if (t === 'function_declarator') return depth;
    if (!WRAPPERS.has(t) || !gotoChild(c, 'declarator', endsWithDeclarator, t === 'pointer_declarator')) break;
    depth++;
  }
  up(c, depth);
  return -1;
}

/** From a function_declarator down to the identifier it declares (as declaratorName()); levels down, or -1 (cursor unmoved). */
function downToDeclaratorName(c: Parser.TreeCursor): number {
  if (!gotoChild(c, 'declarator')) return -1;
  let depth = 1;
  for (;;) {
    const t = types.name(c);
    if (t === 'identifier') return depth;
    if (!WRAPPERS.has(t) || !gotoChild(c, 'declarator', identifierOrDeclarator, t === 'pointer_declarator')) break;
    depth++;
  }
  up(c, depth);
  return -1;
}

/** The parameter names of the function_declarator at the cursor (as paramNames()). */
function paramNamesAt(c: Parser.TreeCursor, text: string, exact: boolean): string[] {
  const out: string[] = [];
  if (!gotoChild(c, 'parameters', undefined, true)) return out;
  if (c.gotoFirstChild()) {
    do {
      if (types.name(c) !== 'parameter_declaration') continue;
      let depth = 0;
      // through pointer declarators only (`struct slab **slabs`), a `)` after the name closes the list
      let pointers = true;
      let last = false;
      if (gotoChild(c, 'declarator', undefined, true)) {
        depth = 1;
        for (let t = types.name(c); t !== 'identifier' && gotoChild(c, 'declarator', isIdentifier, true); t = types.name(c)) {
          if (t !== 'pointer_declarator') pointers = false;
          depth++;
        }
        if (types.name(c) === 'identifier') {
          const s = c.startIndex;
          const e = exact ? c.endIndex : wordEnd(text, s);
          out.push(text.slice(s, e));
          last = pointers && !exact && closesNext(text, e);
        }
      }
      up(c, depth);
      if (last) break;
    } while (c.gotoNextSibling());
    c.gotoParent();
  }
  c.gotoParent();
  return out;
}

const pointOf = (p: Parser.Point): Position => ({ line: p.row, character: p.column });

/** A definition's name, where it is, and its parameter names. */
interface Named { name: string; selectionRange: Range; params: string[] }

/**
 * From a function_declarator at the cursor, its name and parameter names (undefined when it
 * declares no plain name); the cursor ends where it started.
 */
function declaratorNameAt(c: Parser.TreeCursor, ctx: TopCtx, hasError: boolean): Named | undefined {
  const n = downToDeclaratorName(c);
  if (n < 0) return undefined;
  const ns = c.startIndex;
  const ne = hasError ? c.endIndex : wordEnd(ctx.text, ns);
  up(c, n);
  // the name right under the function declarator: its parameter list follows it in the text
  const fromText = !hasError && n === 1 && ctx.masked ? paramNamesFrom(ctx.text, ctx.masked, ne) : undefined;
  return { name: ctx.text.slice(ns, ne), selectionRange: wordRange(ctx.lines, ns, ne), params: fromText ?? paramNamesAt(c, ctx.text, hasError) };
}

/**
 * The function a function_definition at the cursor defines (as fromDefinition() does from a node,
 * with the cursor only: no node objects). The cursor ends where it started. The body is the last
 * child and the declarator the one before it: read from the end, the specifiers are not visited,
 * unless the declarator is no function declarator (then the name may be the type: see
 * definitionFromStart).
 */
function definitionAt(c: Parser.TreeCursor, ctx: TopCtx, start: number, defStart: number, defEnd: number, hasError: boolean): FunctionEntry | null {
  if (!c.gotoLastChild()) return null;
  if (types.field(c) === 'body' && c.gotoPreviousSibling()) {
    if (types.field(c) === 'declarator') {
      const fd = downToFunctionDeclarator(c);
      if (fd >= 0) {
        const named = declaratorNameAt(c, ctx, hasError);
        up(c, fd);
        c.gotoNextSibling();
        const entry = named ? bodyEntry(c, ctx, named, start, defStart, defEnd, hasError) : null;
        c.gotoParent();
        return entry;
      }
    }
  }
  c.gotoParent();
  return definitionFromStart(c, ctx, start, defStart, defEnd, hasError);
}

/** The same, child by child from the first: the type is read too, which may be the name. */
function definitionFromStart(c: Parser.TreeCursor, ctx: TopCtx, start: number, defStart: number, defEnd: number, hasError: boolean): FunctionEntry | null {
  if (!c.gotoFirstChild()) return null;
  let named: Named | undefined;
  let typeName: { name: string; range: Range } | undefined;
  let entry: FunctionEntry | null = null;
  do {
    const field = types.field(c);
    if (field === 'type') {
      if (types.name(c) === 'type_identifier') {
        const ts = c.startIndex;
        const te = hasError ? c.endIndex : wordEnd(ctx.text, ts);
        typeName = { name: ctx.text.slice(ts, te), range: wordRange(ctx.lines, ts, te) };
      }
    } else if (field === 'declarator') {
      const fd = downToFunctionDeclarator(c);
      if (fd >= 0) {
        named = declaratorNameAt(c, ctx, hasError);
        up(c, fd);
      } else if (typeName && types.name(c) === 'parenthesized_declarator' && !isLoopMacro(typeName.name)) {
        // `void __init\nf(void) { }`: the grammar takes `f` for a type and `(void)` for a
        // parenthesized declarator (the specifiers end up in a preceding declaration).
        named = { name: typeName.name, selectionRange: typeName.range, params: [] };
      }
    } else if (field === 'body') {
      if (named) entry = bodyEntry(c, ctx, named, start, defStart, defEnd, hasError);
      break;
    }
  } while (c.gotoNextSibling());
  c.gotoParent();
  return entry;
}

/** The entry of a definition named `named`, its body at the cursor (the definition's last child: it ends with it). */
function bodyEntry(c: Parser.TreeCursor, ctx: TopCtx, named: Named, start: number, defStart: number, defEnd: number, hasError: boolean): FunctionEntry | null {
  const { name, selectionRange, params } = named;
  if (isLoopMacro(name)) return null;
  const bodyStart = c.startIndex;
  const bodyType = types.name(c);
  const signature = ctx.text.slice(start, bodyStart).replace(/\s+/g, ' ').trim();
  const defRange: Range = { start: pointOf(ctx.lines.point(start)), end: pointOf(ctx.lines.point(defEnd)) };
  const info: FunctionInfo = { name, uri: ctx.uri, range: defRange, selectionRange, signature, isStatic: /(^|\s)static(\s|$)/.test(signature), params, calls: [] };
  // read from the text where it settles them (no native calls), else from the tree
  const fromText =
    skeletonCalls(ctx.skeleton, name, defStart, bodyStart, defEnd, hasError) ??
    (!hasError && ctx.masked && bodyType === 'compound_statement' ? callsFromText(ctx.text, ctx.masked, ctx.lines, bodyStart, defEnd, name, ctx.uri) : undefined);
  if (fromText) {
    info.calls = fromText.calls;
    info.refs = fromText.refs;
  } else {
    const refs: CallSite[] = [];
    info.calls = callsAt(c, bodyType, name, ctx.uri, ctx.text, ctx.lines, bodyStart, defEnd, hasError, ctx.masked, refs);
    info.refs = refs;
  }
  return { info, span: { start: Math.min(start, defStart), end: defEnd }, key: defStart, body: { start: bodyStart, end: defEnd }, bodyType };
}

function fromDefinition(def: SyntaxNode, uri: string, text: string, lines: Lines, start: number, sk?: Skeleton): FunctionEntry | null {
  const body = def.childForFieldName('body');
  if (!body) return null;
  const fd = functionDeclarator(def.childForFieldName('declarator'));
  if (!fd) {
    // `void __init\nf(void) { }`: the grammar takes `f` for a type and `(void)` for a
    // parenthesized declarator (the specifiers end up in a preceding declaration).
    const t = def.childForFieldName('type');
    const d = def.childForFieldName('declarator');
    if (t?.type === 'type_identifier' && d?.type === 'parenthesized_declarator' && !isLoopMacro(t.text)) {
      return make(t.text, t, def, start, body, null, uri, text, lines, undefined, sk);
    }
    return null;
  }
  const nameNode = declaratorName(fd);
  if (!nameNode) return null;
  const name = nameNode.text;
  if (isLoopMacro(name)) return null;
  return make(name, nameNode, def, start, body, fd, uri, text, lines, undefined, sk);
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

function make(name: string, nameNode: SyntaxNode, def: SyntaxNode, startIndex: number, body: SyntaxNode, fd: SyntaxNode | null, uri: string, text: string, lines: Lines, parts?: SyntaxNode[], sk?: Skeleton): FunctionEntry {
  const sigText = text.slice(startIndex, body.startIndex).replace(/\s+/g, ' ').trim();
  const defStart = def.startIndex;
  const defRange = rangeOf(def);
  let range: Range = defRange;
  if (startIndex !== defStart) {
    const p = lines.point(startIndex);
    range = { start: { line: p.row, character: p.column }, end: defRange.end };
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
  const left = parts ? undefined : skeletonCalls(sk, name, defStart, body.startIndex, body.endIndex, true);
  if (left) {
    info.calls = left.calls;
    info.refs = left.refs;
  } else {
    const refs: CallSite[] = [];
    info.calls = parts ? parts.flatMap((p) => collectCalls(p, name, uri, text, lines, refs)) : collectCalls(body, name, uri, text, lines, refs);
    info.refs = refs;
  }
  return { info, span: { start: Math.min(startIndex, defStart), end: def.endIndex }, key: defStart, body: { start: body.startIndex, end: body.endIndex }, bodyType: body.type };
}

/** In an ERROR node, look for `name ( params ) { ... }` runs the grammar did not assemble. */
function fromErrorRun(err: SyntaxNode, uri: string, text: string, lines: Lines, out: FunctionEntry[], seen: Set<number>, sk?: Skeleton): void {
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
    const f = make(nameNode.text, nameNode, err, lineStart, err, k, uri, text, lines, parts, sk);
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
    const fake = make(nameNode.text, nameNode, err, lineStart, k, fd, uri, text, lines, undefined, sk);
    fake.info.range = { start: { line: nameNode.startPosition.row, character: 0 }, end: rangeOf(k).end };
    fake.span = { ...errSpan };
    out.push(fake);
  }
}

/** Identifiers and expressions separated by commas, left to right. */
function commaList(n: SyntaxNode): SyntaxNode[] {
  const out: SyntaxNode[] = [];
  while (n.type === 'comma_expression') {
    const l = n.childForFieldName('left');
    const r = n.childForFieldName('right');
    if (l) out.push(l);
    if (!r) return out;
    n = r;
  }
  out.push(n);
  return out;
}

/**
 * The loop macro a statement node opens, if it is one: `for_each_x(a) { }` as the while_statement
 * the masking makes of it (its name read from `text`, the real text), or, where it was not masked,
 * in either parse the grammar gives it.
 */
export function loopMacroOf(n: SyntaxNode, text: string): { name: string; args: SyntaxNode[]; body: SyntaxNode | null } | null {
  if (n.type === 'while_statement') {
    const name = loopMacroAt(text, n.startIndex);
    if (!name) return null;
    const cond = n.childForFieldName('condition');
    const inner = cond?.type === 'parenthesized_expression' ? cond.namedChildren.find((c) => c.type !== 'comment') : undefined;
    return { name, args: inner ? commaList(inner) : [], body: n.childForFieldName('body') };
  }
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

interface CallWalk {
  text: string;
  lines: Lines;
  caller: string;
  uri: string;
  calls: CallSite[];
  groups: CallSite[][] | null;
  /**
   * Where the next node visited starts at the earliest: every node before it has been passed.
   * Moves forward only. The walk asks the text between `pos` and a node's end whether a `(` is
   * there (every call has one): a span that may be wider than the node's, which only means
   * looking into a node that holds no call.
   */
  pos: number;
  /** the first `(` at or after `pos` when last searched (Infinity: none): searched again only once `pos` has passed it */
  paren: number;
  /**
   * The definition holds a syntax error: a MISSING (zero-width) identifier may be anywhere, so an
   * identifier's end is read from the tree. Otherwise it is where the word starting there ends
   * in the text (one native call less per identifier).
   */
  exact: boolean;
  /** how the text was masked for the parser (argument lists are read from the text where it was not changed) */
  masked: Masked | undefined;
}

/** The first `(` at or after w.pos (Infinity: none). */
function nextParen(w: CallWalk): number {
  if (w.paren < w.pos) {
    const i = w.text.indexOf('(', w.pos);
    w.paren = i < 0 ? Infinity : i;
  }
  return w.paren;
}

/**
 * Every call in a function body, with loop-macro context, in source (pre)order; `refs` gets the
 * identifiers passed as arguments, grouped call by call in the same order. One cursor walk.
 */
export function collectCalls(body: SyntaxNode, caller: string, uri: string, text: string, lines: Lines, refs?: CallSite[]): CallSite[] {
  return callsAt(body.walk(), body.type, caller, uri, text, lines, body.startIndex, body.endIndex, body.hasError, undefined, refs);
}

/**
 * The same from the node at the cursor (of `type`; where the cursor ends too), [start, end);
 * `hasError`: whether it holds a syntax error; `masked`: how the parser's text was masked, if known.
 */
function callsAt(c: Parser.TreeCursor, type: string, caller: string, uri: string, text: string, lines: Lines, start: number, end: number, hasError: boolean, masked: Masked | undefined, refs?: CallSite[]): CallSite[] {
  const w: CallWalk = { text, lines, caller, uri, calls: [], groups: refs ? [] : null, pos: start, paren: -1, exact: hasError, masked };
  if (type === 'call_expression') visitCall(c, w, undefined);
  else walkChildren(c, w, type, end, undefined, undefined, null);
  if (refs && w.groups) for (const g of w.groups) refs.push(...g);
  return w.calls;
}

/**
 * Visit the children of the cursor's node (`parentType`, ending at `end`; -1: not known), inside
 * the loop macro `loop`: see walkSiblings. Children before the first `(` and after the last one
 * hold no call: with the end known and no arguments to collect, the walk starts at the child
 * holding the first `(` and stops after the last (each child passed costs native calls). Returns
 * the loop macro a call_expression first child opens (what an expression_statement parent needs
 * to know).
 */
function walkChildren(c: Parser.TreeCursor, w: CallWalk, parentType: string, end: number, loop: string | undefined, bodyLoop: string | undefined, group: CallSite[] | null): string | undefined {
  const skip = end >= 0 && group === null;
  let skipped = false;
  if (skip) {
    const p = nextParen(w);
    if (p >= end) return undefined;
    if (parentType === 'expression_statement') {
      // which child comes first matters there (a loop macro opens only as the first)
      if (!c.gotoFirstChild()) return undefined;
    } else {
      // the binding returns the child's index, or null when there is none (its typings say boolean)
      const i = c.gotoFirstChildForIndex(p) as unknown as number | null;
      if (i === null) return undefined;
      skipped = i > 0;
    }
  } else if (!c.gotoFirstChild()) return undefined;
  const opens = walkSiblings(c, w, c.nodeTypeId, parentType, skip ? end : -1, loop, bodyLoop, group, skipped);
  c.gotoParent();
  return opens;
}

/**
 * Visit the cursor's node (its type id `id`, read by the caller) and its siblings after it, the
 * children of a `parentType` node, inside the loop macro `loop`; `exitAt`: where the parent ends,
 * to stop after the last `(` (-1: visit every child). `skipped`: named children before the
 * cursor's node were passed over. A statement is a loop body when it is the body of a loop macro:
 * `bodyLoop` of a while_statement the masking made of `for_each_x(...)` or of a nested definition
 * the grammar took one for, or the macro of the `for_each_x(...)` expression statement right
 * before it (when a loop macro was not masked). `group`: for a call, where the identifiers among
 * its arguments go. `one`: the cursor's node only. Returns the loop macro a call_expression
 * first child opens, for an expression_statement parent.
 */
function walkSiblings(
  c: Parser.TreeCursor, w: CallWalk, id: number, parentType: string, exitAt: number, loop: string | undefined, bodyLoop: string | undefined, group: CallSite[] | null, skipped: boolean,
  one = false,
): string | undefined {
  let prevLoop: string | undefined;
  let first: string | undefined;
  let sawNamed = skipped;
  for (;; id = c.nodeTypeId) {
    const type = types.of(c, id);
    const kind = types.kind[id];
    let end = -1;
    // anonymous tokens and named leaves have no children, and literals hold no calls: not entered
    if (kind === KIND_TOKEN) {
      // the next sibling starts after this `(`, so after the first `(` from pos on
      if (types.openParen[id] && nextParen(w) !== Infinity) w.pos = w.paren + 1;
    } else if (kind === KIND_NO_CALLS) {
      sawNamed = true;
      prevLoop = undefined;
    } else if (kind === KIND_LEAF) {
      if (group && parentType === 'argument_list' && type === 'identifier') {
        const s = c.startIndex;
        const e = w.exact ? c.endIndex : wordEnd(w.text, s);
        const r: CallSite = { callee: w.text.slice(s, e), caller: w.caller, uri: w.uri, range: wordRange(w.lines, s, e), viaPointer: true, reference: true };
        if (loop) r.inLoopMacro = loop;
        group.push(r);
        w.pos = e;
        // `, s)`: the closing parenthesis is the only child left (with no syntax error around)
        if (!w.exact && closesNext(w.text, e)) break;
      }
      sawNamed = true;
      prevLoop = undefined;
    } else if (kind === KIND_MAYBE && nextParen(w) >= (end = c.endIndex)) {
      // no `(` in its text: no call below
      w.pos = end;
      sawNamed = true;
      prevLoop = undefined;
    } else {
      let inner = loop;
      if (types.block[id]) {
        const l = parentType === 'function_definition' ? (type === 'compound_statement' ? bodyLoop : undefined) : parentType === 'while_statement' ? bodyLoop : prevLoop;
        if (l) inner = l;
      }
      let opens: string | undefined;
      if (type === 'call_expression') opens = visitCall(c, w, loop);
      else if (type === 'while_statement') walkChildren(c, w, type, c.endIndex, inner, loopMacroAt(w.text, c.startIndex), null);
      else if (type === 'function_definition') {
        // a loop macro with a block parses as a nested definition: `for_each_x(cpu) { ... }`
        const t = c.currentNode.childForFieldName('type');
        const tt = t ? t.text : '';
        walkChildren(c, w, type, -1, inner, isLoopMacro(tt) ? tt : undefined, null);
      } else {
        const args = type === 'argument_list' && parentType === 'call_expression' ? group : null;
        const list = args && !w.exact ? readArguments(w, c.startIndex) : undefined;
        if (list) walkArguments(c, w, loop, args!, list, false);
        else {
          // (the end of an argument list is not needed when its identifiers are collected)
          if (end < 0 && !(type === 'argument_list' && args)) end = c.endIndex;
          const r = walkChildren(c, w, type, end, inner, undefined, args);
          if (type === 'expression_statement') opens = r;
        }
      }
      if (end > w.pos) w.pos = end;
      if (!sawNamed) {
        sawNamed = true;
        if (type === 'call_expression') first = opens;
      }
      prevLoop = type === 'expression_statement' ? opens : undefined;
    }
    if (one) break;
    // no `(` left before the parent's end: no call in the siblings left
    if (exitAt >= 0 && nextParen(w) >= exitAt) break;
    // the arguments are a call's last child
    if (type === 'argument_list' && parentType === 'call_expression') break;
    if (!c.gotoNextSibling()) break;
  }
  return parentType === 'expression_statement' ? first : undefined;
}

/** Named node types that hold no calls (types, declarators, jumps), with or without children. */
const NO_CALLS = new Set([
  'struct_specifier', 'union_specifier', 'enum_specifier', 'pointer_declarator', 'storage_class_specifier', 'type_qualifier', 'type_descriptor',
  'parameter_list', 'goto_statement', 'break_statement', 'continue_statement', 'field_declaration_list',
]);
/** Statements and expressions often without a call: looked into only when their text has a `(` (every call has one, a masked loop macro too). */
const MAYBE_NO_CALLS = new Set([
  'declaration', 'expression_statement', 'return_statement', 'binary_expression', 'pointer_expression', 'field_expression', 'unary_expression',
  'comma_expression', 'subscript_expression', 'compound_statement', 'else_clause', 'case_statement', 'labeled_statement', 'assignment_expression',
  'conditional_expression', 'update_expression', 'init_declarator', 'initializer_list',
]);

/** Named node types with no calls below them. */
const LEAVES = new Set([
  'identifier', 'field_identifier', 'type_identifier', 'statement_identifier', 'primitive_type', 'number_literal', 'comment', 'string_literal',
  'concatenated_string', 'char_literal', 'string_content', 'escape_sequence', 'true', 'false', 'null', 'system_lib_string', 'sized_type_specifier',
]);


/** An argument read from the text: an identifier (a function reference, perhaps), one that holds no call and no identifier, or one the tree must be asked about. */
const ARG_WORD = 0;
const ARG_SKIP = 1;
const ARG_VISIT = 2;
const ASCII_IDENTIFIER = /^[A-Za-z_$][\w$]*$/;
const WORDS_SIDE_BY_SIDE = /[\w$]\s+[A-Za-z_$]/;

/**
 * The arguments of the argument list whose `(` is at `open`, read from the text: each one's start
 * and kind (ARG_*), flat, and where the list ends (after its `)`). Undefined when the text is not
 * plainly an argument list (a preprocessor line in it, an unterminated literal or comment, no
 * closing parenthesis). Within a definition free of syntax errors, and where the masking changed
 * nothing, the argument list's children are these arguments, separated by commas.
 */
export function argumentsAt(text: string, open: number): { args: number[]; close: number } | undefined {
  const args: number[] = [];
  const n = text.length;
  let depth = 0;
  let start = -1;
  let end = -1;
  let visit = false;
  const push = (): void => {
    if (start < 0) return;
    let kind = ARG_SKIP;
    if (visit) kind = ARG_VISIT;
    else {
      const word = text.slice(start, end);
      if (ASCII_IDENTIFIER.test(word)) kind = GRAMMAR_WORDS.has(word) ? ARG_VISIT : ARG_WORD;
      // two words side by side (`sizeof x`, a macro's argument): not settled by the text
      else if (WORDS_SIDE_BY_SIDE.test(word)) kind = ARG_VISIT;
    }
    args.push(start, kind);
    start = -1;
    visit = false;
  };
  for (let i = open + 1; i < n; i++) {
    const at = i;
    const ch = text.charCodeAt(i);
    // where the character (or literal) read ends
    let to = i + 1;
    switch (ch) {
      case 32: case 9: case 10: case 13: case 12: case 11: // white space
        continue;
      case 92: { // a backslash: a line continuation is white space, anything else is not read here
        if (text.charCodeAt(i + 1) === 10) { i++; continue; }
        if (text.charCodeAt(i + 1) === 13 && text.charCodeAt(i + 2) === 10) { i += 2; continue; }
        visit = true;
        break;
      }
      case 47: { // /
        const next = text.charCodeAt(i + 1);
        if (next === 42 || next === 47) {
          const close = next === 42 ? text.indexOf('*/', i + 2) : text.indexOf('\n', i + 2);
          if (close < 0) return undefined;
          // a comment inside an argument: the tree is asked
          if (start >= 0) visit = true;
          i = next === 42 ? close + 1 : close - 1;
          continue;
        }
        break;
      }
      case 34: case 39: { // a string or character literal
        const j = literalEnd(text, i);
        if (j < 0) return undefined;
        to = j + 1;
        i = j;
        break;
      }
      case 35: { // a # first on its line is a preprocessor line
        let j = i - 1;
        while (j >= 0 && (text.charCodeAt(j) === 32 || text.charCodeAt(j) === 9)) j--;
        if (j < 0 || text.charCodeAt(j) === 10) return undefined;
        break;
      }
      case 40: case 91: case 123: // ( [ {
        depth++;
        if (ch === 40) visit = true;
        break;
      case 41: case 93: case 125: // ) ] }
        if (depth === 0) {
          if (ch !== 41) return undefined;
          if (start < 0 && args.length) return undefined;
          push();
          return { args, close: i + 1 };
        }
        depth--;
        break;
      case 44: // ,
        if (depth === 0) {
          if (start < 0) return undefined;
          push();
          continue;
        }
        break;
      default:
        if (ch >= 128) visit = true;
    }
    if (start < 0) start = at;
    end = to;
  }
  return undefined;
}

/** A parameter of plain words and stars (`const struct kmem_cache *s`, `unsigned long flags`, `void`). */
const PLAIN_PARAMETER = /^[A-Za-z_\s*][\w\s*]*$/;
const TAG_KEYWORD = new Set(['struct', 'union', 'enum']);

/**
 * The parameter names of the parameter list that starts at the first `(` from `from` on (after a
 * definition's name), read from the text where the parse settles them plainly: each parameter
 * plain words and stars, its name the last word unless that is a grammar word, a tag
 * (`struct foo`), or the only word (`foo_t`); `...` has none. Undefined where the text does not
 * settle it (arrays, function pointers, comments, attributes the masking changed, anything else):
 * the tree is read then. Within a definition free of syntax errors only.
 */
function paramNamesFrom(text: string, m: Masked, from: number): string[] | undefined {
  const open = skipSpaces(text, from);
  if (text.charCodeAt(open) !== 40) return undefined;
  const close = text.indexOf(')', open);
  if (close < 0 || maskChanged(m, open, close + 1)) return undefined;
  const inner = text.slice(open + 1, close);
  if (/[()[\]{}/#"'\\]/.test(inner)) return undefined;
  const names: string[] = [];
  if (!inner.trim()) return names;
  for (const raw of inner.split(',')) {
    const param = raw.trim();
    if (param === '...') continue;
    if (!PLAIN_PARAMETER.test(param)) return undefined;
    const tokens = param.match(/\*|[A-Za-z_]\w*/g) ?? [];
    if (tokens.length === 0) return undefined;
    const last = tokens[tokens.length - 1];
    if (tokens.length === 1) {
      // a type alone (`void`, `foo_t`, `unsigned`)
      if (last === '*') return undefined;
      continue;
    }
    const before = tokens[tokens.length - 2];
    if (last === '*' || GRAMMAR_WORDS.has(last)) {
      // `char *`, `unsigned long`: no name, or not surely none
      if (last === '*' || tokens.every((t) => t === '*' || GRAMMAR_WORDS.has(t))) continue;
      return undefined;
    }
    if (TAG_KEYWORD.has(before)) continue;
    names.push(last);
  }
  return names;
}

/** Whether the masking changed anything in [from, to) of the text. */
function maskChanged(m: Masked, from: number, to: number): boolean {
  const i = firstReplacementAfter(m, from);
  return i < m.at.length && m.at[i] < to;
}

/** The argument list of a call, read from the text: see argumentsAt. */
type ArgumentList = NonNullable<ReturnType<typeof argumentsAt>>;

/** The argument list whose `(` is at `open`, if the text can be read so and the masking changed nothing in it. */
function readArguments(w: CallWalk, open: number): ArgumentList | undefined {
  if (!w.masked || w.text.charCodeAt(open) !== 40) return undefined;
  const list = argumentsAt(w.text, open);
  return list && !maskChanged(w.masked, open, list.close) ? list : undefined;
}

/**
 * The arguments `list` of a recorded call: an identifier is a reference in `group` without a
 * native call; only the arguments that may hold a call (or that the text alone does not settle)
 * are visited in the tree. The cursor is at the argument_list, or (`beforeList`) at the sibling
 * before it, the function; it ends at one of the two (the caller goes up from either).
 */
function walkArguments(c: Parser.TreeCursor, w: CallWalk, loop: string | undefined, group: CallSite[], list: ArgumentList, beforeList: boolean): void {
  const a = list.args;
  let moved = false;
  for (let k = 0; k < a.length; k += 2) {
    const start = a[k];
    if (a[k + 1] === ARG_WORD) {
      const end = wordEnd(w.text, start);
      const r: CallSite = { callee: w.text.slice(start, end), caller: w.caller, uri: w.uri, range: wordRange(w.lines, start, end), viaPointer: true, reference: true };
      if (loop) r.inLoopMacro = loop;
      group.push(r);
    } else if (a[k + 1] === ARG_VISIT) {
      if (beforeList && !moved) {
        // (with no syntax error around, the arguments are the function's next sibling)
        if (!c.gotoNextSibling()) break;
        moved = true;
      }
      // the argument's node starts at its first character
      if ((c.gotoFirstChildForIndex(start) as unknown as number | null) === null) continue;
      w.pos = start;
      walkSiblings(c, w, c.nodeTypeId, 'argument_list', -1, loop, undefined, group, true, true);
      c.gotoParent();
    }
  }
  w.pos = list.close;
}

/** The first offset from `i` on that is not a space (not past the end). */
function skipSpaces(text: string, i: number): number {
  for (; i < text.length; i++) {
    const ch = text.charCodeAt(i);
    if (ch !== 32 && ch !== 9 && ch !== 10 && ch !== 13) return i;
  }
  return i;
}

/** Whether the first character from `i` on that is not a space is `)`. */
function closesNext(text: string, i: number): boolean {
  for (; i < text.length; i++) {
    const ch = text.charCodeAt(i);
    if (ch === 41) return true; // )
    if (ch !== 32 && ch !== 9 && ch !== 10 && ch !== 13) return false;
  }
  return false;
}

/** The C grammar's identifier (tree-sitter-c's own pattern), at a given offset. */
const IDENTIFIER = /(?:\p{XID_Start}|\$|_|\\u[0-9A-Fa-f]{4}|\\U[0-9A-Fa-f]{8})(?:\p{XID_Continue}|\$|\\u[0-9A-Fa-f]{4}|\\U[0-9A-Fa-f]{8})*/uy;

/** Where the identifier starting at `start` ends (no further than `start` when there is none). */
function wordEnd(text: string, start: number): number {
  IDENTIFIER.lastIndex = start;
  return IDENTIFIER.test(text) ? IDENTIFIER.lastIndex : start;
}

/** The range of [start, end) on one line (an identifier). */
function wordRange(lines: Lines, start: number, end: number): Range {
  const p = lines.point(start);
  return { start: { line: p.row, character: p.column }, end: { line: p.row, character: p.column + end - start } };
}

/**
 * A call at the cursor: record it (unless it is a loop macro or a keyword-like macro), walk into
 * it. Returns the loop macro it is, if one.
 */
function visitCall(c: Parser.TreeCursor, w: CallWalk, loop: string | undefined): string | undefined {
  if (!c.gotoFirstChild()) return undefined;
  // the function: a name, a field (s->ops->fn(...)) or a pointer ((*fn)(...))
  const fid = c.nodeTypeId;
  const ft = types.of(c, fid);
  let callee: string | undefined;
  let viaPointer = false;
  let range: Range | undefined;
  let loopName: string | undefined;
  if (ft === 'identifier') {
    const s = c.startIndex;
    const e = w.exact ? c.endIndex : wordEnd(w.text, s);
    callee = w.text.slice(s, e);
    range = wordRange(w.lines, s, e);
    w.pos = e;
    if (isLoopMacro(callee)) loopName = callee;
  } else if (ft === 'field_expression') {
    viaPointer = true;
    const s = c.startIndex;
    // the field is the last child (a node never ends with an extra such as a comment)
    if (c.gotoLastChild()) {
      if (types.name(c) === 'field_identifier') {
        const fs = c.startIndex;
        const fe = w.exact ? c.endIndex : wordEnd(w.text, fs);
        callee = w.text.slice(fs, fe);
        const e = w.exact ? undefined : fe;
        c.gotoParent();
        range = e === undefined ? rangeAt(c, w.lines) : { start: pointOf(w.lines.point(s)), end: pointOf(w.lines.point(e)) };
      } else {
        // not the usual shape (error recovery): the last field name among the children
        c.gotoParent();
        c.gotoFirstChild();
        do if (types.name(c) === 'field_identifier') callee = w.text.slice(c.startIndex, c.endIndex);
        while (c.gotoNextSibling());
        c.gotoParent();
        range = rangeAt(c, w.lines);
      }
    }
  } else if (ft === 'parenthesized_expression' || ft === 'pointer_expression') {
    const f = c.currentNode;
    const id = f.descendantsOfType('identifier').pop() ?? f.descendantsOfType('field_identifier').pop();
    callee = id?.text;
    viaPointer = true;
    if (callee !== undefined) range = rangeAt(c, w.lines);
  }
  let group: CallSite[] | null = null;
  if (callee && range && !NOT_CALLS.has(callee) && !isLoopMacro(callee) && !isDefinitionMacro(callee)) {
    const cs: CallSite = { callee, caller: w.caller, uri: w.uri, range, viaPointer };
    if (loop) cs.inLoopMacro = loop;
    w.calls.push(cs);
    if (w.groups) {
      group = [];
      w.groups.push(group);
    }
  }
  // A name, then the arguments: read from the text right after it where the definition holds no
  // syntax error (the argument list is the name's next sibling then).
  const list = group && ft === 'identifier' && !w.exact ? readArguments(w, skipSpaces(w.text, w.pos)) : undefined;
  if (list) walkArguments(c, w, loop, group!, list, true);
  // on from the function (a call may be inside it: f(x)->g(y)) to the arguments
  else walkSiblings(c, w, fid, 'call_expression', -1, loop, undefined, group, false);
  c.gotoParent();
  return loopName;
}

/** The range of the cursor's node, rows and columns from the line index (no position objects from the binding). */
function rangeAt(c: Parser.TreeCursor, lines: Lines): Range {
  const s = lines.point(c.startIndex);
  const e = lines.point(c.endIndex);
  return { start: { line: s.row, character: s.column }, end: { line: e.row, character: e.column } };
}

function cursorRange(c: Parser.TreeCursor): Range {
  const s = c.startPosition;
  const e = c.endPosition;
  return { start: { line: s.row, character: s.column }, end: { line: e.row, character: e.column } };
}

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
          out.push({ info: { name: name.text, uri, range: rangeOf(st), selectionRange: rangeOf(name), fields }, span: { start: st.startIndex, end: st.endIndex } });
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
function addFieldsAt(c: Parser.TreeCursor, fields: StructField[], textOf: (start: number, end: number) => string): void {
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
        while (types.name(c) !== 'field_identifier' && gotoChild(c, 'declarator', (t) => t === 'field_identifier')) depth++;
        if (types.name(c) === 'field_identifier') fields.push({ name: textOf(c.startIndex, c.endIndex), type: type + (pointer ? ' *' : ''), range: cursorRange(c) });
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
