import { defaultProcessSettings, processKeywords } from './process-settings.js';
import { announceGlobalKeywords } from './anycast.js';
import type { Diagnostics } from './diagnostics.js';
import type { GlobalDefs, LvsSyncDaemon, NftablesIpvs, NotifyFifo, SmtpSettings, VrrpFirewall } from './model.js';
import { smtpKeywords } from './smtp.js';
import { garpExtraIf } from './garp-extra-if.js';
import { scriptValue } from './tracking.js';
import { applySection, flag, integer, misplaced, seconds, single, word, type NotYet, type SectionSpec, type ValueParser } from './section.js';
import type { Node } from './tree.js';
import { addressValue, arity, bareFlagValue, flagValue, intValue, multicastGroup, secondsValue } from './values.js';

type Draft = { -readonly [K in keyof GlobalDefs]: GlobalDefs[K] };

/**
 * `owner_ignore_adverts [on|off]` (and global `vrrp_owner_ignore_adverts`): tandem's address
 * owner always drops adverts (RFC 3768 §7.1), so `on` says what tandem does and `off` cannot be had.
 */
export function ownerIgnoresAdverts<D>(node: Node, _draft: D, diags: Diagnostics): void {
  const on = flagValue(node, diags);
  if (on === false) diags.error('CONF_ERR_UNSUPPORTED', node.keyword.pos, `${node.keyword.text} off is not supported: tandem's address owner (priority 255) always ignores adverts, as RFC 3768 §7.1 says`);
}

export function defaultGlobalDefs(): GlobalDefs {
  return {
    routerId: undefined,
    vrrpVersion: 2,
    vrrpGarpMasterDelay: 5,
    vrrpGarpMasterRepeat: 5,
    vrrpGarpMasterRefresh: 0,
    vrrpGarpMasterRefreshRepeat: 1,
    vrrpGarpLowerPrioRepeat: undefined,
    vrrpGarpLowerPrioDelay: 0,
    vrrpDownTimerAdverts: 3,
    // Unset means on (off in strict mode), unlike keepalived: without it a healed split
    // brain can leave clients on the losing director's MAC (see packages/vrrp machine.ts).
    vrrpHigherPrioSendAdvert: undefined,
    vrrpStrict: false,
    vrrpSkipCheckAdvAddr: false,
    vrrpCheckUnicastSrc: false,
    vrrpStartupDelay: 0,
    vrrpMcastGroup4: '224.0.0.18',
    vrrpMcastGroup6: 'ff02::12',
    vrrpGarpInterval: 0,
    vrrpGnaInterval: 0,
    vrrpLowerPrioNoAdvert: undefined,
    scriptUser: undefined,
    enableScriptSecurity: true,
    scriptSecurityAsked: false,
    lvsFlush: false,
    lvsFlushOnStop: 'no',
    lvsTimeouts: undefined,
    lvsSyncDaemon: undefined,
    notifyFifos: {},
    vrrpFirewall: { kind: 'nftables', table: 'tandem_no_accept', priority: 0, counters: false, from: 'default' },
    bfdProcess: defaultProcessSettings(),
    vrrpProcess: defaultProcessSettings(),
    startupScriptTimeout: 10,
    shutdownScriptTimeout: 10,
    smtp: defaultSmtpSettings(),
  };
}

/** keepalived's defaults: no server, no addresses, 30 s (DEFAULT_SMTP_CONNECTION_TIMEOUT), no switches. */
export function defaultSmtpSettings(): SmtpSettings {
  return { to: [], connectTimeout: 30, noEmailFaults: false, noCheckerEmails: false };
}

/** `startup_script` / `shutdown_script CMD [USER [GROUP]]`: one each, as keepalived ("script already specified"). */
function startStopScript(field: 'startupScript' | 'shutdownScript'): (n: Node, d: Draft, diags: Diagnostics) => void {
  return (n, d, diags) => {
    if (d[field] !== undefined) return diags.error('CONF_ERR_CONFLICT', n.keyword.pos, `${n.keyword.text} already given (keepalived: script already specified)`);
    const v = scriptValue(n, diags);
    if (v !== undefined) d[field] = v;
  };
}

