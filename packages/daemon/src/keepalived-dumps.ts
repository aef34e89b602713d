import type { GlobalDefs, VirtualAddress, VrrpInstance, VrrpScript } from '@tandem/config';
import type { DropReason, InstanceStats } from '@tandem/vrrp';
import { findExecutable, splitCommand } from '@tandem/healthcheck';
import { realpathSync } from 'node:fs';
import { hostname, userInfo } from 'node:os';
import { vrrpAlerts } from './smtp/alert-text.js';
import { senderOf } from './smtp/mailer.js';

// keepalived's monitoring files, in keepalived 2.2.7's formats, so the tools that read them
// (keepalived exporters, scripts grepping "State = MASTER") keep working: SIGUSR1 writes
// keepalived.data (vrrp_data.c dump_vrrp), SIGUSR2 keepalived.stats (vrrp_print.c), the JSON
// signal keepalived.json (vrrp_json.c). Pure: the daemon hands in what it knows and writes the
// text through private-files.ts.

/** What the dumps need of one instance: its configuration, what it is doing, and its counters. */
export interface InstanceDump {
  readonly config: VrrpInstance;
  readonly state: 'INIT' | 'BACKUP' | 'MASTER' | 'FAULT';
  readonly effectivePriority: number;
  /** The current master's address as this node sees it (BACKUP). */
  readonly master: string | undefined;
  /** When the instance last changed state (ms since the epoch), or when it started. */
  readonly lastTransitionMs: number;
  /** Times it left MASTER (keepalived's release_master). */
  readonly releasedMaster: number;
  /** Times it became MASTER, counted by the supervisor across VRRP side restarts. */
  readonly becameMaster: number;
  readonly stats: InstanceStats | undefined;
  readonly syncGroup: string | undefined;
}

/** A tracked vrrp_script with its verdict from the VRRP side (undefined: not running, e.g. tracked by nothing). */
export interface ScriptDump {
  readonly config: VrrpScript;
  readonly status: 'INIT' | 'GOOD' | 'BAD' | undefined;
  readonly running: boolean;
  /** The instances that track it. */
  readonly instances: readonly string[];
}

/** keepalived's state numbers (vrrp.h VRRP_STATE_*), as keepalived.json and the exporters use them. */
export const STATE_NUMBER = { INIT: 0, BACKUP: 1, MASTER: 2, FAULT: 3 } as const;

/** keepalived's receive counters, from tandem's drop reasons (each a check of RFC 5798 §7.1). */
export interface KeepalivedCounters {
  advert_rcvd: number;
  advert_sent: number;
  become_master: number;
  release_master: number;
  packet_len_err: number;
  advert_interval_err: number;
  ip_ttl_err: number;
  invalid_type_rcvd: number;
  addr_list_err: number;
  invalid_authtype: number;
  authtype_mismatch: number;
  auth_failure: number;
  /** keepalived 2.4's auth_hmac counters: present for an instance with auth_hmac only (2.2.7 has none). */
  auth_ext_missing?: number;
  auth_ext_malformed?: number;
  auth_ext_unknown_key?: number;
  auth_ext_invalid_hmac?: number;
  auth_ext_stale?: number;
  auth_ext_replay?: number;
  pri_zero_rcvd: number;
  pri_zero_sent: number;
}

export function keepalivedCounters(d: InstanceDump): KeepalivedCounters {
  const s = d.stats;
  const drop = (...reasons: DropReason[]): number => reasons.reduce((n, r) => n + (s?.dropped[r] ?? 0), 0);
  return {
    advert_rcvd: s?.advertsReceived ?? 0,
    advert_sent: s?.advertsSent ?? 0,
    become_master: d.becameMaster,
    release_master: d.releasedMaster,
    packet_len_err: drop('truncated', 'bad-address-count', 'bad-length'),
    advert_interval_err: drop('interval-mismatch'),
    ip_ttl_err: drop('bad-ttl'),
    invalid_type_rcvd: drop('bad-type'),
    addr_list_err: drop('address-mismatch'),
    // tandem counts an unknown authentication type as a mismatch.
    invalid_authtype: 0,
    authtype_mismatch: drop('auth-type-mismatch'),
    auth_failure: drop('auth-failed', 'replayed'),
    ...(d.config.authHmac !== undefined
      ? {
          auth_ext_missing: drop('hmac-missing'),
          auth_ext_malformed: drop('hmac-malformed'),
          auth_ext_unknown_key: drop('hmac-unknown-key'),
          auth_ext_invalid_hmac: drop('hmac-bad'),
          auth_ext_stale: drop('hmac-stale'),
          auth_ext_replay: drop('hmac-replay'),
        }
      : {}),
    pri_zero_rcvd: s?.priorityZeroReceived ?? 0,
    pri_zero_sent: s?.priorityZeroSent ?? 0,
  };
}

