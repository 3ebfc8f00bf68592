// slablens/series/* (the tree view, diff documents, comment threads, reply export, simulate,
// check): each request is answered by the series worker (seriesWorker.ts), where the open series
// live. Reading a series is work in the size of its mail; the request thread only passes messages,
// so hovers and edits answer while a 10,000-patch series opens.

import * as path from 'node:path';
import { Worker } from 'node:worker_threads';
import { CancellationToken, Connection, ErrorCodes, RequestType, ResponseError } from 'vscode-languageserver/node';
import {
  SeriesCheck,
  SeriesCompare,
  SeriesDescribe,
  SeriesExport,
  SeriesImages,
  SeriesOpen,
  SeriesRangeText,
  SeriesReview,
  SeriesSimulate,
  SeriesThreads,
} from '../../../protocol/src';
import type { SeriesAnswer, SeriesRequest } from '../seriesWorker';

/** The series worker (dist/seriesWorker.js, beside the bundled server), started at the first request. */
export class SeriesWorker {
  private worker?: Worker;
  private next = 0;
  private readonly pending = new Map<number, (a: SeriesAnswer) => void>();

  constructor(
    private readonly workspaceRoot: () => string | undefined,
    private readonly file = path.join(__dirname, 'seriesWorker.js'),
  ) {}

  private start(): Worker {
    const w = new Worker(this.file);
    w.on('message', (a: SeriesAnswer) => {
      const f = this.pending.get(a.id);
      this.pending.delete(a.id);
      // held only while it owes an answer: an idle worker keeps no process alive
      if (!this.pending.size) w.unref();
      f?.(a);
    });
    // a worker that dies (out of memory) answers what it owed; the series it held are gone, and say so
    const lost = (why: string) => {
      if (this.worker !== w) return;
      this.worker = undefined;
      for (const [id, f] of this.pending)
        f({
          id,
          error: {
            code: ErrorCodes.InternalError,
            message: `the series worker stopped (${why}): open the series again`,
          },
        });
      this.pending.clear();
    };
    w.on('error', (e) => lost(e.message));
    w.on('exit', (code) => lost(`exit code ${code}`));
    w.unref();
    return w;
  }

  /** One request, answered by the worker; a cancel is passed on (series/open stops reading). */
  request<P, R>(type: RequestType<P, R, unknown>, params: P, token?: CancellationToken): Promise<R | ResponseError> {
    const w = (this.worker ??= this.start());
    const id = ++this.next;
    return new Promise((resolve) => {
      const sub = token?.onCancellationRequested(() => w.postMessage({ cancel: id } satisfies SeriesRequest));
      this.pending.set(id, (a) => {
        sub?.dispose();
        resolve('error' in a ? new ResponseError(a.error.code, a.error.message) : (JSON.parse(a.json) as R));
      });
      w.ref();
      w.postMessage({ id, method: type.method, params, root: this.workspaceRoot() } satisfies SeriesRequest);
    });
  }
}

/** The slablens/series/* requests, each passed to the series worker. */
export function registerSeries(connection: Connection, workspaceRoot: () => string | undefined): SeriesWorker {
  const w = new SeriesWorker(workspaceRoot);
  connection.onRequest(SeriesOpen, (p, token) => w.request(SeriesOpen, p, token));
  connection.onRequest(SeriesDescribe, (p, token) => w.request(SeriesDescribe, p, token));
  connection.onRequest(SeriesImages, (p, token) => w.request(SeriesImages, p, token));
  connection.onRequest(SeriesThreads, (p, token) => w.request(SeriesThreads, p, token));
  connection.onRequest(SeriesReview, (p, token) => w.request(SeriesReview, p, token));
  connection.onRequest(SeriesExport, (p, token) => w.request(SeriesExport, p, token));
  connection.onRequest(SeriesCompare, (p, token) => w.request(SeriesCompare, p, token));
  connection.onRequest(SeriesRangeText, (p, token) => w.request(SeriesRangeText, p, token));
  connection.onRequest(SeriesSimulate, (p, token) => w.request(SeriesSimulate, p, token));
  connection.onRequest(SeriesCheck, (p, token) => w.request(SeriesCheck, p, token));
  return w;
}
