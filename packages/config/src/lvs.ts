import { isIP } from './ip-syntax.js';
import { announceKeywords, resolveAnnounce } from './anycast.js';
import type { Diagnostics, Position } from './diagnostics.js';
import type { Token } from './lexer.js';
import { cascadingCheckerKeywords, CHECKER_KINDS, parseChecker, port, type WithOptions } from './checkers.js';
import {
  LB_ALGOS,
  type Checker,
  type Forwarding,
  type GroupEntry,
  type LbAlgo,
  type RealServer,
  type VirtualServer,
  type VirtualServerGroup,
  type VirtualServerKey,
} from './model.js';
import { applySection, assignExcept, blockOf, flag, integer, namedBlock, notInKeepalived, single, word, type Handler, type NotYet, type SectionSpec } from './section.js';
import { scriptKeyword } from './tracking.js';
import type { Node } from './tree.js';
import { addressValue, arity, enumValue, flagValue, type Mutable } from './values.js';

const harmless: NotYet = { severity: 'warning', why: 'it does not change load balancing' };

/** `NAT|DR|TUN [type ipip|gue port N|gre] [nocsum|csum|remcsum]`. */
function forwarding(node: Node, diags: Diagnostics): Forwarding | undefined {
  if (node.args.length === 0) {
    diags.error('CONF_ERR_ARITY', node.keyword.pos, `${node.keyword.text} needs NAT, DR or TUN`);
    return undefined;
  }
  const kind = enumValue(node.args[0]!, ['NAT', 'DR', 'TUN'] as const, node.keyword.text, diags);
  if (kind === undefined) return undefined;
  const rest = node.args.slice(1);
  if (kind !== 'TUN') {
    if (rest.length > 0) diags.error('CONF_ERR_ARITY', rest[0]!.pos, `unexpected '${rest[0]!.text}' after ${kind}`);
    return { kind };
  }
  let type: 'ipip' | 'gue' | 'gre' = 'ipip';
  let tport: number | undefined;
  let checksum: 'nocsum' | 'csum' | 'remcsum' | undefined;
  for (let i = 0; i < rest.length; i++) {
    const t = rest[i]!;
    if (t.text === 'type' && rest[i + 1] !== undefined) {
      const v = enumValue(rest[++i]!, ['ipip', 'gue', 'gre'] as const, 'tunnel type', diags);
      if (v === undefined) return undefined;
      type = v;
    } else if (t.text === 'port' && rest[i + 1] !== undefined) {
      tport = port(rest[++i]!, 'tunnel port', diags);
      if (tport === undefined) return undefined;
    } else if (t.text === 'nocsum' || t.text === 'csum' || t.text === 'remcsum') {
      checksum = t.text;
    } else {
      diags.error('CONF_ERR_VALUE', t.pos, `unexpected '${t.text}' in the tunnel options (type ipip|gue port N|gre, nocsum|csum|remcsum)`);
      return undefined;
    }
  }
  if (type === 'gue' && tport === undefined) diags.error('CONF_ERR_MISSING', node.keyword.pos, 'a GUE tunnel needs port N');
  if (type !== 'gue' && tport !== undefined) diags.error('CONF_ERR_CONFLICT', node.keyword.pos, 'only GUE tunnels take a port');
  if (type === 'gre' && checksum === 'remcsum') diags.error('CONF_ERR_CONFLICT', node.keyword.pos, 'GRE tunnels do not support remcsum');
  return { kind, tunnel: { type, ...(tport !== undefined ? { port: tport } : {}), ...(checksum !== undefined ? { checksum } : {}) } };
}

/** A handler for `lvs_method` / `lb_kind` / `sorry_server_lvs_method`. */
function forwardingKeyword<D>(store: (d: D, f: Forwarding) => void): Handler<D> {
  return (n, d, diags) => {
    const f = forwarding(n, diags);
    if (f !== undefined) store(d, f);
  };
}

/** `IP [PORT]` arguments of real_server and sorry_server. */
function addressAndPort(node: Node, args: readonly Token[], what: string, diags: Diagnostics): { address: string; family: 4 | 6; port?: number } | undefined {
  if (args.length === 0) {
    diags.error('CONF_ERR_ARITY', node.keyword.pos, `${what} needs an address`);
    return undefined;
  }
  const a = addressValue(args[0]!, what, diags);
  if (a === undefined) return undefined;
  if (args.length === 1) return a;
  // keepalived: port 0 is no port (the service's, or none for a fwmark service), as `real_server IP 0` under `virtual_server fwmark` writes it.
  if (args[1]!.text === '0') return a;
  const p = port(args[1]!, `${what} port`, diags);
  return p === undefined ? undefined : { address: a.address, family: a.family, port: p };
}

