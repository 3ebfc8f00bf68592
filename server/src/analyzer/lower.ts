// Size: 675 lines with comments, 595 of code (eslint counts code, at most 600): one lowering per C construct, all over the same lowering context and temporaries.
// Lowering a kernel C function body from its tree-sitter parse into the engine's interpreted-C
// IR (engine/src/cir.ts): flat code with jumps, calls hoisted out of expressions into temporaries.
// What the subset does not cover is reported as "not modelled: <construct> at line N" and the
// function is not interpreted (a hand model stands in for it, and the result says so).

import type { CExpr, CFunc, CInstr } from '../../../engine/src/cir';
import { HEAP_FIELDS } from '../../../engine/src/heap';
import { LOCAL_STRUCTS } from '../../../engine/src/clocal';
import { ARRAY_LEN, LIST_ENTRIES } from '../../../engine/src/cmem';
import { PTR_SIZE } from '../../../engine/src/cprims';
import type { SyntaxNode } from './parse';
import { declName, hasEffect, IDENTITY, localListHead, params, stringValue, typeText } from './lowerSyntax';
import { loopMacroOf } from './calls';
import type { FoundFunction, StructInfo } from './types';

export class NotLowered extends Error {
  constructor(
    readonly construct: string,
    readonly line: number,
  ) {
    super(`not modelled: ${construct} at line ${line + 1}`);
  }
}

export interface LowerEnv {
  /** whether a name is a function (defined in the files, a primitive, or a model) */
  isFunction(name: string): boolean;
  /** primitives whose arguments are not evaluated (statistics, debug output) */
  isNoop(name: string): boolean;
  /** a struct definition from the C, for the field check */
  struct(name: string): StructInfo | undefined;
  /** whether the struct's definition in the C declares the field (also inside #ifdef or unions) */
  structHas?(name: string, field: string): boolean | undefined;
  /** enumerators and macros the engine knows */
  isConstant(name: string): boolean;
}

/** Lock primitives that take a `flags` variable by name (a macro): only the lock is passed. */
const FLAGS_BY_NAME =
  /^(local_lock_irqsave|local_unlock_irqrestore|local_lock_cpu_slab|local_unlock_cpu_slab|spin_lock_irqsave|spin_unlock_irqrestore|raw_spin_lock_irqsave|raw_spin_unlock_irqrestore)$/;
const LIST_LOOPS = new Set(['list_for_each_entry', 'list_for_each_entry_safe']);

class Lowerer {
  code: CInstr[] = [];
  private temps = 0;
  private labels = new Map<string, number>();
  private gotos: { at: number; label: string; line: number }[] = [];
  private loops: { breaks: number[]; continues: number[] }[] = [];
  /** local and parameter names with their declared types */
  types = new Map<string, string>();
  /** local arrays (an array name used as a value is a pointer to its first element) */
  private arrays = new Set<string>();
  private stmtStart = true;

  constructor(
    readonly fn: string,
    readonly text: string,
    readonly env: LowerEnv,
  ) {}

  private emit(i: CInstr): number {
    if (this.stmtStart) {
      i.st = true;
      this.stmtStart = false;
    }
    this.code.push(i);
    return this.code.length - 1;
  }

  private temp(): string {
    const n = `$${++this.temps}`;
    this.types.set(n, '');
    return n;
  }

  private patch(at: number, to: number): void {
    const i = this.code[at];
    if (i.i === 'jf' || i.i === 'jmp') i.to = to;
  }

  finish(): CInstr[] {
    for (const g of this.gotos) {
      const to = this.labels.get(g.label);
      if (to === undefined) throw new NotLowered(`goto ${g.label} (no such label)`, g.line);
      this.patch(g.at, to);
    }
    return this.code;
  }

  // ---- statements ------------------------------------------------------------------------------

