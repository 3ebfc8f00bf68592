// The Analyzer: the parsed C files of the index, their functions, structs and calls, kept up to
// date edit by edit; the call graph; the engine IR of the orchestration functions. No LSP here.

import { isDeepStrictEqual } from 'node:util';
import { ORCHESTRATION, type ProgramSet } from '../../../engine/src';
import { CallGraph, ENTRY_POINTS } from './callgraph';
import { extractProgram, Extraction, knownFunctions, NotModelled } from './extract';
import { registrations } from './lockRoots';
import { Lines, lowerBound, mask, Masked, maskedSlice, parseMasked, remask, SyntaxNode, Tree } from './parse';
import { functionInteriors, parseSkeleton, parseSpan } from './skeleton';
import { bodyNodeAt, findFunctions } from './definitions';
import { findStructs } from './structs';
import type {
  CallSite,
  FoundFunction,
  FunctionEntry,
  FunctionInfo,
  Range,
  Skeleton,
  Span,
  StructEntry,
  StructInfo,
} from './types';

interface FileState {
  text: string;
  lines: Lines;
  /** how `text` is masked for the parser (attribute macros blanked out, loop macros made `while`: same offsets) */
  masked: Masked;
  tree: Tree;
  functions: FunctionEntry[];
  structs: StructEntry[];
  /**
   * Top-level items holding a syntax error: tree-sitter parses them again on every edit, and may
   * recover differently. Found on the first edit (see errorItems): asking an item costs a node
   * object, and a cold index does not need them.
   */
  errors: Span[] | undefined;
  /** false: `tree` is a skeleton, parsed with the function interiors left out (see skeleton.ts) */
  full: boolean;
}

/** What the last applyEdit re-derived (for tests and the bench). */
export interface EditStats {
  reindexed: number;
  kept: number;
  regions: Span[];
}

export interface AnalyzerOptions {
  /**
   * A cold index parses the function interiors only when something needs them (an edit, a tree,
   * completeTrees): default true. False: every update() parses the whole file.
   */
  lazyBodies?: boolean;
}

export class Analyzer {
  private files = new Map<string, FileState>();
  private readonly lazyBodies: boolean;
  private ranks = new Map<string, number>();
  private graph = new CallGraph((uri) => this.ranks.get(uri) ?? Number.MAX_SAFE_INTEGER);
  lastEdit: EditStats | undefined;

  constructor(opts: AnalyzerOptions = {}) {
    this.lazyBodies = opts.lazyBodies ?? true;
  }

  /** Replace a file's text (a parse from scratch: of its skeleton first, when it has one). */
  update(uri: string, text: string): void {
    const masked = mask(text);
    const lines = Lines.of(text);
    this.replace(
      uri,
      (this.lazyBodies ? skeletonState(uri, text, lines, masked) : undefined) ?? fullState(uri, text, lines, masked),
    );
  }

  /**
   * The file with its full tree: parsed now if it has only its skeleton. The index derived from the
   * full tree replaces the skeleton's where they differ (syntax errors in bodies, which the
   * skeleton does not see, or a local struct).
   */
  private fullFile(uri: string): FileState | undefined {
    const f = this.files.get(uri);
    if (!f || f.full) return f;
    const next = fullState(uri, f.text, f.lines, f.masked);
    if (isDeepStrictEqual(f.functions, next.functions) && isDeepStrictEqual(f.structs, next.structs)) {
      // the same index: keep its entries (extractions are cached on them)
      f.tree = next.tree;
      f.full = true;
      return f;
    }
    this.replace(uri, next);
    return next;
  }

  /**
   * Parse the full tree of the files (at most `max` of them) that have only their skeleton; the
   * files whose index changed.
   */
  completeTrees(max = Infinity): string[] {
    const changed: string[] = [];
    for (const [uri, f] of this.files) {
      if (f.full) continue;
      if (max-- <= 0) break;
      if (this.fullFile(uri) !== f) changed.push(uri);
    }
    return changed;
  }

