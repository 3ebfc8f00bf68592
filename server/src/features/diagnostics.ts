// Three kinds of diagnostics on the slab files: not-modelled calls in the orchestration functions
// (information), model drift (a leaf model assumes calls its C body no longer makes), and the last
// simulation's failing verdict, with its "Show trace" quick fix.

import {
  CodeAction,
  CodeActionKind,
  CodeActionParams,
  Diagnostic,
  DiagnosticSeverity,
} from 'vscode-languageserver/node';
import { ORCHESTRATION } from '../../../engine/src';
import { extractOrchestrationReport, SLAB_FILES } from '../analyzer';
import { analyzeLocks, LockReport } from '../analyzer/lockdep';
import { ServerContext } from '../context';
import { statementOn } from '../experiment';

/** What-if runs offered on a statement: under Refactor, never a fix of the file. */
export const EXPERIMENT_KIND = 'refactor.experiment.slablens';

/** Diagnostic code of a verdict: what the "Show trace" code action is offered on. */
export const VERDICT = 'verdict';

function isSlab(ctx: ServerContext, uri: string): boolean {
  return SLAB_FILES.some((rel) => uri.endsWith('/' + rel)) || ctx.analyzer.functionsIn(uri).length > 0;
}

/** Not-modelled calls in the orchestration functions, as information on their lines. */
function notModelledDiagnostics(
  ctx: ServerContext,
  report: ReturnType<typeof extractOrchestrationReport>,
  byUri: Map<string, Diagnostic[]>,
): void {
  for (const [fn, ex] of Object.entries(report.extractions)) {
    const d = ctx.analyzer.definition(fn);
    if (!d) continue;
    for (const nm of ex.notModelled) {
      byUri.get(d.uri)?.push({
        severity: DiagnosticSeverity.Information,
        range: { start: { line: nm.line, character: 0 }, end: { line: nm.line, character: 200 } },
        message: `not modelled: ${nm.call} (${nm.reason})`,
        source: 'slablens',
      });
    }
  }
}

/** Model drift: a leaf model assumes calls its C body no longer makes. */
function driftDiagnostics(ctx: ServerContext, byUri: Map<string, Diagnostic[]>): void {
  for (const name of ctx.registry.leafNames()) {
    const d = ctx.analyzer.definition(name);
    const m = ctx.registry.leaf(name)!;
    if (!d || !m.assumes.calls.length) continue;
    const calls = new Set(ctx.analyzer.callees(name).map((c) => c.callee));
    const missing = m.assumes.calls.filter((c) => !calls.has(c));
    if (!missing.length) continue;
    byUri.get(d.uri)?.push({
      severity: DiagnosticSeverity.Warning,
      range: d.selectionRange,
      message: `model drift: the model of ${name} assumes it calls ${missing.join(', ')}, which this body does not (modelled as: ${m.summary})`,
      source: 'slablens',
    });
  }
}

let lastLocks: LockReport | undefined;
let locksTimer: ReturnType<typeof setTimeout> | undefined;
/** How long typing must pause before the lock rules run again (they take a cold index's time or more on slub.c). */
export const LOCK_RULES_DELAY_MS = 400;
/** The lock rules' report of the last diagnostics refresh (the hover reads the locks held along each path). */
export const lastLockReport = (): LockReport | undefined => lastLocks;

/**
 * The lock rules' report: run now, or (while typing) the last one, with a run scheduled once typing
 * pauses; that run publishes again. Keeps them off the keystroke → diagnostics path.
 */
function lockReport(ctx: ServerContext, when: 'now' | 'later'): LockReport | undefined {
  if (when === 'later' && lastLocks) {
    if (locksTimer) clearTimeout(locksTimer);
    locksTimer = setTimeout(() => {
      locksTimer = undefined;
      refreshDiagnostics(ctx);
    }, LOCK_RULES_DELAY_MS);
    locksTimer.unref?.();
    return lastLocks;
  }
  if (locksTimer) clearTimeout(locksTimer);
  locksTimer = undefined;
  try {
    return (lastLocks = analyzeLocks(ctx.analyzer));
  } catch (e) {
    ctx.connection.console.error(`lock rules: ${(e as Error).message}`);
    return undefined;
  }
}

/** The static lock rules (lint): a warning on the line, each chain's lines as related information. */
function lockDiagnostics(ctx: ServerContext, byUri: Map<string, Diagnostic[]>, when: 'now' | 'later'): void {
  const r = lockReport(ctx, when);
  if (!r) return;
  const line = (l: number) => ({ start: { line: l, character: 0 }, end: { line: l, character: 200 } });
  for (const f of r.findings) {
    byUri.get(f.uri)?.push({
      severity: DiagnosticSeverity.Warning,
      range: line(f.line),
      message: f.message,
      source: 'slablens',
      code: f.rule,
      relatedInformation: f.related.map((x) => ({ location: { uri: x.uri, range: line(x.line) }, message: x.message })),
    });
  }
}