  block(n: SyntaxNode | null): void {
    if (!n) return;
    if (n.type !== 'compound_statement') return this.stmt(n, new Set());
    const consumed = new Set<number>();
    for (const c of n.namedChildren) {
      if (consumed.has(c.id)) continue;
      this.stmt(c, consumed);
    }
  }

  stmt(n: SyntaxNode, consumed: Set<number>): void {
    const line = n.startPosition.row;
    const lm = loopMacroOf(n, this.text);
    if (lm) {
      if (lm.body) consumed.add(lm.body.id);
      return this.listLoop(lm.name, lm.args, lm.body, line);
    }
    this.stmtStart = true;
    switch (n.type) {
      case 'comment':
      case ';':
        return;
      case 'compound_statement':
        return this.block(n);
      case 'declaration':
        return this.declaration(n);
      case 'expression_statement': {
        const e = n.namedChild(0);
        if (e) this.effect(e);
        return;
      }
      case 'if_statement':
        return this.ifStmt(n, line);
      case 'while_statement':
        return this.whileStmt(n, line);
      case 'do_statement':
        return this.doStmt(n, line);
      case 'for_statement':
        return this.forStmt(n, line);
      case 'break_statement':
      case 'continue_statement':
      case 'goto_statement':
        return this.jumpStmt(n, line);
      case 'labeled_statement': {
        const label = n.childForFieldName('label')?.text ?? n.namedChild(0)!.text;
        this.labels.set(label, this.code.length);
        const inner = n.namedChildren.filter((c) => c.type !== 'statement_identifier');
        for (const c of inner) this.stmt(c, consumed);
        return;
      }
      case 'return_statement': {
        const v = n.namedChild(0);
        this.emit({ i: 'ret', e: v ? this.expr(v) : undefined, line });
        return;
      }
      case 'preproc_ifdef':
        return this.ifdef(n, consumed, line);
      default:
        throw new NotLowered(n.type.replace(/_statement$/, '').replace(/_/g, ' '), line);
    }
  }

  private ifStmt(n: SyntaxNode, line: number): void {
    const cond = this.expr(n.childForFieldName('condition')!);
    const jf = this.emit({ i: 'jf', e: cond, to: -1, line });
    this.stmtStart = true;
    this.block(n.childForFieldName('consequence'));
    const alt = n.childForFieldName('alternative');
    if (alt) {
      const jmp = this.emit({ i: 'jmp', to: -1, line });
      this.patch(jf, this.code.length);
      this.stmtStart = true;
      this.block(alt.type === 'else_clause' ? alt.namedChild(0) : alt);
      this.patch(jmp, this.code.length);
    } else this.patch(jf, this.code.length);
  }

  private whileStmt(n: SyntaxNode, line: number): void {
    const top = this.code.length;
    const cond = this.expr(n.childForFieldName('condition')!);
    const jf = this.emit({ i: 'jf', e: cond, to: -1, line });
    this.loopBody(n.childForFieldName('body'), top, line);
    this.patch(jf, this.code.length);
    this.closeLoop(this.code.length, top);
  }

  private doStmt(n: SyntaxNode, line: number): void {
    const top = this.code.length;
    this.loops.push({ breaks: [], continues: [] });
    this.stmtStart = true;
    this.block(n.childForFieldName('body'));
    const cont = this.code.length;
    this.stmtStart = true;
    const cond = this.expr(n.childForFieldName('condition')!);
    this.emit({ i: 'jf', e: { k: 'un', op: '!', e: cond }, to: top, line });
    this.closeLoop(this.code.length, cont);
  }

  private forStmt(n: SyntaxNode, line: number): void {
    const init = n.childForFieldName('initializer');
    if (init) {
      if (init.type === 'declaration') this.declaration(init);
      else this.effect(init);
    }
    const top = this.code.length;
    this.stmtStart = true;
    const c = n.childForFieldName('condition');
    const jf = c ? this.emit({ i: 'jf', e: this.expr(c), to: -1, line }) : -1;
    this.loops.push({ breaks: [], continues: [] });
    this.stmtStart = true;
    this.block(n.childForFieldName('body'));
    const cont = this.code.length;
    const upd = n.childForFieldName('update');
    this.stmtStart = true;
    if (upd) this.effect(upd);
    this.emit({ i: 'jmp', to: top, line });
    if (jf >= 0) this.patch(jf, this.code.length);
    this.closeLoop(this.code.length, cont);
  }

