// The analyzer's public types: positions and ranges, functions, call sites, structs, and the
// entries the index keeps. No tree-sitter objects outlive a parse in them (see FunctionEntry).

import type { Lines, Masked, SyntaxNode } from './parse';

export interface Position {
  line: number;
  character: number;
}
/** 0-based lines and columns. */
export interface Range {
  start: Position;
  end: Position;
}

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

export interface StructField {
  name: string;
  type: string;
  range: Range;
}
export interface StructInfo {
  name: string;
  uri: string;
  range: Range;
  selectionRange: Range;
  fields: StructField[];
}

/** What extraction needs of a definition: its info, its body node in the current tree, and the file's real text (the tree was parsed from a masked copy). */
export interface FoundFunction {
  info: FunctionInfo;
  body: SyntaxNode;
  text: string;
}

/** A half-open span of text offsets (UTF-16 code units, like the text and tree-sitter's indices). */
export interface Span {
  start: number;
  end: number;
}

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

export interface StructEntry {
  info: StructInfo;
  span: Span;
}

/**
 * A tree parsed with function interiors left out: a body that is one is read from the text, or
 * from a parse of its definition alone. `interiors`: start -> end of each interior left out;
 * `matched`: how many of them turned out to be a definition's body.
 */
export interface Skeleton {
  text: string;
  masked: Masked;
  lines: Lines;
  uri: string;
  interiors: Map<number, number>;
  matched: number;
}
