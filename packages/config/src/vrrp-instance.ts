import { isIP } from './ip-syntax.js';
import { parseAuthHmac, resolveAuthHmac, type AuthHmacDraft } from './auth-hmac.js';
import { instanceBfdKeywords, type BfdTakeoverDraft } from './bfd.js';
import type { Diagnostics, Position } from './diagnostics.js';
import type { Token } from './lexer.js';
import type { Authentication, GarpExtraIf, GarpSettings, GlobalDefs, Ipvlan, Vmac, VmacAddress, RouteSpec, RuleSpec, VirtualAddress, VrrpInstance } from './model.js';
import { garpExtraIf } from './garp-extra-if.js';
import { ownerIgnoresAdverts } from './global-defs.js';
import { routeBlock, ruleBlock } from './routes.js';
import { applySection, blockOf, flag, integer, seconds, single, word, type SectionSpec } from './section.js';
import { emptyTracking, trackingKeywords, type TrackingDraft } from './tracking.js';
import type { Node } from './tree.js';
import { addressValue, arity, bareFlagValue, enumValue, intValue, multicastGroup, prefixedAddress, socketAddressValue } from './values.js';

interface Draft extends TrackingDraft, BfdTakeoverDraft {
  dontTrackPrimary: boolean;
  virtualRoutes: RouteSpec[];
  virtualRules: RuleSpec[];
  lvsSyncDaemonInterface?: { name: string; pos: Position };
  vmacName?: string;
  vmacPos?: Position;
  vmacMac?: VmacAddress;
  vmacXmitBase?: Position;
  ipvlan?: { -readonly [K in keyof Ipvlan]: Ipvlan[K] } & { pos: Position; name?: string };
  nativeIpv6?: Position;
  /** keepalived 2.2.8's `no_virtual_ipaddress`. */
  noVirtualIpaddress?: Position;
  state?: 'MASTER' | 'BACKUP';
  interface?: string;
  /** `vrf NAME`: the VRF device a unicast instance without interface binds its sockets to. */
  vrf?: { name: string; pos: Position };
  virtualRouterId?: number;
  priority: number;
  advertInt: number;
  advertIntTok?: Token;
  version?: 2 | 3;
  versionTok?: Token;
  nopreempt: boolean;
  preemptDelay: number;
  accept?: boolean;
  authentication?: Authentication;
  authHmac?: AuthHmacDraft;
  vips: VirtualAddress[];
  excluded: VirtualAddress[];
  unicastSrcIp?: string;
  unicastPeer: string[];
  peerTtl: Map<string, { min?: number; max?: number }>;
  unicastFaultNoPeer?: boolean;
  notifyPriorityChanges?: boolean;
  smtpAlert?: boolean;
  downTimerAdverts?: number;
  higherPrioSendAdvert?: boolean;
  strict?: boolean;
  lowerPrioNoAdvert?: boolean;
  skipCheckAdvAddr?: boolean;
  checkUnicastSrc?: boolean;
  oldUnicastChecksum?: boolean;
  v3ChecksumAsV2?: boolean;
  trackSrcIp?: Position;
  promoteSecondaries?: boolean;
  unicastTtl?: number;
  mcastDstIp?: string;
  garp: { -readonly [K in keyof GarpSettings]: GarpSettings[K] };
  garpExtraIf?: GarpExtraIf;
  timerExpiredBackup?: { priority: number; pos: Position };
  useVmacAddr?: boolean;
}

/** garp_extra_if as the instance runs it: absent when off (interval 0). */
function extraIf(v: GarpExtraIf | undefined): { garpExtraIf?: GarpExtraIf } {
  return v === undefined || v.interval === 0 ? {} : { garpExtraIf: v };
}

const SCOPES = ['global', 'site', 'link', 'host', 'nowhere'] as const;

/** One `virtual_ipaddress` line: `IP[/PREFIX] [brd ADDR] [dev IF] [scope S] [label L]`. */
export function parseVip(node: Node, diags: Diagnostics): VirtualAddress | undefined {
  const words = [node.keyword, ...node.args];
  const head = prefixedAddress(words[0]!, 'virtual address', diags);
  if (head === undefined) return undefined;
  const vip: { -readonly [K in keyof VirtualAddress]: VirtualAddress[K] } = { ...head, pos: node.keyword.pos };
  for (let i = 1; i < words.length; i++) {
    const opt = words[i]!;
    const value = words[i + 1];
    const needValue = (): Token | undefined => {
      if (value === undefined) diags.error('CONF_ERR_ARITY', opt.pos, `${opt.text} needs a value`);
      i++;
      return value;
    };
    switch (opt.text) {
      case 'dev': {
        const v = needValue();
        if (v !== undefined) vip.dev = v.text;
        break;
      }
      case 'label': {
        const v = needValue();
        if (v !== undefined) vip.label = v.text;
        break;
      }
      case 'scope': {
        const v = needValue();
        if (v !== undefined) {
          const s = enumValue(v, SCOPES, 'scope', diags);
          if (s !== undefined) vip.scope = s;
        }
        break;
      }
      case 'brd':
      case 'broadcast': {
        const v = needValue();
        if (v === undefined) break;
        if (head.family === 6) {
          diags.error('CONF_ERR_VALUE', opt.pos, 'an IPv6 address has no broadcast address');
          return undefined;
        }
        // As ip (and keepalived): '+' is the prefix's last address, '-' its first.
        if (v.text === '+' || v.text === '-') {
          if (head.prefix > 30) diags.error('CONF_ERR_VALUE', v.pos, `broadcast ${v.text} needs a prefix of /30 or shorter`);
          else vip.broadcast = broadcastOf(head.address, head.prefix, v.text === '+');
          break;
        }
        const a = addressValue(v, 'broadcast', diags);
        if (a !== undefined) vip.broadcast = a.address;
        break;
      }
      case 'peer': {
        const v = needValue();
        if (v === undefined) break;
        const p = prefixedAddress(v, 'peer', diags);
        if (p === undefined) return undefined;
        if (p.family !== head.family) {
          diags.error('CONF_ERR_CONFLICT', v.pos, 'peer address is not of the address\'s family');
          return undefined;
        }
        vip.peer = p.address;
        // keepalived: the prefix is the peer's.
        vip.prefix = p.prefix;
        break;
      }
      case 'home':
        vip.home = true;
        break;
      case '-nodad':
        vip.dad = true;
        break;
      case 'mngtmpaddr':
        vip.manageTempAddr = true;
        break;
      case 'noprefixroute':
        vip.noPrefixRoute = true;
        break;
      case 'autojoin':
        vip.autojoin = true;
        break;
      case 'no_track':
        vip.noTrack = true;
        break;
      case 'track_group': {
        const v = needValue();
        if (v === undefined) break;
        if (vip.trackGroup !== undefined) diags.error('CONF_ERR_CONFLICT', v.pos, `track_group ${v.text} is a duplicate`);
        vip.trackGroup = v.text;
        break;
      }
      case 'preferred_lft': {
        const v = needValue();
        if (v === undefined) break;
        if (v.text === 'forever') vip.preferredLft = 'forever';
        else {
          const n = intValue(v, 0, 0xffffffff, 'preferred_lft', diags);
          if (n === undefined) return undefined;
          vip.preferredLft = n;
        }
        break;
      }
      default:
        if (isIP(opt.text.split('/')[0] ?? '') !== 0) {
          diags.error('CONF_ERR_ARITY', opt.pos, `one address per line in virtual_ipaddress: '${opt.text}' would be ignored by keepalived`);
        } else {
          diags.error('CONF_ERR_UNSUPPORTED', opt.pos, `virtual address option '${opt.text}' is not supported (tandem takes dev, label, scope, brd, peer, home, -nodad, mngtmpaddr, noprefixroute, autojoin, no_track, preferred_lft)`);
        }
        return undefined;
    }
  }
  return vip;
}

