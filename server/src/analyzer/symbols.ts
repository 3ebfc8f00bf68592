// Finding function definitions, their calls and struct definitions in a tree-sitter C tree,
// tolerating the ways kernel idioms confuse the grammar (attribute macros, loop macros).

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

export interface FoundFunction { info: FunctionInfo; node: SyntaxNode; body: SyntaxNode }

/** Every top-level function definition (also inside #if blocks and ERROR recovery nodes). */
export function findFunctions(tree: Tree, uri: string, text: string): FoundFunction[] {
  const out: FoundFunction[] = [];
  const seen = new Set<number>();
  const visitTop = (n: SyntaxNode): void => {
    for (let i = 0; i < n.namedChildCount; i++) {
      const c = n.namedChild(i)!;
      if (c.type === 'function_definition') {
        const f = fromDefinition(c, uri, text);
        if (f && !seen.has(f.body.startIndex)) {
          seen.add(f.body.startIndex);
          out.push(f);
        }
      } else if (c.type.startsWith('preproc_if') || c.type === 'preproc_else' || c.type === 'preproc_elif' || c.type === 'preproc_elifdef' || c.type === 'ERROR' || c.type === 'linkage_specification' || c.type === 'declaration_list') {
        visitTop(c);
        if (c.type === 'ERROR') fromErrorRun(c, uri, text, out, seen);
      }
    }
  };
  visitTop(tree.rootNode);
  out.sort((a, b) => a.node.startIndex - b.node.startIndex);
  return out;
}

function fromDefinition(def: SyntaxNode, uri: string, text: string): FoundFunction | null {
  const body = def.childForFieldName('body');
  if (!body) return null;
  const fd = functionDeclarator(def.childForFieldName('declarator'));
  if (!fd) {
    // `void __init\nf(void) { }`: the grammar takes `f` for a type and `(void)` for a
    // parenthesized declarator (the specifiers end up in a preceding declaration).
    const t = def.childForFieldName('type');
    const d = def.childForFieldName('declarator');
    if (t?.type === 'type_identifier' && d?.type === 'parenthesized_declarator' && !isLoopMacro(t.text)) {
      return make(t.text, t, def, startWithSpecifiers(def, text), body, null, uri, text);
    }
    return null;
  }
  const nameNode = declaratorName(fd);
  if (!nameNode) return null;
  const name = nameNode.text;
  if (isLoopMacro(name)) return null;
  const start = startWithSpecifiers(def, text);
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

function make(name: string, nameNode: SyntaxNode, def: SyntaxNode, startIndex: number, body: SyntaxNode, fd: SyntaxNode | null, uri: string, text: string, parts?: SyntaxNode[]): FoundFunction {
  const sigText = text.slice(startIndex, body.startIndex).replace(/\s+/g, ' ').trim();
  const startNode = def.tree.rootNode.descendantForIndex(startIndex, startIndex);
  const range: Range = { start: { line: startNode.startPosition.row, character: startNode.startPosition.column }, end: rangeOf(def).end };
  if (startIndex === def.startIndex) range.start = rangeOf(def).start;
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
  info.calls = parts ? parts.flatMap((p) => collectCalls(p, name, uri, refs)) : collectCalls(body, name, uri, refs);
  info.refs = refs;
  return { info, node: def, body };
}

/** In an ERROR node, look for `name ( params ) { ... }` runs the grammar did not assemble. */
function fromErrorRun(err: SyntaxNode, uri: string, text: string, out: FoundFunction[], seen: Set<number>): void {
  const kids = err.namedChildren;
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

/** The loop macro whose block `n` is (nested parse or loose `macro(args)` + block), if any. */
function loopOfBlock(n: SyntaxNode): string | undefined {
  const p = n.parent;
  if (p?.type === 'function_definition') {
    const t = p.childForFieldName('type');
    if (t && isLoopMacro(t.text) && p.childForFieldName('body')?.id === n.id) return t.text;
    return undefined;
  }
  const prev = n.previousNamedSibling;
  if (prev?.type === 'expression_statement') {
    const c = prev.namedChild(0);
    const f = c?.type === 'call_expression' ? c.childForFieldName('function') : null;
    if (f && isLoopMacro(f.text)) return f.text;
  }
  return undefined;
}

/** Every call in a function body, with loop-macro context. */
export function collectCalls(body: SyntaxNode, caller: string, uri: string, refs?: CallSite[]): CallSite[] {
  const out: CallSite[] = [];
  const calls = body.type === 'call_expression' ? [body, ...body.descendantsOfType('call_expression')] : body.descendantsOfType('call_expression');
  const loopCache = new Map<number, string | undefined>();
  const loopAround = (n: SyntaxNode): string | undefined => {
    for (let x: SyntaxNode | null = n.parent; x && x.id !== body.id; x = x.parent) {
      if (x.type !== 'compound_statement' && !x.type.endsWith('_statement')) continue;
      if (loopCache.has(x.id)) {
        const v = loopCache.get(x.id);
        if (v) return v;
        continue;
      }
      const v = loopOfBlock(x);
      loopCache.set(x.id, v);
      if (v) return v;
    }
    return undefined;
  };
  for (const n of calls) {
    const f = n.childForFieldName('function');
    if (!f) continue;
    let callee: string | undefined;
    let viaPointer = false;
    if (f.type === 'identifier') callee = f.text;
    else if (f.type === 'field_expression') {
      callee = f.childForFieldName('field')?.text;
      viaPointer = true;
    } else if (f.type === 'parenthesized_expression' || f.type === 'pointer_expression') {
      const id = f.descendantsOfType('identifier').pop() ?? f.descendantsOfType('field_identifier').pop();
      callee = id?.text;
      viaPointer = true;
    }
    if (!callee || NOT_CALLS.has(callee) || isLoopMacro(callee)) continue;
    const loop = loopAround(n);
    const cs: CallSite = { callee, caller, uri, range: rangeOf(f), viaPointer };
    if (loop) cs.inLoopMacro = loop;
    out.push(cs);
    if (!refs) continue;
    for (const a of n.childForFieldName('arguments')?.namedChildren ?? []) {
      if (a.type !== 'identifier') continue;
      const r: CallSite = { callee: a.text, caller, uri, range: rangeOf(a), viaPointer: true, reference: true };
      if (loop) r.inLoopMacro = loop;
      refs.push(r);
    }
  }
  return out;
}

/** Struct definitions with their fields. */
export function findStructs(tree: Tree, uri: string): StructInfo[] {
  const out: StructInfo[] = [];
  for (const s of tree.rootNode.descendantsOfType('struct_specifier')) {
    const name = s.childForFieldName('name');
    const body = s.childForFieldName('body');
    if (!name || !body) continue;
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
    out.push({ name: name.text, uri, range: rangeOf(s), selectionRange: rangeOf(name), fields });
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
