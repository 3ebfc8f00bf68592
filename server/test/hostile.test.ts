// Issue 18: mail, traces and saved files are untrusted. One regression test per finding of the
// probe (inputs of our own, in the same shapes), and the properties the issue asks for. This file:
// the reply's headers; hostileFiles.test.ts: paths, ids, files and exits.

import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { simpleParser } from 'mailparser';
import { exportReply, parseMail, ReviewStore, splitMbox } from '../src/series';
import { addressProblem, IdentityError, isMsgId, parseIdentity } from '../src/series/headers';
import { INJECTED_ID, mail, mbox, tmpDir } from './hostileMail';
import { CLI_ROOT as ROOT, decode, run } from './hostileMail';

/** The header names of a mail as written (lower case, in order), read by mailparser. */
const headerNames = async (text: string) => [...(await simpleParser(text)).headers.keys()].sort();

describe('finding 1: a crafted Message-Id never becomes a header of the reply', () => {
  it('parseMail refuses the id that decodes to CR/LF, saying so; the reply has no Bcc and no In-Reply-To', async () => {
    const m = await decode(
      mail({
        messageId: INJECTED_ID,
        references: '<ok@example.org> <=?UTF-8?Q?a=00b@c?=>',
        inReplyTo: '<=?UTF-8?Q?a=0Db@c?=>',
      }),
    );
    assert.equal(m.syntheticId, true);
    assert.ok(
      m.problems.some((p) => /Message-Id .*Bcc.* holds CR, LF, NUL/.test(p.text)),
      JSON.stringify(m.problems),
    );
    assert.ok(m.problems.some((p) => /In-Reply-To .* refused/.test(p.text)));
    assert.ok(m.problems.some((p) => /References .* control character/.test(p.text)));
    assert.equal(m.inReplyTo, undefined);
    assert.deepEqual(m.references, []);
    const out = await exportReply({ ...m, files: [] }, [], { from: 'Me <me@example.org>' });
    assert.doesNotMatch(out.text, /^(Bcc|X-Z):/im);
    assert.doesNotMatch(out.text, /attacker/);
    assert.deepEqual(
      await headerNames(out.text),
      [
        'content-transfer-encoding',
        'content-type',
        'date',
        'from',
        'message-id',
        'mime-version',
        'subject',
        'to',
        'cc',
      ].sort(),
    );
  });

  it('exportReply given such an id directly leaves In-Reply-To/References out with a problem', async () => {
    const out = await exportReply(
      {
        messageId: 'p1@x.example>\nBcc: evil@attacker.example\nX-Z: <z',
        references: ['r@x\r\nBcc: e@x'],
        subject: 's',
        from: { name: 'Pat', address: 'pat@example.org' },
        files: [],
      },
      [],
      { from: 'Me <me@example.org>' },
    );
    assert.doesNotMatch(out.text, /^Bcc:/im);
    assert.doesNotMatch(out.text, /^(In-Reply-To|References):/im);
    assert.ok(out.problems.some((p) => /Message-Id .* refused; In-Reply-To and References are left out/.test(p)));
  });

  it('the CLI --reply-to on such a mail: no Bcc line, the refusal on stderr', () => {
    const d = tmpDir();
    const f = path.join(d, 's.mbox');
    fs.writeFileSync(f, mbox([mail({ messageId: INJECTED_ID })]));
    const r = run('series', f, '--reply-to', '1', '--from', 'Me <me@example.org>');
    assert.equal(r.code, 0, r.err);
    assert.doesNotMatch(r.out, /^Bcc:/im);
    assert.match(r.err, /refused/);
  });
});