/** The broadcast address ip makes of `brd +` (the prefix's last address) or `brd -` (its first). */
function broadcastOf(address: string, prefix: number, last: boolean): string {
  const n = address.split('.').reduce((a, b) => (a << 8) + Number(b), 0) >>> 0;
  const host = prefix === 0 ? 0xffffffff : (0xffffffff >>> prefix) >>> 0;
  const v = last ? (n | host) >>> 0 : (n & ~host) >>> 0;
  return [24, 16, 8, 0].map((s) => (v >>> s) & 0xff).join('.');
}

function vipBlock(key: 'vips' | 'excluded') {
  return (n: Node, d: Draft, diags: Diagnostics): void => {
    if (n.args.length > 0) diags.error('CONF_ERR_ARITY', n.args[0]!.pos, `unexpected '${n.args[0]!.text}' after ${n.keyword.text}`);
    const block = blockOf(n, diags);
    if (block === undefined) return;
    for (const entry of block) {
      if (entry.block !== undefined) diags.error('CONF_ERR_SYNTAX', entry.blockPos ?? entry.keyword.pos, 'an address entry does not take a block');
      const vip = parseVip(entry, diags);
      if (vip !== undefined) d[key].push(vip);
    }
  };
}

/** An interface name as the kernel takes it: IFNAMSIZ (15 characters and the terminating zero), no '/', ':' or spaces. */
function interfaceName(tok: Token, what: string, diags: Diagnostics): string | undefined {
  if (tok.text.length <= 15 && !/[\s/:]/.test(tok.text)) return tok.text;
  diags.error('CONF_ERR_VALUE', tok.pos, `${what}: '${tok.text}' is not an interface name (at most 15 characters, no '/', ':' or spaces)`);
  return undefined;
}

/**
 * `use_ipvlan [NAME] [ADDRESS[/PREFIX]] [bridge|private|vepa]`, in any order, as keepalived
 * 2.2.7's vrrp_ipvlan_handler reads it (bridge when no mode is given).
 */
function useIpvlan(n: Node, d: Draft, diags: Diagnostics): void {
  if (d.ipvlan !== undefined) {
    diags.error('CONF_ERR_CONFLICT', n.keyword.pos, 'use_ipvlan is given twice');
    return;
  }
  const v: NonNullable<Draft['ipvlan']> = { mode: 'bridge', pos: n.keyword.pos };
  let mode: Token | undefined;
  for (const tok of n.args) {
    if (tok.text === 'bridge' || tok.text === 'private' || tok.text === 'vepa') {
      if (mode !== undefined) return void diags.error('CONF_ERR_CONFLICT', tok.pos, `use_ipvlan: the mode is already ${mode.text}`);
      mode = tok;
      v.mode = tok.text;
    } else if (isIP(tok.text.split('/')[0]!) !== 0) {
      if (v.address !== undefined) return void diags.error('CONF_ERR_CONFLICT', tok.pos, 'use_ipvlan: the address is already given');
      const a = prefixedAddress(tok, 'use_ipvlan address', diags);
      if (a === undefined) return;
      v.address = { address: a.address, prefix: a.prefix };
    } else {
      if (v.name !== undefined) return void diags.error('CONF_ERR_CONFLICT', tok.pos, `use_ipvlan: the interface name is already ${v.name}`);
      const name = interfaceName(tok, 'use_ipvlan', diags);
      if (name === undefined) return;
      v.name = name;
    }
  }
  d.ipvlan = v;
}

/** keepalived's vrrp_vrf_handler: `vrf NAME`, once, not the loopback. */
function vrfKeyword(n: Node, d: Draft, diags: Diagnostics): void {
  if (!arity(n, 1, 1, diags)) return;
  const tok = n.args[0]!;
  if (d.vrf !== undefined) return void diags.error('CONF_ERR_CONFLICT', tok.pos, `vrf is already ${d.vrf.name} (keepalived: VRF interface already specified)`);
  const name = interfaceName(tok, 'vrf', diags);
  if (name === undefined) return;
  if (name === 'lo') return void diags.error('CONF_ERR_VALUE', tok.pos, 'vrf: the loopback is no VRF device (keepalived: cannot use a loopback interface for VRF)');
  d.vrf = { name, pos: n.keyword.pos };
}

/**
 * `vrf NAME` as keepalived runs it (vrrp.c, vrrp_complete_instance and open_vrrp_*_socket):
 * only for a unicast instance without `interface`, which then needs `unicast_src_ip` (not
 * link-local) and a `dev` on each address; its VRRP sockets are bound to the VRF device
 * (SO_BINDTODEVICE), so adverts go by the VRF's routing table and come in from any interface
 * enslaved to it. keepalived logs each conflict and clears `vrf`; tandem refuses the file.
 */
function vrfChecks(d: Draft, vrf: NonNullable<Draft['vrf']>, family: 4 | 6, diags: Diagnostics): void {
  const refuse = (what: string): void => diags.error('CONF_ERR_CONFLICT', vrf.pos, `vrf ${vrf.name}: ${what}`);
  if (d.interface !== undefined) refuse('an instance in a VRF has no interface: remove interface (keepalived: vrf can only be specified without interface)');
  if (d.unicastPeer.length === 0) refuse('needs unicast_peer (keepalived: vrf can only be specified with unicast)');
  if (d.unicastSrcIp === undefined) refuse('an instance without interface needs unicast_src_ip (keepalived: Unicast instances must have unicast_src_ip or interface)');
  else if (family === 6 && /^fe[89ab]/i.test(d.unicastSrcIp)) refuse('an instance without interface needs a unicast_src_ip that is not link-local (keepalived: Non link-local address required if interface omitted)');
  if (d.vmacPos !== undefined || d.ipvlan !== undefined) refuse('use_vmac and use_ipvlan are made on the instance\'s interface, and an instance in a VRF has none');
  for (const v of [...d.vips, ...d.excluded]) {
    if (v.dev === undefined) diags.error('CONF_ERR_MISSING', v.pos, `${v.address}: an instance in a VRF has no interface, so each address needs dev (keepalived: no interface for vip - removing)`);
  }
  if (d.interface === undefined) {
    diags.warning('CONF_ERR_CONFLICT', vrf.pos, 'keepalived 2.2.5-2.2.7 refuse any instance without interface ("Unknown interface!", fixed in 2.2.8); tandem runs it as keepalived 2.2.8 and later');
  }
}