  /** Whether every file has its full tree (nothing left for completeTrees). */
  get treesComplete(): boolean {
    return [...this.files.values()].every((f) => f.full);
  }

  private replace(uri: string, next: FileState): void {
    if (!this.ranks.has(uri)) this.ranks.set(uri, this.ranks.size);
    const prev = this.files.get(uri);
    if (prev) for (const f of prev.functions) this.graph.remove(f.info);
    this.files.set(uri, next);
    for (const f of next.functions) this.graph.add(f.info);
  }

  /**
   * Apply one edit (`text[startIndex, oldEndIndex)` replaced by `newText`; `textAfter`: the whole
   * text after it, if the caller has it): the tree is re-parsed
   * incrementally, and only the definitions the edit or the re-parse touched are derived again
   * (those intersecting the tree's changed ranges and the edited span, and those holding a syntax
   * error, grown to whole top-level items); the others keep their results, shifted. The call graph
   * changes by the re-derived functions' edges only.
   */
  applyEdit(uri: string, startIndex: number, oldEndIndex: number, newText: string, textAfter?: string): void {
    const f = this.fullFile(uri);
    if (!f) {
      this.update(uri, newText);
      return;
    }
    const old = f.text;
    startIndex = Math.max(0, Math.min(startIndex, old.length));
    oldEndIndex = Math.max(startIndex, Math.min(oldEndIndex, old.length));
    // the items holding errors in the tree as it is, before it is edited
    f.errors ??= errorItems(f, uri);
    // the caller's copy of the whole new text, when it has one (an editor's document): one string
    // of the file's size less to build (V8 copies it on first read)
    const text =
      textAfter !== undefined && textAfter.length === old.length - (oldEndIndex - startIndex) + newText.length
        ? textAfter
        : old.slice(0, startIndex) + newText + old.slice(oldEndIndex);
    const newEndIndex = startIndex + newText.length;
    const masked = remask(f.masked, old, text, startIndex, oldEndIndex, newEndIndex);
    const lines = f.lines.edit(text, startIndex, oldEndIndex, newEndIndex);
    // The edit as the parser sees it: masking can change next to the edit (typing `__ini` -> `__init`),
    // so take the smallest range where the old and new masked texts differ (they agree outside the window).
    const w = masked.window ?? { start: 0, oldEnd: old.length, newEnd: text.length };
    const a = maskedSlice(f.masked, old, w.start, w.oldEnd);
    const b = maskedSlice(masked, text, w.start, w.newEnd);
    let head = 0;
    const maxHead = Math.min(a.length, b.length);
    while (head < maxHead && a.charCodeAt(head) === b.charCodeAt(head)) head++;
    let tail = 0;
    while (tail < maxHead - head && a.charCodeAt(a.length - 1 - tail) === b.charCodeAt(b.length - 1 - tail)) tail++;
    const start = w.start + head;
    const endOld = w.oldEnd - tail;
    const endNew = w.newEnd - tail;
    f.tree.edit({
      startIndex: start,
      oldEndIndex: endOld,
      newEndIndex: endNew,
      startPosition: f.lines.point(start),
      oldEndPosition: f.lines.point(endOld),
      newEndPosition: lines.point(endNew),
    });
    const tree = parseMasked(text, masked, f.tree);
    try {
      this.reindex(
        uri,
        f,
        { text, lines, masked, tree, functions: [], structs: [], errors: undefined, full: true },
        {
          start: Math.min(start, startIndex),
          oldEnd: Math.max(endOld, oldEndIndex),
          newEnd: Math.max(endNew, newEndIndex),
        },
        f.tree.getChangedRanges(tree),
      );
    } catch {
      // never leave a half-updated file behind: fall back to deriving everything
      this.update(uri, text);
    }
  }

