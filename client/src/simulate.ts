// Running the simulator from the editor: the server explores (in a worker thread), the client
// shows progress with a Cancel button, then the verdict in the status bar and the trace view.

import { createHash } from 'node:crypto';
import { plainText } from './untrustedText';
import * as vscode from 'vscode';
import { LanguageClient, WorkDoneProgress } from 'vscode-languageclient/node';
import type { Trace } from '../../engine/src';
import { LitmusView, SimulationView, toView } from '../../media/src/protocol';
import { LitmusRow, LitmusRun, LitmusRunAll, Simulate, SimulateParams } from '../../protocol/src';
import { Coverage } from './coverage';
import { setting } from './settings';
import { TracePanel } from './tracePanel';

/** What a command passes to simulate (the CodeLens's arguments, a scenario, an experiment); the settings add the rest. */
export type SimulateArgs = Pick<
  SimulateParams,
  'uri' | 'function' | 'scenario' | 'builtin' | 'kasan' | 'hotplug' | 'experiment'
>;

/** Which verdict a run is: the files with or without KASAN, an experiment, a built-in scenario. */
type Slot = 'KASAN' | 'no KASAN' | 'experiment' | 'scenario';
const SLOTS: Slot[] = ['KASAN', 'no KASAN', 'experiment', 'scenario'];
/** how long after a verdict the coverage decorations follow it (see simulate()) */
const COVERAGE_AFTER_MS = 300;