type RsDraft = WithOptions & Omit<Mutable<RealServer>, 'options' | 'checkers' | 'address' | 'family' | 'port' | 'pos' | 'weight'> & { checkers: Checker[]; weight?: number };

const rsSpec: SectionSpec<RsDraft> = {
  name: 'real_server',
  keywords: {
    ...cascadingCheckerKeywords<RsDraft>('real_server'),
    weight: single(integer(0, 65535), (d, v) => (d.weight = v)),
    lvs_method: forwardingKeyword((d, f) => (d.forwarding = f)),
    lb_kind: notInKeepalived(
      forwardingKeyword((d, f) => (d.forwarding = f)),
      'real_server',
      'read as lvs_method, the only name keepalived 2.2.7 takes in a real_server',
    ),
    inhibit_on_failure: flag((d, v) => (d.inhibitOnFailure = v)),
    // keepalived's notify_script_init: SCRIPT [USER [GROUP]], as the VRRP notify scripts.
    notify_up: scriptKeyword((d, v) => (d.notifyUp = v)),
    notify_down: scriptKeyword((d, v) => (d.notifyDown = v)),
    smtp_alert: flag((d, v) => (d.smtpAlert = v)),
    uthreshold: single(integer(0, 2 ** 31 - 1), (d, v) => (d.uthreshold = v)),
    lthreshold: single(integer(0, 2 ** 31 - 1), (d, v) => (d.lthreshold = v)),
    virtualhost: single(word, (d, v) => (d.virtualhost = v)),
    ...Object.fromEntries(
      CHECKER_KINDS.map((k): [string, Handler<RsDraft>] => [
        k,
        (n, d, diags) => {
          d.checkers.push(...parseChecker(k, n, diags));
        },
      ]),
    ),
  },
  notYet: {
    snmp_name: harmless,
  },
};

/** Parses one real_server block; one without a weight of its own also goes to `weightless` (it takes its virtual server's). */
function parseRealServer(node: Node, weightless: RealServer[], diags: Diagnostics): RealServer | undefined {
  // (addressAndPort reads the first two words only: no copy of them.)
  const head = addressAndPort(node, node.args, 'real_server', diags);
  if (node.args.length > 2) diags.error('CONF_ERR_ARITY', node.args[2]!.pos, `unexpected '${node.args[2]!.text}' after the real server's port`);
  const block = blockOf(node, diags);
  if (head === undefined || block === undefined) return undefined;
  const d: RsDraft = { options: {}, checkers: [] };
  applySection(rsSpec, block, d, diags);
  if (d.uthreshold !== undefined && d.lthreshold !== undefined && d.lthreshold > d.uthreshold) {
    diags.error('CONF_ERR_CONFLICT', node.keyword.pos, 'lthreshold is larger than uthreshold');
  }
  // Keys in the order `{ ...head, pos, ...rest, options, checkers }` gives them.
  const pos = node.keyword.pos;
  const weight = d.weight ?? 1;
  let rs: Mutable<RealServer>;
  if (weightOnly(d)) {
    // Most real servers: made in their final shape at once (no properties added one by one,
    // which gives each object a second, growing store for them).
    rs = head.port !== undefined ? { address: head.address, family: head.family, port: head.port, pos, weight, options: d.options, checkers: d.checkers } : { address: head.address, family: head.family, pos, weight, options: d.options, checkers: d.checkers };
  } else {
    rs = (head.port !== undefined ? { address: head.address, family: head.family, port: head.port, pos } : { address: head.address, family: head.family, pos }) as Mutable<RealServer>;
    assignExcept(rs, d, RS_DRAFT_ONLY);
    rs.weight = weight;
    rs.options = d.options;
    rs.checkers = d.checkers;
  }
  if (d.weight === undefined) weightless.push(rs);
  return rs;
}

/** Whether a draft holds nothing but options, checkers and perhaps a weight. */
function weightOnly(d: RsDraft): boolean {
  for (const k in d) if (k !== 'options' && k !== 'checkers' && k !== 'weight') return false;
  return true;
}

/** Draft fields that are not copied as they are into a RealServer. */
const RS_DRAFT_ONLY: ReadonlySet<string> = new Set(['options', 'checkers']);

