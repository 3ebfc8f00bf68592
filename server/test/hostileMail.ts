// Hostile mail of our own, in the shapes issue 18's probe found: a patch mail built from header
// lines given raw, so a test can put encoded words, CR/LF and NUL where it wants them.

import * as fs from 'node:fs';
import * as os from 'node:os';
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { parseMail } from '../src/series';

export const DIFF = (file = 'mm/slub.c') => `diff --git a/${file} b/${file}
--- a/${file}
+++ b/${file}
@@ -1,3 +1,4 @@
 static int a;
+static int b;
 static int c;
 static int d;
`;

export interface MailParts {
  from?: string;
  to?: string;
  cc?: string;
  subject?: string;
  messageId?: string;
  inReplyTo?: string;
  references?: string;
  date?: string;
  /** header lines added as they are ("X-Original-From: …") */
  extra?: string[];
  body?: string;
}

/** One RFC 822 message (LF line ends) from raw header values. */
export function mail(p: MailParts): string {
  const h = [
    `From: ${p.from ?? 'Pat Slabwriter <pat@example.org>'}`,
    `To: ${p.to ?? 'linux-mm@kvack.org'}`,
    ...(p.cc ? [`Cc: ${p.cc}`] : []),
    `Subject: ${p.subject ?? '[PATCH v1 1/1] mm/slub: one more int'}`,
    `Date: ${p.date ?? 'Sun, 01 Mar 2026 09:00:00 +0000'}`,
    `Message-Id: ${p.messageId ?? '<p1@example.org>'}`,
    ...(p.inReplyTo ? [`In-Reply-To: ${p.inReplyTo}`] : []),
    ...(p.references ? [`References: ${p.references}`] : []),
    ...(p.extra ?? []),
  ];
  return (
    h.join('\n') +
    '\n\n' +
    (p.body ?? `One more int.\n\nSigned-off-by: Pat Slabwriter <pat@example.org>\n---\n${DIFF()}`)
  );
}

/** An mbox of messages, each after its "From " separator line. */
export const mbox = (msgs: string[]): string =>
  msgs.map((m) => `From mboxrd@z Thu Jan  1 00:00:00 1970\n${m}\n`).join('');

/** A temporary folder, removed when the process ends. */
export function tmpDir(prefix = 'slablens-hostile-'): string {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  process.on('exit', () => fs.rmSync(d, { recursive: true, force: true }));
  return d;
}

/** The probe's Message-Id: an encoded word whose =0A decodes to LF and starts a Bcc: line. */
export const INJECTED_ID = '<=?UTF-8?Q?p1@x.example>=0ABcc:_evil@attacker.example=0AX-Z:_<z?=>';

/** The repository's root, and the built CLI run with arguments: its exit code, stdout, stderr. */
export const CLI_ROOT = path.resolve(__dirname, '../../..');
export const run = (...args: string[]) => {
  const r = spawnSync(process.execPath, [path.join(CLI_ROOT, 'dist/cli.js'), ...args], {
    encoding: 'utf8',
    timeout: 60_000,
  });
  return { code: r.status, out: r.stdout, err: r.stderr, signal: r.signal };
};

/** A mail's text read as the series reader reads one message. */
export const decode = async (text: string) =>
  parseMail({ index: 0, offset: 0, bytes: Buffer.from(text, 'utf8'), source: 't' });
