import type { Diagnostics } from './diagnostics.js';
import type { Nexthop, RouteSpec, RuleSpec } from './model.js';
import { blockOf } from './section.js';
import type { Node } from './tree.js';
import { addressValue, enumValue, intValue, prefixedAddress } from './values.js';

/** A number of 0-255, decimal or 0x hex (tos, dsfield). */
function byteValue(tok: Word, what: string, diags: Diagnostics): number | undefined {
  const n = /^0x[0-9a-f]{1,2}$/i.test(tok.text) ? Number(tok.text) : /^\d+$/.test(tok.text) ? Number(tok.text) : NaN;
  if (n >= 0 && n <= 255) return n;
  diags.error('CONF_ERR_VALUE', tok.pos, `${what} must be 0-255 (or 0x00-0xff), got '${tok.text}'`);
  return undefined;
}

/**
 * A time as ip takes it for rtt, rttvar and rto_min: N with s, ms or us (plain: ms), in
 * milliseconds; the kernel keeps rtt in 1/8 ms and rttvar in 1/4 ms.
 */
const timeMetric =
  (scale: number) =>
  (tok: Word, what: string, diags: Diagnostics): number | undefined => {
    const m = /^(\d+(?:\.\d+)?)(s|ms|us)?$/.exec(tok.text);
    if (m === null) {
      diags.error('CONF_ERR_VALUE', tok.pos, `${what} must be a time (N, Nms, Ns or Nus), got '${tok.text}'`);
      return undefined;
    }
    const ms = Number(m[1]) * (m[2] === 's' ? 1000 : m[2] === 'us' ? 0.001 : 1);
    return Math.round(ms * scale);
  };

const countMetric = (tok: Word, what: string, diags: Diagnostics): number | undefined => intValue(tok, 0, 0xffffffff, what, diags);

/** The route metrics ip takes by name, and how each value is read. */
const METRICS: Readonly<Record<string, (tok: Word, what: string, diags: Diagnostics) => number | undefined>> = {
  mtu: countMetric,
  advmss: countMetric,
  hoplimit: countMetric,
  initcwnd: countMetric,
  initrwnd: countMetric,
  window: countMetric,
  cwnd: countMetric,
  ssthresh: countMetric,
  reordering: countMetric,
  quickack: countMetric,
  fastopen_no_cookie: countMetric,
  rtt: timeMetric(8),
  rttvar: timeMetric(4),
  rto_min: timeMetric(1),
};

// keepalived writes routes and rules as `ip route add` / `ip rule add` arguments. tandem runs
// the options below; any other word is an error at its position, never silently dropped.

const TABLES: Record<string, number> = { main: 254, local: 255, default: 253 };
const PROTOCOLS: Record<string, number> = { kernel: 2, boot: 3, static: 4, keepalived: 18 };
const IP_PROTOCOLS: Record<string, number> = { icmp: 1, tcp: 6, udp: 17, 'ipv6-icmp': 58, sctp: 132 };
const ROUTE_TYPES = ['blackhole', 'unreachable', 'prohibit', 'throw'] as const;

function table(text: string, pos: Node['keyword']['pos'], diags: Diagnostics): number | undefined {
  const named = TABLES[text];
  if (named !== undefined) return named;
  if (/^\d+$/.test(text) && Number(text) >= 1 && Number(text) <= 0xffffffff) return Number(text);
  diags.error('CONF_ERR_VALUE', pos, `table must be main, local, default or 1-4294967295, got '${text}'`);
  return undefined;
}

type Word = Node['keyword'];

