// Size: 677 lines with comments, 575 of code (eslint counts code, at most 600): the grammar's recoveries (attribute macros, #if blocks, ERROR nodes) are handled in one walk.
// Finding the top-level function definitions of a tree-sitter C tree, tolerating the ways kernel
// idioms confuse the grammar (attribute macros, definitions in #if blocks and in ERROR recovery
// nodes), over a whole tree or a skeleton (function interiors left out, see skeleton.ts).

import type Parser from 'tree-sitter';
import { callsAt, closesNext, collectCalls, paramNamesFrom } from './calls';
import { callsFromText } from './calltext';
import {
  CONTAINERS,
  endsWithDeclarator,
  firstSpecifier,
  gotoChild,
  identifierOrDeclarator,
  isIdentifier,
  pointOf,
  rangeOf,
  seekChild,
  touches,
  types,
  up,
  wordEnd,
  wordRange,
  WRAPPERS,
} from './cursor';
import type { Lines, Masked, SyntaxNode, Tree } from './parse';
import { parseSpan } from './skeleton';
import type { CallSite, FunctionEntry, FunctionInfo, Range, Skeleton, Span } from './types';
import { isLoopMacro } from './words';

/** Walk declarator wrappers down to the function_declarator, if any. */
function functionDeclarator(n: SyntaxNode | null): SyntaxNode | null {
  while (n) {
    if (n.type === 'function_declarator') return n;
    if (
      n.type === 'pointer_declarator' ||
      n.type === 'attributed_declarator' ||
      n.type === 'parenthesized_declarator'
    ) {
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
    if (
      d.type === 'parenthesized_declarator' ||
      d.type === 'pointer_declarator' ||
      d.type === 'attributed_declarator'
    ) {
      d =
        d.childForFieldName('declarator') ??
        d.namedChildren.find((c) => c.type === 'identifier' || c.type.endsWith('declarator')) ??
        null;
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
    while (d && d.type !== 'identifier')
      d = d.childForFieldName('declarator') ?? d.namedChildren.find((c) => c.type === 'identifier') ?? null;
    if (d) out.push(d.text);
  }
  return out;
}

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

/** The calls of a body the skeleton left out, or undefined when the body is no interior of it (it was parsed). */
function skeletonCalls(
  sk: Skeleton | undefined,
  name: string,
  from: number,
  bodyStart: number,
  bodyEnd: number,
  hasError: boolean,
): { calls: CallSite[]; refs: CallSite[] } | undefined {
  if (!sk || sk.interiors.get(bodyStart + 1) !== bodyEnd - 1) return undefined;
  sk.matched++;
  const fromText = hasError ? undefined : callsFromText(sk.text, sk.masked, sk.lines, bodyStart, bodyEnd, name, sk.uri);
  if (fromText) return fromText;
  // not settled by the text: the definition parsed alone
  const n = bodyNodeAt(
    parseSpan(sk.text, sk.masked, sk.lines, from, bodyEnd),
    { start: bodyStart, end: bodyEnd },
    'compound_statement',
  );
  if (!n || n.startIndex !== bodyStart || n.endIndex !== bodyEnd)
    throw new NotSkeleton(`${name}: its body does not parse alone`);
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
export function findFunctions(
  tree: Tree,
  uri: string,
  text: string,
  lines: Lines,
  opts: FindOptions = {},
): { functions: FunctionEntry[]; items: Span[]; errors: Span[] | undefined } {
  const wantErrors = opts.errors ?? true;
  const ctx: TopCtx = {
    uri,
    text,
    lines,
    regions: opts.regions,
    out: [],
    seen: new Set(),
    items: [],
    errors: wantErrors ? [] : undefined,
    derive: opts.derive ?? true,
    masked: opts.masked,
    treeHasError: tree.rootNode.hasError,
    skeleton: opts.skeleton,
  };
  // One cursor walk over the top level: cursor moves create no node objects (each node object the
  // binding hands out is cached with a finalizer, which is what made the indexer slow).
  const c = tree.walk();
  visitTop(c, ctx);
  if (opts.skeleton && opts.skeleton.matched !== opts.skeleton.interiors.size)
    throw new NotSkeleton(
      `${opts.skeleton.interiors.size - opts.skeleton.matched} interiors left out are no function body`,
    );
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
        const start =
          type === 'function_definition' && prevSpecifiers && ctx.lines.row(prevEnd) >= ctx.lines.row(s) - 1
            ? prevStart
            : s;
        ctx.items.push({ start, end: e });
        // (a definition is asked anyway: its walk takes shortcuts where it holds no syntax error)
        const hasError =
          type === 'ERROR' ||
          (ctx.treeHasError &&
            (ctx.errors !== undefined || (ctx.derive && type === 'function_definition')) &&
            !NO_ERRORS.has(type) &&
            c.currentNode.hasError);
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

/** Walk declarator wrappers down to the function_declarator (as functionDeclarator()); how many levels down, or -1 (cursor unmoved). */
function downToFunctionDeclarator(c: Parser.TreeCursor): number {
  return downThroughWrappers(c, 'function_declarator', endsWithDeclarator, 0);
}

/** From a function_declarator down to the identifier it declares (as declaratorName()); levels down, or -1 (cursor unmoved). */
function downToDeclaratorName(c: Parser.TreeCursor): number {
  if (!gotoChild(c, 'declarator')) return -1;
  return downThroughWrappers(c, 'identifier', identifierOrDeclarator, 1);
}

/**
 * Down the `declarator` children of declarator wrappers until a node of type `target`: its total
 * depth from where the walk began (`depth` levels above the cursor), or -1 with the cursor moved back
 * up those levels too.
 */
function downThroughWrappers(
  c: Parser.TreeCursor,
  target: string,
  accept: Parameters<typeof gotoChild>[2],
  depth: number,
): number {
  for (;;) {
    const t = types.name(c);
    if (t === target) return depth;
    if (!WRAPPERS.has(t) || !gotoChild(c, 'declarator', accept, t === 'pointer_declarator')) break;
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
        for (
          let t = types.name(c);
          t !== 'identifier' && gotoChild(c, 'declarator', isIdentifier, true);
          t = types.name(c)
        ) {
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

/** A definition's name, where it is, and its parameter names. */
interface Named {
  name: string;
  selectionRange: Range;
  params: string[];
}

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
  return {
    name: ctx.text.slice(ns, ne),
    selectionRange: wordRange(ctx.lines, ns, ne),
    params: fromText ?? paramNamesAt(c, ctx.text, hasError),
  };
}

/**
 * The function a function_definition at the cursor defines (as fromDefinition() does from a node,
 * with the cursor only: no node objects). The cursor ends where it started. The body is the last
 * child and the declarator the one before it: read from the end, the specifiers are not visited,
 * unless the declarator is no function declarator (then the name may be the type: see
 * definitionFromStart).
 */
function definitionAt(
  c: Parser.TreeCursor,
  ctx: TopCtx,
  start: number,
  defStart: number,
  defEnd: number,
  hasError: boolean,
): FunctionEntry | null {
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
function definitionFromStart(
  c: Parser.TreeCursor,
  ctx: TopCtx,
  start: number,
  defStart: number,
  defEnd: number,
  hasError: boolean,
): FunctionEntry | null {
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
function bodyEntry(
  c: Parser.TreeCursor,
  ctx: TopCtx,
  named: Named,
  start: number,
  defStart: number,
  defEnd: number,
  hasError: boolean,
): FunctionEntry | null {
  const { name, selectionRange, params } = named;
  if (isLoopMacro(name)) return null;
  const bodyStart = c.startIndex;
  const bodyType = types.name(c);
  const signature = ctx.text.slice(start, bodyStart).replace(/\s+/g, ' ').trim();
  const defRange: Range = { start: pointOf(ctx.lines.point(start)), end: pointOf(ctx.lines.point(defEnd)) };
  const info: FunctionInfo = {
    name,
    uri: ctx.uri,
    range: defRange,
    selectionRange,
    signature,
    isStatic: /(^|\s)static(\s|$)/.test(signature),
    params,
    calls: [],
  };
  // read from the text where it settles them (no native calls), else from the tree
  const fromText =
    skeletonCalls(ctx.skeleton, name, defStart, bodyStart, defEnd, hasError) ??
    (!hasError && ctx.masked && bodyType === 'compound_statement'
      ? callsFromText(ctx.text, ctx.masked, ctx.lines, bodyStart, defEnd, name, ctx.uri)
      : undefined);
  if (fromText) {
    info.calls = fromText.calls;
    info.refs = fromText.refs;
  } else {
    const refs: CallSite[] = [];
    info.calls = callsAt(
      c,
      bodyType,
      name,
      ctx.uri,
      ctx.text,
      ctx.lines,
      bodyStart,
      defEnd,
      hasError,
      ctx.masked,
      refs,
    );
    info.refs = refs;
  }
  return {
    info,
    span: { start: Math.min(start, defStart), end: defEnd },
    key: defStart,
    body: { start: bodyStart, end: defEnd },
    bodyType,
  };
}

function fromDefinition(
  def: SyntaxNode,
  uri: string,
  text: string,
  lines: Lines,
  start: number,
  sk?: Skeleton,
): FunctionEntry | null {
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
  if (
    prev &&
    prev.type === 'declaration' &&
    !text.slice(prev.startIndex, prev.endIndex).includes(';') &&
    prev.endPosition.row >= def.startPosition.row - 1
  ) {
    return prev.startIndex;
  }
  return def.startIndex;
}

function make(
  name: string,
  nameNode: SyntaxNode,
  def: SyntaxNode,
  startIndex: number,
  body: SyntaxNode,
  fd: SyntaxNode | null,
  uri: string,
  text: string,
  lines: Lines,
  parts?: SyntaxNode[],
  sk?: Skeleton,
): FunctionEntry {
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
    info.calls = parts
      ? parts.flatMap((p) => collectCalls(p, name, uri, text, lines, refs))
      : collectCalls(body, name, uri, text, lines, refs);
    info.refs = refs;
  }
  return {
    info,
    span: { start: Math.min(startIndex, defStart), end: def.endIndex },
    key: defStart,
    body: { start: body.startIndex, end: body.endIndex },
    bodyType: body.type,
  };
}

/** In an ERROR node, look for `name ( params ) { ... }` runs the grammar did not assemble. */
function fromErrorRun(
  err: SyntaxNode,
  uri: string,
  text: string,
  lines: Lines,
  out: FunctionEntry[],
  seen: Set<number>,
  sk?: Skeleton,
): void {
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
    f.info.signature = text
      .slice(i > 0 && kids[i - 1].type !== 'function_declarator' ? firstSpecifier(kids, i) : k.startIndex, k.endIndex)
      .replace(/\s+/g, ' ')
      .trim();
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