/** keepalived 2.2.8's `timer_expired_backup [PRIORITY]`: the other routers' highest priority, 1-254, 254 when not given. */
function timerExpiredBackup(n: Node, d: Draft, diags: Diagnostics): void {
  if (!arity(n, 0, 1, diags)) return;
  const tok = n.args[0];
  const priority = tok === undefined ? 254 : intValue(tok, 1, 254, 'timer_expired_backup highest other priority', diags);
  if (priority !== undefined) d.timerExpiredBackup = { priority, pos: n.keyword.pos };
}

const spec: SectionSpec<Draft> = {
  name: 'vrrp_instance',
  keywords: {
    ...trackingKeywords<Draft>(),
    ...instanceBfdKeywords<Draft>(),
    dont_track_primary: flag((d, v) => (d.dontTrackPrimary = v)),
    virtual_routes: (n, d, diags) => void d.virtualRoutes.push(...routeBlock(n, diags)),
    virtual_rules: (n, d, diags) => void d.virtualRules.push(...ruleBlock(n, diags)),
    lvs_sync_daemon_interface: (n, d, diags) => {
      if (arity(n, 1, 1, diags)) d.lvsSyncDaemonInterface = { name: n.args[0]!.text, pos: n.keyword.pos };
    },
    // keepalived's vrrp_vmac_handler: `use_vmac [NAME] [MAC]` in either order (a MAC has a ':',
    // which no interface name has).
    use_vmac: (n, d, diags) => {
      if (!arity(n, 0, 2, diags)) return;
      d.vmacPos = n.keyword.pos;
      for (const arg of n.args) {
        if (arg.text.includes(':')) {
          if (d.vmacMac !== undefined) diags.error('CONF_ERR_CONFLICT', arg.pos, 'use_vmac: VMAC interface address already specified');
          else {
            const mac = vmacAddress(arg, diags);
            if (mac !== undefined) d.vmacMac = mac;
          }
        } else if (d.vmacName !== undefined) diags.error('CONF_ERR_CONFLICT', arg.pos, 'use_vmac: VMAC interface name already specified');
        else {
          const name = interfaceName(arg, 'use_vmac', diags);
          if (name !== undefined) d.vmacName = name;
        }
      }
    },
    timer_expired_backup: (n, d, diags) => timerExpiredBackup(n, d, diags),
    thread_timer_expired: (n, d, diags) => {
      diags.warning('CONF_ERR_VALUE', n.keyword.pos, 'thread_timer_expired is keepalived 2.3.2\'s old name: replace it with timer_expired_backup (keepalived says so too)');
      timerExpiredBackup(n, d, diags);
    },
    use_ipvlan: (n, d, diags) => useIpvlan(n, d, diags),
    use_vmac_addr: (n, d, diags) => {
      if (arity(n, 0, 0, diags)) d.useVmacAddr = true;
    },
    vmac_xmit_base: (n, d, diags) => {
      if (arity(n, 0, 0, diags)) d.vmacXmitBase = n.keyword.pos;
    },
    // keepalived's vrrp_state_handler: anything but MASTER or BACKUP (case counts) is BACKUP.
    state: (n, d, diags) => {
      if (!arity(n, 1, 1, diags)) return;
      const tok = n.args[0]!;
      if (tok.text === 'MASTER') d.state = 'MASTER';
      else if (tok.text !== 'BACKUP') {
        diags.warning('CONF_ERR_VALUE', tok.pos, `unknown state '${tok.text}': BACKUP, as keepalived defaults it (MASTER or BACKUP, in capitals)`);
        d.state = 'BACKUP';
      } else if (d.state === 'MASTER') diags.warning('CONF_ERR_CONFLICT', tok.pos, 'state BACKUP after state MASTER: ignored, as keepalived ignores it');
      else d.state = 'BACKUP';
    },
    interface: (n, d, diags) => {
      single<Draft, string>(word, (dd, v) => (dd.interface = v))(n, d, diags);
      // keepalived checks the interface's type (ARPHRD_LOOPBACK) and drops the instance: "Unknown interface!".
      if (d.interface === 'lo') diags.error('CONF_ERR_VALUE', n.args[0]!.pos, 'interface: the loopback cannot carry VRRP (keepalived: cannot use a loopback interface (lo) for vrrp)');
    },
    vrf: (n, d, diags) => vrfKeyword(n, d, diags),
    virtual_router_id: single(integer(1, 255), (d, v) => (d.virtualRouterId = v)),
    priority: single(integer(1, 255), (d, v) => (d.priority = v)),
    advert_int: (n, d, diags) => {
      single<Draft, number>(seconds(0.01, 255), (dd, v) => (dd.advertInt = v))(n, d, diags);
      d.advertIntTok = n.args[0];
    },
    version: (n, d, diags) => {
      single<Draft, number>(integer(2, 3), (dd, v) => (dd.version = v as 2 | 3))(n, d, diags);
      d.versionTok = n.args[0];
    },
    nopreempt: (n, d, diags) => void (d.nopreempt = bareFlagValue(n, diags)),
    preempt: flag((d, v) => (d.nopreempt = !v)),
    preempt_delay: single(seconds(0, 1000), (d, v) => (d.preemptDelay = v)),
    accept: flag((d, v) => (d.accept = v)),
    no_accept: flag((d, v) => (d.accept = !v)),
    strict_mode: flag((d, v) => (d.strict = v)),
    mcast_dst_ip: single(multicastGroup(undefined), (d, v) => (d.mcastDstIp = v)),
    skip_check_adv_addr: flag((d, v) => (d.skipCheckAdvAddr = v)),
    check_unicast_src: flag((d, v) => (d.checkUnicastSrc = v)),
    // keepalived 2.2.7 (vrrp_unicast_chksum_handler): the VRRPv3 IPv4 checksum's pseudo-header carries the
    // multicast group (vrrp_mcast_group4) as its destination, as keepalived before 1.3.6 computed it for unicast.
    // `never` only stops keepalived's switch to that form on hearing it, a switch tandem never makes.
    old_unicast_checksum: (n, d, diags) => {
      if (!arity(n, 0, 1, diags)) return;
      const a = n.args[0];
      if (a !== undefined && a.text !== 'never') return diags.error('CONF_ERR_VALUE', a.pos, `old_unicast_checksum takes nothing or never, not '${a.text}'`);
      d.oldUnicastChecksum = a === undefined;
    },
    // keepalived 2.2.8: the VRRPv3 IPv4 checksum without the pseudo-header, as VRRPv2's.
    v3_checksum_as_v2: flag((d, v) => (d.v3ChecksumAsV2 = v)),
    // keepalived (VRRP_FLAG_TRACK_SADDR): FAULT while the configured source address is not on the instance's interface.
    track_src_ip: (n, d, diags) => {
      if (arity(n, 0, 0, diags)) d.trackSrcIp = n.keyword.pos;
    },
    promote_secondaries: flag((d, v) => (d.promoteSecondaries = v)),
    unicast_ttl: single(integer(1, 255), (d, v) => (d.unicastTtl = v)),
    lower_prio_no_advert: flag((d, v) => (d.lowerPrioNoAdvert = v)),
    owner_ignore_adverts: ownerIgnoresAdverts,
    authentication: (n, d, diags) => {
      if (n.args.length > 0) diags.error('CONF_ERR_ARITY', n.args[0]!.pos, `unexpected '${n.args[0]!.text}' after authentication`);
      const block = blockOf(n, diags);
      if (block === undefined) return;
      let type: 'PASS' | 'AH' | undefined;
      let password: string | undefined;
      for (const e of block) {
        if (e.keyword.text === 'auth_type') {
          if (arity(e, 1, 1, diags)) type = enumValue(e.args[0]!, ['PASS', 'AH'] as const, 'auth_type', diags);
        } else if (e.keyword.text === 'auth_pass') {
          if (arity(e, 1, 1, diags)) {
            password = e.args[0]!.text;
            if (password.length > 8) diags.warning('CONF_ERR_VALUE', e.args[0]!.pos, 'auth_pass is longer than 8 characters; only the first 8 are used (as keepalived)');
          }
        } else {
          diags.error('CONF_ERR_UNKNOWN_KEYWORD', e.keyword.pos, `unknown keyword '${e.keyword.text}' in authentication; expected auth_type or auth_pass`);
        }
      }
      // keepalived runs without authentication when the block gives no type or no password, and says so.
      if (type === undefined) diags.warning('CONF_ERR_MISSING', n.keyword.pos, 'authentication without auth_type: no authentication, as keepalived runs it');
      else if (password === undefined) diags.warning('CONF_ERR_MISSING', n.keyword.pos, `auth_type ${type} without auth_pass: no authentication, as keepalived ignores it`);
      else d.authentication = { type, password: password.slice(0, 8), pos: n.keyword.pos };
    },
    // keepalived 2.4: HMAC-SHA256 trailer on adverts (vrrp_auth_hmac.c).
    auth_hmac: (n, d, diags) => {
      const block = blockOf(n, diags);
      if (block !== undefined) d.authHmac = parseAuthHmac(n, block, d.authHmac, diags);
    },
    virtual_ipaddress: vipBlock('vips'),
    no_virtual_ipaddress: (n, d, diags) => {
      if (arity(n, 0, 0, diags)) d.noVirtualIpaddress = n.keyword.pos;
    },
    virtual_ipaddress_excluded: vipBlock('excluded'),
    unicast_src_ip: single(socketAddressValue, (d, a) => (d.unicastSrcIp = a.address)),
    // keepalived sets the same source address from either keyword.
    mcast_src_ip: single(socketAddressValue, (d, a) => (d.unicastSrcIp = a.address)),
    unicast_peer: (n, d, diags) => {
      if (n.args.length > 0) diags.error('CONF_ERR_ARITY', n.args[0]!.pos, `unexpected '${n.args[0]!.text}' after unicast_peer`);
      const block = blockOf(n, diags);
      if (block === undefined) return;
      for (const e of block) {
        const a = socketAddressValue(e.keyword, 'unicast peer', diags);
        if (a === undefined) continue;
        d.unicastPeer.push(a.address);
        // keepalived 2.2: `IP [min_ttl N] [max_ttl N]`: adverts from the peer must arrive with a TTL in range.
        const ttl: { min?: number; max?: number } = {};
        for (let k = 0; k < e.args.length; k += 2) {
          const opt = e.args[k]!;
          const v = e.args[k + 1];
          if (opt.text !== 'min_ttl' && opt.text !== 'max_ttl') {
            diags.error('CONF_ERR_VALUE', opt.pos, `unicast_peer option '${opt.text}': expected min_ttl N or max_ttl N`);
            break;
          }
          if (v === undefined) {
            diags.error('CONF_ERR_ARITY', opt.pos, `${opt.text} needs a value`);
            break;
          }
          const n = intValue(v, 0, 255, opt.text, diags);
          if (n !== undefined) ttl[opt.text === 'min_ttl' ? 'min' : 'max'] = n;
        }
        if (ttl.min !== undefined && ttl.max !== undefined && ttl.min > ttl.max) diags.error('CONF_ERR_CONFLICT', e.keyword.pos, `min_ttl ${ttl.min} is above max_ttl ${ttl.max}`);
        else if (ttl.min !== undefined || ttl.max !== undefined) d.peerTtl.set(a.address, ttl);
      }
    },
    unicast_fault_no_peer: flag((d, v) => (d.unicastFaultNoPeer = v)),
    notify_priority_changes: flag((d, v) => (d.notifyPriorityChanges = v)),
    smtp_alert: flag((d, v) => (d.smtpAlert = v)),
    // Deprecated in keepalived: the addresses give the family; with IPv4 ones it is an error there.
    native_ipv6: (n, d, diags) => {
      if (arity(n, 0, 0, diags)) d.nativeIpv6 = n.keyword.pos;
    },
    down_timer_adverts: single(integer(1, 100), (d, v) => (d.downTimerAdverts = v)),
    higher_prio_send_advert: flag((d, v) => (d.higherPrioSendAdvert = v)),
    garp_extra_if: (n, d, diags) => {
      const v = garpExtraIf(n, diags);
      if (v !== undefined) d.garpExtraIf = v;
    },
    vmac_garp_intvl: (n, d, diags) => {
      const v = garpExtraIf(n, diags);
      if (v !== undefined) d.garpExtraIf = v;
    },
    garp_master_delay: single(seconds(0, 86400), (d, v) => (d.garp.masterDelay = v)),
    garp_master_repeat: single(integer(1, 255), (d, v) => (d.garp.masterRepeat = v)),
    garp_master_refresh: single(seconds(0, 86400), (d, v) => (d.garp.masterRefresh = v)),
    garp_master_refresh_repeat: single(integer(1, 255), (d, v) => (d.garp.masterRefreshRepeat = v)),
    garp_lower_prio_delay: single(seconds(0, 86400), (d, v) => (d.garp.lowerPrioDelay = v)),
    garp_lower_prio_repeat: single(integer(0, 255), (d, v) => (d.garp.lowerPrioRepeat = v)),
  },
  notYet: {
    debug: { severity: 'warning', why: 'it only changes logging' },
    kernel_rx_buf_size: { severity: 'warning', why: 'it only sizes a socket buffer' },
    linkbeat_use_polling: { severity: 'warning', why: 'tandem follows link state through netlink events' },
  },
};