type SnmpPart = 'vrrp' | 'checker' | 'rfcv2' | 'rfcv3' | 'traps';

/** `enable_snmp_*` / `enable_traps`: flags; keepalived reads no argument and ignores any given. */
function snmpFlag(part: SnmpPart, also?: SnmpPart): (node: Node, d: Draft) => void {
  return (_n, d) => {
    d.snmp = { ...d.snmp, [part]: true, ...(also !== undefined ? { [also]: true } : {}) };
  };
}

const harmless: NotYet = { severity: 'warning', why: 'it does not change failover or load balancing' };
const housekeeping = (why: string): NotYet => ({ severity: 'warning', why });

const spec: SectionSpec<Draft> = {
  name: 'global_defs',
  keywords: {
    ...processKeywords<Draft>('bfd'),
    ...processKeywords<Draft>('vrrp'),
    ...announceGlobalKeywords<Draft>(),
    router_id: single(word, (d, v) => (d.routerId = v)),
    net_namespace: single(word, (d, v) => (d.netNamespace = v)),
    vrrp_version: single(integer(2, 3), (d, v) => (d.vrrpVersion = v as 2 | 3)),
    vrrp_garp_master_delay: single(seconds(0, 255), (d, v) => (d.vrrpGarpMasterDelay = v)),
    vrrp_garp_master_repeat: single(integer(1, 255), (d, v) => (d.vrrpGarpMasterRepeat = v)),
    vrrp_garp_master_refresh: single(seconds(0, 86400), (d, v) => (d.vrrpGarpMasterRefresh = v)),
    vrrp_garp_master_refresh_repeat: single(integer(1, 255), (d, v) => (d.vrrpGarpMasterRefreshRepeat = v)),
    vrrp_garp_lower_prio_repeat: single(integer(0, 255), (d, v) => (d.vrrpGarpLowerPrioRepeat = v)),
    vrrp_garp_lower_prio_delay: single(seconds(0, 86400), (d, v) => (d.vrrpGarpLowerPrioDelay = v)),
    vrrp_down_timer_adverts: single(integer(1, 100), (d, v) => (d.vrrpDownTimerAdverts = v)),
    vrrp_higher_prio_send_advert: flag((d, v) => (d.vrrpHigherPrioSendAdvert = v)),
    vrrp_strict: flag((d, v) => (d.vrrpStrict = v)),
    vrrp_skip_check_adv_addr: flag((d, v) => (d.vrrpSkipCheckAdvAddr = v)),
    vrrp_check_unicast_src: flag((d, v) => (d.vrrpCheckUnicastSrc = v)),
    vrrp_mcast_group4: single(multicastGroup(4), (d, v) => (d.vrrpMcastGroup4 = v)),
    vrrp_mcast_group6: single(multicastGroup(6), (d, v) => (d.vrrpMcastGroup6 = v)),
    vrrp_startup_delay: single(seconds(0, 86400), (d, v) => (d.vrrpStartupDelay = v)),
    vrrp_delay_after_boot: single(seconds(0, 86400), (d, v) => (d.vrrpDelayAfterBoot = v)),
    vrrp_notify_priority_changes: flag((d, v) => (d.vrrpNotifyPriorityChanges = v)),
    fifo_write_vrrp_states_on_reload: flag((d, v) => (d.fifoWriteVrrpStatesOnReload = v)),
    vmac_prefix: single(word, (d, v) => (d.vmacPrefix = v)),
    vmac_addr_prefix: single(word, (d, v) => (d.vmacAddrPrefix = v)),
    default_interface: single(word, (d, v) => (d.defaultInterface = v)),
    disable_local_igmp: flag((d, v) => (d.disableLocalIgmp = v)),
    // keepalived: one gratuitous ARP / NA, no second round, no refresh; settings already given are kept.
    vrrp_min_garp: flag((d, v) => {
      if (!v) return;
      const def = defaultGlobalDefs();
      if (d.vrrpGarpMasterRepeat === def.vrrpGarpMasterRepeat) d.vrrpGarpMasterRepeat = 1;
      if (d.vrrpGarpMasterDelay === def.vrrpGarpMasterDelay) d.vrrpGarpMasterDelay = 0;
      if (d.vrrpGarpMasterRefresh === def.vrrpGarpMasterRefresh) d.vrrpGarpMasterRefresh = 0;
    }),
    dynamic_interfaces: (n, d, diags) => {
      if (!arity(n, 0, 1, diags)) return;
      const a = n.args[0];
      if (a !== undefined && a.text !== 'allow_if_changes') return diags.error('CONF_ERR_VALUE', a.pos, `dynamic_interfaces takes nothing or allow_if_changes, not '${a.text}'`);
      // allow_if_changes (an interface deleted and made again as another kind) is what tandem does anyway: it looks interfaces up by name each time one appears.
      d.dynamicInterfaces = true;
    },
    vrrp_garp_extra_if: (n, d, diags) => {
      const v = garpExtraIf(n, diags);
      if (v !== undefined) d.vrrpGarpExtraIf = v;
    },
    vrrp_vmac_garp_intvl: (n, d, diags) => {
      const v = garpExtraIf(n, diags);
      if (v !== undefined) d.vrrpGarpExtraIf = v;
    },
    vrrp_garp_interval: single(seconds(0, 86400), (d, v) => (d.vrrpGarpInterval = v)),
    vrrp_gna_interval: single(seconds(0, 86400), (d, v) => (d.vrrpGnaInterval = v)),
    vrrp_lower_prio_no_advert: flag((d, v) => (d.vrrpLowerPrioNoAdvert = v)),
    vrrp_owner_ignore_adverts: ownerIgnoresAdverts,
    rs_init_notifies: flag((d, v) => (d.rsInitNotifies = v)),
    v3_checksum_as_v2: flag((d, v) => (d.v3ChecksumAsV2 = v)),
    startup_script: startStopScript('startupScript'),
    startup_script_timeout: single(integer(1, 1000), (d, v) => (d.startupScriptTimeout = v)),
    shutdown_script: startStopScript('shutdownScript'),
    shutdown_script_timeout: single(integer(1, 1000), (d, v) => (d.shutdownScriptTimeout = v)),
    script_user: (n, d, diags) => {
      if (arity(n, 1, 2, diags)) d.scriptUser = { user: n.args[0]!.text, ...(n.args[1] !== undefined ? { group: n.args[1].text } : {}) };
    },
    lvs_flush: flag((d, v) => (d.lvsFlush = v)),
    lvs_flush_on_stop: lvsFlushOnStop,
    // keepalived 2.2.7 reads both spellings the same way.
    lvs_flush_onstop: lvsFlushOnStop,
    lvs_timeouts: (n, d, diags) => {
      if (n.args.length === 0 || n.args.length % 2 !== 0) {
        diags.error('CONF_ERR_ARITY', n.keyword.pos, 'lvs_timeouts takes pairs: [tcp SECS] [tcpfin SECS] [udp SECS]');
        return;
      }
      const t: { tcp?: number; tcpFin?: number; udp?: number } = {};
      for (let i = 0; i < n.args.length; i += 2) {
        const k = n.args[i]!;
        const v = secondsValue(n.args[i + 1]!, 1, 86400 * 31, `lvs_timeouts ${k.text}`, diags);
        if (v === undefined) return;
        if (k.text === 'tcp') t.tcp = Math.round(v);
        else if (k.text === 'tcpfin') t.tcpFin = Math.round(v);
        else if (k.text === 'udp') t.udp = Math.round(v);
        else return diags.error('CONF_ERR_VALUE', k.pos, `lvs_timeouts: '${k.text}' is not tcp, tcpfin or udp`);
      }
      d.lvsTimeouts = t;
    },
    notify_fifo: fifoPath('all'),
    vrrp_notify_fifo: fifoPath('vrrp'),
    lvs_notify_fifo: fifoPath('lvs'),
    notify_fifo_script: fifoScript('all'),
    vrrp_notify_fifo_script: fifoScript('vrrp'),
    lvs_notify_fifo_script: fifoScript('lvs'),
    lvs_sync_daemon: (n, d, diags) => {
      const sync = syncDaemon(n, diags);
      if (sync !== undefined) d.lvsSyncDaemon = sync;
    },
    ...firewallKeywords(),
    ...smtpKeywords<Draft>(),
    // keepalived takes these only at the top level, outside global_defs.
    child_wait_time: misplaced('at the top level, outside global_defs'),
    use_pid_dir: misplaced('at the top level, outside global_defs'),
    linkbeat_use_polling: misplaced('at the top level, outside global_defs'),
    namespace_with_ipsets: misplaced('at the top level, outside global_defs'),
    instance: misplaced('at the top level, outside global_defs'),
    net_namespace_ipvs: misplaced('at the top level, outside global_defs'),
    // SNMP as keepalived: each enable_snmp_* serves its MIBs without -x (which serves them all),
    // traps only with enable_traps; snmp_socket is -A's AgentX address.
    // keepalived 2.0's name, still read.
    enable_snmp_keepalived: snmpFlag('vrrp'),
    enable_snmp_vrrp: snmpFlag('vrrp'),
    enable_snmp_checker: snmpFlag('checker'),
    enable_snmp_rfc: snmpFlag('rfcv2', 'rfcv3'),
    enable_snmp_rfcv2: snmpFlag('rfcv2'),
    enable_snmp_rfcv3: snmpFlag('rfcv3'),
    enable_traps: snmpFlag('traps'),
    snmp_socket: single(word, (d, v) => (d.snmp = { ...d.snmp, socket: v })),
    // keepalived 2.3: where the SIGUSR1 / SIGUSR2 / JSON dumps go (the daemon's dumpPaths).
    state_dump_file: single(word, (d, v) => (d.dumpFiles = { ...d.dumpFiles, state: v })),
    stats_dump_file: single(word, (d, v) => (d.dumpFiles = { ...d.dumpFiles, stats: v })),
    json_dump_file: single(word, (d, v) => (d.dumpFiles = { ...d.dumpFiles, json: v })),
    enable_script_security: (n, d, diags) => {
      // Security is on whatever the file says: a root script others can modify is a root shell for them.
      const on = bareFlagValue(n, diags);
      if (!on) diags.warning('CONF_ERR_VALUE', n.keyword.pos, 'tandem always checks script security; enable_script_security off is ignored');
      d.enableScriptSecurity = true;
      d.scriptSecurityAsked = on;
    },
  },
  notYet: {
    // keepalived 2.2.8 to 2.4: its own files and plumbing.
    json_version: housekeeping("keepalived.json (--signum=JSON) has keepalived 2.2.7's layout, json_version 1"),
    dbus_no_interface_name: housekeeping('tandem has no DBus interface'),
    snmp_rs_stats_update_interval: housekeeping("tandem's SNMP agent reads the kernel's IPVS counters when it is asked, not at an interval"),
    snmp_vs_stats_update_interval: housekeeping("tandem's SNMP agent reads the kernel's IPVS counters when it is asked, not at an interval"),
    use_symlink_paths: housekeeping('how keepalived names script paths (it resolves links unless asked not to); tandem runs a script by the path the file gives'),
    set_supplementary_groups: housekeeping("tandem's scripts run with the user's group only, as keepalived's default"),
    iproute_etc_dir: housekeeping('tandem reads no iproute2 name files: route tables and protocols other than main, local, default and keepalived are given as numbers'),
    iproute_usr_dir: housekeeping('tandem reads no iproute2 name files: route tables and protocols other than main, local, default and keepalived are given as numbers'),
    checker_cpu_affinity: harmless,
    checker_process_name: harmless,
    checker_rlimit_rttime: harmless,
    checker_rt_priority: harmless,
    checker_log_all_failures: harmless,
    config_save_dir: harmless,
    data_use_instance: harmless,
    dbus_service_name: harmless,
    include_check: harmless,
    log_unknown_vrids: harmless,
    process_monitor_rcv_bufs: harmless,
    process_monitor_rcv_bufs_force: harmless,
    process_name: harmless,
    process_names: harmless,
    random_seed: harmless,
    reload_check_config: harmless,
    reload_file: harmless,
    reload_repeat: harmless,
    reload_time_file: harmless,
    tmp_config_directory: harmless,
    umask: harmless,
    vrrp_netlink_cmd_rcv_bufs: harmless,
    vrrp_netlink_cmd_rcv_bufs_force: harmless,
    vrrp_netlink_monitor_rcv_bufs: harmless,
    vrrp_netlink_monitor_rcv_bufs_force: harmless,
    checker_rlimit_rtime: harmless,
    lvs_process_name: harmless,
    vrrp_rx_bufs_multiplier: harmless,
    vrrp_rx_bufs_policy: harmless,
    min_auto_priority_delay: harmless,
    lvs_netlink_cmd_rcv_bufs: harmless,
    lvs_netlink_cmd_rcv_bufs_force: harmless,
    lvs_netlink_monitor_rcv_bufs: harmless,
    lvs_netlink_monitor_rcv_bufs_force: harmless,
    enable_dbus: harmless,
    max_auto_priority: harmless,
    checker_priority: harmless,
    checker_no_swap: harmless,
  },
};