describe('finding 2: --from and slablens.review.identity with CR/LF are refused', () => {
  for (const id of [
    'Me <me@example.org>\r\nBcc: evil@attacker.example',
    'Me <me@example.org>\nBcc: evil@attacker.example',
    'Me\0 <me@example.org>',
    'Me <me@example.org>, Evil <evil@attacker.example>',
    'Me <me@exa mple.org>',
  ]) {
    it(`refuses ${JSON.stringify(id)}`, async () => {
      await assert.rejects(
        exportReply({ messageId: 'p@x', subject: 's', from: { name: 'P', address: 'p@x.org' }, files: [] }, [], {
          from: id,
        }),
        IdentityError,
      );
    });
  }
  it('a trailer with CR/LF is refused too', async () => {
    await assert.rejects(
      exportReply({ messageId: 'p@x', subject: 's', from: { name: 'P', address: 'p@x.org' }, files: [] }, [], {
        from: 'Me <me@example.org>',
        trailers: ['Reviewed-by: Me <me@example.org>\nBcc: e@x'],
      }),
      IdentityError,
    );
  });
  it('the CLI exits 2 with one line naming the identity', () => {
    const d = tmpDir();
    const f = path.join(d, 's.mbox');
    fs.writeFileSync(f, mbox([mail({})]));
    const r = run('series', f, '--reply-to', '1', '--from', 'Me <me@example.org>\nBcc: evil@attacker.example');
    assert.equal(r.code, 2);
    assert.match(r.err, /identity .* refused/);
    assert.equal(r.out, '');
  });
  it('package.json restricts slablens.review.identity in untrusted workspaces', () => {
    const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8'));
    assert.ok(pkg.capabilities.untrustedWorkspaces.restrictedConfigurations.includes('slablens.review.identity'));
  });
});

// ---- the property: any mail, any identity → exactly the expected headers, valid msg-ids ----

const q = (s: string) =>
  [...Buffer.from(s, 'utf8')]
    .map((b) =>
      /[A-Za-z0-9]/.test(String.fromCharCode(b))
        ? String.fromCharCode(b)
        : b === 0x20
          ? '_'
          : `=${b.toString(16).toUpperCase().padStart(2, '0')}`,
    )
    .join('');
const hostile = fc.oneof(
  fc.string({ maxLength: 20 }),
  fc.constantFrom('\r\n', '\n', '\r', '\0', '\nBcc: evil@attacker.example', '>\nX-Z: <', 'é', '"'),
  fc.string({ minLength: 80, maxLength: 120 }),
);
const encodedWord = fc.tuple(fc.array(hostile, { maxLength: 3 }), fc.boolean()).map(([parts, b]) => {
  const s = parts.join('');
  return b ? `=?UTF-8?B?${Buffer.from(s).toString('base64')}?=` : `=?UTF-8?Q?${q(s)}?=`;
});
const word = fc.stringMatching(/^[A-Za-z0-9.]{1,12}$/);
// raw header text: no CR/LF (that would be another mail, not another header value), NUL allowed
const headerText = fc
  .array(
    fc.oneof(
      word,
      encodedWord,
      fc.constant('\0'),
      fc.string({ minLength: 80, maxLength: 120 }).map((s) => s.replace(/[\r\n]/g, ' ')),
    ),
    { minLength: 1, maxLength: 4 },
  )
  .map((a) => a.join(' '));
const addr = fc.oneof(
  fc.tuple(word, word).map(([a, b]) => `${a}@${b}.example`),
  encodedWord,
  headerText,
);
const msgId = fc.oneof(
  fc.tuple(word, word).map(([a, b]) => `<${a}@${b}.example>`),
  encodedWord.map((e) => `<${e}>`),
  headerText.map((h) => `<${h}>`),
);
const identity = fc.oneof(
  fc.tuple(fc.oneof(word, fc.constant('Jörg Rüdiger')), word).map(([n, a]) => `${n} <${a}@example.org>`),
  fc.string({ maxLength: 60 }),
  fc.tuple(word, hostile).map(([n, h]) => `${n} <me@example.org>${h}`),
);

