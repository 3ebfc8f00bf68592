// TEMPORARY STUB (not committed) until the webview branch lands.
import type { CheckResult, Trace } from '../../engine/src';
export interface SimulationView { title: string; verdict: 'pass' | 'fail' | 'incomplete'; property?: string; message?: string; reason?: string; stats: { strategy: string; states: number; transitions: number; executions: number; outcomes: number; failing: number; elapsedMs: number; ncpus: number }; trace: Trace | null; token: string | null; builtinFallback?: string[] }
export type ToWebview = { type: 'show'; view: SimulationView };
export type FromWebview = { type: 'ready' } | { type: 'reveal'; function: string; line?: number } | { type: 'copyToken'; token: string } | { type: 'exportTrace' } | { type: 'importTrace' } | { type: 'step'; index: number };
export const isFromWebview = (m: unknown): m is FromWebview => !!m && typeof m === 'object' && typeof (m as { type: unknown }).type === 'string';
export function toView(r: CheckResult & { builtinFallback?: string[] }, title: string): SimulationView {
  return { title, verdict: r.verdict, property: r.property, message: r.message, stats: { strategy: r.strategy, states: r.states, transitions: r.transitions, executions: r.executions, outcomes: r.outcomes, failing: r.failing, elapsedMs: r.elapsedMs, ncpus: r.ncpus }, trace: r.trace, token: r.trace?.token ?? null, builtinFallback: r.builtinFallback };
}
