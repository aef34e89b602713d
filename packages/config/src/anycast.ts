import { isIPv4 } from './ip-syntax.js';
import type { Diagnostics, Position } from './diagnostics.js';
import type { VirtualServer, VirtualServerKey } from './model.js';
import type { Handler } from './section.js';
import type { Node } from './tree.js';
import { arity, prefixedAddress, secondsValue } from './values.js';

// tandem's own settings for announcing virtual servers through a routing daemon (several
// active directors behind ECMP, docs/config.md "Announcing virtual servers"). keepalived has
// none of these: they are written on `@tandem` lines, which keepalived skips.

/** One prefix a virtual server's `@tandem announce` asks to be routed to this director. */
export interface AnnouncedPrefix {
  readonly address: string;
  readonly prefix: number;
  readonly family: 4 | 6;
  readonly pos: Position;
}

/** `@tandem announce [PREFIX ...]` in a virtual_server: what is announced while it has quorum. */
export interface Announce {
  /** Its own address (/32, /128) when the line names none. */
  readonly prefixes: readonly AnnouncedPrefix[];
  readonly pos: Position;
}

/** `@tandem announce_*` lines of global_defs; absent ones take the defaults below. */
export interface AnnounceSettings {
  /** `announce_interface NAME`: the interface tandem's announced routes go through. */
  readonly interface?: string;
  /** `announce_withdraw_delay SECS`: at stop, how long IPVS keeps serving after the routes are withdrawn. */
  readonly withdrawDelay?: number;
  readonly pos: Position;
}

/** The interface announced routes go through when `announce_interface` does not say. */
export const DEFAULT_ANNOUNCE_INTERFACE = 'tandem-anycast';
/** Seconds IPVS keeps serving at stop after the withdrawal when `announce_withdraw_delay` does not say. */
export const DEFAULT_ANNOUNCE_WITHDRAW_DELAY = 1;

/** A draft with the virtual server's `announce` line, before its key says what it defaults to. */
export interface AnnounceDraft {
  announce?: Announce;
}

/** True when `address/prefix` has bits set past the prefix (the kernel refuses such a route). */
function hostBits(address: string, family: 4 | 6, prefix: number): boolean {
  const bits = family === 4 ? 32 : 128;
  if (prefix === bits) return false;
  let value: bigint;
  if (isIPv4(address)) {
    value = address.split('.').reduce((n, o) => (n << 8n) | BigInt(Number(o)), 0n);
  } else {
    // An IPv4-mapped tail (::ffff:192.0.2.1) is two groups; `::` stands for the missing zeros.
    const m = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(address);
    const o = m === null ? [] : m.slice(1).map(Number);
    const text = m === null ? address : `${address.slice(0, m.index)}${((o[0]! << 8) | o[1]!).toString(16)}:${((o[2]! << 8) | o[3]!).toString(16)}`;
    const [head = '', tail] = text.split('::');
    const groups = (s: string): string[] => (s === '' ? [] : s.split(':'));
    const all = tail === undefined ? groups(head) : [...groups(head), ...Array<string>(8 - groups(head).length - groups(tail).length).fill('0'), ...groups(tail)];
    value = all.reduce((n, g) => (n << 16n) | BigInt(parseInt(g, 16)), 0n);
  }
  return (value & ((1n << BigInt(bits - prefix)) - 1n)) !== 0n;
}

/** tandem's own `announce [PREFIX ...]` of a virtual_server, written `@tandem announce ...`. */
export function announceKeywords<D extends AnnounceDraft>(): Record<string, Handler<D>> {
  return {
    announce: (n, d, diags) => {
      if (d.announce !== undefined) {
        diags.error('CONF_ERR_CONFLICT', n.keyword.pos, `announce is given twice in this virtual_server (first at line ${d.announce.pos.line}); list every prefix on one line`);
        return;
      }
      if (!arity(n, 0, Infinity, diags)) return;
      const prefixes: AnnouncedPrefix[] = [];
      for (const tok of n.args) {
        const p = prefixedAddress(tok, 'announce', diags);
        if (p === undefined) continue;
        if (hostBits(p.address, p.family, p.prefix)) {
          diags.error('CONF_ERR_VALUE', tok.pos, `announce: ${tok.text} has bits set past /${p.prefix}; a route needs the network address`);
          continue;
        }
        if (prefixes.some((x) => x.address === p.address && x.prefix === p.prefix)) diags.error('CONF_ERR_CONFLICT', tok.pos, `announce: ${tok.text} is listed twice`);
        else prefixes.push({ ...p, pos: tok.pos });
      }
      d.announce = { prefixes, pos: n.keyword.pos };
    },
  };
}