/**
 * A script as keepalived's cmd_str shows it: each word in single quotes, the program by its
 * real path (`/bin/true` → `'/usr/bin/true'`), as keepalived resolves it when it checks the
 * script's security.
 */
export function keepalivedCommand(text: string): string {
  const words = splitCommand(text);
  const program = words[0];
  if (program !== undefined) {
    const found = program.includes('/') ? program : findExecutable(program);
    try {
      if (found !== undefined) words[0] = realpathSync(found);
    } catch {
      // Not there: keepalived shows it as written.
    }
  }
  return words.map((w, i) => (i === 0 && /^[<>]/.test(w) ? w : `'${w}'`)).join(' ');
}

/** keepalived.stats, as vrrp_print_stats writes it. */
export function formatStats(instances: readonly InstanceDump[], counters: (d: InstanceDump) => KeepalivedCounters = keepalivedCounters): string {
  const out: string[] = [];
  for (const d of instances) {
    const c = counters(d);
    out.push(
      `VRRP Instance: ${d.config.name}`,
      '  Advertisements:',
      `    Received: ${c.advert_rcvd}`,
      `    Sent: ${c.advert_sent}`,
      `  Became master: ${c.become_master}`,
      `  Released master: ${c.release_master}`,
      '  Packet Errors:',
      `    Length: ${c.packet_len_err}`,
      `    TTL: ${c.ip_ttl_err}`,
      `    Invalid Type: ${c.invalid_type_rcvd}`,
      `    Advertisement Interval: ${c.advert_interval_err}`,
      `    Address List: ${c.addr_list_err}`,
      '  Authentication Errors:',
      `    Invalid Type: ${c.invalid_authtype}`,
      `    Type Mismatch: ${c.authtype_mismatch}`,
      `    Failure: ${c.auth_failure}`,
      // keepalived 2.4 (vrrp_print.c), shown here for an instance with auth_hmac.
      ...(c.auth_ext_missing !== undefined
        ? [
            '  Authentication Extension Errors:',
            `    Missing: ${c.auth_ext_missing}`,
            `    Malformed: ${c.auth_ext_malformed ?? 0}`,
            `    Unknown Key: ${c.auth_ext_unknown_key ?? 0}`,
            `    Invalid HMAC: ${c.auth_ext_invalid_hmac ?? 0}`,
            `    Stale: ${c.auth_ext_stale ?? 0}`,
            `    Replay: ${c.auth_ext_replay ?? 0}`,
          ]
        : []),
      '  Priority Zero:',
      `    Received: ${c.pri_zero_rcvd}`,
      `    Sent: ${c.pri_zero_sent}`,
    );
  }
  return out.length === 0 ? '' : `${out.join('\n')}\n`;
}

/** A virtual address as keepalived's format_ipaddress writes it (`192.0.2.1/24 dev eth0 scope global label eth0:1 set`). */
export function formatVip(v: VirtualAddress, instance: VrrpInstance, set: boolean): string {
  const brd = v.family === 4 && v.broadcast !== undefined ? ` brd ${v.broadcast}` : '';
  const label = v.label !== undefined ? ` label ${v.label}` : '';
  return `${v.address}/${v.prefix}${brd} dev ${v.dev ?? instance.vmac?.name ?? instance.interface} scope ${v.scope ?? 'global'}${label}${set ? ' set' : ''}`;
}

/** The gratuitous ARP settings in force: the instance's, else global_defs'. */
function garp(d: InstanceDump, g: GlobalDefs): { delay: number; rep: number; refresh: number; refreshRep: number; lowerDelay: number; lowerRep: number } {
  const s = d.config.garp;
  const lowerRep = s.lowerPrioRepeat ?? g.vrrpGarpLowerPrioRepeat;
  const rep = s.masterRepeat ?? g.vrrpGarpMasterRepeat;
  const delay = s.masterDelay ?? g.vrrpGarpMasterDelay;
  return {
    delay,
    rep,
    refresh: s.masterRefresh ?? g.vrrpGarpMasterRefresh,
    refreshRep: s.masterRefreshRepeat ?? g.vrrpGarpMasterRefreshRepeat,
    // keepalived: the lower-priority round defaults to the master round's settings.
    lowerDelay: s.lowerPrioDelay ?? (g.vrrpGarpLowerPrioDelay || delay),
    lowerRep: lowerRep ?? rep,
  };
}

