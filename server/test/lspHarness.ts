// Spawns dist/server.js on stdio over a fresh copy of the fixture tree and speaks JSON-RPC to it.

import { ChildProcess, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import {
  createMessageConnection,
  MessageConnection,
  StreamMessageReader,
  StreamMessageWriter,
} from 'vscode-jsonrpc/node';

export const ROOT = path.resolve(__dirname, '../../..');
export const uri = (f: string) => pathToFileURL(f).toString();

export interface Harness {
  ws: string;
  conn: MessageConnection;
  proc: ChildProcess;
  diagnostics: Map<string, { message: string }[]>;
  messages: { type: number; message: string }[];
  /** window/logMessage */
  logs: { type: number; message: string }[];
  stop(): void;
}

/** `prepare` may add to the workspace (a copy of the fixture tree) before the server starts. */
export async function startServer(initializationOptions?: unknown, prepare?: (ws: string) => void): Promise<Harness> {
  const ws = fs.mkdtempSync(path.join(os.tmpdir(), 'slablens-ws-'));
  fs.cpSync(path.join(ROOT, 'server/fixtures/kernel'), ws, { recursive: true });
  prepare?.(ws);
  const proc = spawn(process.execPath, [path.join(ROOT, 'dist/server.js'), '--stdio'], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const conn = createMessageConnection(new StreamMessageReader(proc.stdout!), new StreamMessageWriter(proc.stdin!));
  const diagnostics = new Map<string, { message: string }[]>();
  const messages: { type: number; message: string }[] = [];
  const logs: { type: number; message: string }[] = [];
  conn.onNotification('textDocument/publishDiagnostics', (p: { uri: string; diagnostics: { message: string }[] }) =>
    diagnostics.set(p.uri, p.diagnostics),
  );
  conn.onNotification('window/showMessage', (p: { type: number; message: string }) => messages.push(p));
  conn.onNotification('window/logMessage', (p: { type: number; message: string }) => logs.push(p));
  conn.onRequest('workspace/workspaceFolders', () => [{ uri: uri(ws), name: 'kernel' }]);
  conn.onRequest('workspace/codeLens/refresh', () => null);
  conn.onRequest('window/workDoneProgress/create', () => null);
  conn.listen();
  await conn.sendRequest('initialize', {
    processId: process.pid,
    rootUri: uri(ws),
    capabilities: { workspace: { workspaceFolders: true } },
    workspaceFolders: [{ uri: uri(ws), name: 'kernel' }],
    initializationOptions,
  });
  await conn.sendNotification('initialized', {});
  return {
    ws,
    conn,
    proc,
    diagnostics,
    messages,
    logs,
    stop() {
      conn.dispose();
      proc.kill();
      fs.rmSync(ws, { recursive: true, force: true });
    },
  };
}
