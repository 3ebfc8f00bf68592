// The analyzer core of the language server: parsed C files, their functions, structs and calls,
// the call graph, and the engine IR of the orchestration functions. No LSP here.

import type { ProgramSet } from '../../../engine/src';
import { CallGraph, ENTRY_POINTS } from './callgraph';
import { extractAll, extractProgram, Extraction, NotModelled } from './extract';
import { maskAttributes, parseC, pointAt, Tree } from './parse';
import { CallSite, findFunctions, findStructs, FoundFunction, FunctionInfo, StructInfo } from './symbols';

export { ENTRY_POINTS } from './callgraph';
export { extractProgram, knownFunctions } from './extract';
export type { Extraction, Ignored, NotModelled } from './extract';
export { isLoopMacro } from './symbols';
export type { CallSite, FoundFunction, FunctionInfo, Position, Range, StructField, StructInfo } from './symbols';

interface FileState {
  text: string;
  /** what was parsed: `text` with attribute macros blanked out (same offsets) */
  masked: string;
  tree: Tree;
  functions: FoundFunction[];
  structs: StructInfo[];
}

export class Analyzer {
  private files = new Map<string, FileState>();
  private graph: CallGraph | undefined;

  /** Replace a file's text (full re-parse). */
  update(uri: string, text: string): void {
    const masked = maskAttributes(text);
    this.index(uri, text, masked, parseC(masked));
  }

  /** Apply one edit (`text[startIndex, oldEndIndex)` replaced by `newText`), re-parsing incrementally. */
  applyEdit(uri: string, startIndex: number, oldEndIndex: number, newText: string): void {
    const f = this.files.get(uri);
    if (!f) {
      this.update(uri, newText);
      return;
    }
    const old = f.text;
    startIndex = Math.max(0, Math.min(startIndex, old.length));
    oldEndIndex = Math.max(startIndex, Math.min(oldEndIndex, old.length));
    const text = old.slice(0, startIndex) + newText + old.slice(oldEndIndex);
    const masked = maskAttributes(text);
    // The edit as the parser sees it: masking can change next to the edit (typing `__ini` -> `__init`),
    // so take the smallest range where the old and new masked texts differ.
    const a = f.masked;
    let start = 0;
    const maxPrefix = Math.min(a.length, masked.length);
    while (start < maxPrefix && a.charCodeAt(start) === masked.charCodeAt(start)) start++;
    let endOld = a.length;
    let endNew = masked.length;
    while (endOld > start && endNew > start && a.charCodeAt(endOld - 1) === masked.charCodeAt(endNew - 1)) {
      endOld--;
      endNew--;
    }
    f.tree.edit({
      startIndex: start,
      oldEndIndex: endOld,
      newEndIndex: endNew,
      startPosition: pointAt(a, start),
      oldEndPosition: pointAt(a, endOld),
      newEndPosition: pointAt(masked, endNew),
    });
    this.index(uri, text, masked, parseC(masked, f.tree));
  }

  remove(uri: string): void {
    this.files.delete(uri);
    this.graph = undefined;
  }

  text(uri: string): string | undefined {
    return this.files.get(uri)?.text;
  }

  tree(uri: string): Tree | undefined {
    return this.files.get(uri)?.tree;
  }

  private index(uri: string, text: string, masked: string, tree: Tree): void {
    let functions: FoundFunction[] = [];
    let structs: StructInfo[] = [];
    try {
      functions = findFunctions(tree, uri, text);
      structs = findStructs(tree, uri);
    } catch {
      // a tree the walkers cannot handle must never take the server down: keep what parsed
    }
    this.files.set(uri, { text, masked, tree, functions, structs });
    this.graph = undefined;
  }

  /** Every function definition, file by file in insertion order, in source order. */
  functions(): FunctionInfo[] {
    return [...this.files.values()].flatMap((f) => f.functions.map((x) => x.info));
  }

  structs(): StructInfo[] {
    return [...this.files.values()].flatMap((f) => f.structs);
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
    return this.found(name)?.info;
  }

  /** The parsed definition (tree nodes included) of a function. */
  found(name: string): FoundFunction | undefined {
    let best: FoundFunction | undefined;
    for (const f of this.files.values()) {
      for (const x of f.functions) {
        if (x.info.name !== name) continue;
        if (!best || (best.info.isStatic && !x.info.isStatic)) best = x;
      }
    }
    return best;
  }

  private cg(): CallGraph {
    if (!this.graph) this.graph = new CallGraph(this.functions());
    return this.graph;
  }

  /** Call sites of `name` (calls, and references such as INIT_WORK(&w, name) / call_rcu(&h, name)). */
  callers(name: string): CallSite[] {
    return this.cg().callers(name);
  }

  callees(name: string): CallSite[] {
    return this.cg().callees(name);
  }

  /** Call chains from an entry point down to `name`, shortest first. */
  pathsToRoot(name: string, roots: string[] = ENTRY_POINTS, maxPaths = 8): string[][] {
    return this.cg().pathsToRoot(name, roots, maxPaths);
  }

  /** The engine IR of one function, with what could not be modelled. */
  extract(name: string): Extraction | undefined {
    const f = this.found(name);
    return f ? extractProgram(f) : undefined;
  }
}

/** The slab files of a kernel tree, relative to its root: what is indexed by default. */
export const SLAB_FILES = ['mm/slab_common.c', 'mm/slub.c', 'mm/slab.h'];

/** Per orchestration function, what its extraction could not model. */
export function notModelledByFunction(extractions: Record<string, Extraction>): Record<string, NotModelled[]> {
  return Object.fromEntries(Object.entries(extractions).map(([k, v]) => [k, v.notModelled]));
}

/** The IR of the orchestration functions (engine ORCHESTRATION) found in the analyzer's files. */
export function extractOrchestration(a: Analyzer): ProgramSet {
  return extractAll((n) => a.found(n)).programs;
}

/** Same, with the per-function extraction reports (not modelled, ignored, lines). */
export function extractOrchestrationReport(a: Analyzer): { programs: ProgramSet; extractions: Record<string, Extraction> } {
  return extractAll((n) => a.found(n));
}