/** One entry of keepalived.json: `data` (what the instance is) and `stats`, keys in vrrp_json.c's order. */
export function jsonEntry(
  d: InstanceDump,
  g: GlobalDefs,
  counters: (d: InstanceDump) => KeepalivedCounters = keepalivedCounters,
  /** vrrp_script name → its command (keepalived's JSON names a tracked script by its command). */
  commands?: ReadonlyMap<string, string>,
): { data: Record<string, unknown>; stats: KeepalivedCounters } {
  const c = d.config;
  const ga = garp(d, g);
  const set = d.state === 'MASTER';
  const n = STATE_NUMBER[d.state];
  const data: Record<string, unknown> = {
    iname: c.name,
    dont_track_primary: c.dontTrackPrimary ? 1 : 0,
    skip_check_adv_addr: c.skipCheckAdvAddr ? 1 : 0,
    strict_mode: c.strict ? 1 : 0,
    vmac_ifname: c.vmac?.name ?? '',
    ifp_ifname: c.vmac?.name ?? c.interface,
    master_priority: 0,
    last_transition: d.lastTransitionMs / 1000,
    garp_delay: ga.delay,
    garp_refresh: ga.refresh,
    garp_rep: ga.rep,
    garp_refresh_rep: ga.refreshRep,
    garp_lower_prio_delay: ga.lowerDelay,
    garp_lower_prio_rep: ga.lowerRep,
    lower_prio_no_advert: c.lowerPrioNoAdvert ? 1 : 0,
    higher_prio_send_advert: c.higherPrioSendAdvert ? 1 : 0,
    vrid: c.virtualRouterId,
    base_priority: c.priority,
    effective_priority: d.effectivePriority,
    vipset: set,
    promote_secondaries: c.promoteSecondaries,
    adver_int: c.advertInt,
    master_adver_int: c.advertInt,
    accept: c.accept ? 1 : 0,
    nopreempt: c.nopreempt,
    preempt_delay: Math.floor(c.preemptDelay),
    state: n,
    wantstate: n,
    version: c.version,
    smtp_alert: vrrpAlerts(c.smtpAlert, g.smtp),
    notify_deleted: false,
  };
  const notify = c.tracking.notify;
  const scripts = [
    ['script_backup', notify.backup],
    ['script_master', notify.master],
    ['script_fault', notify.fault],
    ['script_stop', notify.stop],
    ['script_deleted', notify.deleted],
    ['script', notify.generic],
    ['script_master_rx_lower_pri', notify.masterRxLowerPri],
  ] as const;
  for (const [key, script] of scripts) if (script !== undefined) data[key] = keepalivedCommand(script.command);
  if (c.virtualIpaddress.length > 0) data['vips'] = c.virtualIpaddress.map((v) => formatVip(v, c, set));
  if (c.virtualIpaddressExcluded.length > 0) data['evips'] = c.virtualIpaddressExcluded.map((v) => formatVip(v, c, set));
  if (c.tracking.trackInterface.length > 0) data['track_ifp'] = c.tracking.trackInterface.map((t) => t.name);
  if (c.tracking.trackScript.length > 0) data['track_script'] = c.tracking.trackScript.map((t) => keepalivedCommand(commands?.get(t.name) ?? t.name));
  data['auth_type'] = c.authentication === undefined ? 0 : c.authentication.type === 'PASS' ? 1 : 2;
  if (c.authentication !== undefined) data['auth_data'] = c.authentication.type === 'PASS' ? c.authentication.password : '';
  return { data, stats: counters(d) };
}

