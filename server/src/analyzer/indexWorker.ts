// A helper thread for cold indexing: Analyzer.update() hands it the second part of a large file
// and indexes the first part itself meanwhile (see split.ts). Started once, before files come (a
// thread takes tens of milliseconds to start and load the grammar); update() waits for its reply
// synchronously, so the analyzer's API stays synchronous.

import * as path from 'node:path';
import { MessageChannel, MessagePort, receiveMessageOnPort, Worker } from 'node:worker_threads';
import { decodeIndex, EncodedIndex, PartEntries, splitPoint } from './split';

export interface IndexRequest { id: number; uri: string; text: string; start: number }
export interface IndexReply { id: number; index?: EncodedIndex; error?: string }

/** A file whose part from `split` on the helper indexes. */
export interface SuffixJob {
  split: number;
  /** Wait for the helper: its entries, or undefined if it failed. */
  result(): PartEntries | undefined;
}

export interface IndexWorkerOptions {
  /** files shorter than this are indexed on the calling thread alone (a hand-over costs about a millisecond) */
  minChars?: number;
  /** the share of a file the helper takes (a little under half: it also masks its part, encodes its entries, and starts later) */
  share?: number;
}

/** How long update() waits for the helper before indexing the part itself. */
const REPLY_TIMEOUT_MS = 5000;

export class IndexWorker {
  private readonly worker: Worker;
  /** replies, read synchronously (no listener on this end) */
  private readonly port: MessagePort;
  /** [0]: id of the last reply sent, [1]: 1 once the helper is ready */
  private readonly signal = new Int32Array(new SharedArrayBuffer(8));
  private nextId = 1;
  private stopped = false;
  private readonly minChars: number;
  private readonly share: number;
  /** Resolves when the helper can take files (start() hands it none before). */
  readonly ready: Promise<void>;

  constructor(opts: IndexWorkerOptions = {}) {
    this.minChars = opts.minChars ?? 32 * 1024;
    this.share = opts.share ?? 0.45;
    const { port1, port2 } = new MessageChannel();
    this.port = port1;
    this.worker = new Worker(path.join(__dirname, 'indexWorkerThread.js'), { workerData: { port: port2, signal: this.signal }, transferList: [port2] });
    this.ready = new Promise((resolve) => {
      this.worker.once('message', () => resolve());
      this.worker.once('error', () => resolve());
      this.worker.once('exit', () => resolve());
    });
    const stop = (): void => void (this.stopped = true);
    this.worker.on('error', stop);
    this.worker.on('exit', stop);
    // once it is ready, the helper must not keep a process alive
    void this.ready.then(() => this.worker.unref());
  }

  /**
   * Hand the part of `text` after a top-level boundary to the helper; undefined when it takes none
   * (not ready, a small file, no boundary to split at).
   */
  start(uri: string, text: string): SuffixJob | undefined {
    if (this.stopped || text.length < this.minChars || Atomics.load(this.signal, 1) !== 1) return undefined;
    const split = splitPoint(text, Math.floor(text.length * (1 - this.share)));
    if (split === undefined) return undefined;
    const id = this.nextId++;
    const req: IndexRequest = { id, uri, text, start: split };
    this.port.postMessage(req);
    return {
      split,
      result: () => {
        const reply = this.wait(id);
        return reply?.index ? decodeIndex(uri, reply.index) : undefined;
      },
    };
  }

  /** The reply to request `id`, waited for on this thread (replies to earlier requests that timed out are dropped). */
  private wait(id: number): IndexReply | undefined {
    const deadline = Date.now() + REPLY_TIMEOUT_MS;
    for (;;) {
      const last = Atomics.load(this.signal, 0);
      if (last >= id) {
        for (let m = receiveMessageOnPort(this.port); m; m = receiveMessageOnPort(this.port)) {
          const reply = m.message as IndexReply;
          if (reply.id === id) return reply;
        }
      }
      const left = deadline - Date.now();
      if (left <= 0) return undefined;
      // until the helper signals (or, signalled before its message is there, a millisecond)
      if (last >= id) Atomics.wait(this.signal, 1, 1, 1);
      else Atomics.wait(this.signal, 0, last, left);
    }
  }

  /** Let the helper thread end (it is never busy then: update() waits for each reply). */
  dispose(): void {
    if (this.stopped) return;
    this.stopped = true;
    this.port.postMessage('close');
  }
}