/**
 * keepalived 2.2.7 (vrrp.c, vrrp_complete_instance): an IPv4 ipvlan needs its own address,
 * without which keepalived holds the instance in FAULT for good (refused here: it could never
 * run); the address must be of the instance's family. use_vmac beside it gives only its name.
 */
function ipvlanChecks(d: Draft, v: NonNullable<Draft['ipvlan']>, family: 4 | 6, diags: Diagnostics): void {
  if (v.address === undefined && family === 4) diags.error('CONF_ERR_MISSING', v.pos, 'use_ipvlan needs an address with IPv4 (keepalived: "IPv4 ipvlan requires a source ip address", the instance stays in FAULT)');
  if (v.address !== undefined && (v.address.address.includes(':') ? 6 : 4) !== family) diags.error('CONF_ERR_CONFLICT', v.pos, `use_ipvlan address ${v.address.address} is not of the instance's family`);
  if (d.vmacPos !== undefined) diags.warning('CONF_ERR_CONFLICT', d.vmacPos, "use_vmac beside use_ipvlan: the ipvlan interface is made, with use_vmac's name if use_ipvlan gives none (as keepalived), and no virtual MAC");
  if (d.vmacXmitBase !== undefined) diags.warning('CONF_ERR_CONFLICT', d.vmacXmitBase, 'vmac_xmit_base has no effect with use_ipvlan: adverts leave by the ipvlan interface');
}

