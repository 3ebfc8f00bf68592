// The lock operations of a body read from its tokens (calltext.ts's lexer), without a tree: what
// lockOps.ts reads from the tree, for the bodies the text settles plainly. Parsing a body alone and
// copying its tree cost the lock rules as much as the whole cold index; the tokens cost a tenth.
// Anything the text does not settle gives up (Unsettled) and the tree is read instead: a
// preprocessor line other than #if/#ifdef/#endif around whole statements, a statement expression,
// a call through an expression, a declarator holding a call, a case label inside a nested block.
// A test holds the two to the same operations on the fixtures and on the real kernel files.
// This file reads the statements; their expressions and declarations are read by lockExpr.ts.

import type { BodySource } from './analyzer';
import { T_DIRECTIVE, T_PUNCT, tokensOf } from './calltext';
import {
  COLON,
  COMMA,
  ExprReader,
  OPEN_BRACE,
  OPEN_BRACKET,
  OPEN_PAREN,
  QUESTION,
  Range,
  SEMICOLON,
  Unsettled,
  unsettled,
} from './lockExpr';
import type { BodyCtx, LOp } from './lockOps';
import { guardAcquire, guardLock, loopMacroOp, returnValue } from './lockOps';
import { firstReplacementAfter, maskedSlice } from './parse';
import { loopMacroAt } from './words';

/** The lock operations of the body `src.body` as lockOps.blockOps reads them from its tree, or undefined where the text does not settle them. */
export function opsFromText(src: BodySource, ctx: BodyCtx): LOp[] | undefined {
  const { text, masked, body } = src;
  // the text itself where the masking changed nothing in the body, else the body masked
  const r = firstReplacementAfter(masked, body.start);
  const plain = r === masked.at.length || masked.at[r] >= body.end;
  const s = plain ? text : maskedSlice(masked, text, body.start, body.end);
  const base = plain ? 0 : body.start;
  const t = plain ? tokensOf(text, body.start, body.end) : tokensOf(s, 0, s.length);
  if (!t || t.n === 0 || !(t.kind[0] === T_PUNCT && t.code[0] === OPEN_BRACE && t.match[0] === t.n - 1))
    return undefined;
  try {
    const out: LOp[] = [];
    // what is not modelled is reported once the whole body is read (else the tree reports it)
    const notModelled: BodyCtx['notModelled'] = [];
    const own: BodyCtx = {
      fn: ctx.fn,
      text: ctx.text,
      typeOf: ctx.typeOf,
      guards: [],
      notModelled,
      uri: ctx.uri,
    };
    new BodyReader(t, s, base, src, own).block(0, out);
    ctx.notModelled.push(...notModelled);
    return out;
  } catch (e) {
    if (e instanceof Unsettled) return undefined;
    throw e;
  }
}

/** A body's tokens read as statements, the way lockOps reads the tree's nodes; their expressions by ExprReader. */
class BodyReader extends ExprReader {
  // --- statements ---

  /** A compound statement from its `{` at `open`: its guards released at its `}`. */
  block(open: number, out: LOp[]): void {
    const close = this.match[open];
    this.ctx.guards.push([]);
    this.statements(open + 1, close, out);
    const row = this.row(close);
    for (const g of this.ctx.guards.pop()!.reverse()) out.push({ k: 'release', lock: g, line: row });
  }

  /** A preprocessor line's name: `if`, `ifdef`, `else`, `endif`... */
  private directive(k: number): string {
    return /^#\s*(\w*)/.exec(this.s.slice(this.start[k], this.end[k]))![1];
  }

  /**
   * The statements in [k, end). #if/#ifdef ... #endif around whole statements: read as the tree
   * reads a preproc_if's statements; its #else part's are flattened, as the tree's preproc_else is.
   */
  private statements(k: number, end: number, out: LOp[]): void {
    let open = false;
    while (k < end) {
      if (this.kind[k] !== T_DIRECTIVE) {
        k = this.stmt(k, end, out);
        continue;
      }
      const d = this.directive(k);
      if (!open && (d === 'if' || d === 'ifdef' || d === 'ifndef')) open = true;
      else if (open && d === 'endif') open = false;
      else if (open && d === 'else') {
        for (k++; k < end && this.kind[k] !== T_DIRECTIVE;) k = this.flatStmt(k, end, out);
        if (k >= end || this.directive(k) !== 'endif') unsettled();
        open = false;
      } else unsettled();
      k++;
    }
    if (open) unsettled();
  }

