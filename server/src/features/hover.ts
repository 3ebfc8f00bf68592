// Hover on a function: its signature, the paths that reach it from the entry points (each step
// with its effects: locks, RCU, work, irq state), what it calls, how the simulator models it,
// the built-in scenarios that run through it, and the last simulation's verdict.

import { fileURLToPath } from 'node:url';
import { Hover, HoverParams, MarkupKind } from 'vscode-languageserver/node';
import { listScenarios, ORCHESTRATION, PREDICATES, scenariosReaching } from '../../../engine/src';
import { ENTRY_POINTS } from '../analyzer';
import { ServerContext } from '../context';
import { isScenarioUri } from '../litmus';
import {
  CACHE_FIELDS,
  CONFIGS,
  INIT_CALLS,
  INIT_CPU_CALLS,
  SETTINGS,
  THREAD_ALIASES,
  threadApi,
} from '../litmus/lower';
import { describeGuarded, guardedCalls } from '../guards';
import { lastLockReport } from './diagnostics';
import type { Interpretation } from '../analyzer/interpret';
import { interpretScenario, sourcePrograms } from '../kernelCheck';

/**
 * The interpretation of the destroy (F1) and cpu-slab (F5) paths over the indexed C, kept while
 * the files' texts are the same ones (an edit makes new texts).
 */
let interpCache: { texts: (string | undefined)[]; uris: string[]; by: Map<string, Interpretation> } | undefined;

function interpretations(ctx: ServerContext): Map<string, Interpretation> {
  const uris = [...new Set(ctx.analyzer.functions().map((f) => f.uri))];
  const texts = uris.map((u) => ctx.analyzer.text(u));
  if (
    interpCache &&
    interpCache.uris.length === uris.length &&
    interpCache.uris.every((u, i) => u === uris[i] && interpCache!.texts[i] === texts[i])
  )
    return interpCache.by;
  const { programs } = sourcePrograms(ctx.analyzer);
  const by = new Map<string, Interpretation>();
  for (const id of ['f1-kasan-nofix', 'f5-cpu-slab-flush']) by.set(id, interpretScenario(ctx.analyzer, id, programs));
  interpCache = { texts, uris, by };
  return by;
}

/** "Interpreted from its C body" or why not, and the count on each path that reaches it. */
function interpretedLine(ctx: ServerContext, name: string): string | undefined {
  const lines: string[] = [];
  for (const [id, i] of interpretations(ctx)) {
    const hand = i.handModels.find((h) => h.name === name);
    const label = id.startsWith('f5') ? 'the cpu-slab path (F5)' : 'the destroy path (F1–F4)';
    if (i.interpreted.includes(name))
      lines.push(
        `interpreted from this body on ${label}: ${i.interpreted.length} functions interpreted, ${i.handModels.length} hand models`,
      );
    else if (hand)
      lines.push(
        `**not interpreted** on ${label} — ${hand.reason}; ${hand.fallback === 'none' ? 'nothing stands in for it' : `its ${hand.fallback} is used`} (${i.interpreted.length} interpreted, ${i.handModels.length} hand models)`,
      );
  }
  return lines.length ? `**Interpreted C**: ${lines.join('; ')}` : undefined;
}

/** Calls that matter on a path: locks, RCU, work, irq state. */
const EFFECTS =
  /^(local_lock\w*|local_unlock\w*|local_irq_\w+|call_rcu|rcu_barrier|synchronize_rcu|queue_work_on|flush_work|kasan_\w+|mutex_lock|spin_lock\w*|cpus_read_lock)$/;

/**
 * Kernel function → the built-in scenarios that run through it (≈0.1 s, a few seeded executions
 * of each): worked out once, in idle time after the first index (warmScenarioReach), not inside a hover.
 */
let reach: Map<string, string[]> | undefined;
export const warmScenarioReach = (): Map<string, string[]> => (reach ??= scenariosReaching());
/** The built-in scenarios by id (fixed: read once, not per hover). */
const SCENARIOS = new Map(listScenarios().map((x) => [x.id, x]));

function modelledAs(ctx: ServerContext, name: string): string | undefined {
  if (ORCHESTRATION.includes(name))
    return 'orchestration: its model is the IR extracted from this body (calls in order, guards, per-CPU loops, work queue/flush)';
  return ctx.registry.leaf(name)?.summary ?? ctx.registry.pred(name)?.summary;
}

function effectsOf(ctx: ServerContext, name: string): string[] {
  return [
    ...new Set(
      ctx.analyzer
        .callees(name)
        .map((c) => c.callee)
        .filter((c) => EFFECTS.test(c)),
    ),
  ];
}

/** `fn` (its effects), for hover lines. */
function withEffects(ctx: ServerContext, fn: string): string {
  const eff = effectsOf(ctx, fn);
  return eff.length ? `\`${fn}\` (${eff.join(', ')})` : `\`${fn}\``;
}