/**
 * What a virtual server's `announce` line means once its key is known: without prefixes, its
 * own address as a host route; with them, each must contain that address (a route that does
 * not would draw no traffic to the service). A fwmark or group virtual server has no single
 * address, so its line must name the prefixes.
 */
export function resolveAnnounce(key: VirtualServerKey, announce: Announce, diags: Diagnostics): Announce | undefined {
  if (key.kind !== 'address') {
    if (announce.prefixes.length === 0) {
      diags.error('CONF_ERR_MISSING', announce.pos, `announce in a ${key.kind === 'fwmark' ? 'fwmark' : 'group'} virtual_server needs the prefixes to announce (it has no single address)`);
      return undefined;
    }
    return announce;
  }
  const host = key.family === 4 ? 32 : 128;
  // The service's own address is local on the director (IPVS takes only what is addressed to the
  // host), and zebra's connected route for it wins over tandem's kernel route of the same length.
  const ownHostRoute = (pos: Position): void =>
    diags.warning('CONF_ERR_VALUE', pos, `announce: ${key.address}/${host} is the virtual server's own address; if the director holds it as /${host} (on lo, as DR directors do), zebra prefers its connected route and redistributes nothing: announce a covering prefix`);
  if (announce.prefixes.length === 0) {
    ownHostRoute(announce.pos);
    return { prefixes: [{ address: key.address, prefix: host, family: key.family, pos: announce.pos }], pos: announce.pos };
  }
  for (const p of announce.prefixes) {
    if (p.prefix === host && p.address === key.address) ownHostRoute(p.pos);
    // node:net only here, where an announce line needs it (see ip-syntax.ts).
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const net = new (require('node:net') as typeof import('node:net')).BlockList();
    net.addSubnet(p.address, p.prefix, p.family === 4 ? 'ipv4' : 'ipv6');
    if (p.family !== key.family || !net.check(key.address, key.family === 4 ? 'ipv4' : 'ipv6')) {
      diags.error('CONF_ERR_VALUE', p.pos, `announce: ${p.address}/${p.prefix} does not contain the virtual server's address ${key.address}`);
      return undefined;
    }
  }
  return announce;
}

/** A valid interface name (the kernel's dev_valid_name): 1-15 characters, no '/', ':' or white space, not '.' or '..'. */
const IFNAME = /^(?!\.{1,2}$)[^/:\s]{1,15}$/;

/** The `announce_*` keywords of global_defs. */
export function announceGlobalKeywords<D extends { announce?: AnnounceSettings }>(): Record<string, Handler<D>> {
  const set = <K extends 'interface' | 'withdrawDelay'>(n: Node, d: D, key: K, value: AnnounceSettings[K]): void => {
    d.announce = { ...(d.announce ?? { pos: n.keyword.pos }), [key]: value };
  };
  return {
    announce_interface: (n, d, diags) => {
      if (!arity(n, 1, 1, diags)) return;
      const name = n.args[0]!;
      if (!IFNAME.test(name.text)) diags.error('CONF_ERR_VALUE', name.pos, `announce_interface '${name.text}' is not an interface name (1-15 characters, no '/', ':' or spaces)`);
      else set(n, d, 'interface', name.text);
    },
    announce_withdraw_delay: (n, d, diags) => {
      if (!arity(n, 1, 1, diags)) return;
      const v = secondsValue(n.args[0]!, 0, 60, 'announce_withdraw_delay', diags);
      if (v !== undefined) set(n, d, 'withdrawDelay', v);
    },
  };
}

/** A warning for `announce_*` settings in a file where no virtual server announces anything. */
export function checkAnnounce(settings: AnnounceSettings | undefined, servers: readonly VirtualServer[], diags: Diagnostics): void {
  if (settings !== undefined && !servers.some((vs) => vs.announce !== undefined)) {
    diags.warning('CONF_ERR_REFERENCE', settings.pos, 'announce_* settings have no effect: no virtual_server has an announce line');
  }
}

/** The `announce_*` lines of global_defs, as `@tandem` lines. */
export function printAnnounceSettings(s: AnnounceSettings | undefined): string[] {
  if (s === undefined) return [];
  return [...(s.interface !== undefined ? [`@tandem announce_interface ${s.interface}`] : []), ...(s.withdrawDelay !== undefined ? [`@tandem announce_withdraw_delay ${s.withdrawDelay}`] : [])];
}

/** A virtual server's `announce` line, as a `@tandem` line (the prefixes in full). */
export function printAnnounce(a: Announce | undefined): string[] {
  return a === undefined ? [] : [`@tandem announce ${a.prefixes.map((p) => `${p.address}/${p.prefix}`).join(' ')}`];
}