/**
 * `use_vmac`'s MAC argument as keepalived 2.2.7 reads it: six hex octets, or five (then the
 * VRID is the sixth); neither a multicast address nor RFC 5798's own 00:00:5e:00:01/02 prefix.
 * keepalived reports a bad one and ignores it; here it is an error.
 */
function vmacAddress(tok: Token, diags: Diagnostics): VmacAddress | undefined {
  const parts = tok.text.replace(/:$/, '').split(':');
  const bad = (why: string): undefined => void diags.error('CONF_ERR_VALUE', tok.pos, `use_vmac: ${why} ${tok.text}`);
  if (!/^[0-9A-Fa-f:]+$/.test(tok.text)) return bad('invalid MAC address');
  if ((parts.length !== 5 && parts.length !== 6) || (parts.length === 6 && tok.text.endsWith(':')) || parts.some((p) => p.length < 1 || p.length > 2)) return bad('invalid MAC address');
  const octets = parts.map((p) => parseInt(p, 16));
  if ((octets[0]! & 1) !== 0) return bad('MAC address is multicast');
  if (octets[0] === 0 && octets[1] === 0 && octets[2] === 0x5e && octets[3] === 0 && (octets[4] === 1 || octets[4] === 2)) return bad('MAC address not allowed to be an RFC 5798 address');
  return { octets, vridLast: octets.length === 5 };
}

/** The instance's use_vmac or use_ipvlan interface: its name is PREFIX.VRID unless given (keepalived's create_vmac_name). */
function vmacOf(d: Draft, globals: GlobalDefs, vrid: number): { vmac?: Vmac } {
  const pos = d.ipvlan?.pos ?? d.vmacPos;
  if (pos === undefined) return {};
  const name = d.ipvlan?.name ?? d.vmacName ?? `${globals.vmacPrefix ?? 'vrrp'}.${vrid}`;
  if (d.ipvlan === undefined) return { vmac: { name, xmitBase: d.vmacXmitBase !== undefined, pos, ...(d.vmacMac !== undefined ? { mac: d.vmacMac } : {}) } };
  const { mode, address } = d.ipvlan;
  return { vmac: { name, xmitBase: false, pos, ipvlan: { mode, ...(address !== undefined ? { address } : {}) } } };
}

/**
 * An instance without `virtual_ipaddress` (cloud pairs whose notify scripts move an elastic
 * address): keepalived 2.2.7 runs it for VRRPv2 with "No VIP specified; at least one is
 * sensible", and refuses it for VRRPv3 and in strict mode (RFC 5798 §5.2.5: at least one
 * address). keepalived 2.2.8's `no_virtual_ipaddress` says it is meant: no warning, and
 * VRRPv3 too (not in strict mode).
 */
function noVirtualAddresses(d: Draft, where: string, pos: Position, version: 2 | 3, strict: boolean, at: KeywordAt, diags: Diagnostics): void {
  if (d.noVirtualIpaddress !== undefined) {
    if (d.vips.length > 0) diags.error('CONF_ERR_CONFLICT', d.noVirtualIpaddress, `${where}: no_virtual_ipaddress, yet virtual_ipaddress has addresses`);
    else if (strict) diags.error('CONF_ERR_CONFLICT', d.noVirtualIpaddress, `strict mode (vrrp_strict / strict_mode): no_virtual_ipaddress is not allowed (RFC 5798 §5.2.5: at least one address)`);
    return;
  }
  if (d.vips.length > 0) return;
  if (version === 3 || strict) {
    diags.error('CONF_ERR_MISSING', pos, `${where} needs at least one address in virtual_ipaddress with ${strict ? 'strict mode' : 'VRRPv3'} (RFC 5798 §5.2.5; keepalived 2.2.7 refuses it too; keepalived 2.2.8's no_virtual_ipaddress allows VRRPv3 without)`);
    return;
  }
  diags.warning('CONF_ERR_MISSING', at('virtual_ipaddress'), `${where} has no virtual_ipaddress: it holds no address, only the state (notify scripts may move addresses); at least one is sensible (keepalived warns too; no_virtual_ipaddress says it is meant)`);
}

/** The position of the last of these keywords in the instance's block (none given: the instance's own). */
type KeywordAt = (...keywords: string[]) => Position;

/**
 * keepalived's strict mode (vrrp.c): what RFC 3768 / 5798 forbid is reset, each with a warning
 * at the place as keepalived logs it, and the file runs; settings left out take the strict
 * values whatever global_defs says. Unicast peers stay an error: keepalived does not start
 * such an instance.
 */