/** keepalived.json: one compact array, `last_transition` with six decimals as keepalived's `%f` prints it. */
export function formatJson(instances: readonly InstanceDump[], g: GlobalDefs, counters: (d: InstanceDump) => KeepalivedCounters = keepalivedCounters, scripts: readonly ScriptDump[] = []): string {
  const commands = new Map(scripts.map((sc) => [sc.config.name, sc.config.script.command]));
  const text = JSON.stringify(instances.map((d) => jsonEntry(d, g, counters, commands)));
  let i = 0;
  return text.replace(/"last_transition":[0-9.e+-]+/g, () => `"last_transition":${(instances[i++]!.lastTransitionMs / 1000).toFixed(6)}`);
}

/** `1795959848.766100 (Sun Nov 29 13:44:08.766100 2026)`, keepalived's ctime_us_r. */
export function keepalivedTime(ms: number): string {
  const d = new Date(ms);
  const days = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
  const months = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
  const us = String((ms % 1000) * 1000).padStart(6, '0');
  const two = (n: number): string => String(n).padStart(2, '0');
  return `${Math.floor(ms / 1000)}.${us} (${days[d.getDay()]!} ${months[d.getMonth()]!} ${String(d.getDate()).padStart(2, ' ')} ${two(d.getHours())}:${two(d.getMinutes())}:${two(d.getSeconds())}.${us} ${d.getFullYear()})`;
}

/** One instance as dump_vrrp writes it; `live` adds the state lines (keepalived leaves them out of `-d`'s start-up dump). */
function instanceLines(d: InstanceDump, g: GlobalDefs, live: boolean, scriptWeights: ReadonlyMap<string, number>): string[] {
  const c = d.config;
  const ga = garp(d, g);
  const set = d.state === 'MASTER';
  const out = [` VRRP Instance = ${c.name}`, `   VRRP Version = ${c.version}`];
  if (d.syncGroup !== undefined) out.push(`   Sync group = ${d.syncGroup}`);
  if (c.family === 6) out.push('   Using Native IPv6');
  if (live) {
    out.push(`   State = ${d.state}`);
    if (d.state === 'BACKUP' && d.master !== undefined) out.push(`   Master router = ${d.master}`);
  }
  const unicast = c.unicastPeer.length > 0;
  out.push(unicast ? '   Flags:' : '   Flags: none');
  if (unicast) out.push('     Using unicast');
  out.push(`   Wantstate = ${d.state}`, '   Number of config faults = 0');
  if (live) out.push(`   Last transition = ${keepalivedTime(d.lastTransitionMs)}`);
  // keepalived 2.2.8+ (vrrp_data.c): an instance in a VRF has no interface, and says which VRF.
  out.push(`   Interface = ${c.vrf !== undefined ? 'not configured' : (c.vmac?.name ?? c.interface)}`);
  if (c.vrf !== undefined) out.push(`   VRF = ${c.vrf}`);
  if (c.dontTrackPrimary) out.push('   VRRP interface tracking disabled');
  if (c.skipCheckAdvAddr) out.push('   Skip checking advert IP addresses');
  if (c.strict) out.push('   Enforcing strict VRRP compliance');
  out.push(`   Using src_ip = ${c.unicastSrcIp ?? '(none)'}${c.unicastSrcIp !== undefined ? ' (from configuration)' : ''}`);
  if (!unicast) out.push(`   Multicast address ${c.mcastGroup}`);
  out.push(
    `   Gratuitous ARP delay = ${ga.delay}`,
    `   Gratuitous ARP repeat = ${ga.rep}`,
    `   Gratuitous ARP refresh = ${ga.refresh}`,
    `   Gratuitous ARP refresh repeat = ${ga.refreshRep}`,
    `   Gratuitous ARP lower priority delay = ${ga.lowerDelay}`,
    `   Gratuitous ARP lower priority repeat = ${ga.lowerRep}`,
    `   Down timer adverts = ${c.downTimerAdverts}`,
    `   Send advert after receive lower priority advert = ${c.lowerPrioNoAdvert ? 'false' : 'true'}`,
    `   Send advert after receive higher priority advert = ${c.higherPrioSendAdvert ? 'true' : 'false'}`,
    `   Virtual Router ID = ${c.virtualRouterId}`,
    `   Priority = ${c.priority}`,
  );
  if (live) out.push(`   Effective priority = ${d.effectivePriority}`, `   Total priority = ${d.effectivePriority}`);
  out.push(c.version === 2 ? `   Advert interval = ${Math.round(c.advertInt)} sec` : `   Advert interval = ${Math.round(c.advertInt * 1000)} milli-sec`);
  out.push(`   Accept = ${c.accept ? 'enabled' : 'disabled'}`, `   Preempt = ${c.nopreempt ? 'disabled' : 'enabled'}`);
  if (c.preemptDelay > 0) out.push(`   Preempt delay = ${c.preemptDelay} secs`);
  out.push(`   Promote_secondaries = ${c.promoteSecondaries ? 'enabled' : 'disabled'}`);
  if (c.authentication !== undefined) {
    out.push(`   Authentication type = ${c.authentication.type === 'AH' ? 'IPSEC_AH' : 'SIMPLE_PASSWORD'}`);
    if (c.authentication.type === 'PASS') out.push(`   Password = ${c.authentication.password}`);
  } else if (c.version === 2) out.push('   Authentication type = none');
  // keepalived 2.4 (vrrp_data.c): the extension's settings, never the keys.
  const h = c.authHmac;
  if (h !== undefined) {
    out.push('   Authentication extension = HMAC-SHA256-128', `     Keys = ${h.keys.length}, active key id = ${h.activeKey}`, `     Mode = ${h.mode}`);
    out.push(h.antiReplay === 'time' ? `     Anti replay = time, window = ${h.timeWindow} sec` : '     Anti replay = monotonic');
  }
  if (c.virtualIpaddress.length > 0) {
    out.push(`   Virtual IP (${c.virtualIpaddress.length}):`, ...c.virtualIpaddress.map((v) => `     ${formatVip(v, c, live && set)}`));
  }
  if (c.virtualIpaddressExcluded.length > 0) out.push('   Virtual IP Excluded :', ...c.virtualIpaddressExcluded.map((v) => `     ${formatVip(v, c, live && set)}`));
  if (unicast) {
    if (c.unicastTtl !== 255) out.push(`   Unicast TTL = ${c.unicastTtl}`);
    out.push(`   Check unicast src : ${c.checkUnicastSrc ? 'yes' : 'no'}`, '   Unicast Peer :', ...c.unicastPeer.map((p) => `     ${p} min_ttl 0 max_ttl 255`));
  }
  const weighted = (name: string, weight: number, reverse: boolean): string => `     ${name} weight ${weight}${reverse ? ' reverse' : ''}`;
  if (c.tracking.trackInterface.length > 0) out.push('   Tracked interfaces :', ...c.tracking.trackInterface.map((t) => weighted(t.name, t.weight ?? 0, t.reverse)));
  if (c.tracking.trackScript.length > 0) out.push('   Tracked scripts :', ...c.tracking.trackScript.map((t) => weighted(t.name, t.weight ?? scriptWeights.get(t.name) ?? 0, t.reverse)));
  if (c.tracking.trackFile.length > 0) out.push('   Tracked files :', ...c.tracking.trackFile.map((t) => `     ${t.name}`));
  out.push(`   Using smtp notification = ${vrrpAlerts(c.smtpAlert, g.smtp) ? 'yes' : 'no'}`, '   Notify deleted = Fault', '   Notify priority changes = false');
  return out;
}

