// What may go into a header that slablens writes. Every value here came from someone else's mail
// (or from a workspace's settings): a Message-Id, an address or a name that holds CR, LF or NUL,
// raw or once its RFC 2047 encoded words are decoded, would end the header and start another one
// ("Bcc: evil@…"). Such a value is refused with a message, never cleaned and passed on.

import addressparser from 'nodemailer/lib/addressparser';
import type { Address } from '../../../protocol/src/wire';

/** CR, LF, NUL and the other C0 controls but TAB, and DEL: none belongs in a header value. */
// eslint-disable-next-line no-control-regex
const CONTROL = /[\x00-\x08\x0a-\x1f\x7f]/;

export const hasControl = (s: string): boolean => CONTROL.test(s);

/** Show a hostile value in a message: its control characters as escapes, and not too long. */
export function shown(s: string): string {
  const j = JSON.stringify(s.length > 120 ? s.slice(0, 120) + '…' : s);
  return j;
}

// RFC 5322 msg-id: id-left "@" id-right, both dot-atom-text (or a no-fold-literal on the right).
// atext is printable ASCII without specials; we allow the dot-atom's dots anywhere (real ids have "..").
const ATEXT = "A-Za-z0-9!#$%&'*+/=?^_`{|}~.-";
const MSG_ID = new RegExp(`^[${ATEXT}]+@(?:[${ATEXT}]+|\\[[\\x21-\\x5a\\x5e-\\x7e]*\\])$`);

/** Whether a Message-Id (without its angle brackets) can be written back in a header as it is. */
export const isMsgId = (id: string): boolean => id.length <= 998 && MSG_ID.test(id);

/** Why a Message-Id cannot be used, or undefined when it can. */
export function msgIdProblem(id: string, what = 'Message-Id'): string | undefined {
  if (isMsgId(id)) return undefined;
  if (hasControl(id))
    return `${what} ${shown(id)} holds CR, LF, NUL or another control character once decoded: refused`;
  return `${what} ${shown(id)} is not a msg-id (id-left@id-right, printable ASCII without spaces or <>): refused`;
}

// addr-spec as mailers accept it: no spaces, no controls, no <>()[],;: " or backslash, one @
const ADDR = /^[^\s<>()[\],;:"\\@\x00-\x1f\x7f]+@[^\s<>()[\],;:"\\@\x00-\x1f\x7f]+$/;

export const isAddress = (a: string): boolean => a.length <= 254 && ADDR.test(a);

/** Why a name/address pair cannot go into a header, or undefined when it can. */
export function addressProblem(a: Address, what: string): string | undefined {
  if (hasControl(a.name) || hasControl(a.address))
    return `${what} ${shown(a.name ? `${a.name} <${a.address}>` : a.address)} holds CR, LF, NUL or another control character once decoded: refused`;
  if (!isAddress(a.address)) return `${what} ${shown(a.address)} is not an e-mail address: refused`;
  return undefined;
}

export class IdentityError extends Error {}

/**
 * "Name <address>" (the reviewer's identity: --from, slablens.review.identity) parsed as one
 * mailbox. Throws IdentityError, saying why, for anything else: a second address, a group, CR/LF.
 */
export function parseIdentity(s: string): Address {
  if (hasControl(s))
    throw new IdentityError(
      `identity ${shown(s)} holds CR, LF, NUL or another control character: refused (expected "Name <address>")`,
    );
  const list = addressparser(s.trim());
  if (list.length !== 1 || 'group' in list[0] || !list[0].address)
    throw new IdentityError(`identity ${shown(s)} is not one "Name <address>": refused`);
  const a: Address = { name: list[0].name ?? '', address: list[0].address };
  const why = addressProblem(a, 'identity');
  if (why) throw new IdentityError(why);
  return a;
}
