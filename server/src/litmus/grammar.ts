// The frame of a scenario file in peggy's grammar language: `C name`, the init block, the thread
// headers with their bodies taken as text (balanced braces, C comments and literals skipped),
// and the exists / ~exists / forall clause in herd7's syntax. The bodies are C: tree-sitter-c
// parses them (lower.ts). Every node carries peggy's location() for the diagnostics.

export const GRAMMAR = String.raw`
{
  const comments = new Map();
  const loc = (l) => ({ line: l.start.line, column: l.start.column, offset: l.start.offset, endLine: l.end.line, endColumn: l.end.column, endOffset: l.end.offset });
  const fold = (kind, head, tail, l) => (tail.length ? { kind, args: [head, ...tail], loc: l } : head);
}

File
  = _ header:Header _ init:Init _ threads:Thread|.., _| _ clause:Clause? _ End
    { return { name: header.name, nameLoc: header.loc, init: init.items, initLoc: init.loc, threads, clause, comments: [...comments.values()] }; }

End "end of file" = !.

Header
  = "C" [ \t]+ name:$[^ \t\r\n]+ { return { name, loc: loc(location()) }; }

// ---- init block -------------------------------------------------------------------------

Init
  = "{" _ items:(@InitItem _ ";" _)* "}" { return { items, loc: loc(location()) }; }

InitItem
  = CpuItem
  / CacheItem
  / AssignItem
  / SettingItem

CpuItem
  = "cpu" cpu:Int _ ":" _ op:(CpuSlab / CallExpr)
    { return { ...op, cpu, loc: loc(location()) }; }

CpuSlab
  = "c" _ "->" _ "slab" _ "=" _ slab:Ident { return { kind: 'cpuslab', slab }; }

CacheItem
  = "s" _ "->" _ field:Ident _ "=" _ value:Value { return { kind: 'cache', field, value, loc: loc(location()) }; }

AssignItem
  = target:Ident _ "=" _ call:CallExpr { return { ...call, kind: 'assign', target, loc: loc(location()) }; }

SettingItem
  = name:Ident _ "=" _ value:Value { return { kind: 'setting', name, value, loc: loc(location()) }; }

CallExpr
  = fn:Ident _ "(" _ args:Arg|.., _ "," _| _ ")" { return { kind: 'call', fn, args }; }

Arg = $[A-Za-z0-9_]+

Value "a value"
  = $([A-Za-z0-9_]+ (_ "|" _ [A-Za-z0-9_]+)*)

// ---- threads ----------------------------------------------------------------------------

Thread
  = name:$("P" [0-9]+) _ "(" params:$[^)]* ")" _ body:Body
    { return { name, params: params.trim(), body: body.text, loc: loc(location()), bodyLoc: body.loc }; }

Body
  = "{" BodyItem* "}" { return { text: text(), loc: loc(location()) }; }

BodyItem
  = [^{}"'/]+
  / "/*" (!"*/" .)* "*/"
  / "//" [^\n]*
  / '"' ([^"\\\n] / "\\" .)* '"'
  / "'" ([^'\\\n] / "\\" .)* "'"
  / "/"
  / "{" BodyItem* "}"

// ---- the clause -------------------------------------------------------------------------

Clause
  = quantifier:Quantifier _ prop:Prop { return { quantifier, prop, loc: loc(location()) }; }

Quantifier
  = "~" _ "exists" { return '~exists'; }
  / "exists" !IdChar { return 'exists'; }
  / "forall" !IdChar { return 'forall'; }

Prop = Disj

Disj = head:Conj tail:(_ "\\/" _ @Conj)* { return fold('or', head, tail, loc(location())); }

Conj = head:Unary tail:(_ "/\\" _ @Unary)* { return fold('and', head, tail, loc(location())); }

Unary
  = "~" _ arg:Unary { return { kind: 'not', arg, loc: loc(location()) }; }
  / "(" _ @Prop _ ")"
  / Atom

Atom
  = thread:Int ":" reg:Ident _ "=" _ value:SignedInt { return { kind: 'reg', thread, reg, value, loc: loc(location()) }; }
  / "true" !IdChar { return { kind: 'const', value: true, loc: loc(location()) }; }
  / "false" !IdChar { return { kind: 'const', value: false, loc: loc(location()) }; }
  / name:Ident arg:(_ "(" _ @$Ident? _ ")")? { return arg === null ? { kind: 'pred', name, loc: loc(location()) } : { kind: 'pred', name, arg, loc: loc(location()) }; }

// ---- lexical ----------------------------------------------------------------------------

Ident "a name" = $([A-Za-z_] IdChar*)
IdChar = [A-Za-z0-9_]
Int "a number" = digits:$[0-9]+ { return Number(digits); }
SignedInt = sign:"-"? digits:$[0-9]+ { return Number((sign ?? '') + digits); }

_ = (Space / Comment)*
Space "white space" = [ \t\r\n]+
Comment "a comment"
  = "(*" body:$(!"*)" .)* "*)" { const l = loc(location()); comments.set(l.offset, { text: body, loc: l }); }
  / "//" [^\n]*
  / "/*" (!"*/" .)* "*/"
`;
