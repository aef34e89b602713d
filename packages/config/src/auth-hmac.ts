import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type { Diagnostics, Position } from './diagnostics.js';
import type { AuthHmac } from './model.js';
import type { Node } from './tree.js';
import { arity, enumValue, intValue } from './values.js';

/**
 * keepalived 2.4's `auth_hmac { key ID VALUE; active_key ID; mode M; anti_replay A; time_window S }`
 * (vrrp_parser.c: vrrp_auth_hmac_*_handler). A value that is not one (a key of the wrong length,
 * bad hex, an id or window out of range, another word) is refused, as tandem refuses values:
 * keepalived skips the line and runs on its default. keepalived's corrections when it completes
 * the instance (vrrp.c) are made here too, with a warning, except the one that would run the
 * instance unsigned: an active_key that names no key (keepalived disables the extension).
 */

/** keepalived's VRRP_AUTH_HMAC_KEY_MIN / _MAX. */
const KEY_MIN = 32;
const KEY_MAX = 64;
/** keepalived's key file buffer: "hex:", 128 digits and 8 bytes of slack, less the terminator. */
const KEY_FILE_MAX = 4 + KEY_MAX * 2 + 8 - 1;

/** The block as parsed, before the instance's checks (active_key defined, window default). */
export interface AuthHmacDraft {
  keys: Map<number, string>;
  activeKey: number;
  mode: AuthHmac['mode'];
  antiReplay: AuthHmac['antiReplay'];
  timeWindow: number | undefined;
  pos: Position;
}

/**
 * keepalived's read_hex_str: hex digits in pairs, spaces and tabs skipped between octets; a
 * lone digit before a space or the end is one octet. Undefined when anything else appears
 * or nothing does.
 */
export function readHexString(text: string): Buffer | undefined {
  const out: number[] = [];
  const hex = (c: string | undefined): number => (c !== undefined && /^[0-9a-fA-F]$/.test(c) ? parseInt(c, 16) : -1);
  let i = 0;
  for (;;) {
    while (text[i] === ' ' || text[i] === '\t') i++;
    if (i >= text.length) break;
    let v = hex(text[i++]);
    if (v < 0) return undefined;
    if (i < text.length && text[i] !== ' ') {
      const lo = hex(text[i++]);
      if (lo < 0) return undefined;
      v = (v << 4) | lo;
    }
    out.push(v);
  }
  return out.length > 0 ? Buffer.from(out) : undefined;
}

/** keepalived's vrrp_auth_hmac_decode_key: `hex:` then hex digits, otherwise the text's bytes. */
function decodeKey(text: string): Buffer | undefined {
  return text.startsWith('hex:') ? readHexString(text.slice(4)) : Buffer.from(text, 'latin1');
}

/** keepalived's vrrp_auth_hmac_read_key_file: the file holds what the inline value would; a trailing newline is dropped. */
function readKeyFile(path: string, at: Position, diags: Diagnostics): Buffer | undefined {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch {
    diags.error('CONF_ERR_IO', at, `auth_hmac key file '${path}' cannot be opened`);
    return undefined;
  }
  try {
    // keepalived: CONFIG_SECURITY_ERROR, and it goes on with the key.
    if ((fstatSync(fd).mode & 0o077) !== 0) diags.warning('CONF_ERR_VALUE', at, `auth_hmac key file '${path}' is readable by group or others (keepalived says so too; chmod 600)`);
    const buf = Buffer.alloc(KEY_FILE_MAX + 1);
    let n = 0;
    for (;;) {
      const got = readSync(fd, buf, n, buf.length - n, null);
      if (got === 0) break;
      n += got;
      if (n > KEY_FILE_MAX) {
        diags.error('CONF_ERR_VALUE', at, `auth_hmac key file '${path}' is too large`);
        return undefined;
      }
    }
    let text = buf.subarray(0, n).toString('latin1');
    text = text.replace(/[\r\n]+$/, '');
    return decodeKey(text);
  } finally {
    closeSync(fd);
  }
}