type VsDraft = WithOptions &
  Omit<Mutable<VirtualServer>, 'options' | 'realServers' | 'name' | 'key' | 'pos' | 'schedulerFlags' | 'protocol' | 'lbAlgo' | 'forwarding' | 'delayLoop'> & {
    realServers: RealServer[];
    /** Those without a weight of their own: they take the service's `weight` (default 1). */
    weightless: RealServer[];
    schedulerFlags: string[];
    protocol?: 'TCP' | 'UDP' | 'SCTP';
    lbAlgo?: LbAlgo;
    forwarding?: Forwarding;
    sorryForwarding?: Forwarding;
    weight?: number;
  };

/**
 * A scheduler flag. keepalived 2.2.7 (lbflags_handler) takes `sh-*` only after `lb_algo sh`
 * and `mh-*` only after `lb_algo mh` (the scheduler read so far): elsewhere they are ignored.
 */
const schedFlag = (name: string): Handler<VsDraft> => (n, d, diags) => {
  const only = name.startsWith('sh-') ? 'sh' : name.startsWith('mh-') ? 'mh' : undefined;
  if (only !== undefined && d.lbAlgo !== only) {
    diags.warning('CONF_ERR_CONFLICT', n.keyword.pos, `${name} applies only to the ${only} scheduler${d.lbAlgo === undefined ? ', which must be set before it' : ` (this one is ${d.lbAlgo})`}; ignored, as keepalived ignores it`);
    return;
  }
  flag<VsDraft>((dd, v) => {
    if (v && !dd.schedulerFlags.includes(name)) dd.schedulerFlags.push(name);
  })(n, d, diags);
};