  /** break, continue (to the innermost loop; a switch is not lowered) and goto (patched at the end). */
  private jumpStmt(n: SyntaxNode, line: number): void {
    if (n.type === 'goto_statement') {
      const label = n.childForFieldName('label')?.text ?? '';
      this.gotos.push({ at: this.emit({ i: 'jmp', to: -1, line }), label, line });
      return;
    }
    const l = this.loops[this.loops.length - 1];
    const brk = n.type === 'break_statement';
    if (!l) throw new NotLowered(brk ? 'break outside a loop (switch)' : 'continue outside a loop', line);
    (brk ? l.breaks : l.continues).push(this.emit({ i: 'jmp', to: -1, line }));
  }

  private ifdef(n: SyntaxNode, consumed: Set<number>, line: number): void {
    const name = n.childForFieldName('name')?.text ?? '';
    const negate = n.text.startsWith('#ifndef');
    const cfg: CExpr = { k: 'cfg', n: name };
    const jf = this.emit({ i: 'jf', e: negate ? { k: 'un', op: '!', e: cfg } : cfg, to: -1, line });
    for (const c of n.namedChildren) {
      if (c.type === 'identifier' || c.type.startsWith('preproc_else') || c.type.startsWith('preproc_elif')) continue;
      this.stmt(c, consumed);
    }
    const alt = n.childForFieldName('alternative');
    if (alt) {
      const jmp = this.emit({ i: 'jmp', to: -1, line });
      this.patch(jf, this.code.length);
      for (const c of alt.namedChildren) this.stmt(c, consumed);
      this.patch(jmp, this.code.length);
    } else this.patch(jf, this.code.length);
  }

  private loopBody(body: SyntaxNode | null, cont: number, line: number): void {
    this.loops.push({ breaks: [], continues: [] });
    this.stmtStart = true;
    this.block(body);
    this.emit({ i: 'jmp', to: cont, line });
  }

  private closeLoop(brk: number, cont: number): void {
    const l = this.loops.pop()!;
    l.breaks.forEach((b) => this.patch(b, brk));
    l.continues.forEach((c) => this.patch(c, cont));
  }

  /**
   * list_for_each_entry(_safe)(pos, [n,] head, member): over the list's entries taken at the start;
   * for_each_possible_cpu(cpu): over every CPU of the scenario (it does not read the online mask).
   */
  private listLoop(name: string, args: SyntaxNode[], body: SyntaxNode | null, line: number): void {
    if (name === 'for_each_possible_cpu' && args.length === 1 && args[0].type === 'identifier') {
      this.stmtStart = true;
      const n = this.temp();
      this.emit({ i: 'call', fn: '__nr_cpu_ids', args: [], to: { k: 'var', n }, line });
      return this.countedLoop(args[0].text, { k: 'var', n }, undefined, body, line);
    }
    if (!LIST_LOOPS.has(name)) throw new NotLowered(`loop macro ${name}`, line);
    const pos = args[0]?.text;
    const head = args[name.endsWith('_safe') ? 2 : 1];
    if (!pos || !head) throw new NotLowered(`${name} with these arguments`, line);
    this.stmtStart = true;
    const list = this.temp();
    const i = this.temp();
    this.emit({ i: 'call', fn: '__list_entries', args: [this.expr(head)], to: { k: 'var', n: list }, line });
    const len: CExpr = { k: 'bin', op: '#len', l: { k: 'var', n: list }, r: { k: 'num', v: 0 } };
    const nth: CExpr = { k: 'bin', op: '#nth', l: { k: 'var', n: list }, r: { k: 'var', n: i } };
    this.countedLoop(i, len, { to: pos, e: nth }, body, line);
  }

