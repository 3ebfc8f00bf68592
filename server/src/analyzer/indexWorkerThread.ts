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
 * C of the shapes the walkers meet (loop macros, calls through fields and pointers, arguments that
 * are functions, attributes, conditionals, structs), generated: indexed several times at startup,
 * so that the first files find the grammar loaded and the walkers compiled (a cold JIT runs them
 * several times slower, and the helper's thread compiles its own code).
 */
function warmUpText(): string {
  let text = 'int x;\n}\n';
  for (let i = 0; i < 40; i++) {
    text +=
      `/* item ${i}: a struct, and functions using it */\n` +
      `struct s${i} {\n\tstruct list_head list;\n\tint (*fn)(struct s${i} *, int);\n\tunion {\n\t\tunsigned long n;\n\t\tvoid *p;\n\t};\n\tspinlock_t lock;\n};\n\n` +
      `#define S${i}_FLAG (1UL << ${i % 31})\n\n` +
      `static __always_inline int f${i}(struct s${i} *s, int x, unsigned long flags)\n{\n\tstruct s${i} *p;\n\tint y = g${i}(s, x), z = 0;\n\n` +
      `\tif (unlikely(!s) || !check(s->n, flags))\n\t\treturn -EINVAL;\n\tspin_lock_irqsave(&s->lock, flags);\n` +
      `\tlist_for_each_entry(p, &s->list, list) {\n\t\tz += p->fn(p, y);\n\t\tif (z > S${i}_FLAG)\n\t\t\tbreak;\n\t}\n\tspin_unlock_irqrestore(&s->lock, flags);\n` +
      `\tfor_each_online_cpu(x) {\n\t\tstruct work_struct *w = per_cpu_ptr(works, x);\n\n\t\tINIT_WORK(w, f${i}_work);\n\t\tqueue_work_on(x, wq, w);\n\t}\n` +
      `\tswitch (x & 3) {\n\tcase 0:\n\t\tz = min_t(int, x, y);\n\t\tbreak;\n\tdefault:\n\t\tz = x ? h(x, "%d,%d", y) : (int)sizeof(*s);\n\t}\n` +
      `#ifdef CONFIG_S${i}\n\tcall_rcu(&s->rcu, f${i}_free);\n#endif\n\treturn z ?: k(container_of(s, struct s${i}, list), NULL);\n}\n\n` +
      `void f${i}_work(struct work_struct *w)\n{\n\tstruct s${i} *s = container_of(w, struct s${i}, work);\n\n\tf${i}(s, 0, 0);\n}\n\n`;
  }
  return text;
}

const warmUp = warmUpText();
for (let i = 0; i < 6; i++) indexSuffix('file:///warm-up.c', warmUp, 9);
Atomics.store(signal, 1, 1);
parentPort?.postMessage('ready');