const vsSpec: SectionSpec<VsDraft> = {
  name: 'virtual_server',
  keywords: {
    ...cascadingCheckerKeywords<VsDraft>('virtual_server'),
    lvs_sched: single((tok, what, diags) => enumValue(tok, LB_ALGOS, what, diags), (d, v) => (d.lbAlgo = v)),
    lb_algo: single((tok, what, diags) => enumValue(tok, LB_ALGOS, what, diags), (d, v) => (d.lbAlgo = v)),
    lvs_method: forwardingKeyword((d, f) => (d.forwarding = f)),
    lb_kind: forwardingKeyword((d, f) => (d.forwarding = f)),
    protocol: single((tok, what, diags) => enumValue(tok, ['TCP', 'UDP', 'SCTP'] as const, what, diags), (d, v) => (d.protocol = v)),
    'flag-1': schedFlag('flag-1'),
    'flag-2': schedFlag('flag-2'),
    'flag-3': schedFlag('flag-3'),
    'sh-port': schedFlag('sh-port'),
    'sh-fallback': schedFlag('sh-fallback'),
    'mh-port': schedFlag('mh-port'),
    'mh-fallback': schedFlag('mh-fallback'),
    ops: flag((d, v) => (d.ops = v)),
    // keepalived 2.2.7 reads it and sets nothing (its IPVS flag is the kernel's own state bit).
    hashed: (n, _d, diags) => {
      if (flagValue(n, diags) !== undefined) diags.warning('CONF_ERR_UNSUPPORTED', n.keyword.pos, 'hashed does nothing (keepalived 2.2.7 sets no flag for it either: the kernel hashes every service); ignored');
    },
    // keepalived: a fwmark service's family when its real servers do not say (all tunnelled).
    ip_family: single((tok, what, diags) => enumValue(tok, ['inet', 'inet6'] as const, what, diags), (d, v) => (d.ipFamily = v === 'inet6' ? 6 : 4)),
    // keepalived: the weight of the real servers that give none (1-65535).
    weight: single(integer(1, 65535), (d, v) => (d.weight = v)),
    persistence_timeout: (n, d, diags) => {
      if (!arity(n, 0, 1, diags)) return;
      // keepalived: without a value, 6 minutes; 0 it calls invalid and ignores, which is what 0 means.
      if (n.args[0]?.text === '0') {
        diags.warning('CONF_ERR_VALUE', n.args[0].pos, 'persistence_timeout 0: no persistence (keepalived says the value is invalid and ignores it); leave the line out');
        delete d.persistenceTimeout;
        return;
      }
      const v = n.args[0] === undefined ? 360 : integer(1, 2 ** 31 - 1)(n.args[0], 'persistence_timeout', diags);
      if (v !== undefined) d.persistenceTimeout = v;
    },
    persistence_granularity: single(
      (tok, what, diags) => {
        if (isIP(tok.text) !== 0 || /^\d{1,3}$/.test(tok.text)) return tok.text;
        diags.error('CONF_ERR_VALUE', tok.pos, `${what} must be a netmask (IPv4) or a prefix length (IPv6), got '${tok.text}'`);
        return undefined;
      },
      (d, v) => (d.persistenceGranularity = v),
    ),
    persistence_engine: single((tok, what, diags) => enumValue(tok, ['sip'] as const, what, diags), (d, v) => (d.persistenceEngine = v)),
    // keepalived 2.2.7: "Quorum 0 must be in [1, 4294967295]".
    quorum: single(integer(1, 2 ** 32 - 1), (d, v) => (d.quorum = v)),
    quorum_up: scriptKeyword((d, v) => (d.quorumUp = v)),
    quorum_down: scriptKeyword((d, v) => (d.quorumDown = v)),
    hysteresis: single(integer(0, 2 ** 31 - 1), (d, v) => (d.hysteresis = v)),
    smtp_alert: flag((d, v) => (d.smtpAlert = v)),
    sorry_server: (n, d, diags) => {
      if (!arity(n, 1, 2, diags)) return;
      const a = addressAndPort(n, n.args, 'sorry_server', diags);
      if (a !== undefined) d.sorryServer = { ...a, pos: n.keyword.pos };
    },
    sorry_server_lvs_method: forwardingKeyword((d, f) => (d.sorryForwarding = f)),
    // keepalived sets it on the sorry server read so far: before (or without) one it is ignored.
    sorry_server_inhibit: (n, d, diags) => {
      if (d.sorryServer === undefined) diags.warning('CONF_ERR_CONFLICT', n.keyword.pos, 'sorry_server_inhibit before (or without) sorry_server; ignored, as keepalived ignores it');
      else flag<VsDraft>((dd, v) => (dd.sorryServerInhibit = v))(n, d, diags);
    },
    inhibit_on_failure: flag((d, v) => (d.inhibitOnFailure = v)),
    omega: flag((d, v) => (d.omega = v)),
    // keepalived reads no value; words after it are ignored.
    ha_suspend: (n, d, diags) => {
      if (n.args.length > 0) diags.warning('CONF_ERR_ARITY', n.args[0]!.pos, 'ha_suspend takes no value; ignored (keepalived ignores it too)');
      d.haSuspend = true;
    },
    virtualhost: single(word, (d, v) => (d.virtualhost = v)),
    real_server: (n, d, diags) => {
      const rs = parseRealServer(n, d.weightless, diags);
      if (rs !== undefined) d.realServers.push(rs);
    },
    ...announceKeywords<VsDraft>(),
  },
  notYet: {
    snmp_name: harmless,
  },
};

function vsKey(node: Node, diags: Diagnostics): VirtualServerKey | undefined {
  const [first, second, third] = node.args;
  if (first === undefined) {
    diags.error('CONF_ERR_ARITY', node.keyword.pos, 'virtual_server needs IP [PORT], fwmark N or group NAME');
    return undefined;
  }
  if (first.text === 'fwmark') {
    const mark = second === undefined ? undefined : integer(1, 2 ** 32 - 1)(second, 'fwmark', diags);
    if (third !== undefined) diags.error('CONF_ERR_UNSUPPORTED', third.pos, `'${third.text}' after a fwmark is not supported yet`);
    return mark === undefined ? undefined : { kind: 'fwmark', mark };
  }
  if (first.text === 'group') {
    if (second === undefined) diags.error('CONF_ERR_ARITY', first.pos, 'virtual_server group needs a name');
    if (third !== undefined) diags.error('CONF_ERR_ARITY', third.pos, `unexpected '${third.text}' after the group name`);
    return second === undefined ? undefined : { kind: 'group', group: second.text };
  }
  const a = addressAndPort(node, node.args.slice(0, 2), 'virtual_server', diags);
  if (third !== undefined) diags.error('CONF_ERR_ARITY', third.pos, `unexpected '${third.text}' after the virtual server's port`);
  if (a === undefined) return undefined;
  return a.port !== undefined ? { kind: 'address', address: a.address, family: a.family, port: a.port } : { kind: 'address', address: a.address, family: a.family };
}