  /** for (i = 0; i < bound; i++) { [bind.to = bind.e;] body } */
  private countedLoop(
    i: string,
    bound: CExpr,
    bind: { to: string; e: CExpr } | undefined,
    body: SyntaxNode | null,
    line: number,
  ): void {
    this.emit({ i: 'set', to: { k: 'var', n: i }, e: { k: 'num', v: 0 }, line });
    const top = this.code.length;
    this.stmtStart = true;
    const jf = this.emit({ i: 'jf', e: { k: 'bin', op: '<', l: { k: 'var', n: i }, r: bound }, to: -1, line });
    if (bind) this.emit({ i: 'set', to: { k: 'var', n: bind.to }, e: bind.e, line });
    this.loops.push({ breaks: [], continues: [] });
    this.stmtStart = true;
    this.block(body);
    const cont = this.code.length;
    this.emit({
      i: 'set',
      to: { k: 'var', n: i },
      e: { k: 'bin', op: '+', l: { k: 'var', n: i }, r: { k: 'num', v: 1 } },
      line,
    });
    this.emit({ i: 'jmp', to: top, line });
    this.patch(jf, this.code.length);
    this.closeLoop(this.code.length, cont);
  }

  private declaration(n: SyntaxNode): void {
    const base = n.childForFieldName('type')?.text ?? '';
    for (const d of n.childrenForFieldName('declarator')) {
      const decl = d.type === 'init_declarator' ? d.childForFieldName('declarator')! : d;
      const { name, stars, array, size } = declName(decl);
      if (!name) throw new NotLowered(`declaration ${d.text}`, d.startPosition.row);
      if (array) {
        this.localArray(name, `${base} ${stars}`, size, d);
        continue;
      }
      this.types.set(name, typeText(`${base} ${stars}`));
      const local = /^struct (\w+)$/.exec(typeText(`${base} ${stars}`));
      if (d.type !== 'init_declarator' && local && (LOCAL_STRUCTS[local[1]] || HEAP_FIELDS[local[1]])) {
        // a struct on the stack (clocal.ts; `struct slab new;`): a record of its fields, none set yet
        this.stmtStart = true;
        this.emit({ i: 'set', to: { k: 'var', n: name }, e: { k: 'init', fields: {} }, line: d.startPosition.row });
      }
      if (d.type !== 'init_declarator') continue;
      const v = d.childForFieldName('value')!;
      this.stmtStart = true;
      const e = v.type === 'initializer_list' ? this.initializer(v) : this.expr(v, { k: 'var', n: name });
      if (!(e.k === 'var' && e.n === '$stored'))
        this.emit({ i: 'set', to: { k: 'var', n: name }, e, line: d.startPosition.row });
    }
  }

  /** `void *objects[N];`: a local array of pointers, as a record of its elements and its length (cmem.ts). */
  private localArray(name: string, elem: string, size: SyntaxNode | undefined, d: SyntaxNode): void {
    const line = d.startPosition.row;
    if (d.type === 'init_declarator' || !size || !typeText(elem).endsWith('*'))
      throw new NotLowered(`local array ${name}[] (only an uninitialised array of pointers)`, line);
    this.arrays.add(name);
    this.types.set(name, `${typeText(elem)}[]`);
    this.stmtStart = true;
    this.emit({
      i: 'set',
      to: { k: 'var', n: name },
      e: { k: 'init', fields: { [ARRAY_LEN]: this.expr(size) } },
      line,
    });
  }

