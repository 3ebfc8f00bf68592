// Indexing one large file on two threads. The file is split at a top-level boundary; a helper
// thread (indexWorker.ts) parses and indexes the part after it while the calling thread does the
// part before. No tree crosses threads: the helper returns its entries as plain data, encoded
// compactly (structured-cloning them as objects costs more than deriving them), with its
// top-level nodes, so that the calling thread can check them against the whole file's tree once
// it has one (parsed from its own part's tree, reusing it: see Analyzer).

import { Lines, mask, parseMasked, Tree } from './parse';
import { CallSite, findFunctions, findStructs, FunctionEntry, Range, StructEntry, StructField } from './symbols';

/** A preprocessor conditional's directive after its `#`: a split must not fall inside one. */
const CONDITIONAL = /[ \t]*(if|ifdef|ifndef|endif)\b/y;

/** +1 for an #if/#ifdef/#ifndef whose `#` is at `at`, -1 for an #endif, 0 for anything else (the `#` must be first on its line). */
function conditionalAt(text: string, at: number): number {
  for (let j = at - 1; j >= 0; j--) {
    const ch = text.charCodeAt(j);
    if (ch === 10) break;
    if (ch !== 32 && ch !== 9) return 0;
  }
  CONDITIONAL.lastIndex = at + 1;
  const m = CONDITIONAL.exec(text);
  return m ? (m[1] === 'endif' ? -1 : 1) : 0;
}

/**
 * Where to split `text` near `goal`: the start of the line after a line that is only `}` (the end
 * of a definition), outside #if blocks; the nearest such place after `goal`, or else before it.
 * Undefined when there is none. Read from the text alone, before it is masked (so that the helper
 * starts sooner): a `}` line or an #if in a comment is not ruled out here, but a split inside a
 * construct leaves a syntax error at the split in one of the parts, and then the file is indexed
 * on one thread (see Analyzer.update).
 */
export function splitPoint(text: string, goal: number): number | undefined {
  let depth = 0;
  let before: number | undefined;
  let hash = text.indexOf('#');
  for (let at = text.indexOf('\n}\n'); at >= 0; at = text.indexOf('\n}\n', at + 1)) {
    const split = at + 3;
    if (split >= text.length) break;
    for (; hash >= 0 && hash < split; hash = text.indexOf('#', hash + 1)) depth += conditionalAt(text, hash);
    if (depth !== 0) continue;
    if (split >= goal) return before !== undefined && goal - before < split - goal ? before : split;
    before = split;
  }
  return before;
}

/**
 * The root's children of `tree` ([start, end, type id] each), and whether the first or last of
 * them (`edge`) is whole: no syntax error in it, so that where it meets the other part, the part
 * parsed alone parses as in the whole file.
 */
export function topLevel(tree: Tree, edge: 'first' | 'last'): { top: number[]; clean: boolean } {
  const top: number[] = [];
  const c = tree.walk();
  if (c.gotoFirstChild()) {
    do top.push(c.startIndex, c.endIndex, c.nodeTypeId);
    while (c.gotoNextSibling());
  }
  if (!top.length) return { top, clean: true };
  const root = tree.rootNode;
  const n = edge === 'first' ? root.firstChild : root.lastChild;
  return { top, clean: !!n && n.type !== 'ERROR' && !n.hasError };
}

/** Whether the root's children of `tree` are `top` ([start, end, type id] each). */
export function topLevelIs(tree: Tree, top: ArrayLike<number>): boolean {
  const c = tree.walk();
  let i = 0;
  if (c.gotoFirstChild()) {
    do {
      if (i === top.length || c.startIndex !== top[i] || c.endIndex !== top[i + 1] || c.nodeTypeId !== top[i + 2]) return false;
      i += 3;
    } while (c.gotoNextSibling());
  }
  return i === top.length;
}

/**
 * A part's index as plain data: numbers (an Int32Array, transferred without a copy) and the
 * strings they refer to, each once. Layout: see encodeIndex().
 */
export interface EncodedIndex {
  ints: Int32Array;
  strings: string[];
}

/** The entries of `text` from `start` (a split point) on, as the helper thread derives them from its own parse of that part. */
export function indexSuffix(uri: string, text: string, start: number): EncodedIndex {
  const masked = mask(text, start);
  const lines = Lines.of(text);
  const tree = parseMasked(text, masked, undefined, { start, end: text.length, startPosition: lines.point(start), endPosition: lines.point(text.length) });
  const functions = findFunctions(tree, uri, text, lines, { errors: false, masked }).functions;
  const structs = findStructs(tree, uri, text);
  const { top, clean } = topLevel(tree, 'first');
  return encodeIndex(functions, structs, top, clean);
}

/**
 * Layout of the numbers: [functions, structs, top-level numbers, clean], the top-level numbers,
 * then each function: name, signature, isStatic, range (4), selectionRange (4), span (2), key,
 * body (2), bodyType, params (count, then each), calls (count, then 7 each: range, callee,
 * flags, loop macro or -1), refs (count or -1: none, then 7 each); then each struct: name,
 * range (4), selectionRange (4), span (2), fields (count, then 6 each: name, type, range).
 * Strings are indices into `strings`. A call site's caller is its function, its uri the file's.
 */
