// The last verdicts, kept per configuration: a run without KASAN does not erase what the KASAN run
// found (the buffer still fails with KASAN), and an experiment's verdict is never the file's.

import type { Diagnostic } from 'vscode-languageserver/node';

export type ConfigName = 'KASAN' | 'no KASAN';
export const configOf = (kasan: boolean): ConfigName => (kasan ? 'KASAN' : 'no KASAN');

export class VerdictBook {
  /** function → configuration → "FAIL (objects remaining), 40 states" */
  private readonly byFunction = new Map<string, Map<ConfigName, string>>();
  /** function → configuration → the last experiment's verdict, labelled */
  private readonly experiments = new Map<string, Map<ConfigName, string>>();
  /** configuration → the diagnostics of its last failing run */
  private readonly diags = new Map<ConfigName, { uri: string; diagnostic: Diagnostic }[]>();

  /** A run on the files as they are: replaces that configuration's verdict and diagnostics only. */
  set(
    fn: string | undefined,
    config: ConfigName,
    verdict: string,
    diagnostics: { uri: string; diagnostic: Diagnostic }[],
  ): void {
    if (fn) {
      const m = this.byFunction.get(fn) ?? new Map<ConfigName, string>();
      m.set(config, verdict);
      this.byFunction.set(fn, m);
    }
    this.diags.set(config, diagnostics);
  }

  setExperiment(fn: string, config: ConfigName, verdict: string): void {
    const m = this.experiments.get(fn) ?? new Map<ConfigName, string>();
    m.set(config, verdict);
    this.experiments.set(fn, m);
  }

  /** [config, verdict] of the runs on the files, KASAN first. */
  of(fn: string): [ConfigName, string][] {
    return [...(this.byFunction.get(fn) ?? [])].sort(([a], [b]) => a.localeCompare(b));
  }

  /** Hover lines: each configuration's verdict, then the experiments', labelled as such. */
  lines(fn: string): string[] {
    const files = this.of(fn).map(([c, v]) => `${c}: ${v}`);
    const exps = [...(this.experiments.get(fn) ?? [])].map(([c, v]) => `${c}, **experiment** (not the file): ${v}`);
    return [...files, ...exps];
  }

  /** Both configurations' diagnostics on this file. */
  diagnostics(uri: string): Diagnostic[] {
    return [...this.diags.values()].flatMap((l) => l.filter((d) => d.uri === uri).map((d) => d.diagnostic));
  }
}
