import { isIPv6 } from './ip-syntax.js';
import { suggest, type Diagnostics, type Position } from './diagnostics.js';
import type { Token } from './lexer.js';
import type { BfdInstance, BfdTakeover, SyncGroup, TrackRef, VirtualServer, VrrpInstance } from './model.js';
import { applySection, namedBlock, single, type Handler, type SectionSpec } from './section.js';
import type { Node } from './tree.js';
import { ownWeightsIgnored } from './tracking-weights.js';
import { addressValue, arity, flagValue, intValue } from './values.js';

// keepalived 2.2.7's BFD grammar (keepalived/bfd/bfd_parser.c, vrrp_track.c, check_bfd.c and
// the bfd_* keywords of global_parser.c), with its defaults, ranges and errors. What keepalived
// reports with report_config_error (and then ignores or "corrects") is an error here: what
// runs is what the file says.

/** keepalived's BFD_INAME_MAX - 1. */
export const BFD_NAME_MAX = 31;
/** keepalived's BFD_*_MAX: UINT32_MAX / 1000 milliseconds. */
const INTERVAL_MAX_MS = Math.floor(0xffffffff / 1000);
/** keepalived's BFD_*_MAX_SENSIBLE: larger values get a warning. */
const SENSIBLE_MS = 10_000;


interface Draft {
  neighbor?: { address: string; family: 4 | 6 };
  source?: { address: string; family: 4 | 6 };
  minRxUs: number;
  minTxUs: number;
  idleTxUs: number;
  multiplier: number;
  passive: boolean;
  ttl?: number;
  multihop: boolean;
  maxHops: number;
  maxHopsPos?: Position;
  weight: number;
  weightReverse: boolean;
  /** keepalived's specified_event_processes: `vrrp` and `checker` seen. */
  vrrp: boolean;
  checker: boolean;
}

/**
 * A duration in milliseconds with up to three decimals (keepalived's read_decimal_unsigned_strvec
 * with 3 places: microsecond resolution), in [minMs, 4294967] ms; returned in microseconds.
 */
function msValue(minMs: number) {
  return (tok: Token, what: string, diags: Diagnostics): number | undefined => {
    const m = /^(\d+)(?:\.(\d{1,3}))?$/.exec(tok.text);
    const us = m === null ? NaN : Number(m[1]) * 1000 + Number((m[2] ?? '').padEnd(3, '0'));
    if (!(us >= minMs * 1000 && us <= INTERVAL_MAX_MS * 1000)) {
      diags.error('CONF_ERR_VALUE', tok.pos, `${what} must be ${minMs}-${INTERVAL_MAX_MS} ms (at most 3 decimals), got '${tok.text}'`);
      return undefined;
    }
    if (us > SENSIBLE_MS * 1000) diags.warning('CONF_ERR_VALUE', tok.pos, `${what} ${tok.text} ms is larger than keepalived's most sensible value (${SENSIBLE_MS} ms)`);
    return us;
  };
}

/** A keyword that takes no value: `passive`, `vrrp`, `checker` (keepalived ignores words after them; tandem refuses them, so `passive off` cannot read as passive). */
function bare(store: (d: Draft) => void): Handler<Draft> {
  return (n, d, diags) => {
    if (arity(n, 0, 0, diags)) store(d);
  };
}

/** `weight N [reverse]` of a bfd_instance: -253..253. */
function weightHandler(n: Node, d: Draft, diags: Diagnostics): void {
  if (!arity(n, 1, 2, diags)) return;
  const w = intValue(n.args[0]!, -253, 253, 'weight', diags);
  if (w !== undefined) d.weight = w;
  const r = n.args[1];
  if (r !== undefined && r.text !== 'reverse') diags.error('CONF_ERR_VALUE', r.pos, `unknown weight option '${r.text}' (expected reverse)`);
  else if (r !== undefined) d.weightReverse = true;
}

function address(key: 'neighbor' | 'source'): Handler<Draft> {
  return (n, d, diags) => {
    if (!arity(n, 1, 1, diags)) return;
    const a = addressValue(n.args[0]!, n.keyword.text, diags);
    if (a !== undefined) d[key] = a;
  };
}

const ttlValue = (tok: Token, _what: string, diags: Diagnostics): number | undefined => intValue(tok, 1, 255, 'ttl/hoplimit', diags);