/** global_data.c's email lines: the server, HELO, timeout and sender once smtp_server is set (with their defaults then), and the smtp_alert defaults. */
function smtpLines(s: GlobalDefs['smtp']): string[] {
  const onOff = (v: boolean | undefined): string => (v === undefined ? 'unset' : v ? 'on' : 'off');
  const sender = s.server !== undefined ? senderOf(s, hostname(), userInfo().username) : { helo: s.heloName, from: s.from };
  return [
    ...(s.server !== undefined ? [` Smtp server = ${s.server.host}`, ` Smtp server port = ${s.server.port}`] : []),
    ...(sender.helo !== undefined ? [` Smtp HELO name = ${sender.helo}`] : []),
    ...(s.server !== undefined || s.connectTimeout !== 30 ? [` Smtp server connection timeout = ${s.connectTimeout}`] : []),
    ...(sender.from !== undefined ? [` Email notification from = ${sender.from}`, ' Email notification to:', ...s.to.map((a) => `   ${a}`)] : []),
    ` Default smtp_alert = ${onOff(s.alert)}`,
    ` Default smtp_alert_vrrp = ${onOff(s.alertVrrp)}`,
    ` Default smtp_alert_checker = ${onOff(s.alertChecker)}`,
  ];
}

/** The global definitions keepalived's dump starts with, as far as tandem has them. */
function globalLines(g: GlobalDefs): string[] {
  return [
    '------< Global definitions >------',
    ` Network namespace = ${g.netNamespace ?? '(default)'}`,
    ` Network namespace ipvs = ${g.netNamespaceIpvs === undefined ? '(main namespace)' : g.netNamespaceIpvs === '' ? '(default)' : g.netNamespaceIpvs}`,
    ` Router ID = ${g.routerId ?? '(none)'}`,
    ...smtpLines(g.smtp),
    ` LVS flush = ${g.lvsFlush ? 'true' : 'false'}`,
    ` LVS flush on stop = ${g.lvsFlushOnStop === 'no' ? 'disabled' : g.lvsFlushOnStop === 'all' ? 'enabled' : 'VS'}`,
    ` VRRP IPv4 mcast group = ${g.vrrpMcastGroup4}`,
    ` VRRP IPv6 mcast group = ${g.vrrpMcastGroup6}`,
    ` Gratuitous ARP delay = ${g.vrrpGarpMasterDelay}`,
    ` Gratuitous ARP repeat = ${g.vrrpGarpMasterRepeat}`,
    ` Gratuitous ARP refresh timer = ${g.vrrpGarpMasterRefresh}`,
    ` Gratuitous ARP refresh repeat = ${g.vrrpGarpMasterRefreshRepeat}`,
    ` Num adverts before down = ${g.vrrpDownTimerAdverts}`,
    ` Gratuitous ARP interval = ${g.vrrpGarpInterval.toFixed(6)}`,
    ` Gratuitous NA interval = ${g.vrrpGnaInterval.toFixed(6)}`,
    ` VRRP default protocol version = ${g.vrrpVersion}`,
    ` VRRP check unicast_src = ${g.vrrpCheckUnicastSrc ? 'true' : 'false'}`,
    ` VRRP skip check advert addresses = ${g.vrrpSkipCheckAdvAddr ? 'true' : 'false'}`,
    ` VRRP strict mode = ${g.vrrpStrict ? 'true' : 'false'}`,
    ` Script security ${g.enableScriptSecurity ? 'enabled' : 'disabled'}`,
    ...(g.nftablesIpvs !== undefined ? [` ipvs nftables table name = ${g.nftablesIpvs.table}`, ` ipvs nftables base chain priority = ${g.nftablesIpvs.priority}`, ` ipvs nftables start fwmark = ${g.nftablesIpvs.startFwmark}`] : []),
  ];
}