type FifoKind = keyof GlobalDefs['notifyFifos'];

/** `notify_fifo PATH [USER [GROUP]]` (and the vrrp_ / lvs_ forms). */
function fifoPath(kind: FifoKind): (n: Node, d: Draft, diags: Diagnostics) => void {
  return (n, d, diags) => {
    if (!arity(n, 1, 3, diags)) return;
    const path = n.args[0]!.text;
    if (!path.startsWith('/')) return diags.error('CONF_ERR_VALUE', n.args[0]!.pos, `${n.keyword.text} needs an absolute path`);
    const prev: Partial<NotifyFifo> = d.notifyFifos[kind] ?? {};
    const fifo: NotifyFifo = { ...prev, path, pos: n.keyword.pos, ...(n.args[1] !== undefined ? { user: n.args[1].text } : {}), ...(n.args[2] !== undefined ? { group: n.args[2].text } : {}) };
    d.notifyFifos = { ...d.notifyFifos, [kind]: fifo };
  };
}

/** nftables' limit on a table name (NFT_TABLE_MAXNAMELEN, with its NUL). */
const NFT_NAME_MAX = 255;

/** no_accept's firewall: keepalived 2.2.7's nftables keywords, and vrrp_iptables read as a build without iptables reads it. */
function firewallKeywords(): Record<string, (n: Node, d: Draft, diags: Diagnostics) => void> {
  const nftablesOf = (d: Draft): Extract<VrrpFirewall, { kind: 'nftables' }> | undefined => (d.vrrpFirewall.kind === 'nftables' ? d.vrrpFirewall : undefined);
  return {
    nftables: (n, d, diags) => {
      if (!arity(n, 0, 1, diags)) return;
      const table = n.args[0]?.text ?? 'keepalived';
      if (table.length >= NFT_NAME_MAX) return diags.error('CONF_ERR_VALUE', n.args[0]!.pos, 'nftables table name too long');
      // As keepalived: nftables wins over vrrp_iptables, and sets the chain priority to -1.
      d.vrrpFirewall = { kind: 'nftables', table, priority: -1, counters: nftablesOf(d)?.counters ?? false, from: 'nftables' };
    },
    nftables_priority: single(integer(-(2 ** 31), 2 ** 31 - 1), (d, v) => {
      const fw = nftablesOf(d);
      if (fw !== undefined) d.vrrpFirewall = { ...fw, priority: v };
    }),
    nftables_counters: flag((d, v) => {
      const fw = nftablesOf(d);
      if (fw !== undefined) d.vrrpFirewall = { ...fw, counters: v };
    }),
    nftables_ifindex: (n, _d, diags) => {
      if (flagValue(n, diags) !== undefined) {
        diags.warning('CONF_ERR_UNSUPPORTED', n.keyword.pos, 'nftables_ifindex is ignored: tandem drops traffic to a link-local address whatever interface it arrives on (keepalived matches the interface too)');
      }
    },
    vrrp_iptables: (n, d, diags) => {
      if (!arity(n, 0, 2, diags)) return;
      if (nftablesOf(d)?.from === 'nftables') {
        diags.warning('CONF_ERR_CONFLICT', n.keyword.pos, 'vrrp_iptables is ignored: nftables is given, and keepalived uses nftables then');
        return;
      }
      if (n.args.length === 0) {
        d.vrrpFirewall = { kind: 'none' };
        diags.warning('CONF_ERR_VALUE', n.keyword.pos, 'vrrp_iptables without chains: tandem adds no firewall rules, so no_accept (and vrrp_strict) does not drop traffic to the addresses (keepalived 2.2.7 built with nftables would use its table keepalived)');
        return;
      }
      d.vrrpFirewall = { kind: 'nftables', table: 'keepalived', priority: -1, counters: false, from: 'vrrp_iptables' };
      diags.warning('CONF_ERR_VALUE', n.keyword.pos, `iptables chains are not used: no_accept drops traffic with nftables (table keepalived), as keepalived 2.2.7 built without iptables does; replace vrrp_iptables with nftables`);
    },
    ...nftablesIpvsKeywords(),
    vrrp_ipsets: (n, _d, diags) => {
      if (!arity(n, 0, 5, diags)) return;
      diags.warning('CONF_ERR_VALUE', n.keyword.pos, "vrrp_ipsets is ignored: no_accept's addresses are kept in sets of its own nftables table, not in ipsets");
    },
  };
}