function strictCorrections(d: Draft, at: KeywordAt, family: 4 | 6, version: 2 | 3, diags: Diagnostics): void {
  const reset = (where: Position, what: string): void => diags.warning('CONF_ERR_CONFLICT', where, `strict mode (vrrp_strict / strict_mode): ${what}, as keepalived resets it`);
  const owner = d.priority === 255;
  if (d.state !== undefined && (d.state === 'MASTER') !== owner) {
    reset(at('state'), owner ? 'the address owner (priority 255) starts as MASTER' : `state MASTER is only for the address owner (priority 255): this one (priority ${d.priority}) starts as BACKUP`);
    d.state = owner ? 'MASTER' : 'BACKUP';
  }
  if (d.authentication !== undefined) {
    reset(d.authentication.pos, 'no authentication: the authentication block is ignored');
    delete d.authentication;
  }
  if (d.unicastPeer.length > 0) diags.error('CONF_ERR_CONFLICT', at('unicast_peer'), 'strict mode (vrrp_strict / strict_mode): no unicast peers (adverts go to the multicast group; keepalived does not start such an instance)');
  if (d.preemptDelay !== 0) reset(at('preempt_delay'), 'no preempt_delay: 0');
  d.preemptDelay = 0;
  if (d.downTimerAdverts !== undefined && d.downTimerAdverts !== 3) reset(at('down_timer_adverts'), 'down_timer_adverts is 3 (RFC 5798)');
  d.downTimerAdverts = 3;
  if (d.accept === true && !owner && version === 2) {
    reset(at('accept', 'no_accept'), 'no accept mode with VRRPv2 (RFC 3768) unless the address owner: off');
    d.accept = false;
  }
  if (d.higherPrioSendAdvert === true) reset(at('higher_prio_send_advert'), 'higher_prio_send_advert is off');
  d.higherPrioSendAdvert = false;
  if (d.lowerPrioNoAdvert === false) reset(at('lower_prio_no_advert'), 'lower_prio_no_advert is on');
  d.lowerPrioNoAdvert = true;
  if ((d.garp.lowerPrioRepeat ?? 0) !== 0) reset(at('garp_lower_prio_repeat'), 'no gratuitous ARPs in answer to a lower priority (garp_lower_prio_repeat 0)');
  d.garp.lowerPrioRepeat = 0;
  if ((d.garp.lowerPrioDelay ?? 0) !== 0) reset(at('garp_lower_prio_delay'), 'no second round of gratuitous ARPs for a lower priority (garp_lower_prio_delay 0)');
  d.garp.lowerPrioDelay = 0;
  const first = d.vips[0];
  // keepalived reports it and runs the instance as it is.
  if (family === 6 && first !== undefined && !/^fe[89ab]/i.test(first.address)) diags.warning('CONF_ERR_CONFLICT', first.pos, 'strict mode (vrrp_strict / strict_mode): the first IPv6 virtual address should be link-local (keepalived says so too)');
}

/**
 * keepalived's advert interval for the version (vrrp.c): VRRPv2 carries whole seconds, so a
 * fraction is rounded to the nearest (at least 1); VRRPv3 carries centiseconds up to 40.95 s,
 * so a finer value is rounded and a longer one cut to 40.95. Each correction is a warning.
 */
function advertIntFor(version: 2 | 3, value: number, tok: Token | undefined, diags: Diagnostics): number {
  const say = (to: number, why: string): number => {
    if (tok !== undefined) diags.warning('CONF_ERR_VALUE', tok.pos, `VRRPv${version} advert_int ${value} ${why}: ${to} s, as keepalived rounds it${version === 2 ? '; use version 3 for fractions' : ''}`);
    return to;
  };
  if (version === 2) return Number.isInteger(value) ? value : say(Math.max(1, Math.floor(value + 0.5)), 'is not whole seconds');
  if (value > 40.95) return say(40.95, 'is longer than VRRPv3 carries (40.95 s)');
  const cs = Math.round(value * 100);
  return Math.abs(cs - value * 100) > 1e-9 ? say(Math.max(1, Math.floor(value * 100 + 0.5)) / 100, 'is not in steps of 0.01 s') : value;
}

/** keepalived's corrections of preemption settings that cannot work together (vrrp.c), each a warning. */
function preemptCorrections(d: Draft, at: KeywordAt, diags: Diagnostics): void {
  if (d.nopreempt && d.priority === 255) {
    diags.warning('CONF_ERR_CONFLICT', at('nopreempt', 'preempt'), 'nopreempt does not go with priority 255 (the address owner always preempts): off, as keepalived resets it');
    d.nopreempt = false;
  }
  if (d.state === 'MASTER') {
    if (d.nopreempt) diags.warning('CONF_ERR_CONFLICT', at('nopreempt', 'preempt'), 'nopreempt does not work with state MASTER: off, as keepalived clears it; use state BACKUP on every node');
    d.nopreempt = false;
    if (d.preemptDelay !== 0) diags.warning('CONF_ERR_CONFLICT', at('preempt_delay'), 'preempt_delay does not work with state MASTER: off, as keepalived clears it');
    d.preemptDelay = 0;
  }
  if (d.preemptDelay !== 0 && d.nopreempt) {
    diags.warning('CONF_ERR_CONFLICT', at('preempt_delay'), 'preempt_delay does not go with nopreempt: off, as keepalived resets it');
    d.preemptDelay = 0;
  }
}

