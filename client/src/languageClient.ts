// Starts the slablens language server (dist/server.js) and keeps it running: a crash restarts
// it, and the user is told once per session rather than on every restart.

import * as vscode from 'vscode';
import {
  CloseAction,
  CloseHandlerResult,
  ErrorAction,
  ErrorHandlerResult,
  LanguageClient,
  LanguageClientOptions,
  Message,
  ServerOptions,
  TransportKind,
} from 'vscode-languageclient/node';
import { serverSettings } from './settings';

/** At most this many restarts in RESTART_WINDOW_MS; beyond that the server stays down and we say why. */
const MAX_RESTARTS = 4;
const RESTART_WINDOW_MS = 3 * 60_000;

export function createClient(context: vscode.ExtensionContext, output: vscode.LogOutputChannel): LanguageClient {
  const module = context.asAbsolutePath('dist/server.js');
  const serverOptions: ServerOptions = {
    run: { module, transport: TransportKind.stdio },
    debug: { module, transport: TransportKind.stdio, options: { execArgv: ['--nolazy', '--inspect=6019'] } },
  };
  const restarts: number[] = [];
  let told = false;
  const clientOptions: LanguageClientOptions = {
    // The slab files of a kernel tree; the server itself decides what to index (slablens.files).
    documentSelector: [
      { scheme: 'file', language: 'c', pattern: '**/mm/**/*.{c,h}' },
      // scenario files: diagnostics, Run, hover, completion (run only in a trusted workspace)
      { scheme: 'file', language: 'slablens-scenario' },
    ],
    initializationOptions: { ...serverSettings(), trusted: vscode.workspace.isTrusted },
    synchronize: { configurationSection: 'slablens' },
    outputChannel: output,
    traceOutputChannel: output,
    errorHandler: {
      error: (_e: Error, _m: Message | undefined, count: number | undefined): ErrorHandlerResult => ({
        action: (count ?? 0) <= 3 ? ErrorAction.Continue : ErrorAction.Shutdown,
      }),
      closed: (): CloseHandlerResult => {
        const now = Date.now();
        restarts.push(now);
        while (restarts.length && restarts[0] < now - RESTART_WINDOW_MS) restarts.shift();
        if (restarts.length > MAX_RESTARTS) {
          return {
            action: CloseAction.DoNotRestart,
            message: `The slablens server crashed ${restarts.length} times in 3 minutes and will not be restarted. See "Slablens: Show Server Log", then "Slablens: Restart Server".`,
          };
        }
        output.warn(`language server stopped unexpectedly; restarting (${restarts.length} in the last 3 minutes)`);
        if (!told) {
          told = true;
          void vscode.window.showWarningMessage(
            'The slablens language server stopped unexpectedly and was restarted. Its log is in "Slablens: Show Server Log".',
          );
        }
        return { action: CloseAction.Restart, handled: true };
      },
    },
  };
  return new LanguageClient('slablens', 'Slablens', serverOptions, clientOptions);
}