  /** Re-derive what an edit touched (see applyEdit); `edit` is the union of the text and parser edits. */
  private reindex(
    uri: string,
    prev: FileState,
    next: FileState,
    edit: { start: number; oldEnd: number; newEnd: number },
    changed: { startIndex: number; endIndex: number }[],
  ): void {
    const delta = edit.newEnd - edit.oldEnd;
    const text = next.text;
    // New-text span of an old entry; one that overlaps the edit is stretched over it (it is re-derived anyway).
    const shifted = (sp: Span): Span =>
      sp.end < edit.start
        ? sp
        : sp.start > edit.oldEnd
          ? { start: sp.start + delta, end: sp.end + delta }
          : { start: Math.min(sp.start, edit.start), end: Math.max(sp.end + delta, edit.newEnd) };
    const around: Span = { start: edit.start, end: edit.newEnd };
    for (const r of changed) {
      around.start = Math.min(around.start, r.startIndex);
      around.end = Math.max(around.end, r.endIndex);
    }
    // to the end of the line: an entry starting on the edit's last line moves by columns, not just lines
    const eol = text.indexOf('\n', around.end);
    around.end = eol < 0 ? text.length : eol;
    // and every item that held a syntax error: tree-sitter re-parses those and may recover
    // differently without reporting a change
    const prevErrors = prev.errors ?? [];
    let regions = merge([around, ...prevErrors.map(shifted)]);
    const dirtyF = new Set<FunctionEntry>();
    const dirtyS = new Set<StructEntry>();
    const olds: (FunctionEntry | StructEntry)[] = [...prev.functions, ...prev.structs];
    for (;;) {
      // old entries a region touches are dropped; the regions grow over them, then over the items re-derived
      let grew = true;
      while (grew) {
        grew = false;
        const add: Span[] = [];
        for (const e of olds) {
          if ((dirtyF as Set<unknown>).has(e) || (dirtyS as Set<unknown>).has(e)) continue;
          const sp = shifted(e.span);
          if (!touchesAny(regions, sp)) continue;
          if ('key' in e) dirtyF.add(e);
          else dirtyS.add(e);
          if (!covered(regions, sp)) add.push(sp);
        }
        if (add.length) {
          regions = merge([...regions, ...add]);
          grew = true;
        }
      }
      const outside = findFunctions(next.tree, uri, text, next.lines, {
        regions,
        derive: false,
        errors: false,
      }).items.filter((sp) => !covered(regions, sp));
      if (!outside.length) break;
      regions = merge([...regions, ...outside]);
    }
    const found = findFunctions(next.tree, uri, text, next.lines, { regions, masked: next.masked });
    const structs = findStructs(next.tree, uri, text, regions);
    // a struct re-derived over a longer span replaces any old one it overlaps
    for (const s of prev.structs)
      if (!dirtyS.has(s) && structs.some((n) => overlapsSpan(n.span, shifted(s.span)))) dirtyS.add(s);
    const lineDelta = next.lines.row(edit.newEnd) - prev.lines.row(edit.oldEnd);
    const keptF = prev.functions.filter((e) => !dirtyF.has(e));
    const keptS = prev.structs.filter((e) => !dirtyS.has(e));
    for (const e of keptF) if (e.span.start > edit.oldEnd) shiftFunction(e, delta, lineDelta);
    for (const e of keptS) if (e.span.start > edit.oldEnd) shiftStruct(e, delta, lineDelta);
    next.functions = [...keptF, ...found.functions].sort((x, y) => x.key - y.key);
    next.structs = [...keptS, ...structs].sort((x, y) => x.span.start - y.span.start);
    // errors outside the regions stay (shifted); inside them, they are what the walk just found
    next.errors = [...prevErrors.map(shifted).filter((sp) => !touchesAny(regions, sp)), ...(found.errors ?? [])].sort(
      (x, y) => x.start - y.start,
    );
    for (const e of dirtyF) this.graph.remove(e.info);
    this.files.set(uri, next);
    for (const e of found.functions) this.graph.add(e.info);
    this.lastEdit = { reindexed: found.functions.length, kept: keptF.length, regions };
  }

