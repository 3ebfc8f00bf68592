// Running the simulator from the editor: the server explores (in a worker thread), the client
// shows progress with a Cancel button, then the verdict in the status bar and the trace view.

import * as vscode from 'vscode';
import { LanguageClient, WorkDoneProgress } from 'vscode-languageclient/node';
import { SimulationView, toView } from '../../media/src/protocol';
import { Simulate, SimulateParams } from '../../protocol/src';
import { setting } from './settings';
import { TracePanel } from './tracePanel';

/** What a command passes to simulate (the CodeLens's arguments, or a scenario); the settings add the rest. */
export type SimulateArgs = Pick<SimulateParams, 'uri' | 'function' | 'scenario' | 'builtin' | 'kasan'>;

export class Simulator {
  private readonly status: vscode.StatusBarItem;
  private last: SimulationView | undefined;

  constructor(
    private readonly client: () => LanguageClient,
    private readonly panel: TracePanel,
    private readonly output: vscode.LogOutputChannel,
  ) {
    this.status = vscode.window.createStatusBarItem('slablens.verdict', vscode.StatusBarAlignment.Left, 10);
    this.status.name = 'Slablens verdict';
    this.status.command = 'slablens.showLastTrace';
    this.status.text = '$(beaker) slablens';
    this.status.tooltip = 'Slablens: no simulation run yet';
    this.status.show();
  }

  dispose(): void {
    this.status.dispose();
  }

  async simulate(args: SimulateArgs): Promise<SimulationView | undefined> {
    if (!vscode.workspace.isTrusted) {
      void vscode.window.showWarningMessage('Slablens runs simulations only in a trusted workspace (the scenario comes from the files here).');
      return undefined;
    }
    const params: SimulateParams = {
      ...args,
      cpus: setting('slablens.simulation.cpus'),
      strategy: setting('slablens.simulation.strategy'),
      maxStates: setting('slablens.simulation.maxStates'),
    };
    const label = args.builtin ? `scenario ${args.scenario}` : `${args.function ?? 'kmem_cache_destroy'}${args.kasan ? ' (KASAN)' : ''}`;
    // what is being explored, in front: a long run says why it is long
    const title = `Slablens: simulating ${label} — ${params.cpus} CPUs, ${params.strategy}`;
    this.status.text = `$(sync~spin) slablens: simulating ${label}`;
    const started = Date.now();
    this.panel.busy(`Exploring ${label}…`);
    const result = await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title, cancellable: true }, async (progress, token) => {
      const c = this.client();
      const workDoneToken = `slablens-${started}-${Math.random().toString(36).slice(2)}`;
      // The server reports states/interleavings explored on this token.
      const sub = c.onProgress(WorkDoneProgress.type, workDoneToken, (p) => {
        if (p.kind !== 'end' && p.message) progress.report({ message: p.message });
      });
      try {
        return await c.sendRequest(Simulate, { ...params, workDoneToken }, token);
      } catch (e) {
        if (token.isCancellationRequested) return null;
        throw e;
      } finally {
        sub.dispose();
      }
    }).then(
      (r) => r,
      (e: Error) => {
        this.output.error(`simulate ${label}: ${e.message}`);
        void vscode.window.showErrorMessage(`Slablens could not simulate ${label}: ${e.message}`);
        return undefined;
      },
    );
    this.panel.busy(null);
    if (result === undefined) {
      this.setStatus(this.last);
      return undefined;
    }
    if (result === null) {
      this.status.text = `$(circle-slash) slablens: cancelled after ${((Date.now() - started) / 1000).toFixed(1)} s`;
      this.status.tooltip = `Simulation of ${label} cancelled: no verdict (the exploration was stopped on the server).`;
      return undefined;
    }
    const notModelled = Object.fromEntries(Object.entries(result.notModelled).map(([fn, calls]) => [fn, calls.map((c) => `${c.call}: ${c.reason}`)]));
    const view = toView(result, label, { notModelled });
    this.show(view);
    return view;
  }

  /** A result that did not come from slablens/simulate (a replayed trace) goes the same way. */
  show(view: SimulationView): void {
    this.last = view;
    this.setStatus(view);
    this.panel.show(view);
    if (view.builtinFallback?.length && view.builtinFallback.length < 5) {
      this.output.info(`${view.title}: not found in the source, simulated from the built-in model: ${view.builtinFallback.join(', ')}`);
    }
  }

  showLast(): void {
    if (this.last) this.panel.show(this.last);
    else void vscode.window.showInformationMessage('No simulation yet: click "Simulate" above a function in mm/slab_common.c or mm/slub.c, or run "Slablens: Run Scenario…".');
  }

  private setStatus(view: SimulationView | undefined): void {
    if (!view) {
      this.status.text = '$(beaker) slablens';
      return;
    }
    const icon = view.verdict === 'pass' ? '$(pass)' : view.verdict === 'fail' ? '$(error)' : '$(warning)';
    this.status.text = `${icon} slablens: ${view.verdict.toUpperCase()}${view.property ? ` (${view.property})` : ''}`;
    this.status.tooltip = `${view.title}: ${view.verdict}${view.message ? ` — ${view.message}` : ''}\n${view.stats ? `${view.stats.states} states, ${view.stats.executions} interleavings (${view.stats.strategy})` : 'a replayed trace'}. Click to show the trace.`;
    this.status.backgroundColor = view.verdict === 'fail' ? new vscode.ThemeColor('statusBarItem.errorBackground') : undefined;
  }
}