  private initializer(v: SyntaxNode): CExpr {
    const fields: Record<string, CExpr> = {};
    for (const p of v.namedChildren) {
      if (p.type === 'comment') continue;
      if (p.type !== 'initializer_pair') throw new NotLowered('positional initializer', p.startPosition.row);
      const d = p.childForFieldName('designator')?.text.replace(/^\./, '') ?? p.namedChild(0)!.text.replace(/^\./, '');
      fields[d] = this.expr(p.childForFieldName('value')!);
    }
    return { k: 'init', fields };
  }

  /** An expression evaluated for its effect. */
  private effect(e: SyntaxNode): void {
    const line = e.startPosition.row;
    switch (e.type) {
      case 'assignment_expression':
      case 'update_expression':
      case 'call_expression':
        this.expr(e, undefined, true);
        return;
      case 'comma_expression':
        this.effect(e.childForFieldName('left')!);
        this.stmtStart = true;
        this.effect(e.childForFieldName('right')!);
        return;
      case 'parenthesized_expression':
      case 'cast_expression':
        return this.effect(e.namedChildren[e.namedChildCount - 1]);
      default: {
        // a value computed and dropped: only its calls matter
        const v = this.expr(e);
        if (v.k !== 'var' || !v.n.startsWith('$')) this.emit({ i: 'set', to: { k: 'var', n: '$void' }, e: v, line });
      }
    }
  }

  // ---- expressions -----------------------------------------------------------------------------

  /**
   * The value of an expression, emitting the instructions its calls and side effects need.
   * `into`: where the caller will store the value (a call's result is stored there directly).
   * `dropped`: the value is not used (x++ as a statement needs no temporary).
   */
  expr(n: SyntaxNode, into?: CExpr, dropped = false): CExpr {
    const line = n.startPosition.row;
    switch (n.type) {
      case 'parenthesized_expression':
      case 'condition_clause':
        return this.expr(n.namedChildren.filter((c) => c.type !== 'comment').pop()!, into, dropped);
      case 'cast_expression':
        return this.expr(n.childForFieldName('value')!, into, dropped);
      case 'number_literal':
        return this.numberLit(n, line);
      case 'char_literal':
        throw new NotLowered('character literal', line);
      case 'string_literal':
      case 'concatenated_string':
        return { k: 'str', v: stringValue(n) };
      case 'true':
        return { k: 'num', v: 1 };
      case 'false':
        return { k: 'num', v: 0 };
      case 'null':
        return { k: 'null' };
      case 'identifier':
        return this.ident(n.text, line);
      case 'field_expression': {
        const obj = n.childForFieldName('argument')!;
        const f = n.childForFieldName('field')!.text;
        const arrow = n.child(1)?.text === '->';
        this.checkField(obj, f, arrow, line);
        const e = this.expr(obj);
        return arrow ? { k: 'arrow', e, f } : { k: 'dot', e, f };
      }
      case 'subscript_expression': {
        const a = this.expr(n.childForFieldName('argument')!);
        const idx = n.childForFieldName('index') ?? n.childForFieldName('indices')?.namedChild(0);
        return { k: 'idx', e: a, i: this.expr(idx!) };
      }
      case 'pointer_expression': {
        const op = n.child(0)!.text;
        const a = this.expr(n.childForFieldName('argument')!);
        return op === '&' ? { k: 'addr', e: a } : { k: 'deref', e: a };
      }
      case 'unary_expression': {
        const op = n.child(0)!.text;
        const a = this.expr(n.childForFieldName('argument')!);
        if (op === '!' || op === '-' || op === '~') return { k: 'un', op, e: a };
        if (op === '+') return a;
        throw new NotLowered(`unary ${op}`, line);
      }
      case 'binary_expression':
        return this.binary(n, line);
      case 'conditional_expression':
        return this.conditional(n, line);
      case 'assignment_expression':
        return this.assignment(n, line);
      case 'update_expression':
        return this.update(n, line, dropped);
      case 'call_expression':
        return this.call(n, into, dropped);
      case 'comma_expression':
        this.effect(n.childForFieldName('left')!);
        return this.expr(n.childForFieldName('right')!, into, dropped);
      case 'sizeof_expression': {
        // only the size of a pointer (memcpy of pointer arrays): the model counts pointers, not bytes
        const ty = n.childForFieldName('type')?.text ?? '';
        if (/\*\s*$/.test(ty)) return { k: 'num', v: PTR_SIZE };
        throw new NotLowered(`sizeof ${n.text.replace(/\s+/g, ' ').slice(0, 40)}`, line);
      }
      case 'alignof_expression':
        throw new NotLowered('alignof', line);
      default:
        throw new NotLowered(
          `expression ${n.type.replace(/_/g, ' ')} (${n.text.replace(/\s+/g, ' ').slice(0, 40)})`,
          line,
        );
    }
  }