function keyName(key: VirtualServerKey, protocol: string): string {
  switch (key.kind) {
    case 'fwmark':
      return `fwmark ${key.mark}`;
    case 'group':
      return `group ${key.group}/${protocol}`;
    case 'address':
      return `${key.family === 6 ? `[${key.address}]` : key.address}:${key.port ?? 0}/${protocol}`;
  }
}

/** Virtual servers whose file gave no `protocol`: UDP by keepalived's default. */
const defaultedProtocol = new WeakSet<object>();

/** Whether the file left out this virtual server's `protocol` (it is UDP then, as keepalived makes it). */
export const protocolDefaulted = (vs: VirtualServer): boolean => defaultedProtocol.has(vs);

/** What makes two real servers of a service one (the kernel holds one destination of each address and port). */
export const realServerIdentity = (rs: RealServer): string => `${rs.address}:${rs.port ?? ''}`;

/** A real server as the file writes it: `ADDRESS [PORT]`. */
export const realServerAsWritten = (rs: RealServer): string => `${rs.address}${rs.port !== undefined ? ` ${rs.port}` : ''}`;

/** keepalived's "real server ... is duplicated - removing second rs": the first of each address and port stays. */
function withoutDuplicates(servers: RealServer[], name: string, diags: Diagnostics): RealServer[] {
  const kept: RealServer[] = [];
  // A virtual server has a few real servers: each compared with those before it (the same
  // address and port as realServerIdentity's), without a key string and a set for every one.
  // A long list is keyed: pairs would grow with its square.
  const seen = servers.length > 16 ? new Set<string>() : undefined;
  for (let i = 0; i < servers.length; i++) {
    const rs = servers[i]!;
    let twice: boolean;
    if (seen !== undefined) {
      const id = realServerIdentity(rs);
      twice = seen.has(id);
      seen.add(id);
    } else {
      twice = false;
      for (let j = 0; j < i && !twice; j++) twice = servers[j]!.address === rs.address && servers[j]!.port === rs.port;
    }
    if (!twice) kept.push(rs);
    else diags.warning('CONF_ERR_CONFLICT', rs.pos, `real_server ${realServerAsWritten(rs)} appears twice in ${name}; the second is removed, as keepalived removes it`);
  }
  return kept;
}

/**
 * keepalived's corrections of a quorum that could never be reached: above the real servers'
 * total weight it is lowered to it, and the hysteresis is kept below the quorum.
 */
function checkQuorum(d: VsDraft, name: string, pos: Position, diags: Diagnostics): void {
  const total = d.realServers.reduce((n, rs) => n + rs.weight, 0);
  if (d.quorum > total) {
    diags.warning('CONF_ERR_CONFLICT', pos, `virtual_server ${name}: quorum ${d.quorum} exceeds the real servers' total weight ${total}; lowered to ${total}, as keepalived does`);
    d.quorum = total;
  }
  if (d.hysteresis > 0 && d.hysteresis >= d.quorum) {
    const h = Math.max(0, d.quorum - 1);
    diags.warning('CONF_ERR_CONFLICT', pos, `virtual_server ${name}: hysteresis ${d.hysteresis} is not below quorum ${d.quorum}; set to ${h}, as keepalived does`);
    d.hysteresis = h;
  }
}

/** keepalived's warning for a service without `protocol`. */
const noProtocol = (name: string): string => `virtual_server ${name}: no protocol set, so it is UDP as in keepalived (IPVS's default); write protocol TCP for a TCP service`;

/** The real and sorry servers that are not NAT and give a port: the ones keepalived's port rules (check_data.c) speak of. */
function portedNonNat(reals: readonly RealServer[], sorry: { readonly port?: number; readonly pos: Position } | undefined, sorryForwarding: Forwarding | undefined, forwarding: Forwarding): Array<{ port: number; pos: Position; kind: Forwarding['kind']; what: string }> {
  // A loop, not a list of every server: nearly all are NAT, and this runs for each virtual server of a file.
  const out: Array<{ port: number; pos: Position; kind: Forwarding['kind']; what: string }> = [];
  for (const rs of reals) {
    const f = rs.forwarding ?? forwarding;
    if (f.kind !== 'NAT' && rs.port !== undefined) out.push({ port: rs.port, pos: rs.pos, kind: f.kind, what: `real_server ${rs.address}` });
  }
  const f = sorryForwarding ?? forwarding;
  if (sorry !== undefined && f.kind !== 'NAT' && sorry.port !== undefined) out.push({ port: sorry.port, pos: sorry.pos, kind: f.kind, what: 'sorry_server' });
  return out;
}