/** keepalived's defaults for `nftables_ipvs` (check_nftables.h: DEFAULT_NFTABLES_IPVS_TABLE, DEFAULT_IPVS_NF_START_FWMARK). */
const NFTABLES_IPVS_DEFAULTS = { table: 'keepalived_ipvs', priority: -1, startFwmark: 1000 } as const;

/**
 * `nftables_ipvs [TABLE]`, `nftables_ipvs_priority N`, `nftables_ipvs_start_fwmark N`. As
 * keepalived's global_parser.c: `nftables_ipvs` (given once) sets the table and resets the other
 * two to their defaults, so they count only after it.
 */
function nftablesIpvsKeywords(): Record<string, (n: Node, d: Draft, diags: Diagnostics) => void> {
  // keepalived sets these whenever given, but nftables_ipvs resets them: before it (or without it) they change nothing.
  const after = (set: (v: NftablesIpvs, n: number) => NftablesIpvs, value: ValueParser<number>) => (n: Node, d: Draft, diags: Diagnostics): void => {
    if (d.nftablesIpvs === undefined) return diags.warning('CONF_ERR_VALUE', n.keyword.pos, `${n.keyword.text} is ignored: it counts only after nftables_ipvs (which resets it), as in keepalived`);
    single(value, (dd: Draft, v: number) => (dd.nftablesIpvs = set(dd.nftablesIpvs!, v)))(n, d, diags);
  };
  return {
    nftables_ipvs: (n, d, diags) => {
      if (!arity(n, 0, 1, diags)) return;
      if (d.nftablesIpvs !== undefined) return diags.warning('CONF_ERR_CONFLICT', n.keyword.pos, 'nftables_ipvs already given; this one is ignored (keepalived: ipvs nftables already specified)');
      const table = n.args[0]?.text ?? NFTABLES_IPVS_DEFAULTS.table;
      if (table.length >= NFT_NAME_MAX) return diags.error('CONF_ERR_VALUE', n.args[0]!.pos, 'nftables_ipvs table name too long');
      d.nftablesIpvs = { ...NFTABLES_IPVS_DEFAULTS, table };
    },
    nftables_ipvs_priority: after((v, priority) => ({ ...v, priority }), integer(-(2 ** 31), 2 ** 31 - 1)),
    nftables_ipvs_start_fwmark: after((v, startFwmark) => ({ ...v, startFwmark }), integer(1, 2 ** 32 - 1)),
  };
}