export class Simulator {
  private readonly status: vscode.StatusBarItem;
  private last: SimulationView | undefined;
  /** the last result of each kind: neither configuration hides the other */
  private readonly slots = new Map<Slot, SimulationView>();
  readonly coverage = new Coverage();
  /** click-to-verdict of the last run, ms (logged; the e2e reads it from the log) */
  lastMs = 0;
  /** simulations run: a late coverage update of an older one is dropped */
  private runs = 0;

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
    this.coverage.dispose();
  }

  async simulate(args: SimulateArgs): Promise<SimulationView | undefined> {
    if (!vscode.workspace.isTrusted) {
      void vscode.window.showWarningMessage(
        'Slablens runs simulations only in a trusted workspace (the scenario comes from the files here).',
      );
      return undefined;
    }
    const params: SimulateParams = {
      ...args,
      cpus: setting('slablens.simulation.cpus'),
      strategy: setting('slablens.simulation.strategy'),
      maxStates: setting('slablens.simulation.maxStates'),
      stopAtFirst: setting('slablens.simulation.stopAtFirst'),
      symmetry: setting('slablens.simulation.symmetry'),
    };
    // an experiment only reads the kernel file and its buffer: checked, and said in the result
    const watched = args.experiment ? (args.experiment.without?.uri ?? args.uri) : undefined;
    const before = watched ? await fingerprint(watched) : undefined;
    const label = args.builtin
      ? `scenario ${args.scenario}`
      : `${args.function ?? 'kmem_cache_destroy'}${args.kasan ? (args.hotplug ? ' (KASAN, hotplug)' : ' (KASAN)') : args.hotplug ? ' (hotplug)' : ''}${args.experiment ? ' — experiment' : ''}`;
    // what is being explored, in front: a long run says why it is long
    const title = `Slablens: simulating ${label} — ${params.cpus} CPUs, ${params.strategy}${params.stopAtFirst ? ', to the first counterexample' : ''}${params.symmetry ? ', CPU symmetry' : ''}`;
    const started = Date.now();
    const result = await this.explore(`simulating ${label}`, title, (workDoneToken, token) =>
      this.client().sendRequest(Simulate, { ...params, workDoneToken }, token),
    );
    if (!result) return undefined;
    const notModelled = Object.fromEntries(
      Object.entries(result.notModelled).map(([fn, calls]) => [fn, calls.map((c) => `${c.call}: ${c.reason}`)]),
    );
    let experiment = result.experiment;
    if (experiment && watched && before) {
      const after = await fingerprint(watched);
      const same = after.buffer === before.buffer && after.disk === before.disk;
      experiment += same
        ? `; ${vscode.workspace.asRelativePath(vscode.Uri.parse(watched))} unchanged on disk (sha256 ${before.disk.slice(0, 12)}) and in the editor (sha256 ${before.buffer.slice(0, 12)})`
        : `; WARNING: ${watched} changed during the run (disk ${before.disk.slice(0, 12)} → ${after.disk.slice(0, 12)}, buffer ${before.buffer.slice(0, 12)} → ${after.buffer.slice(0, 12)})`;
    }
    const view = toView(result, label, { notModelled, experiment });
    const slot: Slot = args.builtin ? 'scenario' : args.experiment ? 'experiment' : args.kasan ? 'KASAN' : 'no KASAN';
    this.show(view, slot);
    this.lastMs = Date.now() - started;
    // the editor's decorations a moment later: the workbench draws the trace view's verdict first
    const run = ++this.runs;
    const statements = result.statements;
    if (statements)
      setTimeout(() => {
        if (run === this.runs) this.coverage.set({ covered: result.covered, statements, title: view.title });
      }, COVERAGE_AFTER_MS);
    this.output.info(
      `${label}: ${view.verdict.toUpperCase()} — command to result posted ${this.lastMs} ms (server exploration ${result.elapsedMs} ms, ${result.states} states)`,
    );
    return view;
  }

  /**
   * A request that explores, with its progress (states, interleavings) and Cancel in a notification
   * and the status bar saying what runs. undefined: it failed (the user was told); null: cancelled.
   */
  private async explore<R>(
    label: string,
    title: string,
    send: (workDoneToken: string, token: vscode.CancellationToken) => Promise<R>,
  ): Promise<R | undefined> {
    const started = Date.now();
    const cancel = new vscode.CancellationTokenSource();
    const workDoneToken = `slablens-${started}-${Math.random().toString(36).slice(2)}`;
    const notice = new ProgressNotice(title, cancel);
    // The server reports states/interleavings explored on this token.
    const sub = this.client().onProgress(WorkDoneProgress.type, workDoneToken, (p) => {
      if (p.kind !== 'end' && p.message) notice.report(p.message);
    });
    // the request first: what the window shows meanwhile waits on the workbench, the server does not
    const request = send(workDoneToken, cancel.token);
    notice.start(request);
    this.status.text = `$(sync~spin) slablens: ${label}`;
    this.panel.busy(`${label[0].toUpperCase()}${label.slice(1)}…`);
    const result = await request.then(
      (r) => r,
      (e: Error) => {
        if (cancel.token.isCancellationRequested) return null;
        this.output.error(`${label}: ${e.message}`);
        void vscode.window.showErrorMessage(plainText(`Slablens: ${label} failed: ${e.message}`));
        return undefined;
      },
    );
    notice.dispose();
    sub.dispose();
    cancel.dispose();
    this.panel.busy(null);
    if (result === undefined) this.setStatus(this.last);
    else if (result === null) {
      this.status.text = `$(circle-slash) slablens: cancelled after ${((Date.now() - started) / 1000).toFixed(1)} s`;
      this.status.tooltip = `${label} cancelled: no verdict (the exploration was stopped on the server).`;
    }
    return result ?? undefined;
  }

  /** Run a scenario file (its editor text when open) against the workspace's C; the trace shows its P lines. */
  async runScenarioFile(uri: string): Promise<SimulationView | undefined> {
    if (!vscode.workspace.isTrusted) {
      void vscode.window.showWarningMessage(
        'Slablens runs scenario files only in a trusted workspace (their threads call into the C here).',
      );
      return undefined;
    }
    const name = uri.slice(uri.lastIndexOf('/') + 1);
    const label = `running scenario ${name}`;
    const started = Date.now();
    const r = await this.explore(
      label,
      `Slablens: running ${name} against the workspace's C (every interleaving, counting where the clause holds)`,
      (workDoneToken, token) =>
        this.client().sendRequest(
          LitmusRun,
          { uri, maxStates: setting('slablens.simulation.maxStates'), workDoneToken },
          token,
        ),
    );
    if (!r) return undefined;
    const x = r.litmus;
    const litmus: LitmusView = {
      uri,
      observation: x.observation
        ? `Observation ${x.observation}: ${x.clause} holds in ${x.holds} of ${x.total} executions`
        : `Observation undecided: ${x.clause} held in ${x.holds} of ${x.total} executions finished`,
      expectation: x.expected
        ? x.matches === undefined
          ? `expected ${x.expected}: cannot tell`
          : x.matches
            ? `expected ${x.expected}: matches`
            : `expected ${x.expected}: MISMATCH`
        : 'no (* Result: … *) comment',
      matches: x.matches ?? null,
    };
    const fallback =
      r.programs === 'builtin' ? ['all (no kernel C in the workspace: the built-in IR)'] : r.builtinFallback;
    const view = toView(r, `${r.scenario}: ${x.observation ?? 'undecided'} (${x.holds} of ${x.total})`, {
      litmus,
      builtinFallback: fallback,
    });
    this.show(view, 'scenario');
    this.lastMs = Date.now() - started;
    for (const line of r.summary) this.output.info(line);
    for (const w of r.warnings) this.output.warn(`${name}:${w}`);
    return view;
  }

  /** Run every scenario file given, one after the other; the table goes to the log, the tally to a message. */
  async runAll(uris: string[]): Promise<LitmusRow[] | undefined> {
    if (!vscode.workspace.isTrusted) {
      void vscode.window.showWarningMessage('Slablens runs scenario files only in a trusted workspace.');
      return undefined;
    }
    const rows = await this.explore(
      `running ${uris.length} scenario files`,
      `Slablens: running ${uris.length} scenario files`,
      (workDoneToken, token) =>
        this.client().sendRequest(
          LitmusRunAll,
          { uris, maxStates: setting('slablens.simulation.maxStates'), workDoneToken },
          token,
        ),
    );
    this.setStatus(this.last);
    if (!rows) return undefined;
    this.output.info('scenario | expected | observation | clause holds | states | ms');
    for (const r of rows)
      this.output.info(
        `${r.name} | ${r.expected ?? '-'} | ${r.error ?? r.observation} | ${r.holds ?? '-'} of ${r.total ?? '-'} | ${r.states ?? '-'} | ${r.elapsedMs ?? '-'}`,
      );
    const mismatched = rows.filter((r) => r.matches === false).length;
    const bad = rows.filter((r) => r.error).length;
    const ok = rows.filter((r) => r.matches === true).length;
    const msg = `Slablens: ${rows.length} scenario files: ${ok} as expected, ${mismatched} not as expected, ${bad} not run or undecided (the table is in "Slablens: Show Server Log"; the files' problems are in the Problems view).`;
    if (mismatched || bad) void vscode.window.showWarningMessage(plainText(msg));
    else void vscode.window.showInformationMessage(plainText(msg));
    return rows;
  }

  /** The trace in the trace view now, if any. */
  shownTrace(): Trace | undefined {
    return this.last?.trace ?? undefined;
  }

  /** A result that did not come from slablens/simulate (a replayed trace) goes the same way. */
  show(view: SimulationView, slot: Slot = 'scenario'): void {
    this.last = view;
    this.slots.set(slot, view);
    // the trace view first: the workbench handles what it is sent in order
    this.panel.show(view);
    this.setStatus(view);
    if (view.builtinFallback?.length && view.builtinFallback.length < 5) {
      this.output.info(
        `${view.title}: not found in the source, simulated from the built-in model: ${view.builtinFallback.join(', ')}`,
      );
    }
  }

  /** The last trace, or the last of one configuration ("KASAN", "no KASAN") when a lens asks for it. */
  showLast(slot?: string): void {
    const v = (slot && this.slots.get(slot as Slot)) || this.last;
    if (v) this.panel.show(v);
    else
      void vscode.window.showInformationMessage(
        'No simulation yet: click "Simulate" above a function in mm/slab_common.c or mm/slub.c, or run "Slablens: Run Scenario…".',
      );
  }

  /** Every kind of verdict there is, side by side: "KASAN FAIL · no KASAN PASS · experiment FAIL". */
  private setStatus(view: SimulationView | undefined): void {
    if (!view || !this.slots.size) {
      this.status.text = '$(beaker) slablens';
      return;
    }
    const icon = (v: SimulationView) =>
      v.verdict === 'pass' ? '$(pass)' : v.verdict === 'fail' ? '$(error)' : '$(warning)';
    const parts = SLOTS.filter((k) => this.slots.has(k)).map(
      (k) => `${icon(this.slots.get(k)!)} ${k} ${this.slots.get(k)!.verdict.toUpperCase()}`,
    );
    this.status.text = `slablens: ${parts.join(' · ')}`;
    this.status.tooltip =
      SLOTS.filter((k) => this.slots.has(k))
        .map((k) => {
          const v = this.slots.get(k)!;
          const how = v.stats
            ? `${v.stats.states} states, ${v.stats.executions} interleavings (${v.stats.strategy})`
            : 'a replayed trace';
          return `${k}: ${v.title}: ${v.verdict}${v.property ? ` (${v.property})` : ''}${v.experiment ? ` — EXPERIMENT, not the file: ${v.experiment}` : ''} — ${how}`;
        })
        .join('\n') + '\nClick to show the last trace.';
    this.status.backgroundColor = [...this.slots].some(([k, v]) => k !== 'experiment' && v.verdict === 'fail')
      ? new vscode.ThemeColor('statusBarItem.errorBackground')
      : undefined;
  }
}