/** The `nexthop ...` groups that end a multipath route, from words[i] (a `nexthop`) on. */
function parseNexthops(words: readonly Word[], i: number, diags: Diagnostics): Nexthop[] | undefined {
  const hops: Nexthop[] = [];
  while (i < words.length) {
    const start = words[i++]!;
    if (start.text !== 'nexthop') {
      diags.error('CONF_ERR_VALUE', start.pos, `expected nexthop, got '${start.text}' (nexthop groups end the route)`);
      return undefined;
    }
    const hop: { -readonly [K in keyof Nexthop]: Nexthop[K] } = { onlink: false };
    while (i < words.length && words[i]!.text !== 'nexthop') {
      const w = words[i++]!;
      if (w.text === 'onlink') {
        hop.onlink = true;
        continue;
      }
      const v = words[i++];
      if (v === undefined) {
        diags.error('CONF_ERR_ARITY', w.pos, `${w.text} needs a value`);
        return undefined;
      }
      if (w.text === 'via') {
        const at = v.text === 'inet' || v.text === 'inet6' ? words[i++] ?? v : v;
        const a = addressValue(at, 'nexthop gateway', diags);
        if (a === undefined) return undefined;
        hop.via = a.address;
      } else if (w.text === 'dev') {
        hop.dev = v.text;
      } else if (w.text === 'weight') {
        const n = intValue(v, 1, 256, 'nexthop weight', diags);
        if (n === undefined) return undefined;
        hop.weight = n;
      } else {
        diags.error('CONF_ERR_UNSUPPORTED', w.pos, `nexthop option '${w.text}' is not supported by tandem yet (it runs via, dev, weight, onlink)`);
        return undefined;
      }
    }
    if (hop.via === undefined && hop.dev === undefined) {
      diags.error('CONF_ERR_MISSING', start.pos, 'a nexthop needs via or dev');
      return undefined;
    }
    hops.push(hop);
  }
  return hops;
}