/** Parses one `vrrp_instance NAME { ... }` block and resolves defaults against global_defs. */
export function parseVrrpInstance(node: Node, globals: GlobalDefs, diags: Diagnostics): VrrpInstance | undefined {
  const name = node.args[0];
  if (name === undefined) {
    diags.error('CONF_ERR_MISSING', node.keyword.pos, 'vrrp_instance needs a name');
    return undefined;
  }
  if (node.args.length > 1) diags.error('CONF_ERR_ARITY', node.args[1]!.pos, `unexpected '${node.args[1]!.text}' after the instance name`);
  const block = blockOf(node, diags);
  if (block === undefined) return undefined;
  const d: Draft = { priority: 100, advertInt: 1, nopreempt: false, preemptDelay: 0, vips: [], excluded: [], unicastPeer: [], peerTtl: new Map(), garp: {}, tracking: emptyTracking(), bfdTakeover: [], dontTrackPrimary: false, virtualRoutes: [], virtualRules: [] };
  const before = diags.errorCount;
  applySection(spec, block, d, diags);
  const pos: Position = node.keyword.pos;
  // Where the keyword whose value holds (the last of them) stands; the instance itself when absent.
  const at: KeywordAt = (...keywords) => {
    for (let i = block.length - 1; i >= 0; i--) if (keywords.includes(block[i]!.keyword.text)) return block[i]!.keyword.pos;
    return pos;
  };
  const where = `vrrp_instance ${name.text}`;
  // keepalived 2.2.7 (vrrp.c): with no priority, state MASTER makes the instance the address owner.
  if (d.state === 'MASTER' && !block.some((n) => n.keyword.text === 'priority')) {
    diags.warning('CONF_ERR_MISSING', at('state'), 'state MASTER without priority: priority 255 (the address owner), as keepalived sets it');
    d.priority = 255;
  }
  if (d.interface === undefined && d.vrf === undefined) diags.error('CONF_ERR_MISSING', pos, `${where} needs interface (or vrf, for a unicast instance)`);
  if (d.virtualRouterId === undefined) diags.error('CONF_ERR_MISSING', pos, `${where} needs virtual_router_id`);
  const family = d.vips[0]?.family ?? 4;
  // keepalived (vrrp_data.c alloc_vrrp_vip): the first address sets the family, one of the other is ignored.
  const otherFamily = d.vips.filter((v) => v.family !== family);
  for (const v of otherFamily) {
    diags.warning('CONF_ERR_CONFLICT', v.pos, `${v.address} is not of the instance's family (its first address is IPv${family}); ignored, as keepalived ignores it: put the other family in virtual_ipaddress_excluded`);
  }
  if (otherFamily.length > 0) d.vips = d.vips.filter((v) => v.family === family);
  if (d.nativeIpv6 !== undefined) {
    if (d.vips.some((v) => v.family === 4)) diags.error('CONF_ERR_CONFLICT', d.nativeIpv6, 'native_ipv6 with IPv4 addresses (keepalived refuses it too)');
    else diags.warning('CONF_ERR_VALUE', d.nativeIpv6, 'native_ipv6 is deprecated (keepalived says so too): the addresses give the family');
  }
  const strict = d.strict ?? globals.vrrpStrict;
  const version = versionFor(d, block, family, strict, globals.vrrpVersion, diags);
  noVirtualAddresses(d, where, pos, version, strict, at, diags);
  d.advertInt = advertIntFor(version, d.advertInt, d.advertIntTok, diags);
  if (version === 3 && d.authentication !== undefined) {
    diags.warning('CONF_ERR_CONFLICT', d.authentication.pos, 'VRRPv3 has no authentication (RFC 5798): ignored, as keepalived ignores it; remove the authentication block');
    delete d.authentication;
  }
  if (d.authentication?.type === 'AH' && d.state === 'MASTER' && d.priority !== 255) {
    // keepalived: "Initial state master is incompatible with AH authentication - clearing".
    diags.warning('CONF_ERR_CONFLICT', d.authentication.pos, 'with auth_type AH the instance starts as BACKUP (it must learn the peers\' AH sequence number before taking over), whatever state says');
  }
  if (strict) strictCorrections(d, at, family, version, diags);
  preemptCorrections(d, at, diags);
  for (const ti of d.tracking.trackInterface) {
    // keepalived: "Ignoring track_interface X since own interface".
    if (ti.name === d.interface) diags.warning('CONF_ERR_CONFLICT', ti.pos, `track_interface ${ti.name} is the instance's own interface, which is always tracked; ignored`);
  }
  for (const p of d.unicastPeer) {
    if ((p.includes(':') ? 6 : 4) !== family) diags.error('CONF_ERR_CONFLICT', pos, `unicast peer ${p} is not of the instance's family`);
  }
  // keepalived clears track_src_ip when no source address is configured (vrrp.c).
  if (d.trackSrcIp !== undefined && d.unicastSrcIp === undefined) diags.warning('CONF_ERR_MISSING', d.trackSrcIp, 'track_src_ip without unicast_src_ip or mcast_src_ip tracks nothing (keepalived ignores it too)');
  if (d.unicastSrcIp !== undefined && (d.unicastSrcIp.includes(':') ? 6 : 4) !== family) {
    diags.error('CONF_ERR_CONFLICT', pos, `unicast_src_ip ${d.unicastSrcIp} is not of the instance's family`);
  }
  // keepalived 2.2.7: "A unicast keyword has been specified without any unicast peers. Defaulting to multicast."
  if (d.unicastSrcIp !== undefined && d.unicastPeer.length === 0 && d.unicastFaultNoPeer !== true && block.some((n) => n.keyword.text === 'unicast_src_ip')) {
    diags.warning('CONF_ERR_MISSING', at('unicast_src_ip'), 'unicast_src_ip without unicast_peer: the adverts are multicast, from that address (keepalived\'s deprecated fallback; give the peers, or unicast_fault_no_peer)');
  }
  if (d.vmacXmitBase !== undefined && d.vmacPos === undefined && d.ipvlan === undefined) diags.warning('CONF_ERR_CONFLICT', d.vmacXmitBase, 'vmac_xmit_base is only valid with use_vmac; ignored, as keepalived clears it');
  if (d.ipvlan !== undefined) ipvlanChecks(d, d.ipvlan, family, diags);
  if (d.vrf !== undefined) vrfChecks(d, d.vrf, family, diags);
  if (d.mcastDstIp !== undefined && (d.mcastDstIp.includes(':') ? 6 : 4) !== family) diags.error('CONF_ERR_CONFLICT', at('mcast_dst_ip'), `mcast_dst_ip ${d.mcastDstIp} is not of the instance's family`);
  if (d.promoteSecondaries === true && (d.vmacPos ?? d.ipvlan) !== undefined) diags.warning('CONF_ERR_CONFLICT', at('promote_secondaries'), 'promote_secondaries is always set on a use_vmac or use_ipvlan interface; ignored (as keepalived)');
  if (d.unicastTtl !== undefined && d.unicastTtl !== 255) {
    if (d.unicastPeer.length === 0) diags.warning('CONF_ERR_CONFLICT', at('unicast_ttl'), 'unicast_ttl has no effect without unicast_peer: multicast adverts always carry TTL 255');
    else if (d.authentication?.type === 'AH') diags.error('CONF_ERR_UNSUPPORTED', at('unicast_ttl'), 'unicast_ttl with auth_type AH is not supported by tandem yet');
  }
  if (d.mcastDstIp !== undefined && d.unicastPeer.length > 0) diags.warning('CONF_ERR_CONFLICT', at('mcast_dst_ip'), 'mcast_dst_ip has no effect with unicast_peer: adverts go to the peers');
  if (d.priority !== 255 && block.some((n) => n.keyword.text === 'owner_ignore_adverts')) {
    diags.warning('CONF_ERR_CONFLICT', at('owner_ignore_adverts'), 'owner_ignore_adverts applies only to the address owner (priority 255); ignored');
  }
  // keepalived 2.2.8 (vrrp.c): "expired_timer_backup requires nopreempt - resetting".
  if (d.timerExpiredBackup !== undefined && !d.nopreempt) diags.warning('CONF_ERR_CONFLICT', d.timerExpiredBackup.pos, 'timer_expired_backup needs nopreempt; ignored (keepalived ignores it too)');
  const authHmac = d.authHmac !== undefined ? resolveAuthHmac(d.authHmac, d.advertInt, strict, d.authentication?.pos, () => delete d.authentication, diags) : undefined;
  const device = d.interface ?? d.vrf?.name;
  if (diags.errorCount > before || device === undefined || d.virtualRouterId === undefined) return undefined;
  return {
    name: name.text,
    pos,
    state: d.state,
    interface: device,
    ...(d.vrf !== undefined ? { vrf: d.vrf.name } : {}),
    virtualRouterId: d.virtualRouterId,
    priority: d.priority,
    advertInt: d.advertInt,
    version,
    family,
    nopreempt: d.nopreempt,
    preemptDelay: d.preemptDelay,
    // RFC 5798 Accept_Mode: keepalived defaults it on, except in strict mode where only the owner accepts.
    accept: d.accept ?? (!strict || d.priority === 255),
    authentication: d.authentication,
    ...(authHmac !== undefined ? { authHmac } : {}),
    virtualIpaddress: d.vips,
    virtualIpaddressExcluded: d.excluded,
    // keepalived: the ipvlan's address is also the source of the adverts, unless one is configured.
    unicastSrcIp: d.unicastSrcIp ?? d.ipvlan?.address?.address,
    unicastPeer: d.unicastPeer,
    ...(d.peerTtl.size > 0 ? { unicastPeerTtl: Object.fromEntries(d.peerTtl) } : {}),
    unicastFaultNoPeer: d.unicastFaultNoPeer ?? false,
    ...(d.notifyPriorityChanges !== undefined ? { notifyPriorityChanges: d.notifyPriorityChanges } : {}),
    ...(d.smtpAlert !== undefined ? { smtpAlert: d.smtpAlert } : {}),
    downTimerAdverts: d.downTimerAdverts ?? globals.vrrpDownTimerAdverts,
    higherPrioSendAdvert: d.higherPrioSendAdvert ?? globals.vrrpHigherPrioSendAdvert ?? !strict,
    strict,
    lowerPrioNoAdvert: d.lowerPrioNoAdvert ?? globals.vrrpLowerPrioNoAdvert ?? strict,
    skipCheckAdvAddr: d.skipCheckAdvAddr ?? globals.vrrpSkipCheckAdvAddr,
    checkUnicastSrc: d.checkUnicastSrc ?? globals.vrrpCheckUnicastSrc,
    ...(d.oldUnicastChecksum === true ? { oldUnicastChecksum: true } : {}),
    ...(d.trackSrcIp !== undefined && d.unicastSrcIp !== undefined ? { trackSrcIp: true } : {}),
    ...((d.v3ChecksumAsV2 ?? globals.v3ChecksumAsV2) === true ? { v3ChecksumAsV2: true } : {}),
    unicastTtl: d.unicastTtl ?? 255,
    promoteSecondaries: d.promoteSecondaries === true && d.vmacPos === undefined && d.ipvlan === undefined,
    mcastGroup: d.mcastDstIp ?? (family === 4 ? globals.vrrpMcastGroup4 : globals.vrrpMcastGroup6),
    garp: d.garp,
    ...extraIf(d.garpExtraIf ?? globals.vrrpGarpExtraIf),
    tracking: { ...d.tracking, trackInterface: d.tracking.trackInterface.filter((ti) => ti.name !== d.interface) },
    dontTrackPrimary: d.dontTrackPrimary,
    virtualRoutes: d.virtualRoutes,
    virtualRules: d.virtualRules,
    bfdTakeover: d.bfdTakeover,
    ...(d.timerExpiredBackup !== undefined && d.nopreempt ? { timerExpiredBackup: d.timerExpiredBackup.priority } : {}),
    ...(d.lvsSyncDaemonInterface !== undefined ? { lvsSyncDaemonInterface: d.lvsSyncDaemonInterface } : {}),
    ...vmacOf(d, globals, d.virtualRouterId),
    ...(d.useVmacAddr === true ? { useVmacAddr: true } : {}),
  };
}