  private numberLit(n: SyntaxNode, line: number): CExpr {
    const t = n.text.replace(/[uUlL]+$/, '');
    const v = /^0[xX]/.test(t) ? parseInt(t, 16) : /^0[0-7]+$/.test(t) ? parseInt(t, 8) : Number(t);
    if (!Number.isFinite(v)) throw new NotLowered(`number ${n.text}`, line);
    return { k: 'num', v };
  }

  /** `&&`/`||` whose right side has effects run it only when the left does not decide: branches into a temporary. */
  private binary(n: SyntaxNode, line: number): CExpr {
    const op = n.childForFieldName('operator')?.text ?? n.child(1)!.text;
    const ln = n.childForFieldName('left')!;
    const rn = n.childForFieldName('right')!;
    if ((op === '&&' || op === '||') && hasEffect(rn)) {
      // the right side runs only when the left does not decide: branches into a temporary
      const t = this.temp();
      const l = this.expr(ln);
      this.emit({ i: 'set', to: { k: 'var', n: t }, e: { k: 'un', op: '!', e: { k: 'un', op: '!', e: l } }, line });
      const test: CExpr = op === '&&' ? { k: 'var', n: t } : { k: 'un', op: '!', e: { k: 'var', n: t } };
      const jf = this.emit({ i: 'jf', e: test, to: -1, line });
      const r = this.expr(rn);
      this.emit({ i: 'set', to: { k: 'var', n: t }, e: { k: 'un', op: '!', e: { k: 'un', op: '!', e: r } }, line });
      this.patch(jf, this.code.length);
      return { k: 'var', n: t };
    }
    const l = this.expr(ln);
    const r = this.expr(rn);
    return { k: 'bin', op, l, r };
  }

  private conditional(n: SyntaxNode, line: number): CExpr {
    const cn = n.childForFieldName('condition')!;
    const tn = n.childForFieldName('consequence')!;
    const fnode = n.childForFieldName('alternative')!;
    const c = this.expr(cn);
    if (!hasEffect(tn) && !hasEffect(fnode)) return { k: 'cond', c, t: this.expr(tn), f: this.expr(fnode) };
    const t = this.temp();
    const jf = this.emit({ i: 'jf', e: c, to: -1, line });
    this.emit({ i: 'set', to: { k: 'var', n: t }, e: this.expr(tn), line });
    const jmp = this.emit({ i: 'jmp', to: -1, line });
    this.patch(jf, this.code.length);
    this.emit({ i: 'set', to: { k: 'var', n: t }, e: this.expr(fnode), line });
    this.patch(jmp, this.code.length);
    return { k: 'var', n: t };
  }

  private assignment(n: SyntaxNode, line: number): CExpr {
    const op = n.childForFieldName('operator')?.text ?? n.child(1)!.text;
    const to = this.expr(n.childForFieldName('left')!);
    assertLvalue(to, line);
    const rn = n.childForFieldName('right')!;
    if (op === '=') {
      const v = this.expr(rn, to);
      if (!(v.k === 'var' && v.n === '$stored')) this.emit({ i: 'set', to, e: v, line });
      return to;
    }
    const r = this.expr(rn);
    this.emit({ i: 'set', to, e: { k: 'bin', op: op.slice(0, -1), l: to, r }, line });
    return to;
  }