/**
 * keepalived's port warnings (check_data.c): a server that is not NAT keeps the packet's port,
 * so under an address it takes the service's port and under a fwmark it has none; IPVS is
 * programmed that way (`realServerPort`). Group members are checked once the group is known.
 */
function checkPorts(key: VirtualServerKey, d: VsDraft, forwardingOf: Forwarding, name: string, diags: Diagnostics): void {
  if (key.kind === 'group') return;
  for (const { port, pos, kind, what } of portedNonNat(d.realServers, d.sorryServer, d.sorryForwarding, forwardingOf)) {
    if (key.kind === 'fwmark') diags.warning('CONF_ERR_CONFLICT', pos, `${what} of fwmark virtual server ${name} has port ${port}, which a ${kind} server cannot use: IPVS gets none, as keepalived clears it`);
    else if (port !== (key.port ?? 0)) diags.warning('CONF_ERR_CONFLICT', pos, `${what} port ${port} is not the virtual server's (${key.port ?? 0}), which a ${kind} server keeps: IPVS gets ${key.port ?? 0}, as keepalived resets it (its checkers still use ${port})`);
  }
}

/**
 * What keepalived says of a group's virtual server once the group is known: no protocol with
 * address entries (UDP then), an address entry without a port on a service that is not
 * persistent (it becomes persistent for 360 s: `servicePersistence`), and servers that are not
 * NAT whose port differs from an entry's (IPVS gets the entry's) or that have one with fwmark entries.
 */
export function checkGroupServer(vs: VirtualServer, group: VirtualServerGroup, diags: Diagnostics): void {
  const addresses = group.entries.filter((e) => e.kind === 'address');
  if (addresses.length > 0 && protocolDefaulted(vs)) diags.warning('CONF_ERR_MISSING', vs.pos, noProtocol(vs.name));
  if (vs.persistenceTimeout === undefined && addresses.some((e) => e.port === undefined)) {
    diags.warning('CONF_ERR_MISSING', vs.pos, `virtual_server ${vs.name}: virtual_server_group ${group.name} has an address without a port, which is only valid for a persistent service, so persistence_timeout is 360 s, as keepalived sets it`);
  }
  for (const { port, pos, kind, what } of portedNonNat(vs.realServers, vs.sorryServer, vs.sorryServer?.forwarding, vs.forwarding)) {
    if (group.entries.some((e) => e.kind === 'fwmark')) diags.warning('CONF_ERR_CONFLICT', pos, `${what} of virtual_server ${vs.name} has port ${port}, which a ${kind} server cannot use with the group's fwmark entries: IPVS gets none there, as keepalived`);
    for (const e of addresses) {
      if ((e.port ?? 0) !== port) diags.warning('CONF_ERR_CONFLICT', pos, `${what} port ${port} is not the port of ${group.name}'s entry at line ${e.pos.line} (${e.port ?? 0}), which a ${kind} server keeps: IPVS gets the entry's, as keepalived`);
    }
  }
}

/**
 * A real or sorry server's port as keepalived 2.2.7 holds it once it has read the file, which
 * its notify FIFO and SNMP show: `realServerPort` for an address or fwmark service, the
 * configured port (0 without one) for a group's, whose members keepalived leaves as they are.
 */
export function keptServerPort(vs: VirtualServer, server: { readonly port?: number; readonly forwarding?: Forwarding }): number {
  const k = vs.key;
  if (k.kind === 'group') return server.port ?? 0;
  return realServerPort(server, server.forwarding ?? vs.forwarding, k.kind === 'address' ? (k.port ?? 0) : undefined, k.kind);
}

/** The virtual_server_group a `virtual_server group NAME` names; undefined for other virtual servers or a missing group. */
export const groupOf = (vs: VirtualServer, groups: readonly VirtualServerGroup[]): VirtualServerGroup | undefined => {
  const k = vs.key;
  return k.kind === 'group' ? groups.find((g) => g.name === k.group) : undefined;
};

/** Whether a virtual server's checkers follow ha_suspend: keepalived clears it for a group with fwmark entries. */
export const suspendsChecks = (vs: VirtualServer, groups: readonly VirtualServerGroup[]): boolean =>
  vs.haSuspend === true && groupOf(vs, groups)?.entries.some((e) => e.kind === 'fwmark') !== true;