/**
 * What the diagnostics of each indexed file are now (the verdict's included); no publishing.
 * locks 'later': the lock rules' last findings, rerun once typing pauses (see lockReport).
 */
export function computeDiagnostics(
  ctx: ServerContext,
  locks: 'now' | 'later' = 'now',
): Map<string, Diagnostic[]> | undefined {
  let report: ReturnType<typeof extractOrchestrationReport>;
  try {
    report = extractOrchestrationReport(ctx.analyzer);
  } catch (e) {
    ctx.connection.console.error(`extract: ${(e as Error).message}`);
    return undefined;
  }
  const byUri = new Map<string, Diagnostic[]>();
  for (const uri of new Set(ctx.analyzer.functions().map((f) => f.uri))) byUri.set(uri, []);
  notModelledDiagnostics(ctx, report, byUri);
  driftDiagnostics(ctx, byUri);
  lockDiagnostics(ctx, byUri, locks);
  for (const [uri, diags] of byUri) diags.push(...ctx.verdicts.diagnostics(uri));
  return byUri;
}

/** Publish the diagnostics of the slab files; a file no longer indexed keeps none. */
export function refreshDiagnostics(ctx: ServerContext, locks: 'now' | 'later' = 'now'): void {
  const byUri = computeDiagnostics(ctx, locks);
  if (!byUri) return;
  for (const [uri, diagnostics] of byUri) if (isSlab(ctx, uri)) ctx.connection.sendDiagnostics({ uri, diagnostics });
  // a file no longer indexed (slablens.files or maxFileBytes changed, closed) keeps no diagnostics
  for (const uri of ctx.publishedDiagnostics)
    if (!byUri.has(uri)) ctx.connection.sendDiagnostics({ uri, diagnostics: [] });
  ctx.publishedDiagnostics = new Set([...byUri.keys()].filter((uri) => isSlab(ctx, uri)));
}

const isVerdict = (d: Diagnostic): boolean => d.source === 'slablens' && d.code === VERDICT;
const overlaps = (a: Diagnostic['range'], b: Diagnostic['range']): boolean =>
  !(
    a.end.line < b.start.line ||
    (a.end.line === b.start.line && a.end.character < b.start.character) ||
    b.end.line < a.start.line ||
    (b.end.line === a.start.line && b.end.character < a.start.character)
  );

/** "Show trace" on a verdict's diagnostic: the client's slablens.showLastTrace shows the trace of the last simulation. */
export function codeActions(ctx: ServerContext, p: CodeActionParams): CodeAction[] {
  // the client passes the diagnostics at the range; ours are looked up too, for clients that do not
  const actions: CodeAction[] = [];
  const wants = (kind: string) =>
    !p.context.only || p.context.only.some((k) => k === '' || k === kind || kind.startsWith(k + '.'));
  const diags = [
    ...p.context.diagnostics.filter(isVerdict),
    ...ctx.verdicts.diagnostics(p.textDocument.uri).filter((d) => overlaps(d.range, p.range)),
  ];
  if (diags.length && wants(CodeActionKind.QuickFix)) {
    const config = (diags[0].data as { config?: string } | undefined)?.config;
    actions.push({
      title: 'Show trace',
      kind: CodeActionKind.QuickFix,
      diagnostics: [diags[0]],
      isPreferred: true,
      command: { title: 'Show trace', command: 'slablens.showLastTrace', arguments: config ? [config] : [] },
    });
  }
  // "Simulate without this statement" on a statement of a function the simulator follows
  const line = p.range.start.line;
  const fn = ctx.analyzer
    .functionsIn(p.textDocument.uri)
    .find((f) => f.range.start.line < line && line <= f.range.end.line && ORCHESTRATION.includes(f.name));
  const found = fn && ctx.analyzer.found(fn.name);
  if (fn && found && statementOn(found.body, line) && wants(EXPERIMENT_KIND)) {
    actions.push({
      title: 'Simulate without this statement',
      kind: EXPERIMENT_KIND,
      command: {
        title: 'Simulate without this statement',
        command: 'slablens.simulateWithout',
        arguments: [{ uri: p.textDocument.uri, line, function: fn.name }],
      },
    });
  }
  return actions;
}

export function registerDiagnostics(ctx: ServerContext): void {
  ctx.connection.onCodeAction((p) => codeActions(ctx, p));
}