const spec: SectionSpec<Draft> = {
  name: 'bfd_instance',
  keywords: {
    neighbor_ip: address('neighbor'),
    neighbour_ip: address('neighbor'),
    source_ip: address('source'),
    min_rx: single(msValue(1), (d, v) => (d.minRxUs = v)),
    min_tx: single(msValue(1), (d, v) => (d.minTxUs = v)),
    // RFC 5880 §6.8.3: at least one second while the session is not Up.
    idle_tx: single(msValue(1000), (d, v) => (d.idleTxUs = v)),
    multiplier: single((tok, what, diags) => intValue(tok, 1, 255, what, diags), (d, v) => (d.multiplier = v)),
    passive: bare((d) => (d.passive = true)),
    ttl: single(ttlValue, (d, v) => (d.ttl = v)),
    hoplimit: single(ttlValue, (d, v) => (d.ttl = v)),
    max_hops: (n, d, diags) => {
      if (!arity(n, 1, 1, diags)) return;
      const v = intValue(n.args[0]!, -1, 255, 'max_hops', diags);
      if (v === undefined) return;
      // keepalived keeps it in a uint8_t: -1 is 255, which turns the check off.
      d.maxHops = v === -1 ? 255 : v;
      d.maxHopsPos = n.keyword.pos;
    },
    // keepalived 2.2.8's bfd_multihop_handler: `multihop` alone is true; check_true_false's words otherwise.
    multihop: (n, d, diags) => {
      const v = flagValue(n, diags);
      if (v !== undefined) d.multihop = v;
    },
    weight: weightHandler,
    vrrp: bare((d) => (d.vrrp = true)),
    checker: bare((d) => (d.checker = true)),
  },
};

/** Parses one `bfd_instance NAME { ... }`; undefined after an error in it. */
export function parseBfdInstance(node: Node, diags: Diagnostics): BfdInstance | undefined {
  const named = namedBlock(node, diags);
  if (named === undefined) return undefined;
  const { name, block } = named;
  const before = diags.errorCount;
  const pos = node.keyword.pos;
  if (name.length > BFD_NAME_MAX) diags.error('CONF_ERR_VALUE', node.args[0]!.pos, `bfd_instance name '${name}' is longer than ${BFD_NAME_MAX} characters (keepalived's limit)`);
  const d: Draft = { minRxUs: 10_000, minTxUs: 10_000, idleTxUs: 1_000_000, multiplier: 5, passive: false, multihop: false, maxHops: 0, weight: 0, weightReverse: false, vrrp: false, checker: false };
  applySection(spec, block, d, diags);
  const nb = d.neighbor;
  if (nb === undefined) {
    diags.error('CONF_ERR_MISSING', pos, `bfd_instance ${name} needs neighbor_ip`);
    return undefined;
  }
  if (d.source !== undefined && d.source.family !== nb.family) {
    diags.error('CONF_ERR_CONFLICT', pos, `bfd_instance ${name}: source_ip ${d.source.address} and neighbor_ip ${nb.address} are not of the same family`);
  }
  // keepalived's defaults: TTL 255 for IPv4, hop limit 64 for IPv6 (RFC 5881 §5 asks for 255: set hoplimit 255 for FRR).
  const ttl = d.ttl ?? (nb.family === 4 ? 255 : 64);
  if (d.maxHops !== 255 && d.maxHops > ttl) {
    diags.error('CONF_ERR_CONFLICT', d.maxHopsPos ?? pos, `bfd_instance ${name}: max_hops ${d.maxHops} exceeds ttl/hoplimit ${ttl} (keepalived would lower it to ${ttl})`);
  }
  if (diags.errorCount > before) return undefined;
  // Neither `vrrp` nor `checker`: events go to both.
  const both = !d.vrrp && !d.checker;
  return {
    name,
    pos,
    neighborIp: nb.address,
    family: nb.family,
    ...(d.source !== undefined ? { sourceIp: d.source.address } : {}),
    minRxUs: d.minRxUs,
    minTxUs: d.minTxUs,
    idleTxUs: d.idleTxUs,
    multiplier: d.multiplier,
    passive: d.passive,
    ttl,
    multihop: d.multihop,
    maxHops: d.maxHops,
    weight: d.weight,
    weightReverse: d.weightReverse,
    vrrp: both || d.vrrp,
    checker: both || d.checker,
  };
}

/**
 * The lowest TTL / hop limit a session accepts (keepalived's bfd_check_packet_ttl: a packet
 * is dropped when its TTL + max_hops < ttl; max_hops 255 turns the check off).
 */