/**
 * The persistence timeout IPVS gets: the virtual server's own, or for a group with an address
 * entry without a port and no persistence_timeout, 360 s, as keepalived makes it persistent.
 */
export const servicePersistence = (vs: VirtualServer, groups: readonly VirtualServerGroup[]): number | undefined =>
  vs.persistenceTimeout ?? (groupOf(vs, groups)?.entries.some((e) => e.kind === 'address' && e.port === undefined) === true ? 360 : undefined);

/**
 * The port keepalived 2.2.7 gives a real or sorry server in IPVS (check_data.c, ipvswrapper.c):
 * a NAT server its own (under an address, the service's when it has none); one that is not NAT
 * the service's port under an address or a group's address entry, none under a fwmark.
 * `servicePort` is the IPVS service's port, undefined for a fwmark service.
 */
export function realServerPort(server: { readonly port?: number }, forwarding: Forwarding, servicePort: number | undefined, kind: VirtualServerKey['kind']): number {
  if (forwarding.kind === 'NAT') return server.port ?? (kind === 'address' ? (servicePort ?? 0) : 0);
  return servicePort ?? 0;
}

/** Parses one `virtual_server ... { ... }` block. */
export function parseVirtualServer(node: Node, diags: Diagnostics): VirtualServer | undefined {
  const key = vsKey(node, diags);
  const block = blockOf(node, diags);
  if (key === undefined || block === undefined) return undefined;
  const d: VsDraft = {
    options: {},
    realServers: [],
    weightless: [],
    schedulerFlags: [],
    ops: false,
    quorum: 1,
    hysteresis: 0,
    sorryServerInhibit: false,
    inhibitOnFailure: false,
    alpha: false,
    omega: false,
  };
  const before = diags.errorCount;
  applySection(vsSpec, block, d, diags);
  if (d.weight !== undefined) for (const rs of d.weightless) (rs as Mutable<RealServer>).weight = d.weight;
  // keepalived 2.2.7 (check_data.c): a service without a protocol is UDP, IPVS's default.
  const protocol = d.protocol ?? 'UDP';
  const pos: Position = node.keyword.pos;
  const name = keyName(key, protocol);
  if (key.kind === 'address' && d.protocol === undefined) diags.warning('CONF_ERR_MISSING', pos, noProtocol(name));
  if (key.kind === 'fwmark' && d.protocol !== undefined) diags.warning('CONF_ERR_CONFLICT', pos, `virtual_server ${name}: protocol ${d.protocol} is ignored for a fwmark service (keepalived ignores it too)`);
  if (key.kind === 'address' && key.port === undefined && d.persistenceTimeout === undefined) {
    diags.warning('CONF_ERR_MISSING', pos, `virtual_server ${name}: port 0 (all ports) is only valid for a persistent service, so persistence_timeout is 360 s, as keepalived sets it`);
    d.persistenceTimeout = 360;
  }
  if (d.announce !== undefined) d.announce = resolveAnnounce(key, d.announce, diags);
  if (d.ipFamily !== undefined && key.kind === 'address' && d.ipFamily !== key.family) diags.error('CONF_ERR_CONFLICT', pos, `ip_family inet${d.ipFamily === 6 ? '6' : ''} is not the family of the virtual server's address`);
  if (d.haSuspend === true && key.kind === 'fwmark') {
    diags.warning('CONF_ERR_CONFLICT', pos, `virtual_server ${name}: ha_suspend cannot be used with a fwmark (the service has no address whose presence would resume its checkers); ignored, as keepalived clears it`);
    delete d.haSuspend;
  }
  // keepalived resets ops on an addressed TCP or SCTP service (a fwmark service's packets may be any protocol).
  if (d.ops && protocol !== 'UDP' && key.kind !== 'fwmark') {
    diags.warning('CONF_ERR_CONFLICT', pos, `virtual_server ${name}: ops (one-packet scheduling) is for UDP services; ignored, as keepalived resets it`);
    d.ops = false;
  }
  const forwardingOf = d.forwarding ?? { kind: 'NAT' };
  if (key.kind === 'address') {
    for (const rs of d.realServers) {
      const tunnelled = (rs.forwarding ?? forwardingOf).kind === 'TUN';
      if (rs.family !== key.family && !tunnelled) diags.error('CONF_ERR_CONFLICT', rs.pos, `real_server ${rs.address} is not of the virtual server's address family (only TUN may mix)`);
    }
  }
  d.realServers = withoutDuplicates(d.realServers, name, diags);
  if (diags.errorCount > before) return undefined;
  if (d.realServers.length === 0) {
    diags.warning('CONF_ERR_MISSING', pos, `virtual_server ${name} has no real servers; ignored, as keepalived ignores it${d.sorryServer !== undefined ? ' (a sorry_server alone is not enough)' : ''}`);
    return undefined;
  }
  checkQuorum(d, name, pos, diags);
  checkPorts(key, d, forwardingOf, name, diags);
  const { options, sorryForwarding, sorryServer } = d;
  // Keys in the order `{ ...rest, name, key, ... }` would give them.
  const vs = assignExcept({}, d, VS_DRAFT_ONLY) as Mutable<VirtualServer>;
  vs.name = name;
  vs.key = key;
  vs.pos = pos;
  vs.protocol = protocol;
  vs.lbAlgo = d.lbAlgo ?? 'wlc';
  // delay_loop is a cascading checker option; the service's own default is 60 s.
  vs.delayLoop = options.delayLoop ?? 60;
  vs.forwarding = forwardingOf;
  vs.schedulerFlags = d.schedulerFlags;
  vs.alpha = options.alpha ?? d.alpha;
  vs.options = options;
  vs.realServers = d.realServers;
  if (d.protocol === undefined) defaultedProtocol.add(vs);
  if (sorryServer !== undefined) vs.sorryServer = { ...sorryServer, ...(sorryForwarding !== undefined ? { forwarding: sorryForwarding } : {}) };
  return vs;
}