  /** x++ / --x: as a statement (dropped) or prefix, one store; postfix used as a value, through a temporary. */
  private update(n: SyntaxNode, line: number, dropped: boolean): CExpr {
    const an = n.childForFieldName('argument')!;
    const to = this.expr(an);
    assertLvalue(to, line);
    const inc = n.text.includes('++');
    const prefix = n.child(0)!.text === '++' || n.child(0)!.text === '--';
    const next: CExpr = { k: 'bin', op: inc ? '+' : '-', l: to, r: { k: 'num', v: 1 } };
    if (prefix || dropped) {
      this.emit({ i: 'set', to, e: next, line });
      return to;
    }
    const t = this.temp();
    this.emit({ i: 'set', to: { k: 'var', n: t }, e: to, line });
    this.emit({
      i: 'set',
      to,
      e: { k: 'bin', op: inc ? '+' : '-', l: { k: 'var', n: t }, r: { k: 'num', v: 1 } },
      line,
    });
    return { k: 'var', n: t };
  }

  private ident(name: string, line: number): CExpr {
    if (this.arrays.has(name)) return { k: 'larr', n: name };
    if (this.types.has(name)) return { k: 'var', n: name };
    if (name === 'NULL') return { k: 'null' };
    if (name === 'true') return { k: 'num', v: 1 };
    if (name === 'false') return { k: 'num', v: 0 };
    if (this.env.isFunction(name)) return { k: 'fn', n: name };
    if (this.env.isConstant(name)) return { k: 'const', n: name };
    if (/^CONFIG_/.test(name)) return { k: 'cfg', n: name };
    throw new NotLowered(`identifier ${name} (a global or a macro)`, line);
  }

  private call(n: SyntaxNode, into: CExpr | undefined, dropped: boolean): CExpr {
    const line = n.startPosition.row;
    const f = n.childForFieldName('function')!;
    const args = (n.childForFieldName('arguments')?.namedChildren ?? []).filter((a) => a.type !== 'comment');
    if (f.type !== 'identifier') throw new NotLowered(`call through a pointer (${f.text})`, line);
    const name = f.text;
    if (IDENTITY.has(name) && args.length) return this.expr(args[0], into, dropped);
    if (name === 'WRITE_ONCE' && args.length === 2) {
      const to = this.expr(args[0]);
      assertLvalue(to, line);
      this.emit({ i: 'set', to, e: this.expr(args[1]), line });
      return to;
    }
    if (name === 'IS_ENABLED' && args[0]) return { k: 'cfg', n: args[0].text };
    if (name === 'swap' && args.length === 2 && dropped) return this.swap(args, line);
    const head = localListHead(name, args, this.types);
    if (head && dropped) {
      // a local list head: a record of its entries (cprims.ts), empty
      this.types.set(head, 'struct list_head');
      const fields = { [LIST_ENTRIES]: { k: 'num', v: 0 } as CExpr };
      this.emit({ i: 'set', to: { k: 'var', n: head }, e: { k: 'init', fields }, line });
      return { k: 'num', v: 0 };
    }
    if (name === 'container_of' && args.length === 3) {
      const type = args[1].text.replace(/^struct\s+/, '').trim();
      return { k: 'cof', e: this.expr(args[0]), type, member: args[2].text.trim() };
    }
    if (!this.env.isFunction(name))
      throw new NotLowered(`call to ${name}() (no body in these files, no primitive)`, line);
    let cargs: CExpr[];
    if (this.env.isNoop(name)) cargs = [];
    else if (FLAGS_BY_NAME.test(name)) cargs = [this.expr(args[0])];
    else if (name === 'local_irq_save' || name === 'local_irq_restore') cargs = [];
    // WARN(cond, fmt, ...): the condition only, the message is not evaluated
    else if (name === 'WARN' || name === 'WARN_ONCE') cargs = [this.expr(args[0])];
    else cargs = args.map((a) => this.expr(a));
    if (dropped) {
      this.emit({ i: 'call', fn: name, args: cargs, line });
      return { k: 'num', v: 0 };
    }
    if (into && isSimpleTarget(into)) {
      this.emit({ i: 'call', fn: name, args: cargs, to: into, line });
      return { k: 'var', n: '$stored' };
    }
    const t = this.temp();
    this.emit({ i: 'call', fn: name, args: cargs, to: { k: 'var', n: t }, line });
    return { k: 'var', n: t };
  }