  /**
   * Re-derive every definition of a file from its current tree, as update() does after a fresh parse.
   * After edits into broken C, tree-sitter's incremental parse can recover from errors differently
   * than a fresh parse of the same text; this is the reference applyEdit's partial work must equal.
   */
  rederive(uri: string): void {
    const f = this.fullFile(uri);
    if (!f) return;
    const r = findFunctions(f.tree, uri, f.text, f.lines, { masked: f.masked });
    this.replace(uri, { ...f, functions: r.functions, structs: findStructs(f.tree, uri, f.text), errors: r.errors });
  }

  remove(uri: string): void {
    const f = this.files.get(uri);
    if (f) for (const x of f.functions) this.graph.remove(x.info);
    this.files.delete(uri);
  }

  text(uri: string): string | undefined {
    return this.files.get(uri)?.text;
  }

  /** One line of a file's text (0-based, without its line break). */
  lineText(uri: string, line: number): string | undefined {
    const f = this.files.get(uri);
    if (!f || line < 0 || line >= f.lines.count) return undefined;
    const start = f.lines.start(line);
    const end = line + 1 < f.lines.count ? f.lines.start(line + 1) - 1 : f.text.length;
    return f.text.slice(start, end);
  }

  /** The function definitions of one file, in source order. */
  functionsIn(uri: string): FunctionInfo[] {
    return this.files.get(uri)?.functions.map((x) => x.info) ?? [];
  }

  tree(uri: string): Tree | undefined {
    return this.fullFile(uri)?.tree;
  }

  /** Every function definition, file by file in insertion order, in source order. */
  functions(): FunctionInfo[] {
    return [...this.files.values()].flatMap((f) => f.functions.map((x) => x.info));
  }

  structs(): StructInfo[] {
    return [...this.files.values()].flatMap((f) => f.structs.map((x) => x.info));
  }

  struct(name: string): StructInfo | undefined {
    return this.structs().find((s) => s.name === name);
  }

  /** The function whose definition contains the 0-based position. */
  functionAt(uri: string, line: number, col: number): FunctionInfo | undefined {
    const f = this.files.get(uri);
    if (!f) return undefined;
    const inside = (x: FunctionInfo): boolean => {
      const { start, end } = x.range;
      if (line < start.line || line > end.line) return false;
      if (line === start.line && col < start.character) return false;
      if (line === end.line && col > end.character) return false;
      return true;
    };
    return f.functions.map((x) => x.info).find(inside);
  }

  /** The definition of a function (a non-static one first when several files define it). */
  definition(name: string): FunctionInfo | undefined {
    const d = this.graph.definitions(name);
    return d.find((x) => !x.isStatic) ?? d[0];
  }

  /** The definition with its body node in the current tree (a non-static one first when several files define it). */
  found(name: string): FoundFunction | undefined {
    const info = this.definition(name);
    const f = info && this.files.get(info.uri);
    const e = f?.functions.find((x) => x.info === info);
    if (!f || !e) return undefined;
    // with a skeleton, the definition parsed alone (its interior is not in the skeleton)
    return {
      info: e.info,
      body: bodyNode(f.full ? f.tree : parseSpan(f.text, f.masked, f.lines, e.span.start, e.span.end), e),
      text: f.text,
    };
  }

  /**
   * The text a definition's body is read from without a tree (lockText.ts): the file's text, how
   * it is masked for the parser, its lines, and the body's span (its `{` to its `}`).
   */
  bodySource(name: string): BodySource | undefined {
    const info = this.definition(name);
    const f = info && this.files.get(info.uri);
    if (!f) return undefined;
    // a file's entries by definition, made once per index of it (a search per name is quadratic over a file)
    let byInfo = this.entries.get(f.functions);
    if (!byInfo) this.entries.set(f.functions, (byInfo = new Map(f.functions.map((x) => [x.info, x]))));
    const e = byInfo.get(info);
    if (!e || e.bodyType !== 'compound_statement') return undefined;
    return { text: f.text, masked: f.masked, lines: f.lines, body: e.body };
  }