/** One `static_routes` / `virtual_routes` entry. */
export function parseRoute(node: Node, diags: Diagnostics): RouteSpec | undefined {
  const words = [node.keyword, ...node.args];
  let i = 0;
  let type: RouteSpec['type'] = 'unicast';
  if ((ROUTE_TYPES as readonly string[]).includes(words[0]!.text)) type = words[i++]!.text as RouteSpec['type'];
  // keepalived, like ip, takes the destination anywhere among the options.
  const r: { -readonly [K in keyof RouteSpec]: RouteSpec[K] } = { type, destination: '', prefix: 0, family: 4, onlink: false, pos: node.keyword.pos };
  let destTok: Node['keyword'] | undefined;
  let forceV6 = false;
  while (i < words.length) {
    const w = words[i++]!;
    const v = words[i];
    const need = (): boolean => {
      if (v !== undefined) return true;
      diags.error('CONF_ERR_ARITY', w.pos, `${w.text} needs a value`);
      return false;
    };
    switch (w.text) {
      case 'via':
      case 'gw': {
        if (!need()) return undefined;
        let at = v!;
        if (at.text === 'inet' || at.text === 'inet6') at = words[++i] ?? at;
        const a = addressValue(at, 'route gateway', diags);
        if (a === undefined) return undefined;
        r.via = a.address;
        i++;
        break;
      }
      case 'src': {
        if (!need()) return undefined;
        const a = addressValue(v!, 'route source', diags);
        if (a === undefined) return undefined;
        r.src = a.address;
        i++;
        break;
      }
      case 'dev':
      case 'oif':
        if (!need()) return undefined;
        r.dev = v!.text;
        i++;
        break;
      case 'table': {
        if (!need()) return undefined;
        const t = table(v!.text, v!.pos, diags);
        if (t === undefined) return undefined;
        r.table = t;
        delete r.vrf;
        i++;
        break;
      }
      case 'vrf':
        // keepalived puts the route in the VRF's table, the later of `table` and `vrf` winning.
        if (!need()) return undefined;
        r.vrf = v!.text;
        delete r.table;
        i++;
        break;
      case 'metric':
      case 'priority':
      case 'preference': {
        if (!need()) return undefined;
        const m = intValue(v!, 0, 0xffffffff, w.text, diags);
        if (m === undefined) return undefined;
        r.metric = m;
        i++;
        break;
      }
      case 'scope': {
        if (!need()) return undefined;
        const s = enumValue(v!, ['global', 'site', 'link', 'host', 'nowhere'] as const, 'scope', diags);
        if (s === undefined) return undefined;
        r.scope = s;
        i++;
        break;
      }
      case 'protocol':
      case 'proto': {
        if (!need()) return undefined;
        const p = PROTOCOLS[v!.text] ?? (/^\d+$/.test(v!.text) && Number(v!.text) <= 255 ? Number(v!.text) : undefined);
        if (p === undefined) {
          diags.error('CONF_ERR_VALUE', v!.pos, `protocol must be kernel, boot, static, keepalived or 0-255, got '${v!.text}'`);
          return undefined;
        }
        r.protocol = p;
        i++;
        break;
      }
      case 'inet6':
        forceV6 = true;
        break;
      case 'onlink':
        r.onlink = true;
        break;
      case 'nexthop': {
        const hops = parseNexthops(words, i - 1, diags);
        if (hops === undefined) return undefined;
        r.nexthops = hops;
        i = words.length;
        break;
      }
      case 'or': {
        // keepalived's old multipath form: `via A or B` is two equal nexthops.
        if (r.via === undefined || r.nexthops !== undefined) {
          diags.error('CONF_ERR_VALUE', w.pos, "'or' must follow 'via ADDRESS', once");
          return undefined;
        }
        if (!need()) return undefined;
        const a = addressValue(v!, 'route gateway', diags);
        if (a === undefined) return undefined;
        diags.warning('CONF_ERR_VALUE', w.pos, `'via ${r.via} or ${a.address}' is deprecated (as in keepalived): write 'nexthop via ${r.via} nexthop via ${a.address}'`);
        r.nexthops = [{ via: r.via, onlink: false }, { via: a.address, onlink: false }];
        delete r.via;
        i++;
        break;
      }
      case 'add':
      case 'prepend':
        break;
      case 'no_track':
        // keepalived: the route is not watched for deletion; tandem does not watch routes at all.
        r.noTrack = true;
        break;
      case 'track_group':
        if (!need()) return undefined;
        if (r.trackGroup !== undefined) diags.error('CONF_ERR_CONFLICT', v!.pos, `track_group ${v!.text} is a duplicate`);
        r.trackGroup = v!.text;
        i++;
        break;
      case 'from': {
        if (!need()) return undefined;
        const a = prefixedAddress(v!, 'route from', diags);
        if (a === undefined) return undefined;
        r.from = { address: a.address, prefix: a.prefix };
        i++;
        break;
      }
      case 'tos':
      case 'dsfield': {
        if (!need()) return undefined;
        const n = byteValue(v!, w.text, diags);
        if (n === undefined) return undefined;
        r.tos = n;
        i++;
        break;
      }
      case 'pref': {
        if (!need()) return undefined;
        const p = enumValue(v!, ['low', 'medium', 'high'] as const, 'pref', diags);
        if (p === undefined) return undefined;
        r.pref = p;
        i++;
        break;
      }
      case 'realms':
      case 'expires': {
        if (!need()) return undefined;
        const n = intValue(v!, 0, 0xffffffff, w.text, diags);
        if (n === undefined) return undefined;
        r[w.text] = n;
        i++;
        break;
      }
      case 'features': {
        if (!need()) return undefined;
        if (v!.text !== 'ecn') {
          diags.error('CONF_ERR_VALUE', v!.pos, `features takes ecn, got '${v!.text}'`);
          return undefined;
        }
        r.ecn = true;
        i++;
        break;
      }
      case 'congctl': {
        if (!need()) return undefined;
        let name = v!;
        if (name.text === 'lock') {
          r.locked = [...(r.locked ?? []), 'congctl'];
          name = words[++i] ?? name;
        }
        r.congctl = name.text;
        i++;
        break;
      }
      default: {
        if (Object.hasOwn(METRICS, w.text)) {
          if (!need()) return undefined;
          let value = v!;
          if (value.text === 'lock') {
            r.locked = [...(r.locked ?? []), w.text];
            value = words[++i] ?? value;
            if (value === v) {
              diags.error('CONF_ERR_ARITY', w.pos, `${w.text} lock needs a value`);
              return undefined;
            }
          }
          const n = METRICS[w.text]!(value, w.text, diags);
          if (n === undefined) return undefined;
          r.metrics = { ...r.metrics, [w.text]: n };
          i++;
          break;
        }
        if (destTok !== undefined || !/^[0-9a-fA-F:.]+(\/\d+)?$|^default$/.test(w.text)) {
          diags.error('CONF_ERR_UNSUPPORTED', w.pos, `route option '${w.text}' is not supported by tandem yet (it runs via, src, dev, table, vrf, metric, scope, protocol, onlink, nexthop, from, tos, the metrics such as mtu and advmss, lock, congctl, features ecn, pref, realms, expires, no_track)`);
          return undefined;
        }
        destTok = w;
        const dest = w.text === 'default' ? { address: '0.0.0.0', family: 4 as const, prefix: 0 } : prefixedAddress(w, 'route destination', diags);
        if (dest === undefined) return undefined;
        r.destination = dest.address;
        r.prefix = dest.prefix;
        r.family = dest.family;
      }
    }
  }
  if (destTok === undefined) {
    diags.error('CONF_ERR_ARITY', node.keyword.pos, 'a route needs a destination');
    return undefined;
  }
  if (destTok.text === 'default' && (forceV6 || (r.via !== undefined && r.via.includes(':')))) {
    r.destination = '::';
    r.family = 6;
  }
  for (const via of [r.via, ...(r.nexthops ?? []).map((h) => h.via)]) {
    if (via !== undefined && (via.includes(':') ? 6 : 4) !== r.family) {
      diags.error('CONF_ERR_CONFLICT', node.keyword.pos, `route gateway ${via} is not of the destination's family`);
      return undefined;
    }
  }
  if (r.nexthops !== undefined && r.via !== undefined) {
    diags.error('CONF_ERR_CONFLICT', node.keyword.pos, 'a route has either via or nexthop groups, not both');
    return undefined;
  }
  if (type === 'unicast' && r.via === undefined && r.dev === undefined && r.nexthops === undefined) {
    diags.error('CONF_ERR_MISSING', node.keyword.pos, 'a route needs via or dev');
    return undefined;
  }
  return r;
}