/** `lvs_flush_on_stop [VS]` (and keepalived's other spelling, `lvs_flush_onstop`). */
function lvsFlushOnStop(n: Node, d: Draft, diags: Diagnostics): void {
  if (!arity(n, 0, 1, diags)) return;
  const a = n.args[0];
  if (a === undefined) d.lvsFlushOnStop = 'all';
  else if (a.text === 'VS') d.lvsFlushOnStop = 'vs';
  else diags.error('CONF_ERR_VALUE', a.pos, `${n.keyword.text} takes nothing or VS, not '${a.text}'`);
}

/** `notify_fifo_script CMD [USER [GROUP]]`: useless without its FIFO (checked once the block is read). */
function fifoScript(kind: FifoKind): (n: Node, d: Draft, diags: Diagnostics) => void {
  return (n, d, diags) => {
    const script = scriptValue(n, diags);
    if (script === undefined) return;
    const prev = d.notifyFifos[kind];
    d.notifyFifos = { ...d.notifyFifos, [kind]: { path: prev?.path ?? '', pos: prev?.pos ?? n.keyword.pos, ...prev, script } };
  };
}

/** `lvs_sync_daemon IF [[inst] VI] [id N] [maxlen N] [port N] [ttl N] [group IP]`. */
function syncDaemon(n: Node, diags: Diagnostics): LvsSyncDaemon | undefined {
  const [ifname, ...rest] = n.args;
  if (ifname === undefined) {
    diags.error('CONF_ERR_ARITY', n.keyword.pos, 'lvs_sync_daemon needs an interface');
    return undefined;
  }
  const out: { -readonly [K in keyof LvsSyncDaemon]: LvsSyncDaemon[K] } = { interface: ifname.text, pos: n.keyword.pos };
  const numbers: Record<string, [keyof LvsSyncDaemon, number, number]> = { id: ['syncId', 0, 255], maxlen: ['maxlen', 1, 65507], port: ['port', 1, 65535], ttl: ['ttl', 1, 255] };
  for (let i = 0; i < rest.length; i++) {
    const k = rest[i]!;
    const v = rest[i + 1];
    const num = numbers[k.text];
    if (num !== undefined || k.text === 'group' || k.text === 'inst') {
      if (v === undefined) {
        diags.error('CONF_ERR_ARITY', k.pos, `lvs_sync_daemon: ${k.text} needs a value`);
        return undefined;
      }
      i++;
      if (num !== undefined) {
        const x = intValue(v, num[1], num[2], `lvs_sync_daemon ${k.text}`, diags);
        if (x === undefined) return undefined;
        (out as Record<string, unknown>)[num[0]] = x;
      } else if (k.text === 'group') {
        const a = addressValue(v, 'lvs_sync_daemon group', diags);
        if (a === undefined) return undefined;
        out.group = a.address;
      } else {
        out.instance = v.text;
      }
    } else if (i === 0) {
      out.instance = k.text;
    } else {
      diags.error('CONF_ERR_VALUE', k.pos, `lvs_sync_daemon: unexpected '${k.text}' (inst NAME, id, maxlen, port, ttl, group)`);
      return undefined;
    }
  }
  return out;
}

/** Applies a `global_defs` block onto the defaults. */
export function parseGlobalDefs(nodes: readonly Node[], into: GlobalDefs, diags: Diagnostics): GlobalDefs {
  const draft: Draft = { ...into };
  applySection(spec, nodes, draft, diags);
  for (const [kind, f] of Object.entries(draft.notifyFifos)) {
    if (f === undefined || f.path !== '') continue;
    // keepalived runs the script only with its FIFO, and says nothing without one.
    const prefix = kind === 'all' ? '' : `${kind}_`;
    diags.warning('CONF_ERR_MISSING', f.pos, `${prefix}notify_fifo_script without ${prefix}notify_fifo PATH does nothing (keepalived ignores it too); not run`);
    draft.notifyFifos = Object.fromEntries(Object.entries(draft.notifyFifos).filter(([k]) => k !== kind));
  }
  return draft;
}