/** The hover's Markdown for a function the index defines. */
export function hoverText(ctx: ServerContext, name: string): string {
  const { analyzer } = ctx;
  const def = analyzer.definition(name);
  const parts: string[] = [];
  if (def) parts.push('```c\n' + def.signature + '\n```');
  const paths = analyzer.pathsToRoot(name);
  if (paths.length) {
    parts.push(
      '**Reached from**\n\n' + paths.map((p) => '- ' + p.map((fn) => withEffects(ctx, fn)).join(' → ')).join('\n'),
    );
  } else if (ENTRY_POINTS.includes(name)) parts.push('**Entry point**');
  else parts.push('_Not reached from the entry points in the indexed files._');
  // each effect with the conditions it runs under: `rcu_barrier` if `cache_has_sheaves(s)`
  const own = describeGuarded(guardedCalls(analyzer, name, EFFECTS));
  if (own.length) parts.push(`**Effects**: ${own.join(', ')}`);
  // What it goes on to do: the indexed functions it calls, each with its own effects.
  const calls = [...new Set(analyzer.callees(name).map((c) => c.callee))].filter((c) => analyzer.definition(c));
  if (calls.length) parts.push('**Calls**: ' + calls.map((fn) => withEffects(ctx, fn)).join(', '));
  const m = modelledAs(ctx, name);
  parts.push(m ? `**Modelled as**: ${m}` : '_Not modelled by the simulator._');
  try {
    const ic = interpretedLine(ctx, name);
    if (ic) parts.push(ic);
  } catch (e) {
    parts.push(`_Interpreted C: unavailable (${(e as Error).message})._`);
  }
  const scenarios = warmScenarioReach().get(name);
  if (scenarios) {
    parts.push(
      `**Scenarios that reach it** (Slablens: Run Scenario…): ${scenarios.map((id) => `\`${id}\` (${SCENARIOS.get(id)?.fact}, expect ${SCENARIOS.get(id)?.expect})`).join(', ')}`,
    );
  }
  const v = ctx.verdicts.lines(name);
  if (v.length) parts.push(`**Last simulation**:\n\n${v.map((l) => `- ${l}`).join('\n')}`);
  // the locks held on entry of each function along each path from a root (the lock rules' walk)
  const locked = lastLockReport()?.pathLocks(name, 6) ?? [];
  if (locked.length) {
    parts.push(
      '**Locks held on the way**\n\n' +
        locked
          .map(
            (p) =>
              '- ' +
              p.path.map((fn, i) => `\`${fn}\`${p.held[i].length ? ` [${p.held[i].join(', ')}]` : ''}`).join(' → '),
          )
          .join('\n'),
    );
  }
  return parts.join('\n\n');
}

/** What a word of a scenario file means: a function a thread calls (its model, and the C hover when the workspace defines it), a predicate, a setting. */
export function scenarioHoverText(ctx: ServerContext, word: string): string | undefined {
  const api = threadApi().find((f) => f.name === word);
  if (api) {
    const target = THREAD_ALIASES[word]?.fn ?? word;
    const parts = [`**${word}()** in a thread: ${api.summary || 'modelled by the simulator'}`];
    const def = ctx.analyzer.definition(target);
    if (def)
      parts.push(
        `Runs \`${target}\` as written in [${ctx.shown(fileURLToPath(def.uri))}:${def.selectionRange.start.line + 1}](${def.uri}#L${def.selectionRange.start.line + 1}):`,
        hoverText(ctx, target),
      );
    else if (ORCHESTRATION.includes(target))
      parts.push(`\`${target}\` is not in the indexed files: the run uses the built-in IR for it.`);
    return parts.join('\n\n');
  }
  const pred = PREDICATES[word];
  if (pred)
    return `**${word}** (clause predicate): ${pred.doc}${pred.notModelled ? `\n\n**Not modelled**: ${pred.notModelled}` : ''}`;
  const field = word.replace(/^s->/, '');
  const setting = CONFIGS[word] ?? SETTINGS[word] ?? INIT_CALLS[word] ?? INIT_CPU_CALLS[word] ?? CACHE_FIELDS[field];
  return setting ? `**${word}**: ${setting}` : undefined;
}

/** The identifier under a position of an open document (not the analyzer's: scenario files are not C). */
function documentWord(ctx: ServerContext, p: HoverParams): string | undefined {
  const line = ctx.documents.get(p.textDocument.uri)?.getText().split('\n')[p.position.line];
  const m =
    line &&
    [...line.matchAll(/[A-Za-z_]\w*/g)].find(
      (x) => x.index! <= p.position.character && p.position.character <= x.index! + x[0].length,
    );
  return m?.[0];
}

export function hover(ctx: ServerContext, p: HoverParams): Hover | null {
  try {
    if (isScenarioUri(p.textDocument.uri)) {
      const word = documentWord(ctx, p);
      const text = word && scenarioHoverText(ctx, word);
      return text ? { contents: { kind: MarkupKind.Markdown, value: text } } : null;
    }
    const name = ctx.wordAt(p.textDocument.uri, p.position.line, p.position.character);
    if (!name || !ctx.analyzer.definition(name)) return null;
    return { contents: { kind: MarkupKind.Markdown, value: hoverText(ctx, name) } };
  } catch (e) {
    ctx.connection.console.error(`hover: ${(e as Error).message}`);
    return null;
  }
}

export function registerHover(ctx: ServerContext): void {
  ctx.connection.onHover((p) => hover(ctx, p));
}