export function bfdMinTtl(b: Pick<BfdInstance, 'ttl' | 'maxHops'>): number {
  return b.maxHops === 255 ? 1 : Math.max(1, b.ttl - b.maxHops);
}

/** A draft that collects `@tandem bfd_takeover NAME` lines. */
export interface BfdTakeoverDraft {
  bfdTakeover: BfdTakeover[];
}

/**
 * tandem's own `bfd_takeover NAME [ADDRESS ...]` of a vrrp_instance, written `@tandem
 * bfd_takeover ...` (a line keepalived skips). The ADDRESSes are the master's advert sources
 * the session stands for besides its neighbor_ip.
 */
export function instanceBfdKeywords<D extends BfdTakeoverDraft>(): Record<string, Handler<D>> {
  return {
    bfd_takeover: (n, d, diags) => {
      if (!arity(n, 1, Infinity, diags)) return;
      const masterAddresses: string[] = [];
      for (const tok of n.args.slice(1)) {
        const a = addressValue(tok, 'a bfd_takeover master address', diags);
        if (a === undefined) continue;
        if (masterAddresses.some((x) => sameIp(x, a.address))) diags.error('CONF_ERR_CONFLICT', tok.pos, `bfd_takeover ${n.args[0]!.text}: ${tok.text} is listed twice`);
        else masterAddresses.push(a.address);
      }
      d.bfdTakeover.push({ name: n.args[0]!.text, pos: n.args[0]!.pos, masterAddresses });
    },
  };
}

/** An address in one spelling per value (`2001:db8:0::2` and `2001:DB8::2` are one), for comparing. */
function ipKey(address: string): string {
  // WHATWG URL serialises IPv6 hosts in RFC 5952's form, in brackets.
  return isIPv6(address) ? new URL(`http://[${address}]`).hostname.slice(1, -1) : address;
}

function sameIp(a: string, b: string): boolean {
  return ipKey(a) === ipKey(b);
}

/** RFC 4291 §2.5.6: fe80::/10. */
function isLinkLocal6(address: string): boolean {
  return /^fe[89ab]/.test(ipKey(address));
}

/**
 * Why a `bfd_takeover` whose session runs to `b` never finds the master of `i` among its
 * addresses (its neighbor_ip and `t`'s), or undefined when it may: the master's adverts come
 * from an address of the instance's family, and over IPv6 multicast from its link-local
 * address (RFC 5798 §5.1.2.1).
 */
function takeoverNeverMatches(i: VrrpInstance, t: BfdTakeover, b: BfdInstance): string | undefined {
  if (t.masterAddresses.length > 0) return undefined;
  if (b.family !== i.family) return `${i.name} is an IPv${i.family} instance, whose adverts never come from neighbor_ip ${b.neighborIp}`;
  if (i.family === 6 && i.unicastPeer.length === 0 && i.unicastSrcIp === undefined && !isLinkLocal6(b.neighborIp)) {
    return `${i.name}'s adverts come from the master's IPv6 link-local address (RFC 5798 §5.1.2.1), never from neighbor_ip ${b.neighborIp}`;
  }
  return undefined;
}

/** What the BFD cross-references read, with where each top-level block stands in the file. */
export interface BfdReferences {
  readonly bfdInstances: readonly BfdInstance[];
  readonly vrrpInstances: readonly VrrpInstance[];
  readonly syncGroups: readonly SyncGroup[];
  readonly virtualServers: readonly VirtualServer[];
  /** The place of the top-level block whose keyword is at `pos`, in reading order (keepalived resolves names as it reads). */
  readonly orderOf: (pos: Position) => number;
}

/**
 * The cross-references of BFD: unique names and paths, `track_bfd` and `BFD_CHECK` naming a
 * session defined earlier in the file for their process (keepalived finds them while it
 * reads), no duplicate, weights only where keepalived applies them, and `bfd_takeover`
 * naming a session VRRP hears about.
 */