function encodeIndex(functions: FunctionEntry[], structs: StructEntry[], top: number[], clean: boolean): EncodedIndex {
  const strings: string[] = [];
  const ids = new Map<string, number>();
  const str = (s: string): number => {
    let id = ids.get(s);
    if (id === undefined) {
      id = strings.length;
      strings.push(s);
      ids.set(s, id);
    }
    return id;
  };
  const out: number[] = [functions.length, structs.length, top.length, clean ? 1 : 0];
  for (const x of top) out.push(x);
  const range = (r: Range): void => void out.push(r.start.line, r.start.character, r.end.line, r.end.character);
  const site = (c: CallSite): void => {
    range(c.range);
    out.push(str(c.callee), (c.viaPointer ? 1 : 0) | (c.reference ? 2 : 0), c.inLoopMacro === undefined ? -1 : str(c.inLoopMacro));
  };
  for (const e of functions) {
    const f = e.info;
    out.push(str(f.name), str(f.signature), f.isStatic ? 1 : 0);
    range(f.range);
    range(f.selectionRange);
    out.push(e.span.start, e.span.end, e.key, e.body.start, e.body.end, str(e.bodyType), f.params.length);
    for (const p of f.params) out.push(str(p));
    out.push(f.calls.length);
    for (const c of f.calls) site(c);
    out.push(f.refs ? f.refs.length : -1);
    for (const c of f.refs ?? []) site(c);
  }
  for (const e of structs) {
    const s = e.info;
    out.push(str(s.name));
    range(s.range);
    range(s.selectionRange);
    out.push(e.span.start, e.span.end, s.fields.length);
    for (const fl of s.fields) {
      out.push(str(fl.name), str(fl.type));
      range(fl.range);
    }
  }
  return { ints: Int32Array.from(out), strings };
}

/** A part's entries as findFunctions and findStructs make them (for `uri`), its top-level nodes, and whether the first of them is whole. */
export interface PartEntries { functions: FunctionEntry[]; structs: StructEntry[]; top: Int32Array; clean: boolean }

export function decodeIndex(uri: string, enc: EncodedIndex): PartEntries {
  const n = enc.ints;
  const strings = enc.strings;
  let i = 0;
  const range = (): Range => {
    const r = { start: { line: n[i], character: n[i + 1] }, end: { line: n[i + 2], character: n[i + 3] } };
    i += 4;
    return r;
  };
  const sites = (count: number, caller: string): CallSite[] => {
    const out: CallSite[] = new Array(count);
    for (let k = 0; k < count; k++) {
      const r = range();
      const flags = n[i + 1];
      const loop = n[i + 2];
      // the same properties, in the same order, as the walk gives them
      const c: CallSite = flags & 2
        ? { callee: strings[n[i]], caller, uri, range: r, viaPointer: (flags & 1) !== 0, reference: true }
        : { callee: strings[n[i]], caller, uri, range: r, viaPointer: (flags & 1) !== 0 };
      if (loop >= 0) c.inLoopMacro = strings[loop];
      i += 3;
      out[k] = c;
    }
    return out;
  };
  const functionCount = n[0];
  const structCount = n[1];
  const top = n.subarray(4, 4 + n[2]);
  const clean = n[3] === 1;
  i = 4 + n[2];
  const functions: FunctionEntry[] = new Array(functionCount);
  for (let k = 0; k < functionCount; k++) {
    const name = strings[n[i]];
    const signature = strings[n[i + 1]];
    const isStatic = n[i + 2] === 1;
    i += 3;
    const fr = range();
    const selectionRange = range();
    const span = { start: n[i], end: n[i + 1] };
    const key = n[i + 2];
    const body = { start: n[i + 3], end: n[i + 4] };
    const bodyType = strings[n[i + 5]];
    const paramCount = n[i + 6];
    i += 7;
    const params: string[] = new Array(paramCount);
    for (let p = 0; p < paramCount; p++) params[p] = strings[n[i++]];
    const calls = sites(n[i++], name);
    const refCount = n[i++];
    const info: FunctionEntry['info'] = { name, uri, range: fr, selectionRange, signature, isStatic, params, calls };
    if (refCount >= 0) info.refs = sites(refCount, name);
    functions[k] = { info, span, key, body, bodyType };
  }
  const structs: StructEntry[] = new Array(structCount);
  for (let k = 0; k < structCount; k++) {
    const name = strings[n[i++]];
    const sr = range();
    const selectionRange = range();
    const span = { start: n[i], end: n[i + 1] };
    const fieldCount = n[i + 2];
    i += 3;
    const fields: StructField[] = new Array(fieldCount);
    for (let f = 0; f < fieldCount; f++) {
      const fname = strings[n[i]];
      const type = strings[n[i + 1]];
      i += 2;
      fields[f] = { name: fname, type, range: range() };
    }
    structs[k] = { info: { name, uri, range: sr, selectionRange, fields }, span };
  }
  return { functions, structs, top, clean };
}
