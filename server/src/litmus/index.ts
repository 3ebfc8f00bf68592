// Scenario files: read (UTF-8), parse the frame (peggy), lower the bodies (tree-sitter-c + the
// analyzer's extraction), run (the engine's explorer with the clause observed). Used by the CLI
// and the language server; no LSP and no process I/O here besides reading the file asked for.

import { readInputFile, UsageError } from '../../../io/src';
import { DEFAULT_INDEX_SETTINGS } from '../../../protocol/src/settings';
import { checkClause, ExploreOptions, LitmusCheckResult } from '../../../engine/src';
import { Diagnostic, diag, LitmusAst, LitmusError } from './ast';
import { LowerOptions, Lowered, lowerScenario } from './lower';
import { decodeScenario, parseFrame } from './parse';

export { LitmusError } from './ast';
export type { Diagnostic, LitmusAst } from './ast';
export type { Lowered, LowerOptions } from './lower';

export interface LoadedScenario {
  file: string;
  ast?: LitmusAst;
  lowered?: Lowered;
  /** errors first, then warnings; each with its 1-based line and column */
  diagnostics: Diagnostic[];
}

/** Parse and lower a scenario's text. Never throws on bad input: the errors are in `diagnostics`. */
export function loadScenarioText(file: string, text: string, o: LowerOptions = {}): LoadedScenario {
  let ast: LitmusAst;
  try {
    ast = parseFrame(file, text);
  } catch (e) {
    if (e instanceof LitmusError) return { file, diagnostics: [e.diagnostic] };
    throw e;
  }
  const { lowered, errors } = lowerScenario(ast, o);
  return { file, ast, lowered, diagnostics: [...errors, ...(lowered?.warnings ?? [])] };
}

/** Read a scenario file (bytes checked as UTF-8) and load it. */
export function loadScenarioFile(file: string, o: LowerOptions = {}): LoadedScenario {
  let bytes: Buffer;
  try {
    // a FIFO or a device would block the reader (the server's request thread), a huge file is no scenario
    bytes = readInputFile(file, 'scenario', DEFAULT_INDEX_SETTINGS.maxFileBytes);
  } catch (e) {
    const why =
      e instanceof UsageError
        ? e.message
        : `cannot read ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`;
    return { file, diagnostics: [diag(why, { line: 1, column: 1 })] };
  }
  let text: string;
  try {
    text = decodeScenario(file, bytes);
  } catch (e) {
    if (e instanceof LitmusError) return { file, diagnostics: [e.diagnostic] };
    throw e;
  }
  return loadScenarioText(file, text, o);
}

/** Run a lowered scenario: the engine's verdict plus herd7's observation of the clause. */
export function runScenario(l: Lowered, o: ExploreOptions): LitmusCheckResult {
  return checkClause(l.scenario, l.clause, o, l.expected);
}

/** A scenario file, by its name (the editor's language id is slablens-scenario for these). */
export const isScenarioUri = (uri: string): boolean => /\.litmus$/i.test(uri);

export const firstError = (l: LoadedScenario): Diagnostic | undefined =>
  l.diagnostics.find((d) => d.severity === 'error');
