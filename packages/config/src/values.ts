import { isIPv4, isIPv6 } from './ip-syntax.js';
import type { Diagnostics } from './diagnostics.js';
import type { Token } from './lexer.js';
import type { Node } from './tree.js';

/** A model type with its fields writable: a draft being filled, or a correction applied in place. */
export type Mutable<T> = { -readonly [K in keyof T]: T[K] };

/**
 * Checks the number of argument words; extra words are an error (keepalived
 * ignores them silently). The value before them is still taken, so one
 * mistake gives one message, not a cascade of "missing" ones.
 */
export function arity(node: Node, min: number, max: number, diags: Diagnostics): boolean {
  const kw = node.keyword.text;
  if (node.args.length < min) {
    diags.error('CONF_ERR_ARITY', node.keyword.pos, `${kw} needs ${min === max ? min : `at least ${min}`} value${min === 1 ? '' : 's'}`);
    return false;
  }
  if (node.args.length > max) {
    const extra = node.args[max]!;
    diags.error('CONF_ERR_ARITY', extra.pos, `unexpected '${extra.text}' after ${kw}${max === 0 ? ', which takes no value' : ''}`);
  }
  if (node.block !== undefined) {
    diags.error('CONF_ERR_SYNTAX', node.blockPos ?? node.keyword.pos, `${kw} does not take a block`);
    return false;
  }
  return true;
}

/** An integer in [min, max]. */
export function intValue(tok: Token, min: number, max: number, what: string, diags: Diagnostics): number | undefined {
  if (!/^-?\d+$/.test(tok.text)) {
    diags.error('CONF_ERR_VALUE', tok.pos, `${what} must be an integer ${min}-${max}, got '${tok.text}'`);
    return undefined;
  }
  const v = Number(tok.text);
  if (v < min || v > max) {
    diags.error('CONF_ERR_VALUE', tok.pos, `${what} must be ${min}-${max}, got ${v}`);
    return undefined;
  }
  return v;
}

/** A decimal number of seconds in [min, max] (keepalived's TIMER: microsecond resolution). */
export function secondsValue(tok: Token, min: number, max: number, what: string, diags: Diagnostics): number | undefined {
  if (!/^\d+(\.\d+)?$/.test(tok.text)) {
    diags.error('CONF_ERR_VALUE', tok.pos, `${what} must be a number of seconds, got '${tok.text}'`);
    return undefined;
  }
  const v = Number(tok.text);
  if (v < min || v > max) {
    diags.error('CONF_ERR_VALUE', tok.pos, `${what} must be ${min}-${max} seconds, got ${tok.text}`);
    return undefined;
  }
  return v;
}

/** One of the documented words, exactly. */
export function enumValue<T extends string>(tok: Token, words: readonly T[], what: string, diags: Diagnostics): T | undefined {
  if ((words as readonly string[]).includes(tok.text)) return tok.text as T;
  diags.error('CONF_ERR_VALUE', tok.pos, `${what} must be one of ${words.join(', ')}; got '${tok.text}'`);
  return undefined;
}

const BOOL_WORDS: Record<string, boolean> = { on: true, true: true, yes: true, off: false, false: false, no: false };

/** A flag keyword with an optional BOOL (`on|off|true|false|yes|no`); absent means true. */
export function flagValue(node: Node, diags: Diagnostics): boolean | undefined {
  if (!arity(node, 0, 1, diags)) return undefined;
  const tok = node.args[0];
  if (tok === undefined) return true;
  const v = BOOL_WORDS[tok.text];
  if (v === undefined) diags.error('CONF_ERR_VALUE', tok.pos, `${node.keyword.text} takes on|off|true|false|yes|no, got '${tok.text}'`);
  return v;
}

/**
 * A flag keepalived sets whatever follows it (its handler reads no word: `nopreempt`,
 * `enable_script_security`): a BOOL word counts as written, any other word is ignored with a
 * warning and the flag is set, as keepalived sets it.
 */
export function bareFlagValue(node: Node, diags: Diagnostics): boolean {
  const tok = node.args[0];
  if (tok !== undefined && node.args.length === 1 && BOOL_WORDS[tok.text] !== undefined) return BOOL_WORDS[tok.text]!;
  if (tok !== undefined) diags.warning('CONF_ERR_ARITY', tok.pos, `'${node.args.map((a) => a.text).join(' ')}' after ${node.keyword.text} is ignored, as keepalived ignores it: ${node.keyword.text} is set`);
  return true;
}

/** An IPv4 or IPv6 address (no prefix). */
export function addressValue(tok: Token, what: string, diags: Diagnostics): { address: string; family: 4 | 6 } | undefined {
  if (isIPv4(tok.text)) return { address: tok.text, family: 4 };
  if (isIPv6(tok.text)) return { address: tok.text.toLowerCase(), family: 6 };
  diags.error('CONF_ERR_VALUE', tok.pos, `${what} must be an IP address, got '${tok.text}'`);
  return undefined;
}

/**
 * An address where keepalived reads a socket address (inet_stosockaddr: unicast_src_ip,
 * mcast_src_ip, unicast_peer): a `/PREFIX` or `-RANGE` after it is cut off, silently in
 * keepalived, with a warning here.
 */
export function socketAddressValue(tok: Token, what: string, diags: Diagnostics): { address: string; family: 4 | 6 } | undefined {
  const cut = tok.text.search(/[/-]/);
  if (cut <= 0) return addressValue(tok, what, diags);
  const a = addressValue(tok.withText(tok.text.slice(0, cut)), what, diags);
  if (a !== undefined) diags.warning('CONF_ERR_VALUE', tok.pos, `${what} ${tok.text}: '${tok.text.slice(cut)}' is ignored (an address, not a network), as keepalived ignores it`);
  return a;
}

/** A multicast group of one family, for `vrrp_mcast_group4/6` and `mcast_dst_ip`. */
export const multicastGroup =
  (family: 4 | 6 | undefined) =>
  (tok: Token, what: string, diags: Diagnostics): string | undefined => {
    const a = addressValue(tok, what, diags);
    if (a === undefined) return undefined;
    const multicast = a.family === 4 ? Number(a.address.split('.')[0]) >> 4 === 0xe : a.address.startsWith('ff');
    if (family !== undefined && a.family !== family) diags.error('CONF_ERR_VALUE', tok.pos, `${what} must be an IPv${family} address, got '${tok.text}'`);
    else if (!multicast) diags.error('CONF_ERR_VALUE', tok.pos, `${what} must be a multicast group (${a.family === 4 ? '224.0.0.0/4' : 'ff00::/8'}), got '${tok.text}'`);
    else return a.address;
    return undefined;
  };

/** `ADDR[/PREFIX]`; the prefix defaults to the full length, as keepalived does. */
export function prefixedAddress(tok: Token, what: string, diags: Diagnostics): { address: string; family: 4 | 6; prefix: number } | undefined {
  const [addr = '', prefixText, ...rest] = tok.text.split('/');
  const a = addressValue(tok.withText(addr), what, diags);
  if (a === undefined) return undefined;
  const max = a.family === 4 ? 32 : 128;
  if (rest.length > 0 || (prefixText !== undefined && !/^\d+$/.test(prefixText))) {
    diags.error('CONF_ERR_VALUE', tok.pos, `${what}: bad prefix in '${tok.text}'`);
    return undefined;
  }
  const prefix = prefixText === undefined ? max : Number(prefixText);
  if (prefix > max) {
    diags.error('CONF_ERR_VALUE', tok.pos, `${what}: prefix /${prefix} is longer than ${max}`);
    return undefined;
  }
  return { ...a, prefix };
}