export function checkBfd(r: BfdReferences, diags: Diagnostics): BfdDropped {
  const byName = new Map<string, BfdInstance>();
  /** The sessions kept so far, by neighbor and hop kind. */
  const byNeighbor = new Map<string, BfdInstance[]>();
  for (const b of r.bfdInstances) {
    const prev = byName.get(b.name);
    if (prev !== undefined) {
      diags.error('CONF_ERR_CONFLICT', b.pos, `bfd_instance ${b.name} is defined twice (first at line ${prev.pos.line})`);
      continue;
    }
    byName.set(b.name, b);
    // keepalived 2.2.7's find_bfd_by_addr: a session to a neighbor already served is a
    // duplicate when their sources are equal or either has none (a session without source_ip
    // may leave from any address). A multihop and a single-hop session are two paths (2.2.8).
    const key = `${ipKey(b.neighborIp)}/${b.multihop ? 'multihop' : 'single-hop'}`;
    const kept = byNeighbor.get(key) ?? [];
    const same = kept.find((x) => x.sourceIp === undefined || b.sourceIp === undefined || sameIp(x.sourceIp, b.sourceIp));
    if (same === undefined) {
      byNeighbor.set(key, [...kept, b]);
      continue;
    }
    const what = `a ${b.multihop ? 'multihop ' : ''}session to neighbor ${same.neighborIp}${same.sourceIp !== undefined ? ` from ${same.sourceIp}` : ''}`;
    const why = (same.sourceIp === undefined) !== (b.sourceIp === undefined) ? `; without source_ip a session stands for every source (keepalived's find_bfd_by_addr)` : '';
    diags.error('CONF_ERR_CONFLICT', b.pos, `bfd_instance ${b.name}: bfd_instance ${same.name} (line ${same.pos.line}) already runs ${what}${why}`);
  }
  const dropped: BfdDropped = { refs: new Set(), checkers: new Set() };
  /**
   * The session a reference names, or why there is none: keepalived, which finds sessions
   * while it reads, ignores a track_bfd or BFD_CHECK it cannot find ("not found, ignoring",
   * "not configured"), so for those (`ignored`) it is a warning; for tandem's own bfd_takeover an error.
   */
  const resolve = (name: string, pos: Position, at: Position | undefined, kw: string, process: 'vrrp' | 'checker', ignored: boolean): BfdInstance | undefined => {
    const say = (why: string): undefined => {
      if (ignored) diags.warning('CONF_ERR_REFERENCE', pos, `${kw} ${name}: ${why}; ignored, as keepalived ignores it`);
      else diags.error('CONF_ERR_REFERENCE', pos, `${kw} ${name}: ${why}`);
      return undefined;
    };
    const b = byName.get(name);
    if (b === undefined) {
      const near = suggest(name, byName.keys());
      return say(`no bfd_instance of that name${near !== undefined ? `; did you mean '${near}'?` : ''}`);
    }
    if (!b[process]) return say(`bfd_instance ${name} says '${process === 'vrrp' ? 'checker' : 'vrrp'}' and not '${process}', so its events never reach ${process === 'vrrp' ? 'VRRP' : 'the checkers'}`);
    if (at !== undefined && r.orderOf(b.pos) > r.orderOf(at)) return say(`bfd_instance ${name} is defined later (line ${b.pos.line}); keepalived only finds a bfd_instance defined before the block that names it`);
    return b;
  };
  const trackBfd = (refs: readonly TrackRef[], at: Position, owner: string): Array<{ ref: TrackRef; weight: number }> => {
    const seen = new Set<string>();
    const out: Array<{ ref: TrackRef; weight: number }> = [];
    for (const ref of refs) {
      if (seen.has(ref.name)) {
        diags.warning('CONF_ERR_CONFLICT', ref.pos, `(${owner}) track_bfd ${ref.name} is listed twice; the second is ignored, as keepalived ignores it`);
        dropped.refs.add(ref);
        continue;
      }
      seen.add(ref.name);
      const b = resolve(ref.name, ref.pos, at, 'track_bfd', 'vrrp', true);
      if (b !== undefined) out.push({ ref, weight: ref.weight ?? b.weight });
      else dropped.refs.add(ref);
    }
    return out;
  };
  const groupOf = new Map<string, SyncGroup>();
  for (const g of r.syncGroups) for (const m of g.group) groupOf.set(m, g);
  for (const i of r.vrrpInstances) {
    const g = groupOf.get(i.name);
    for (const { ref, weight } of trackBfd(i.tracking.trackBfd, i.pos, i.name)) {
      // keepalived (vrrp.c): an address owner, or a sync group member without
      // sync_group_tracking_weight, drops a weighted track_bfd with a configuration error.
      if (weight === 0 || !ownWeightsIgnored(i, g)) continue;
      const why = i.priority === 255 ? 'the address owner (priority 255)' : `a member of vrrp_sync_group ${g!.name} without sync_group_tracking_weight`;
      diags.warning('CONF_ERR_CONFLICT', ref.pos, `(${i.name}) track_bfd ${ref.name} with weight ${weight} is ignored, as keepalived does for ${why}; use weight 0 to track it`);
    }
    for (const t of i.bfdTakeover) {
      // keepalived never reads `@tandem` lines, so no reading order applies.
      const b = resolve(t.name, t.pos, undefined, 'bfd_takeover', 'vrrp', false);
      if (i.priority === 255) diags.warning('CONF_ERR_CONFLICT', t.pos, `(${i.name}) bfd_takeover has no effect: the address owner (priority 255) is never a backup`);
      for (const a of t.masterAddresses) {
        if ((isIPv6(a) ? 6 : 4) !== i.family) diags.error('CONF_ERR_VALUE', t.pos, `(${i.name}) bfd_takeover ${t.name}: ${a} is not an IPv${i.family} address, so no advert of ${i.name} comes from it`);
      }
      const never = b !== undefined ? takeoverNeverMatches(i, t, b) : undefined;
      if (never !== undefined) diags.warning('CONF_ERR_CONFLICT', t.pos, `(${i.name}) bfd_takeover ${t.name} never fires: ${never}; name the master's advert source after the session (@tandem bfd_takeover ${t.name} ADDRESS)`);
    }
  }
  for (const g of r.syncGroups) {
    const owner = r.vrrpInstances.find((i) => g.group.includes(i.name) && i.priority === 255);
    for (const { ref, weight } of trackBfd(g.tracking.trackBfd, g.pos, g.name)) {
      if (weight !== 0 && owner !== undefined) diags.warning('CONF_ERR_CONFLICT', ref.pos, `(${g.name}) track_bfd ${ref.name} counts at weight 0, not ${weight}, as keepalived does when a member (${owner.name}) is an address owner (priority 255)`);
    }
  }
  // Indexed loops: this walk visits every checker of a director's file (tens of thousands) at
  // each read, once at start and once per reload, in code that has barely run: for-of's
  // iterators cost several times more there.
  const servers = r.virtualServers;
  for (let v = 0; v < servers.length; v++) {
    const vs = servers[v]!;
    for (let i = 0; i < vs.realServers.length; i++) {
      const rs = vs.realServers[i]!;
      // Made only for a real server with a BFD_CHECK: a director's file has tens of thousands without.
      let seen: Set<string> | undefined;
      for (let k = 0; k < rs.checkers.length; k++) {
        const c = rs.checkers[k]!;
        if (c.kind !== 'BFD_CHECK') continue;
        seen ??= new Set<string>();
        if (seen.has(c.name)) {
          diags.warning('CONF_ERR_CONFLICT', c.pos, `(${vs.name}) real server ${rs.address} already has a BFD_CHECK of ${c.name}; ignored, as keepalived ignores it`);
          dropped.checkers.add(c);
        } else if (resolve(c.name, c.pos, vs.pos, 'BFD_CHECK', 'checker', true) === undefined) dropped.checkers.add(c);
        seen.add(c.name);
      }
    }
  }
  return dropped;
}

