// slablens extension host side: a thin client. The language server (dist/server.js) does the
// analysis and the simulation; this file wires commands, the status bar, the trace view and
// the annotation hints to it.

import { plainText } from './untrustedText';
import * as vscode from 'vscode';
import { LanguageClient } from 'vscode-languageclient/node';
import { SimulationView, toView } from '../../media/src/protocol';
import { annotateCallPath, AnnotationHints } from './annotations';
import { LitmusFromTrace, Replay, ReplayParams, Scenarios, WorkspaceTrust } from '../../protocol/src';
import { Experiments } from './experiment';
import { createClient } from './languageClient';
import { registerSeries } from './series';
import { setting } from './settings';
import { SimulateArgs, Simulator } from './simulate';
import { TracePanel } from './tracePanel';

let client: LanguageClient | undefined;

export async function activate(context: vscode.ExtensionContext): Promise<void> {
  const output = vscode.window.createOutputChannel('Slablens', { log: true });
  client = createClient(context, output);
  const current = () => client!;
  const panel = new TracePanel(context.extensionUri, output, { importTrace: (data) => replay({ trace: data }) });
  const simulator = new Simulator(current, panel, output);
  const hints = new AnnotationHints(current);

  /** Re-run a trace file or a token on the server and show what the replay reaches. */
  async function replay(p: ReplayParams): Promise<void> {
    try {
      const r = await current().sendRequest(Replay, p);
      simulator.show(toView(r, `replay of ${r.scenario}`));
    } catch (e) {
      void vscode.window.showErrorMessage(plainText(`Slablens could not replay it: ${(e as Error).message}`));
    }
  }

  registerSeries(context, current, output);
  registerSimulation(context, simulator, current);
  registerScenarioFiles(context, simulator, current);
  registerTraceCommands(context, panel, replay);
  const command = commandRegistrar(context);
  command('slablens.annotateCallPath', async (fn?: string) =>
    annotateCallPath(current(), hints, fn ?? (await functionAtCursor())),
  );
  command('slablens.restartServer', async () => {
    output.info('restarting the language server on request');
    await current().restart();
    hints.refresh();
  });
  command('slablens.showOutput', () => output.show());

  const selector: vscode.DocumentSelector = { scheme: 'file', language: 'c', pattern: '**/mm/**/*.{c,h}' };
  context.subscriptions.push(output, simulator, vscode.languages.registerInlayHintsProvider(selector, hints));
  // LanguageClient follows slablens.trace.server on its own.
  await client.start();
}

export function deactivate(): Thenable<void> | undefined {
  return client?.stop();
}

/** registerCommand, disposed with the extension. */
function commandRegistrar(context: vscode.ExtensionContext) {
  return (id: string, fn: (...args: never[]) => unknown) =>
    context.subscriptions.push(vscode.commands.registerCommand(id, fn));
}

/** Simulate (the lens, the palette), built-in scenarios, the what-if experiments, coverage. */
function registerSimulation(
  context: vscode.ExtensionContext,
  simulator: Simulator,
  current: () => LanguageClient,
): void {
  const command = commandRegistrar(context);
  command('slablens.simulate', async (args?: SimulateArgs) => {
    if (args?.function) return simulator.simulate(args);
    const fn = await functionAtCursor();
    const kasan = setting('slablens.simulation.kasan');
    return simulator.simulate({
      function: fn ?? 'kmem_cache_destroy',
      kasan,
      hotplug: setting('slablens.simulation.hotplug'),
    });
  });
  command('slablens.runScenario', async (id?: string) => {
    let scenario = id;
    if (!scenario) {
      const list = await current().sendRequest(Scenarios);
      const picked = await vscode.window.showQuickPick(
        list.map((s) => ({ label: s.id, description: `${s.fact}, expected ${s.expect}`, detail: s.title })),
        { title: 'Slablens: built-in scenarios (the facts F1–F5 of the simulator)', matchOnDetail: true },
      );
      scenario = picked?.label;
    }
    if (scenario) return simulator.simulate({ scenario, builtin: true });
    return undefined;
  });
  command('slablens.showLastTrace', (slot?: string) => simulator.showLast(slot));
  const experiments = new Experiments(simulator);
  context.subscriptions.push(experiments);
  command('slablens.simulateWithout', async (a?: { uri: string; line: number; function?: string }) => {
    const ed = vscode.window.activeTextEditor;
    // from the palette: the statement at the cursor, in the function around it
    const args =
      a ??
      (ed
        ? { uri: ed.document.uri.toString(), line: ed.selection.active.line, function: await functionAtCursor() }
        : undefined);
    return args ? experiments.simulateWithout(args) : undefined;
  });
  command('slablens.experiment', (fn?: string) => experiments.open(fn));
  command('slablens.simulateExperiment', (uri?: vscode.Uri, kasan?: boolean) => experiments.simulate(uri, kasan));
  command('slablens.showExperimentDiff', (uri?: vscode.Uri) => experiments.diff(uri));
  command('slablens.showCoverage', () => simulator.coverage.show());
  command('slablens.hideCoverage', () => simulator.coverage.hide());
}