  /**
   * A statement of an #else part, as the tree's exprOps reads it: its expressions in source order,
   * no branch, loop or return of its own. The token after it.
   */
  private flatStmt(k: number, limit: number, out: LOp[]): number {
    if (k >= limit || this.kind[k] === T_DIRECTIVE) return unsettled();
    if (this.p(k, OPEN_BRACE)) {
      const close = this.match[k];
      for (let i = k + 1; i < close;) i = this.flatStmt(i, close, out);
      return close + 1;
    }
    if (this.p(k, SEMICOLON)) return k + 1;
    const w = this.word(k);
    const paren = (): number => (this.p(k + 1, OPEN_PAREN) ? this.match[k + 1] : unsettled());
    switch (w) {
      case 'if': {
        this.expr(k + 1, paren() + 1, out);
        const next = this.flatStmt(paren() + 1, limit, out);
        return this.word(next) === 'else' ? this.flatStmt(next + 1, limit, out) : next;
      }
      case 'for':
        for (const [a, b] of this.split(k + 2, paren(), SEMICOLON))
          if (a < b && this.isDeclaration(a)) this.declaration(a, b, out);
          else this.expr(a, b, out);
        return this.flatStmt(paren() + 1, limit, out);
      case 'while':
        this.expr(k + 1, paren() + 1, out);
        return this.flatStmt(paren() + 1, limit, out);
      case 'return':
      case 'goto':
      case 'break':
      case 'continue': {
        const end = this.semicolon(k + 1, limit);
        if (w === 'return') this.expr(k + 1, end, out);
        return end + 1;
      }
      case 'do':
      case 'switch':
      case 'else':
      case 'case':
      case 'default':
      case 'scoped_guard':
      case 'scoped_cond_guard':
        return unsettled();
    }
    if (w && this.p(k + 1, COLON)) return this.flatStmt(k + 2, limit, out);
    return this.simple(k, limit, out);
  }

  /** A declaration or an expression statement from k: the token after its `;`. */
  private simple(k: number, limit: number, out: LOp[]): number {
    const end = this.semicolon(k, limit);
    if (this.isDeclaration(k)) this.declaration(k, end, out);
    else this.expr(k, end, out);
    return end + 1;
  }

  /** The statement at k as an arm of if/for/while/do (lockOps' blockOps of it): its ops and the token after it. */
  private arm(k: number, limit: number): [LOp[], number] {
    const ops: LOp[] = [];
    if (this.p(k, OPEN_BRACE)) {
      this.block(k, ops);
      return [ops, this.match[k] + 1];
    }
    return [ops, this.stmt(k, limit, ops)];
  }

  /** The statement starting at token k (before `limit`): its ops into out; the token after it. */
  private stmt(k: number, limit: number, out: LOp[]): number {
    if (k >= limit || this.kind[k] === T_DIRECTIVE) return unsettled();
    if (this.p(k, OPEN_BRACE)) {
      this.block(k, out);
      return this.match[k] + 1;
    }
    if (this.p(k, SEMICOLON)) return k + 1;
    const w = this.word(k);
    switch (w) {
      case 'if':
        return this.ifStmt(k, limit, out);
      case 'for':
        return this.forStmt(k, limit, out);
      case 'while':
        return this.whileStmt(k, limit, out);
      case 'do':
        return this.doStmt(k, limit, out);
      case 'switch':
        return this.switchStmt(k, out);
      case 'return':
        return this.returnStmt(k, limit, out);
      case 'goto':
        if (!this.ident(k + 1) || !this.p(k + 2, SEMICOLON)) unsettled();
        out.push({ k: 'goto', label: this.word(k + 1) });
        return k + 3;
      case 'break':
      case 'continue':
        if (!this.p(k + 1, SEMICOLON)) unsettled();
        return k + 2;
      case 'else':
      case 'case':
      case 'default':
        return unsettled();
      case 'scoped_guard':
      case 'scoped_cond_guard':
        return this.scopedGuard(k, out);
    }
    if (w && this.p(k + 1, COLON)) {
      out.push({ k: 'label', label: w });
      if (k + 2 >= limit || this.isDeclaration(k + 2)) unsettled();
      return this.stmt(k + 2, limit, out);
    }
    return this.simple(k, limit, out);
  }

  private ifStmt(k: number, limit: number, out: LOp[]): number {
    if (!this.p(k + 1, OPEN_PAREN)) unsettled();
    const close = this.match[k + 1];
    const cond: Range = [k + 1, close + 1];
    const arms: LOp[][] = [[], []];
    const t = this.trylockIn(cond);
    if (t) {
      const open = t[0] + 1;
      for (const [a, b] of this.split(open + 1, this.match[open], COMMA)) this.expr(a, b, out);
      const tryOps: LOp[] = [];
      this.call(t[0], tryOps);
      arms[t[1] ? 0 : 1].push(...tryOps.filter((o) => o.k === 'acquire'));
    } else this.expr(cond[0], cond[1], out);
    const [then, next] = this.arm(close + 1, limit);
    arms[0].push(...then);
    let after = next;
    if (this.word(next) === 'else') {
      const [alt, end] = this.arm(next + 1, limit);
      arms[1].push(...alt);
      after = end;
    }
    out.push({ k: 'branch', arms, test: t ? undefined : this.valueTest(cond) });
    return after;
  }