/**
 * keepalived.data: the global definitions and the VRRP topology, as dump_data_vrrp writes
 * them (`live`: with each instance's state, as SIGUSR1's dump; without, as `-d` logs the
 * configuration at start). keepalived's socket-pool and interface sections, which describe
 * its own file descriptors, are left out.
 */
export function formatData(instances: readonly InstanceDump[], g: GlobalDefs, live = true, scripts: readonly ScriptDump[] = []): string {
  const weights = new Map(scripts.map((sc) => [sc.config.name, sc.config.weight]));
  const out = [...globalLines(g), '------< VRRP Topology >------', ...instances.flatMap((d) => instanceLines(d, g, live, weights))];
  if (scripts.length > 0) out.push('------< VRRP Scripts >------', ...scripts.flatMap((sc) => scriptLines(sc, live)));
  return `${out.join('\n')}\n`;
}

/** One vrrp_script as keepalived's dump_vscript writes it (its result counter and uid:gid aside). */
function scriptLines(sc: ScriptDump, live: boolean): string[] {
  const c = sc.config;
  const out = [
    ` VRRP Script = ${c.name}`,
    `   Command = ${keepalivedCommand(c.script.command)}`,
    `   Interval = ${Math.floor(c.interval)} sec`,
    `   Timeout = ${Math.floor(c.timeout ?? 0)} sec`,
    `   Weight = ${c.weight}${c.reverse ? ' reverse' : ''}`,
    `   Rise = ${c.rise}`,
    `   Fall = ${c.fall}`,
    '   Insecure = no',
  ];
  if (live) out.push(`   Status = ${sc.status === 'GOOD' ? 'GOOD' : 'BAD'}`);
  out.push('   VRRP instances :', ...sc.instances.map((i) => `     ${i}, weight ${c.weight}`));
  if (live) out.push(`   State = ${sc.running ? 'running' : 'idle'}`);
  return out;
}