/** The trace view's own commands: import a trace file, replay a token, focus the view. */
function registerTraceCommands(
  context: vscode.ExtensionContext,
  panel: TracePanel,
  replay: (p: ReplayParams) => Promise<void>,
): void {
  const command = commandRegistrar(context);
  command('slablens.importTrace', () => panel.importTrace());
  command('slablens.replayToken', async (token?: string) => {
    const t =
      token ??
      (await vscode.window.showInputBox({
        prompt: 'Replay token (from a trace view or `slablens check`)',
        placeHolder: 'f1-kasan-nofix~2~AAAA…',
      }));
    if (t) await replay({ token: t });
  });
  command('slablens.focusTrace', () => panel.focus());
}

/** Scenario files (.litmus): Run (the lens passes the file, the palette takes the active editor's) and Run all (a folder, or the workspace). */
function registerScenarioFiles(
  context: vscode.ExtensionContext,
  simulator: Simulator,
  current: () => LanguageClient,
): void {
  const command = commandRegistrar(context);
  command('slablens.runScenarioFile', (uri?: string | vscode.Uri) => {
    const target =
      uri?.toString() ??
      (vscode.window.activeTextEditor?.document.languageId === 'slablens-scenario'
        ? vscode.window.activeTextEditor.document.uri.toString()
        : undefined);
    if (target) return simulator.runScenarioFile(target);
    void vscode.window.showInformationMessage('Open a scenario file (.litmus) to run it.');
    return undefined;
  });
  command('slablens.runAllScenarios', async (folder?: string | vscode.Uri) => {
    const base = folder ? vscode.Uri.parse(folder.toString()) : undefined;
    const pattern = base ? new vscode.RelativePattern(base, '*.litmus') : '**/*.litmus';
    const files = (await vscode.workspace.findFiles(pattern, '**/node_modules/**', 500))
      .map((u) => u.toString())
      .sort();
    if (!files.length) {
      void vscode.window.showInformationMessage('No scenario files (.litmus) found.');
      return undefined;
    }
    return simulator.runAll(files);
  });
  command('slablens.newScenarioFromTrace', () => newScenarioFromTrace(simulator, current));
  // the server checks scenario files in the background only once the workspace is trusted
  context.subscriptions.push(
    vscode.workspace.onDidGrantWorkspaceTrust(() => void current().sendRequest(WorkspaceTrust, { trusted: true })),
  );
}

/** The shown trace's scenario and question as a new .litmus file, saved where the user says, then opened. */
async function newScenarioFromTrace(simulator: Simulator, current: () => LanguageClient): Promise<void> {
  const trace = simulator.shownTrace();
  if (!trace) {
    void vscode.window.showInformationMessage('No trace is shown: run a simulation or a scenario first.');
    return;
  }
  const suggested = `${trace.scenario.id.replace(/[^\w.-]+/g, '-').replace(/^-+|-+$/g, '') || 'scenario'}-question`;
  const name = await vscode.window.showInputBox({
    title: 'New Scenario from Trace',
    prompt: 'Scenario name (the C line of the file)',
    value: suggested,
    validateInput: (v) => (/^[A-Za-z0-9][\w.-]{0,99}$/.test(v) ? undefined : "letters, digits, '-', '_' and '.'"),
  });
  if (!name) return;
  let text: string;
  try {
    text = (await current().sendRequest(LitmusFromTrace, { trace, name })).text;
  } catch (e) {
    void vscode.window.showErrorMessage(plainText(`Slablens: ${(e as Error).message}`));
    return;
  }
  const folder = vscode.workspace.workspaceFolders?.[0]?.uri;
  const target = await vscode.window.showSaveDialog({
    defaultUri: folder ? vscode.Uri.joinPath(folder, 'scenarios', `${name}.litmus`) : undefined,
    filters: { 'slablens scenario': ['litmus'] },
  });
  if (!target) return;
  await vscode.workspace.fs.writeFile(target, Buffer.from(text, 'utf8'));
  await vscode.window.showTextDocument(target);
}

/** The innermost function symbol around the cursor, as the language server reports it. */
async function functionAtCursor(): Promise<string | undefined> {
  const ed = vscode.window.activeTextEditor;
  if (!ed) return undefined;
  const syms =
    (await vscode.commands.executeCommand<vscode.DocumentSymbol[]>(
      'vscode.executeDocumentSymbolProvider',
      ed.document.uri,
    )) ?? [];
  const at = ed.selection.active;
  const walk = (list: vscode.DocumentSymbol[]): string | undefined => {
    for (const s of list) {
      if (!s.range.contains(at)) continue;
      return walk(s.children ?? []) ?? (s.kind === vscode.SymbolKind.Function ? s.name : undefined);
    }
    return undefined;
  };
  return walk(syms);
}

export type { SimulationView };