describe('property: the exported reply of any mail parses back with exactly the expected headers', () => {
  it('headers with encoded words, CR/LF, NUL, long lines; any identity', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.record({
          subject: headerText,
          name: headerText,
          address: addr,
          messageId: msgId,
          refs: fc.array(msgId, { maxLength: 3 }),
          cc: fc.array(fc.tuple(headerText, addr), { maxLength: 2 }),
          identity,
        }),
        async (g) => {
          const raw = mail({
            subject: g.subject,
            from: `${g.name} <${g.address}>`,
            messageId: g.messageId,
            references: g.refs.join(' ') || undefined,
            cc: g.cc.map(([n, a]) => `${n} <${a}>`).join(', ') || undefined,
          });
          const [rawMsg] = await (async () => {
            const out = [];
            for await (const r of splitMbox([Buffer.from(raw)])) out.push(r);
            return out;
          })();
          const m = await parseMail(rawMsg);
          let me;
          try {
            me = parseIdentity(g.identity);
          } catch (e) {
            assert.ok(e instanceof IdentityError);
            await assert.rejects(exportReply({ ...m, files: [] }, [], { from: g.identity }), IdentityError);
            return;
          }
          const out = await exportReply({ ...m, files: [] }, [], { from: g.identity });
          const p = await simpleParser(out.text);
          const mine = me.address.toLowerCase();
          const ok = (a: { name: string; address: string }) =>
            !!a.address && !addressProblem(a, 'r') && a.address.toLowerCase() !== mine;
          const toOk = ok(m.from);
          const ccOk = [...m.to, ...m.cc].some(
            (a) => ok(a) && (!toOk || a.address.toLowerCase() !== m.from.address.toLowerCase()),
          );
          const threaded = !m.syntheticId;
          const want = [
            'content-transfer-encoding',
            'content-type',
            'date',
            'from',
            'message-id',
            'mime-version',
            'subject',
            ...(toOk ? ['to'] : []),
            ...(ccOk ? ['cc'] : []),
            ...(threaded ? ['in-reply-to', 'references'] : []),
          ].sort();
          assert.deepEqual([...p.headers.keys()].sort(), want, out.text);
          // every header line is one of those, or a folded continuation
          const head = out.text.slice(0, out.text.indexOf('\n\n')).split('\n');
          assert.ok(
            head.every(
              (l) =>
                /^[ \t]/.test(l) ||
                /^(From|To|Cc|Subject|Date|Message-ID|In-Reply-To|References|MIME-Version|Content-Type|Content-Transfer-Encoding):( |$)/.test(
                  l,
                ),
            ),
            out.text,
          );
          assert.equal((p.from?.value ?? [])[0]?.address?.toLowerCase(), me.address.toLowerCase());
          if (threaded) {
            assert.equal(p.inReplyTo, `<${m.messageId}>`);
            const refs = typeof p.references === 'string' ? [p.references] : (p.references ?? []);
            assert.ok(
              refs.length >= 1 && refs.every((r) => /^<[^<>]+>$/.test(r) && isMsgId(r.slice(1, -1))),
              String(refs),
            );
            assert.equal(refs[refs.length - 1], p.inReplyTo);
          }
          assert.ok(isMsgId(String(p.messageId).replace(/^<|>$/g, '')));
        },
      ),
      { numRuns: 150 },
    );
  });
});

describe('finding 10: no key from a request or a file reaches Object.prototype', () => {
  it('ReviewStore refuses patch "__proto__" and "constructor"; a file with such keys is not a review file', () => {
    const ws = tmpDir();
    const st = new ReviewStore(ws, 'x', 1);
    for (const bad of ['__proto__', 'constructor', -1, 1.5, 'NaN'] as unknown as number[]) {
      assert.match(st.setTrailers(bad, ['Reviewed-by: Forged <f@example.org>']).error ?? '', /is not a patch number/);
      assert.match(
        st.addComment(bad, { file: 'f', line: 1, side: 'new', text: 't' }).error ?? '',
        /is not a patch number/,
      );
    }
    assert.equal(({} as { trailers?: unknown }).trailers, undefined);
    assert.ok(!fs.existsSync(st.file));
    fs.mkdirSync(path.dirname(st.file), { recursive: true });
    fs.writeFileSync(
      st.file,
      '{"version":1,"key":"x-v1","state":"new","patches":{"__proto__":{"viewed":true,"trailers":["Reviewed-by: F <f@x>"],"comments":[]}}}',
    );
    const r = st.load();
    assert.match(r.error ?? '', /not a slablens review file/);
    const before = fs.readFileSync(st.file, 'utf8');
    assert.match(st.setViewed(1, true).error ?? '', /not a slablens review file/);
    assert.equal(fs.readFileSync(st.file, 'utf8'), before, 'refused: nothing written');
    assert.equal(({} as { trailers?: unknown }).trailers, undefined);
  });
  it('a loaded review keeps its patches in a map without a prototype', () => {
    const ws = tmpDir();
    const st = new ReviewStore(ws, 'x', 1);
    st.setViewed(2, true);
    const r = st.load();
    assert.equal(Object.getPrototypeOf(r.review.patches), null);
    assert.equal(r.review.patches['2'].viewed, true);
  });
});