  private forStmt(k: number, limit: number, out: LOp[]): number {
    if (!this.p(k + 1, OPEN_PAREN)) unsettled();
    const close = this.match[k + 1];
    const parts = this.split(k + 2, close, SEMICOLON);
    if (parts.length !== 3) unsettled();
    const [init, cond, update] = parts;
    if (init[0] < init[1] && this.isDeclaration(init[0])) this.declaration(init[0], init[1], out);
    else this.expr(init[0], init[1], out);
    this.expr(cond[0], cond[1], out);
    const [body, next] = this.arm(close + 1, limit);
    this.expr(update[0], update[1], body);
    out.push({ k: 'loop', body, line: this.row(k) });
    return next;
  }

  /** `while (c) s`, or a loop macro the masking wrote as one (its name read from the real text). */
  private whileStmt(k: number, limit: number, out: LOp[]): number {
    if (!this.p(k + 1, OPEN_PAREN)) unsettled();
    const close = this.match[k + 1];
    const macro = loopMacroAt(this.src.text, this.base + this.start[k]);
    if (macro) for (const [a, b] of this.split(k + 2, close, COMMA)) this.expr(a, b, out);
    else this.expr(k + 1, close + 1, out);
    const [body, next] = this.arm(close + 1, limit);
    out.push(macro ? loopMacroOp(macro, body, this.row(k)) : { k: 'loop', body, line: this.row(k) });
    return next;
  }

  private doStmt(k: number, limit: number, out: LOp[]): number {
    const [body, w] = this.arm(k + 1, limit);
    if (this.word(w) !== 'while' || loopMacroAt(this.src.text, this.base + this.start[w]) || !this.p(w + 1, OPEN_PAREN))
      unsettled();
    const close = this.match[w + 1];
    if (!this.p(close + 1, SEMICOLON)) unsettled();
    this.expr(w + 1, close + 1, out);
    out.push({ k: 'loop', body, line: this.row(k) });
    return close + 2;
  }

  /** Each case an arm (and an empty one first: no case taken); a case's guards are the enclosing block's. */
  private switchStmt(k: number, out: LOp[]): number {
    if (!this.p(k + 1, OPEN_PAREN)) unsettled();
    const close = this.match[k + 1];
    this.expr(k + 1, close + 1, out);
    if (!this.p(close + 1, OPEN_BRACE)) unsettled();
    const end = this.match[close + 1];
    const arms: LOp[][] = [[]];
    for (let i = close + 2; i < end;) {
      const w = this.word(i);
      if (w === 'case' || (w === 'default' && this.p(i + 1, COLON))) {
        arms.push([]);
        i = w === 'default' ? i + 2 : this.caseColon(i + 1, end) + 1;
      } else if (arms.length === 1) unsettled();
      else i = this.stmt(i, end, arms[arms.length - 1]);
    }
    out.push({ k: 'branch', arms });
    return end + 1;
  }

  /** The `:` ending a case label's value. */
  private caseColon(k: number, limit: number): number {
    for (let i = k; i < limit; i++) {
      if (this.kind[i] === T_DIRECTIVE || this.p(i, QUESTION)) unsettled();
      if (this.p(i, OPEN_PAREN) || this.p(i, OPEN_BRACKET) || this.p(i, OPEN_BRACE)) i = this.match[i];
      else if (this.p(i, COLON)) return i;
    }
    return unsettled();
  }

  private returnStmt(k: number, limit: number, out: LOp[]): number {
    const end = this.semicolon(k + 1, limit);
    this.expr(k + 1, end, out);
    const value = end > k + 1 ? returnValue(this.textOf(k + 1, end), this.anyCall(k + 1, end), out) : undefined;
    out.push({ k: 'return', release: this.ctx.guards.flat(), value });
    return end + 1;
  }

  /** `scoped_guard(kind, lock) { ... }`: the lock held over the block. */
  private scopedGuard(k: number, out: LOp[]): number {
    if (!this.p(k + 1, OPEN_PAREN)) unsettled();
    const close = this.match[k + 1];
    const args = this.split(k + 2, close, COMMA);
    const kind = args[0] ? this.textOf(...args[0]) : '';
    const lock = guardLock(kind, args[1] && this.textOf(...args[1]), this.ctx);
    if (!lock || !this.p(close + 1, OPEN_BRACE) || args.some(([a, b]) => a >= b)) return unsettled();
    out.push(guardAcquire(kind, lock, this.row(k), this.textOf(k, close + 1)));
    this.block(close + 1, out);
    const end = this.match[close + 1];
    out.push({ k: 'release', lock, line: this.row(end) });
    return end + 1;
  }
}
