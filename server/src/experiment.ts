// What-if runs that never touch the tree: the orchestration programs of the indexed files, with
// either one statement left out of a buffer ("Simulate without this statement") or the functions of
// a scratch copy ("Experiment on This Function…") in place of theirs. The file on disk and the
// editor's buffer are only read; the changed text lives in a scratch Analyzer for one run.

import { ORCHESTRATION, ProgramSet } from '../../engine/src';
import type { ExperimentParams } from '../../protocol/src';
import { Analyzer, Extraction } from './analyzer';
import type { SyntaxNode } from './analyzer/parse';

export interface ExperimentPrograms {
  programs: ProgramSet;
  extractions: Record<string, Extraction>;
  /** the functions whose program comes from the experiment, by the uri their lines refer to */
  changed: Record<string, string>;
  /** what the experiment is, in one line: "without `rcu_barrier();` (line 1234 of kvfree_rcu_barrier_on_cache)" */
  label: string;
}

export class ExperimentError extends Error {}

/** The statement kinds a reviewer can leave out (not a block, not the function body). */
const STATEMENT =
  /^(expression_statement|if_statement|return_statement|declaration|for_statement|while_statement|do_statement|switch_statement|break_statement|continue_statement|goto_statement|preproc_ifdef|preproc_if)$/;

/** The outermost statement of `fn`'s body that starts on `line` (0-based), or undefined. */
export function statementOn(body: SyntaxNode, line: number): SyntaxNode | undefined {
  const walk = (n: SyntaxNode): SyntaxNode | undefined => {
    for (const c of n.namedChildren) {
      if (c.startPosition.row > line || c.endPosition.row < line) continue;
      if (STATEMENT.test(c.type) && c.startPosition.row === line) return c;
      const inner = walk(c);
      if (inner) return inner;
    }
    return undefined;
  };
  return walk(body);
}

/** The lines of modelled statements of each orchestration function in a file: where the lenses go. */
export function statementLines(a: Analyzer, uri: string): { fn: string; line: number }[] {
  const out: { fn: string; line: number }[] = [];
  for (const f of a.functionsIn(uri)) {
    if (!ORCHESTRATION.includes(f.name)) continue;
    const x = a.extract(f.name);
    for (const line of new Set(x?.lines ?? []))
      if (line >= 0 && line > f.range.start.line) out.push({ fn: f.name, line });
  }
  return out;
}

/** `text` with the characters of [start, end) as spaces (newlines kept): every other line and column stays where it was. */
function blankOut(text: string, start: number, end: number): string {
  return text.slice(0, start) + text.slice(start, end).replace(/[^\n]/g, ' ') + text.slice(end);
}

/** Offset of a (row, column) point in text whose lines end in \n. */
function offsetOf(text: string, row: number, column: number): number {
  let at = 0;
  for (let r = 0; r < row; r++) {
    const nl = text.indexOf('\n', at);
    if (nl < 0) return text.length;
    at = nl + 1;
  }
  return at + column;
}

const short = (s: string) => {
  const one = s.replace(/\s+/g, ' ').trim();
  return one.length > 60 ? `${one.slice(0, 59)}…` : one;
};

/**
 * The programs for an experiment. The indexed analyzer is read, never changed: the changed text is
 * parsed into a scratch analyzer, and only the orchestration functions found there replace theirs.
 */
export function experimentPrograms(
  a: Analyzer,
  p: ExperimentParams,
  base: { programs: ProgramSet; extractions: Record<string, Extraction> },
): ExperimentPrograms {
  const programs = { ...base.programs };
  const extractions = { ...base.extractions };
  const changed: Record<string, string> = {};
  const scratch = new Analyzer({ lazyBodies: false });
  let label: string;
  if (p.without) {
    const { uri, line } = p.without;
    const text = a.text(uri);
    if (text === undefined) throw new ExperimentError('this file is not indexed by slablens (slablens.files)');
    const fn = a.functionsIn(uri).find((f) => f.range.start.line < line && line <= f.range.end.line);
    if (!fn || !ORCHESTRATION.includes(fn.name)) {
      throw new ExperimentError(
        `line ${line + 1} is not inside a function the simulator follows from its C (${ORCHESTRATION.join(', ')})`,
      );
    }
    const found = a.found(fn.name);
    const st = found && statementOn(found.body, line);
    if (!st) throw new ExperimentError(`no statement of ${fn.name} starts on line ${line + 1}`);
    const start = offsetOf(text, st.startPosition.row, st.startPosition.column);
    const end = offsetOf(text, st.endPosition.row, st.endPosition.column);
    if (text.slice(start, end) !== st.text)
      throw new ExperimentError(
        `the statement on line ${line + 1} could not be located in the text (non-ASCII before it?)`,
      );
    scratch.update(uri, blankOut(text, start, end));
    const x = scratch.extract(fn.name);
    if (!x) throw new ExperimentError(`${fn.name} does not parse without that statement`);
    programs[fn.name] = x.program;
    extractions[fn.name] = x;
    changed[fn.name] = uri;
    label = `without \`${short(st.text)}\` (line ${line + 1}, ${fn.name})`;
  } else if (p.copy) {
    scratch.update(p.copy.uri, p.copy.text);
    for (const n of ORCHESTRATION) {
      if (!scratch.definition(n)) continue;
      const x = scratch.extract(n);
      if (!x) continue;
      programs[n] = x.program;
      extractions[n] = x;
      changed[n] = p.copy.uri;
    }
    const names = Object.keys(changed);
    if (!names.length)
      throw new ExperimentError(
        `the experiment copy defines none of the functions the simulator follows from C (${ORCHESTRATION.join(', ')})`,
      );
    label = `experiment copy of ${names.join(', ')}`;
  } else throw new ExperimentError('an experiment needs `without` or `copy`');
  return { programs, extractions, changed, label };
}