  private entries = new WeakMap<FunctionEntry[], Map<FunctionInfo, FunctionEntry>>();

  /** Call sites of `name` (calls, and references such as INIT_WORK(&w, name) / call_rcu(&h, name)). */
  callers(name: string): CallSite[] {
    return this.graph.callers(name);
  }

  callees(name: string): CallSite[] {
    return this.graph.callees(name);
  }

  /** Call chains from an entry point down to `name`, shortest first. */
  pathsToRoot(name: string, roots: string[] = ENTRY_POINTS, maxPaths = 8): string[][] {
    return this.graph.pathsToRoot(name, roots, maxPaths);
  }

  /**
   * The engine IR of one function, with what could not be modelled. Kept while its definition is
   * (a re-derived definition is a new object) and starts on the same line (the IR is anchored to lines).
   */
  extract(name: string): Extraction | undefined {
    const info = this.definition(name);
    if (!info) return undefined;
    const kept = this.extracted.get(info);
    if (kept && kept.line === info.range.start.line) return kept.x;
    const f = this.found(name);
    if (!f) return undefined;
    const x = extractProgram(f, known());
    this.extracted.set(info, { line: info.range.start.line, x });
    return x;
  }

  private extracted = new WeakMap<FunctionInfo, { line: number; x: Extraction }>();
}

/** A file parsed whole, its index derived from the tree. */
function fullState(uri: string, text: string, lines: Lines, masked: Masked): FileState {
  const tree = parseMasked(text, masked);
  let functions: FunctionEntry[] = [];
  let structs: StructEntry[] = [];
  try {
    functions = findFunctions(tree, uri, text, lines, { errors: false, masked }).functions;
    structs = findStructs(tree, uri, text);
  } catch {
    // a tree the walkers cannot handle must never take the server down: keep what parsed
  }
  return { text, lines, masked, tree, functions, structs, errors: undefined, full: true };
}

/**
 * A file parsed with its function interiors left out (skeleton.ts), or undefined where that does
 * not hold: braces not plainly nested, or an interior left out that turns out to be no body.
 */
function skeletonState(uri: string, text: string, lines: Lines, masked: Masked): FileState | undefined {
  const interiors = functionInteriors(text);
  if (!interiors?.length) return undefined;
  const tree = parseSkeleton(text, masked, lines, interiors);
  const skeleton: Skeleton = {
    text,
    masked,
    lines,
    uri,
    interiors: new Map(interiors.map((b) => [b.start, b.end])),
    matched: 0,
  };
  try {
    const functions = findFunctions(tree, uri, text, lines, { errors: false, masked, skeleton }).functions;
    return {
      text,
      lines,
      masked,
      tree,
      functions,
      structs: findStructs(tree, uri, text, undefined, true),
      errors: undefined,
      full: false,
    };
  } catch {
    // NotSkeleton, or a tree the walkers cannot handle: the full parse decides
    return undefined;
  }
}

let knownOnce: Set<string> | undefined;
/** The functions the engine has models for (the registry does not change while the process runs). */
const known = (): Set<string> => (knownOnce ??= knownFunctions());

/** The slab files of a kernel tree, relative to its root: what is indexed by default. */
/** See Analyzer.bodySource. */
export interface BodySource {
  text: string;
  masked: Masked;
  lines: Lines;
  body: Span;
}

export const SLAB_FILES = ['mm/slab_common.c', 'mm/slub.c', 'mm/slab.h'];

/** Per orchestration function, what its extraction could not model. */
export function notModelledByFunction(extractions: Record<string, Extraction>): Record<string, NotModelled[]> {
  return Object.fromEntries(Object.entries(extractions).map(([k, v]) => [k, v.notModelled]));
}