/** The track_bfd references and BFD_CHECKs keepalived ignores (`checkBfd`), for the loader to leave out of the model. */
export interface BfdDropped {
  readonly refs: Set<TrackRef>;
  readonly checkers: Set<object>;
}

/** `bfd_instance` as keepalived.conf text that loads back into the same model. */
export function printBfdInstance(b: BfdInstance): string[] {
  const ms = (us: number): string => String(us / 1000);
  const l = [`neighbor_ip ${b.neighborIp}`];
  if (b.sourceIp !== undefined) l.push(`source_ip ${b.sourceIp}`);
  l.push(`min_rx ${ms(b.minRxUs)}`, `min_tx ${ms(b.minTxUs)}`, `idle_tx ${ms(b.idleTxUs)}`, `multiplier ${b.multiplier}`);
  if (b.passive) l.push('passive');
  if (b.multihop) l.push('multihop');
  l.push(`${b.family === 4 ? 'ttl' : 'hoplimit'} ${b.ttl}`, `max_hops ${b.maxHops}`, `weight ${b.weight}${b.weightReverse ? ' reverse' : ''}`);
  if (!(b.vrrp && b.checker)) l.push(b.vrrp ? 'vrrp' : 'checker');
  return [`bfd_instance ${b.name} {`, ...l.map((x) => `    ${x}`), '}'];
}