/** sha256 of a file's bytes on disk and of its editor buffer (the disk's when it is not open). */
async function fingerprint(uri: string): Promise<{ disk: string; buffer: string }> {
  const u = vscode.Uri.parse(uri);
  const hash = (b: Uint8Array | string) => createHash('sha256').update(b).digest('hex');
  const disk = await vscode.workspace.fs.readFile(u).then(hash, () => 'unreadable');
  const doc = vscode.workspace.textDocuments.find((d) => d.uri.toString() === u.toString());
  return { disk, buffer: doc ? hash(doc.getText()) : disk };
}

/**
 * The progress notification (states explored, Cancel) of a run that lasts: it opens only after
 * NOTICE_AFTER_MS, so that a quick run's verdict does not wait behind a toast the workbench draws
 * and takes down again. The status bar says at once that a run is going.
 */
class ProgressNotice {
  static readonly NOTICE_AFTER_MS = 400;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private progress: vscode.Progress<{ message?: string }> | undefined;
  private last: string | undefined;

  constructor(
    private readonly title: string,
    private readonly cancel: vscode.CancellationTokenSource,
  ) {}

  start(request: Promise<unknown>): void {
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void vscode.window.withProgress(
        { location: vscode.ProgressLocation.Notification, title: this.title, cancellable: true },
        (progress, token) => {
          this.progress = progress;
          if (this.last) progress.report({ message: this.last });
          token.onCancellationRequested(() => this.cancel.cancel());
          return request.then(
            () => undefined,
            () => undefined,
          );
        },
      );
    }, ProgressNotice.NOTICE_AFTER_MS);
  }

  report(message: string): void {
    this.last = message;
    this.progress?.report({ message });
  }

  dispose(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }
}
