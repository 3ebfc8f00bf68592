// The helper thread of an IndexWorker: indexes the second part of a file (see split.ts) and
// signals the calling thread, which waits for the reply without returning to its event loop.

import { MessagePort, parentPort, workerData } from 'node:worker_threads';
import type { IndexReply, IndexRequest } from './indexWorker';
import { indexSuffix } from './split';

const { port, signal } = workerData as { port: MessagePort; signal: Int32Array };

port.on('message', (req: IndexRequest | 'close') => {
  if (req === 'close') {
    port.close();
    return;
  }
  let reply: IndexReply;
  try {
    reply = { id: req.id, index: indexSuffix(req.uri, req.text, req.start) };
  } catch (e) {
    reply = { id: req.id, error: String(e) };
  }
  port.postMessage(reply, reply.index ? [reply.index.ints.buffer as ArrayBuffer] : []);
  Atomics.store(signal, 0, req.id);
  Atomics.notify(signal, 0);
});

/**
 * C of the shapes the walkers meet (loop macros, calls through fields, arguments that are
 * functions, structs), generated: indexed a few times at startup, so that the first files find the
 * grammar loaded and the walkers compiled (a cold JIT runs them several times slower).
 */
function warmUpText(): string {
  let text = 'int x;\n}\n';
  for (let i = 0; i < 150; i++) {
    text +=
      `struct s${i} {\n\tstruct list_head list;\n\tint (*fn)(struct s${i} *, int);\n\tunsigned long n;\n};\n\n` +
      `static int f${i}(struct s${i} *s, int x)\n{\n\tstruct s${i} *p;\n\tint y = g${i}(s, x);\n\n` +
      `\tlist_for_each_entry(p, &s->list, list)\n\t\tp->fn(p, y);\n\tfor_each_online_cpu(x) {\n\t\tqueue_work_on(x, wq, &s->w);\n\t\tINIT_WORK(&s->w, f${i});\n\t}\n` +
      `\tif (x > 1 && h(x))\n\t\treturn k(s->n, &s->list);\n\treturn min_t(int, x, y);\n}\n\n`;
  }
  return text;
}

const warmUp = warmUpText();
for (let i = 0; i < 4; i++) indexSuffix('file:///warm-up.c', warmUp, 9);
Atomics.store(signal, 1, 1);
parentPort?.postMessage('ready');
