// The patch series of the language server live here, off its request thread: opening a series
// (mailparser on every message, threading, diffs) and describing it are work in the size of the
// mail, and a 10,000-patch series took seconds of the main thread, hovers waiting behind it.
// Messages: { id, method, params, root } → { id, json } | { id, error: { code, message } };
// { cancel: id } aborts a series/open in flight.

import { parentPort } from 'node:worker_threads';
import { ErrorCodes, ResponseError } from 'vscode-languageserver/node';
import { SERIES_HANDLERS, SeriesSession } from './features/seriesSession';

export type SeriesRequest =
  { id: number; method: string; params: unknown; root: string | undefined } | { cancel: number };
/** `json`: the answer as JSON text (a string crosses to the request thread as one copy; parsing it there is a third of the time of a structured clone of the object) */
export type SeriesAnswer = { id: number; json: string } | { id: number; error: { code: number; message: string } };

let root: string | undefined;
const session = new SeriesSession(() => root);
const inFlight = new Map<number, AbortController>();
const post = (a: SeriesAnswer) => parentPort!.postMessage(a);

async function answer(m: Extract<SeriesRequest, { id: number }>): Promise<void> {
  const handler = (SERIES_HANDLERS as Record<string, (s: SeriesSession, p: unknown, signal: AbortSignal) => unknown>)[
    m.method
  ];
  const abort = new AbortController();
  inFlight.set(m.id, abort);
  try {
    if (!handler) throw new ResponseError(ErrorCodes.MethodNotFound, `no series request ${m.method}`);
    const r = await handler(session, m.params, abort.signal);
    if (r instanceof ResponseError) throw r;
    post({ id: m.id, json: JSON.stringify(r) ?? 'null' });
  } catch (e) {
    // ResponseError does not cross postMessage as itself: its code and message do
    const code = e instanceof ResponseError ? e.code : ErrorCodes.InternalError;
    post({ id: m.id, error: { code, message: e instanceof Error ? e.message : String(e) } });
  } finally {
    inFlight.delete(m.id);
  }
}

parentPort!.on('message', (m: SeriesRequest) => {
  if ('cancel' in m) return inFlight.get(m.cancel)?.abort();
  root = m.root;
  void answer(m);
});