/** The `auth_hmac` block of one instance; a second block adds to the first (keepalived keeps one). */
export function parseAuthHmac(n: Node, block: readonly Node[], prior: AuthHmacDraft | undefined, diags: Diagnostics): AuthHmacDraft {
  const d: AuthHmacDraft = prior ?? { keys: new Map(), activeKey: 0, mode: 'enforce', antiReplay: 'time', timeWindow: undefined, pos: n.keyword.pos };
  if (n.args.length > 0) diags.error('CONF_ERR_ARITY', n.args[0]!.pos, `unexpected '${n.args[0]!.text}' after auth_hmac`);
  for (const e of block) {
    switch (e.keyword.text) {
      case 'key': {
        if (e.args.length < 2) {
          diags.error('CONF_ERR_ARITY', e.keyword.pos, 'auth_hmac key needs an id and a value');
          break;
        }
        const id = intValue(e.args[0]!, 1, 255, 'auth_hmac key id', diags);
        if (id === undefined) break;
        const value = e.args[1]!;
        const bytes = value.text.startsWith('file:') ? readKeyFile(resolve(dirname(value.pos.file), value.text.slice(5)), value.pos, diags) : decodeKey(value.text);
        if (bytes === undefined && value.text.startsWith('file:')) break;
        const len = bytes?.length ?? 0;
        if (len < KEY_MIN || len > KEY_MAX) diags.error('CONF_ERR_VALUE', value.pos, `auth_hmac key ${id} is ${len} bytes; keys are ${KEY_MIN}-${KEY_MAX} bytes (hex:, 64-128 hex digits, or an ASCII string; 'openssl rand -hex 32' makes one)`);
        else if (d.keys.has(id)) diags.error('CONF_ERR_CONFLICT', e.args[0]!.pos, `duplicate auth_hmac key id ${id}`);
        else d.keys.set(id, bytes!.toString('hex'));
        break;
      }
      case 'active_key':
        if (arity(e, 1, 1, diags)) d.activeKey = intValue(e.args[0]!, 1, 255, 'auth_hmac active_key', diags) ?? d.activeKey;
        break;
      case 'time_window':
        if (arity(e, 1, 1, diags)) d.timeWindow = intValue(e.args[0]!, 1, 300, 'auth_hmac time_window (seconds)', diags) ?? d.timeWindow;
        break;
      case 'anti_replay':
        if (arity(e, 1, 1, diags)) d.antiReplay = enumValue(e.args[0]!, ['time', 'monotonic'] as const, 'auth_hmac anti_replay', diags) ?? d.antiReplay;
        break;
      case 'mode':
        if (arity(e, 1, 1, diags)) d.mode = enumValue(e.args[0]!, ['enforce', 'permissive', 'receive-only'] as const, 'auth_hmac mode', diags) ?? d.mode;
        break;
      default:
        diags.error('CONF_ERR_UNKNOWN_KEYWORD', e.keyword.pos, `unknown keyword '${e.keyword.text}' in auth_hmac; expected key, active_key, mode, anti_replay or time_window`);
    }
  }
  return d;
}

/**
 * The instance's checks (keepalived vrrp.c, vrrp_complete_instance): the active key must be
 * defined (keepalived would drop the whole extension and run unsigned: refused); legacy
 * `authentication` beside it is dropped and strict mode forces enforce, each with a warning, as
 * keepalived corrects them; the window defaults to three advert intervals, 5-300 s.
 * `dropLegacy` is called when the instance's authentication block must go.
 */
export function resolveAuthHmac(d: AuthHmacDraft, advertIntS: number, strict: boolean, legacyAuth: Position | undefined, dropLegacy: () => void, diags: Diagnostics): AuthHmac | undefined {
  if (!d.keys.has(d.activeKey)) {
    diags.error('CONF_ERR_MISSING', d.pos, d.activeKey === 0 ? 'auth_hmac needs active_key, the id of the key adverts are signed with (keepalived would disable the extension and run unsigned)' : `auth_hmac active_key ${d.activeKey} is not a defined key (keepalived would disable the extension and run unsigned)`);
    return undefined;
  }
  if (legacyAuth !== undefined) {
    diags.warning('CONF_ERR_CONFLICT', legacyAuth, 'auth_hmac cannot be combined with authentication: the authentication block is dropped, as keepalived drops it; remove it');
    dropLegacy();
  }
  let mode = d.mode;
  if (strict && mode !== 'enforce') {
    diags.warning('CONF_ERR_CONFLICT', d.pos, `strict mode (vrrp_strict / strict_mode) requires auth_hmac mode enforce: enforce, not ${mode}, as keepalived sets it`);
    mode = 'enforce';
  }
  const timeWindow = d.timeWindow ?? (d.antiReplay === 'time' ? Math.min(300, Math.max(5, 3 * Math.floor(advertIntS))) : 0);
  return { keys: [...d.keys].map(([id, keyHex]) => ({ id, keyHex })), activeKey: d.activeKey, mode, antiReplay: d.antiReplay, timeWindow, pos: d.pos };
}