/** Draft fields that are not copied as they are into a VirtualServer. */
const VS_DRAFT_ONLY: ReadonlySet<string> = new Set(['options', 'realServers', 'weightless', 'schedulerFlags', 'protocol', 'lbAlgo', 'forwarding', 'sorryForwarding', 'sorryServer', 'alpha', 'weight']);

/** Parses `virtual_server_group NAME { IP[-LAST|/PREFIX] [PORT] | fwmark N }`. */
export function parseVirtualServerGroup(node: Node, diags: Diagnostics): VirtualServerGroup | undefined {
  const named = namedBlock(node, diags);
  if (named === undefined) return undefined;
  const { block } = named;
  const entries: GroupEntry[] = [];
  for (const e of block) {
    const words = [e.keyword, ...e.args];
    if (e.keyword.text === 'fwmark') {
      if (!arity(e, 1, 1, diags)) continue;
      const mark = integer(1, 2 ** 32 - 1)(e.args[0]!, 'fwmark', diags);
      if (mark !== undefined) entries.push({ kind: 'fwmark', mark, pos: e.keyword.pos });
      continue;
    }
    const m = /^([^-/]+)(?:-([^/]+)|\/(\d+))?$/.exec(e.keyword.text);
    const a = m === null ? undefined : addressValue(e.keyword.withText(m[1]!), 'group address', diags);
    if (a === undefined) continue;
    let last: string | undefined;
    if (m![2] !== undefined) {
      // `192.0.2.1-10` ranges the last byte, `fd00::2-9` the last 16-bit group (hex);
      // `A-B` with B a whole address also works.
      const head = a.family === 4 ? a.address.slice(0, a.address.lastIndexOf('.') + 1) : a.address.slice(0, a.address.lastIndexOf(':') + 1);
      last = isIP(m![2]) !== 0 ? m![2] : `${head}${m![2]}`;
      if (last === undefined || isIP(last) !== a.family) {
        diags.error('CONF_ERR_VALUE', e.keyword.pos, `bad address range '${e.keyword.text}'`);
        continue;
      }
    }
    const prefix = m![3] !== undefined ? Number(m![3]) : undefined;
    if (prefix !== undefined && prefix > (a.family === 4 ? 32 : 128)) {
      diags.error('CONF_ERR_VALUE', e.keyword.pos, `prefix /${prefix} is too long`);
      continue;
    }
    if (words.length > 2) diags.error('CONF_ERR_ARITY', words[2]!.pos, `unexpected '${words[2]!.text}' after the port`);
    const p = words[1] === undefined ? undefined : port(words[1], 'group port', diags);
    entries.push({ kind: 'address', ...a, ...(last !== undefined ? { last } : {}), ...(prefix !== undefined ? { prefix } : {}), ...(p !== undefined ? { port: p } : {}), pos: e.keyword.pos });
  }
  return { name: named.name, pos: node.keyword.pos, entries };
}