/** The IR of the orchestration functions (engine ORCHESTRATION) found in the analyzer's files. */
export function extractOrchestration(a: Analyzer): ProgramSet {
  return extractOrchestrationReport(a).programs;
}

/** Same, with the per-function extraction reports (not modelled, ignored, lines). */
export function extractOrchestrationReport(a: Analyzer): {
  programs: ProgramSet;
  extractions: Record<string, Extraction>;
  teardown: string[];
} {
  const programs: ProgramSet = {};
  const extractions: Record<string, Extraction> = {};
  // the cpuhp teardown callbacks the C registers with cpuhp_setup_state*(): the hotplug thread runs them
  const teardown = [
    ...new Set(
      [...new Set(a.functions().map((f) => f.uri))]
        .flatMap((uri) => registrations(a.text(uri) ?? ''))
        .filter((r) => r.kind === 'cpuhp' && r.teardown && a.definition(r.fn))
        .map((r) => r.fn),
    ),
  ];
  for (const n of [...ORCHESTRATION, ...teardown]) {
    const x = a.extract(n);
    if (!x) continue;
    extractions[n] = x;
    programs[n] = x.program;
  }
  return { programs, extractions, teardown };
}

const overlapsSpan = (a: Span, b: Span): boolean => a.end >= b.start && a.start <= b.end;

/** Sorted, disjoint spans covering the given ones (touching ones merged). */
function merge(spans: Span[]): Span[] {
  const sorted = spans.map((s) => ({ ...s })).sort((a, b) => a.start - b.start);
  const out: Span[] = [];
  for (const s of sorted) {
    const last = out[out.length - 1];
    if (last && s.start <= last.end + 1) last.end = Math.max(last.end, s.end);
    else out.push(s);
  }
  return out;
}

/** The first of the sorted regions that does not end before `sp` starts (adjacent counts as touching). */
function firstFrom(regions: Span[], sp: Span): number {
  return lowerBound(regions.length, (i) => regions[i].end + 1 < sp.start);
}

const touchesAny = (regions: Span[], sp: Span): boolean => {
  const i = firstFrom(regions, sp);
  return i < regions.length && regions[i].start <= sp.end + 1;
};

const covered = (regions: Span[], sp: Span): boolean => {
  const i = firstFrom(regions, sp);
  return i < regions.length && regions[i].start <= sp.start && regions[i].end >= sp.end;
};

/** Move positions after an edit: only whole lines move (entries starting on the edit's last line are re-derived). */
function shiftRange(r: Range, lines: number): void {
  r.start.line += lines;
  r.end.line += lines;
}

function shiftFunction(e: FunctionEntry, delta: number, lines: number): void {
  e.span = { start: e.span.start + delta, end: e.span.end + delta };
  e.body = { start: e.body.start + delta, end: e.body.end + delta };
  e.key += delta;
  if (!lines) return;
  shiftRange(e.info.range, lines);
  shiftRange(e.info.selectionRange, lines);
  for (const c of e.info.calls) shiftRange(c.range, lines);
  for (const c of e.info.refs ?? []) shiftRange(c.range, lines);
}

function shiftStruct(e: StructEntry, delta: number, lines: number): void {
  e.span = { start: e.span.start + delta, end: e.span.end + delta };
  if (!lines) return;
  shiftRange(e.info.range, lines);
  shiftRange(e.info.selectionRange, lines);
  for (const f of e.info.fields) shiftRange(f.range, lines);
}

/** The top-level items of a file's tree holding a syntax error. */
function errorItems(f: FileState, uri: string): Span[] {
  try {
    return findFunctions(f.tree, uri, f.text, f.lines, { derive: false }).errors ?? [];
  } catch {
    return [];
  }
}

/** A definition's body node in the current tree (else the smallest node spanning its offsets). */
function bodyNode(tree: Tree, e: FunctionEntry): SyntaxNode {
  return bodyNodeAt(tree, e.body, e.bodyType) ?? tree.rootNode.descendantForIndex(e.body.start, e.body.end);
}