/** The statements that fix an instance's family in keepalived's parser, when they come first. */
const FAMILY_FIXING = new Set(['virtual_ipaddress', 'native_ipv6', 'unicast_src_ip', 'mcast_src_ip', 'unicast_peer', 'mcast_dst_ip', 'use_ipvlan']);

/**
 * The VRRP version an instance runs. The global vrrp_version never applies to IPv6 (always v3).
 * An explicit `version 2` in an IPv6 instance is what keepalived 2.2.7 makes of it: ignored when
 * the family was already known at that line (vrrp_version_handler), corrected to 3 in strict mode
 * (vrrp_complete_instance), and otherwise run: VRRPv2 over IPv6, outside RFC 3768, which
 * keepalived peers with the same file speak.
 */
function versionFor(d: Draft, block: readonly Node[], family: 4 | 6, strict: boolean, globalVersion: 2 | 3, diags: Diagnostics): 2 | 3 {
  if (family === 4) return d.version ?? globalVersion;
  if (d.version !== 2) return 3;
  const at = d.versionTok!.pos;
  let versionLine = block.length - 1;
  while (versionLine > 0 && block[versionLine]!.keyword.text !== 'version') versionLine--;
  if (block.slice(0, versionLine).some((n) => FAMILY_FIXING.has(n.keyword.text))) {
    diags.warning('CONF_ERR_CONFLICT', at, 'version 2 in an IPv6 instance whose family is already set: ignored, version 3 (as keepalived ignores it)');
    return 3;
  }
  if (strict) {
    diags.warning('CONF_ERR_CONFLICT', at, 'VRRPv2 over IPv6 in strict mode: version 3 (as keepalived sets it)');
    return 3;
  }
  if (d.authentication?.type === 'AH') {
    diags.warning('CONF_ERR_CONFLICT', d.authentication.pos, 'AH authentication over IPv6: ignored (keepalived ignores it too)');
    delete d.authentication;
  }
  if (d.authentication?.type === 'PASS') diags.error('CONF_ERR_CONFLICT', d.authentication.pos, 'auth_type PASS with VRRPv2 over IPv6: the password has no place in the packet (keepalived sends none); remove authentication or use version 3');
  diags.warning('CONF_ERR_CONFLICT', at, 'VRRPv2 over IPv6 (RFC 3768 is IPv4 only): tandem runs it as keepalived does, with no authentication data in the packet; a VRRPv3 router will not understand it, use version 3 unless the peers are keepalived with this file');
  return 2;
}