  /** swap(a, b) of include/linux/minmax.h: through a temporary. */
  private swap(args: SyntaxNode[], line: number): CExpr {
    const a = this.expr(args[0]);
    const b = this.expr(args[1]);
    assertLvalue(a, line);
    assertLvalue(b, line);
    const t = this.temp();
    this.emit({ i: 'set', to: { k: 'var', n: t }, e: a, line });
    this.emit({ i: 'set', to: a, e: b, line });
    this.emit({ i: 'set', to: b, e: { k: 'var', n: t }, line });
    return { k: 'num', v: 0 };
  }

  /** The static half of the heap check: a field the C reads must be one the heap maps. */
  private checkField(obj: SyntaxNode, f: string, arrow: boolean, line: number): void {
    const t = this.typeOf(obj);
    const m = t && /^struct (\w+)( \*)?$/.exec(t);
    if (!m || (arrow && !m[2]) || (!arrow && m[2])) return;
    const st = m[1];
    if (LOCAL_STRUCTS[st]) {
      if (!LOCAL_STRUCTS[st].includes(f)) throw new NotLowered(`field ${f} of the stack-only struct ${st}`, line);
      return;
    }
    if (!HEAP_FIELDS[st]) throw new NotLowered(`struct ${st} (not in the heap model): ->${f}`, line);
    if (!HEAP_FIELDS[st].includes(f)) throw new NotLowered(`field ${f} of struct ${st} (not in the heap model)`, line);
    if (this.env.structHas?.(st, f) === false)
      throw new NotLowered(`field ${f}: struct ${st} in these files has no such field`, line);
  }

  private typeOf(n: SyntaxNode): string | undefined {
    if (n.type === 'identifier') return this.types.get(n.text);
    if (n.type === 'parenthesized_expression') return this.typeOf(n.namedChildren[n.namedChildCount - 1]);
    if (n.type === 'field_expression') {
      const t = this.typeOf(n.childForFieldName('argument')!);
      const m = t && /^struct (\w+)/.exec(t);
      const def = m ? this.env.struct(m[1]) : undefined;
      const fld = def?.fields.find((x) => x.name === n.childForFieldName('field')!.text);
      return fld ? typeText(fld.type) : undefined;
    }
    if (n.type === 'call_expression' && n.childForFieldName('function')?.text === 'container_of') {
      const a = n.childForFieldName('arguments')?.namedChildren ?? [];
      return a[1] ? `struct ${a[1].text.replace(/^struct\s+/, '').trim()} *` : undefined;
    }
    return undefined;
  }
}

function assertLvalue(e: CExpr, line: number): void {
  if (!['var', 'arrow', 'dot', 'idx', 'deref'].includes(e.k)) throw new NotLowered('assignment to a non-lvalue', line);
}

const isSimpleTarget = (e: CExpr): boolean => e.k === 'var';

/** Lower one function. Throws NotLowered for the first construct outside the subset. */
export function lowerFunction(f: FoundFunction, env: LowerEnv, file?: string): CFunc {
  const def = f.body.parent!;
  const L = new Lowerer(f.info.name, f.text, env);
  const ps = params(def);
  for (const p of ps) L.types.set(p.name, p.type);
  L.block(f.body);
  const code = L.finish();
  return { name: f.info.name, params: ps, code, line: def.startPosition.row, file };
}