/** One `static_rules` / `virtual_rules` entry. */
export function parseRule(node: Node, diags: Diagnostics): RuleSpec | undefined {
  const words = [node.keyword, ...node.args];
  const r: { -readonly [K in keyof RuleSpec]: RuleSpec[K] } = { family: 4, invert: false, pos: node.keyword.pos };
  let family: 4 | 6 | undefined;
  const setFamily = (f: 4 | 6, pos: Node['keyword']['pos']): boolean => {
    if (family !== undefined && family !== f) {
      diags.error('CONF_ERR_CONFLICT', pos, 'a rule mixes IPv4 and IPv6');
      return false;
    }
    family = f;
    return true;
  };
  for (let i = 0; i < words.length; i++) {
    const w = words[i]!;
    const v = words[i + 1];
    if (w.text === 'not') {
      r.invert = true;
      continue;
    }
    if (w.text === 'inet6') {
      if (!setFamily(6, w.pos)) return undefined;
      continue;
    }
    // Words without a value: the action types, l3mdev, no_track.
    if (w.text === 'nop' || w.text === 'blackhole' || w.text === 'unreachable' || w.text === 'prohibit') {
      r.action = w.text;
      continue;
    }
    if (w.text === 'l3mdev') {
      r.l3mdev = true;
      continue;
    }
    if (w.text === 'no_track') {
      r.noTrack = true;
      continue;
    }
    if (v === undefined) {
      diags.error('CONF_ERR_ARITY', w.pos, `${w.text} needs a value`);
      return undefined;
    }
    i++;
    switch (w.text) {
      case 'track_group':
        if (r.trackGroup !== undefined) diags.error('CONF_ERR_CONFLICT', v.pos, `track_group ${v.text} is a duplicate`);
        r.trackGroup = v.text;
        break;
      case 'from':
      case 'to': {
        if (v.text === 'all') break;
        const a = prefixedAddress(v, `rule ${w.text}`, diags);
        if (a === undefined || !setFamily(a.family, v.pos)) return undefined;
        r[w.text] = { address: a.address, prefix: a.prefix };
        break;
      }
      case 'table':
      case 'lookup': {
        const t = table(v.text, v.pos, diags);
        if (t === undefined) return undefined;
        r.table = t;
        break;
      }
      case 'preference':
      case 'priority':
      case 'pref':
      case 'order': {
        const p = intValue(v, 0, 0xffffffff, w.text, diags);
        if (p === undefined) return undefined;
        r.preference = p;
        break;
      }
      case 'iif':
        r.iif = v.text;
        break;
      case 'oif':
        r.oif = v.text;
        break;
      case 'fwmark': {
        const m = /^(0x[0-9a-f]+|\d+)(?:\/(0x[0-9a-f]+|\d+))?$/i.exec(v.text);
        if (m === null) {
          diags.error('CONF_ERR_VALUE', v.pos, `fwmark must be MARK[/MASK], got '${v.text}'`);
          return undefined;
        }
        r.fwmark = Number(m[1]);
        if (m[2] !== undefined) r.fwmask = Number(m[2]);
        break;
      }
      case 'goto': {
        const n = intValue(v, 0, 0xffffffff, 'goto', diags);
        if (n === undefined) return undefined;
        r.action = 'goto';
        r.goto = n;
        break;
      }
      case 'tos':
      case 'dsfield': {
        const n = byteValue(v, w.text, diags);
        if (n === undefined) return undefined;
        r.tos = n;
        break;
      }
      case 'suppress_prefixlength':
      case 'sup_pl': {
        const n = intValue(v, 0, 128, 'suppress_prefixlength', diags);
        if (n === undefined) return undefined;
        r.suppressPrefixlength = n;
        break;
      }
      case 'suppress_ifgroup':
      case 'sup_group': {
        const n = intValue(v, 0, 0x7fffffff, 'suppress_ifgroup', diags);
        if (n === undefined) return undefined;
        r.suppressIfgroup = n;
        break;
      }
      case 'realms': {
        const n = intValue(v, 0, 0xffffffff, 'realms', diags);
        if (n === undefined) return undefined;
        r.realms = n;
        break;
      }
      case 'protocol': {
        const p = PROTOCOLS[v.text] ?? (/^\d+$/.test(v.text) && Number(v.text) <= 255 ? Number(v.text) : undefined);
        if (p === undefined) {
          diags.error('CONF_ERR_VALUE', v.pos, `protocol must be kernel, boot, static, keepalived or 0-255, got '${v.text}'`);
          return undefined;
        }
        r.protocol = p;
        break;
      }
      case 'ipproto': {
        const p = IP_PROTOCOLS[v.text] ?? (/^\d+$/.test(v.text) && Number(v.text) <= 255 ? Number(v.text) : undefined);
        if (p === undefined) {
          diags.error('CONF_ERR_VALUE', v.pos, `ipproto must be tcp, udp, sctp, icmp, ipv6-icmp or 0-255, got '${v.text}'`);
          return undefined;
        }
        r.ipProto = p;
        break;
      }
      case 'uidrange':
      case 'sport':
      case 'dport': {
        const m = /^(\d+)(?:-(\d+))?$/.exec(v.text);
        const lo = m === null ? NaN : Number(m[1]);
        const hi = m === null ? NaN : Number(m[2] ?? m[1]);
        const max = w.text === 'uidrange' ? 0xffffffff : 65535;
        if (!(lo <= hi && hi <= max)) {
          diags.error('CONF_ERR_VALUE', v.pos, `${w.text} must be N or N-M (at most ${max}), got '${v.text}'`);
          return undefined;
        }
        if (w.text === 'uidrange') r.uidRange = [lo, hi];
        else r[w.text] = [lo, hi];
        break;
      }
      default:
        diags.error('CONF_ERR_UNSUPPORTED', w.pos, `rule option '${w.text}' is not supported by tandem yet (it runs from, to, table, preference, iif, oif, fwmark, not, goto, nop, blackhole, unreachable, prohibit, tos, suppress_prefixlength, suppress_ifgroup, realms, protocol, ipproto, sport, dport, uidrange, l3mdev, no_track)`);
        return undefined;
    }
  }
  const action = r.action ?? 'lookup';
  if (action === 'lookup' && r.table === undefined && r.l3mdev !== true) {
    diags.error('CONF_ERR_MISSING', node.keyword.pos, 'a rule needs table N, l3mdev, goto N or an action (nop, blackhole, unreachable, prohibit)');
    return undefined;
  }
  if (action !== 'lookup' && r.table !== undefined) diags.error('CONF_ERR_CONFLICT', node.keyword.pos, `a ${action} rule takes no table`);
  if (r.l3mdev === true && r.table !== undefined) diags.error('CONF_ERR_CONFLICT', node.keyword.pos, 'l3mdev and table exclude each other (the table is the VRF\'s)');
  if (r.preference === undefined) diags.warning('CONF_ERR_MISSING', node.keyword.pos, "a rule without preference: numbered down from 16384 in the file's order, as keepalived numbers it (it says this is probably not what you want); set preference");
  r.family = family ?? 4;
  return r;
}

/** A `static_routes { ... }` / `virtual_routes { ... }` block. */
export function routeBlock(n: Node, diags: Diagnostics): RouteSpec[] {
  const block = blockOf(n, diags);
  return (block ?? []).flatMap((e) => parseRoute(e, diags) ?? []);
}

/** A `static_rules { ... }` / `virtual_rules { ... }` block. */
export function ruleBlock(n: Node, diags: Diagnostics): RuleSpec[] {
  const block = blockOf(n, diags);
  return (block ?? []).flatMap((e) => parseRule(e, diags) ?? []);
}
