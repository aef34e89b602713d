import type { Announce, AnnounceSettings } from './anycast.js';
import type { Position } from './diagnostics.js';

/** One `virtual_ipaddress` entry: `IP[/PREFIX] [brd ADDR] [dev IF] [scope SCOPE] [label LABEL]`. */
export interface VirtualAddress {
  readonly address: string;
  readonly prefix: number;
  readonly family: 4 | 6;
  readonly dev?: string;
  readonly label?: string;
  readonly scope?: 'global' | 'site' | 'link' | 'host' | 'nowhere';
  readonly broadcast?: string;
  /** `peer ADDR[/PREFIX]`: a point-to-point address's other end. */
  readonly peer?: string;
  /** `home`, `mngtmpaddr`, `noprefixroute`, `autojoin`: the kernel's address flags of those names. */
  readonly home?: boolean;
  readonly manageTempAddr?: boolean;
  readonly noPrefixRoute?: boolean;
  readonly autojoin?: boolean;
  /** `-nodad`: IPv6 duplicate address detection runs (by default it does not, as keepalived adds nodad). */
  readonly dad?: boolean;
  /** `no_track`: keepalived does not watch the address; neither does tandem, so this is what it does anyway. */
  readonly noTrack?: boolean;
  /** `track_group G` (static_ipaddress only): G's instances are in FAULT while the address's interface is down. */
  readonly trackGroup?: string;
  /** `preferred_lft N|forever` (seconds). */
  readonly preferredLft?: number | 'forever';
  readonly pos: Position;
}

export interface Authentication {
  readonly type: 'PASS' | 'AH';
  readonly password: string;
  readonly pos: Position;
}

/** keepalived 2.4's `auth_hmac` block: adverts signed with an HMAC-SHA256 trailer, received ones checked. */
export interface AuthHmac {
  /** `key ID VALUE`: 32-64 bytes each, as hex (the secret; never printed). */
  readonly keys: readonly { readonly id: number; readonly keyHex: string }[];
  /** `active_key`: the id adverts are signed with. */
  readonly activeKey: number;
  /** `mode` (default enforce): receive-only and permissive accept adverts without a trailer. */
  readonly mode: 'enforce' | 'permissive' | 'receive-only';
  /** `anti_replay` (default time): a freshness window besides strict growth of the sequence. */
  readonly antiReplay: 'time' | 'monotonic';
  /** `time_window` in seconds, or keepalived's default (three advert intervals, 5-300); 0 when unused (monotonic). */
  readonly timeWindow: number;
  readonly pos: Position;
}

/** Gratuitous ARP / NA settings; undefined fields fall back to `global_defs`. */
export interface GarpSettings {
  readonly masterDelay?: number;
  readonly masterRepeat?: number;
  readonly masterRefresh?: number;
  readonly masterRefreshRepeat?: number;
  readonly lowerPrioRepeat?: number;
  /** `garp_lower_prio_delay` (seconds): a second round this long after the first; 0: none. */
  readonly lowerPrioDelay?: number;
}

/**
 * keepalived's `garp_extra_if [all] N`: every N seconds while MASTER, one announcement on
 * each interface other than the instance's that has one of its addresses (`dev`). Without
 * `all` only keepalived's per-address virtual MAC interfaces get one, and tandem makes none.
 */
export interface GarpExtraIf {
  /** Seconds between rounds (0: off). */
  readonly interval: number;
  readonly all: boolean;
}

/** A `vrrp_instance` block. Durations are in seconds. */
export interface VrrpInstance {
  readonly name: string;
  readonly pos: Position;
  readonly state: 'MASTER' | 'BACKUP' | undefined;
  /** `interface`; with `vrf`, the VRF device (the instance has no interface of its own). */
  readonly interface: string;
  /**
   * `vrf NAME` (a unicast instance without interface): the VRRP sockets are bound to that VRF
   * device, so adverts go by its routing table; its link state is not tracked (keepalived has
   * no primary interface then), and each address names its `dev`, whose link state is.
   */
  readonly vrf?: string;
  readonly virtualRouterId: number;
  readonly priority: number;
  readonly advertInt: number;
  /** Resolved: the instance's `version`, else `global_defs vrrp_version`, else 2 (IPv6: 3). */
  readonly version: 2 | 3;
  readonly family: 4 | 6;
  readonly nopreempt: boolean;
  readonly preemptDelay: number;
  readonly accept: boolean;
  readonly authentication: Authentication | undefined;
  /** keepalived 2.4's `auth_hmac`. */
  readonly authHmac?: AuthHmac;
  readonly virtualIpaddress: readonly VirtualAddress[];
  readonly virtualIpaddressExcluded: readonly VirtualAddress[];
  /** `unicast_src_ip` or `mcast_src_ip`: the source address of adverts (default: the interface's first address). */
  readonly unicastSrcIp: string | undefined;
  readonly unicastPeer: readonly string[];
  /** `unicast_peer { IP min_ttl N max_ttl N }`: adverts from that peer must arrive with a TTL in range. */
  readonly unicastPeerTtl?: Readonly<Record<string, { readonly min?: number; readonly max?: number }>>;
  /** `unicast_fault_no_peer`: with no unicast peer the instance is in FAULT instead of using multicast. */
  readonly unicastFaultNoPeer: boolean;
  /** `notify_priority_changes`: FIFO lines when the effective priority changes (unset: the sync group's, else `vrrp_notify_priority_changes`). */
  readonly notifyPriorityChanges?: boolean;
  /** `smtp_alert [BOOL]`: mail its state changes (unset: `smtp_alert_vrrp`, else `smtp_alert`, else off). */
  readonly smtpAlert?: boolean;
  readonly downTimerAdverts: number;
  /** `higher_prio_send_advert`; tandem defaults it on (keepalived: off), see docs/config.md. */
  readonly higherPrioSendAdvert: boolean;
  /**
   * `strict_mode` (or global `vrrp_strict`): RFC 5798 strictly, as keepalived: no
   * authentication, no unicast, Accept_Mode off unless the owner, state MASTER only for the
   * owner, no preempt_delay, no advert or gratuitous ARP in answer to a lower priority. (The
   * owner ignoring adverts, which strict mode also asks for, tandem always does.)
   */
  readonly strict: boolean;
  /**
   * `skip_check_adv_addr`: a backup checks the addresses in an advert only when it comes from
   * a new master, not in every advert of the master it already follows.
   */
  readonly skipCheckAdvAddr: boolean;
  /** `check_unicast_src`: with unicast peers, adverts from any other source are dropped. */
  readonly checkUnicastSrc: boolean;
  /** `track_src_ip`: FAULT while `unicast_src_ip` / `mcast_src_ip` is not on the instance's interface (set only with one of them). */
  readonly trackSrcIp?: boolean;
  /** `old_unicast_checksum`: the VRRPv3 IPv4 checksum's pseudo-header has vrrp_mcast_group4 as destination (keepalived < 1.3.6's unicast form). */
  readonly oldUnicastChecksum?: boolean;
  /** keepalived 2.2.8's `v3_checksum_as_v2` (or the global one): the VRRPv3 IPv4 checksum leaves the pseudo-header out. */
  readonly v3ChecksumAsV2?: boolean;
  /** `promote_secondaries`: the interface's promote_secondaries sysctl is on while the instance runs. */
  readonly promoteSecondaries: boolean;
  /** `mcast_dst_ip`, else global_defs' group for the family: where multicast adverts go (unused with unicast peers). */
  readonly mcastGroup: string;
  /** `unicast_ttl`: TTL / hop limit of adverts to unicast peers (default 255). */
  readonly unicastTtl: number;
  /** `lower_prio_no_advert`: a master does not answer a lower-priority advert with its own. */
  readonly lowerPrioNoAdvert: boolean;
  readonly garp: GarpSettings;
  /** `garp_extra_if [all] N` (else global_defs' `vrrp_garp_extra_if`): while MASTER, one gratuitous ARP / NA every N seconds on each other interface with an address. */
  readonly garpExtraIf?: GarpExtraIf;
  readonly tracking: Tracking;
  readonly dontTrackPrimary: boolean;
  /** keepalived's old per-instance `lvs_sync_daemon_interface IF`: a global lvs_sync_daemon following this instance. */
  readonly lvsSyncDaemonInterface?: { readonly name: string; readonly pos: Position };
  /** `virtual_routes` / `virtual_rules`: present while MASTER, like the addresses. */
  readonly virtualRoutes: readonly RouteSpec[];
  readonly virtualRules: readonly RuleSpec[];
  /**
   * `use_vmac [NAME]`: a macvlan interface (default `vrrp.VRID`) on `interface` with the
   * RFC 5798 virtual MAC 00:00:5e:00:01:VRID; it carries the addresses and, unless
   * `vmac_xmit_base`, the adverts.
   */
  readonly vmac?: Vmac;
  /**
   * tandem's own `@tandem bfd_takeover NAME [ADDRESS ...]`: when the named BFD session to the
   * current master (its neighbor_ip or an ADDRESS is the master's advert source) goes Down, this
   * backup takes over after its Skew_Time instead of waiting out Master_Down_Interval. keepalived skips `@tandem` lines (see docs/config.md).
   */
  readonly bfdTakeover: readonly BfdTakeover[];
  /**
   * keepalived 2.2.8's `timer_expired_backup [PRIORITY]` (with nopreempt only): a master that
   * has sent no advert for 3 intervals plus the Skew_Time of PRIORITY (the other routers'
   * highest, default 254), because it did not run, goes to BACKUP instead of sending it.
   */
  readonly timerExpiredBackup?: number;
  /**
   * `use_vmac_addr` (keepalived's vrrp.c): each address (virtual_ipaddress or _excluded) that
   * is not on the instance's own interface, or not of its family, goes on a virtual MAC
   * interface of its own on its interface (00:00:5e:00:01|02:VRID by the address's family),
   * named `vmac_addr_prefix`.VRID, instead of straight on the interface.
   */
  readonly useVmacAddr?: boolean;
}

/** One `@tandem bfd_takeover NAME [ADDRESS ...]` of a vrrp_instance. */
export interface BfdTakeover {
  readonly name: string;
  readonly pos: Position;
  /**
   * The master's advert sources the session stands for besides its `neighbor_ip`: the same
   * router's IPv6 link-local address (VRRP over IPv6 adverts from it, RFC 5798 §5.1.2.1) or
   * its IPv4 address (an IPv4 instance beside a session over IPv6). Lower case, as written.
   */
  readonly masterAddresses: readonly string[];
}

/** `use_vmac`'s MAC argument: six octets, or five with the VRID as the sixth. */
export interface VmacAddress {
  readonly octets: readonly number[];
  readonly vridLast: boolean;
}

export interface Vmac {
  readonly name: string;
  /** `use_vmac NAME MAC`: the macvlan's address instead of 00:00:5e:00:01:VRID (or :02: for IPv6). */
  readonly mac?: VmacAddress;
  /** `vmac_xmit_base`: adverts go out of the base interface, with its MAC. */
  readonly xmitBase: boolean;
  readonly pos: Position;
  /** `use_ipvlan`: an ipvlan interface (the base's MAC) instead of the macvlan with the virtual MAC. */
  readonly ipvlan?: Ipvlan;
}

/**
 * `use_ipvlan [NAME] [ADDRESS[/PREFIX]] [bridge|private|vepa]` (keepalived's vrrp_vmac.c): an
 * ipvlan interface in L2 mode with these flags on `interface`, up, carrying ADDRESS (the
 * instance's source address unless unicast_src_ip says otherwise) and the virtual addresses.
 */
export interface Ipvlan {
  readonly mode: 'bridge' | 'private' | 'vepa';
  readonly address?: { readonly address: string; readonly prefix: number };
}

/** `global_defs`, the parts tandem acts on. Durations are in seconds. */
export interface GlobalDefs {
  readonly routerId: string | undefined;
  /** `net_namespace NAME` (in global_defs or at the top level): tandemd runs in that network namespace. */
  readonly netNamespace?: string;
  readonly vrrpVersion: 2 | 3;
  readonly vrrpGarpMasterDelay: number;
  readonly vrrpGarpMasterRepeat: number;
  readonly vrrpGarpMasterRefresh: number;
  readonly vrrpGarpMasterRefreshRepeat: number;
  readonly vrrpGarpLowerPrioRepeat: number | undefined;
  readonly vrrpGarpLowerPrioDelay: number;
  readonly vrrpDownTimerAdverts: number;
  /** `vrrp_higher_prio_send_advert`; unset: on (keepalived: off), off in strict mode. */
  readonly vrrpHigherPrioSendAdvert: boolean | undefined;
  /** `vrrp_strict`: every instance in strict RFC mode unless it says `strict_mode off`. */
  readonly vrrpStrict: boolean;
  /** `vrrp_mcast_group4` / `vrrp_mcast_group6`: the group adverts go to (RFC: 224.0.0.18, ff02::12). */
  readonly vrrpMcastGroup4: string;
  readonly vrrpMcastGroup6: string;
  /** `vrrp_startup_delay` (seconds): VRRP instances start this long after tandemd (interfaces that come up late at boot). */
  readonly vrrpStartupDelay: number;
  /**
   * `dynamic_interfaces [allow_if_changes]`: an instance whose interfaces do not exist (yet) is
   * in FAULT until they appear, and goes to FAULT when one is deleted, instead of stopping the start.
   */
  readonly dynamicInterfaces?: boolean;
  /** `vrrp_notify_priority_changes`: the default of every instance's `notify_priority_changes`. */
  readonly vrrpNotifyPriorityChanges?: boolean;
  /** `fifo_write_vrrp_states_on_reload`: a reload writes every instance's and group's state to the notify FIFOs. */
  readonly fifoWriteVrrpStatesOnReload?: boolean;
  /** `vmac_prefix`: the name of a use_vmac interface without one is PREFIX.VRID (default vrrp). */
  readonly vmacPrefix?: string;
  /** `vmac_addr_prefix`: the virtual MAC interfaces of `use_vmac_addr` are PREFIX.VRID (default: vmac_prefix, then vrrp). */
  readonly vmacAddrPrefix?: string;
  /** `default_interface`: where static addresses and routes without dev go (default eth0). */
  readonly defaultInterface?: string;
  /**
   * `state_dump_file`, `stats_dump_file`, `json_dump_file` (keepalived 2.2.8+): where SIGUSR1,
   * SIGUSR2 and the JSON signal write, as the file gives them (see the daemon's dumpPaths).
   */
  readonly dumpFiles?: { readonly state?: string; readonly stats?: string; readonly json?: string };
  /**
   * keepalived's SNMP settings: `enable_snmp_vrrp` (KEEPALIVED-MIB's VRRP part), `enable_snmp_checker`
   * (its checker part), `enable_snmp_rfcv2` / `_rfcv3` (VRRP-MIB, VRRPv3-MIB), `enable_traps`, and
   * `snmp_socket` (the AgentX master). `-x` turns every MIB on; traps need `enable_traps` either way.
   */
  readonly snmp?: { readonly vrrp?: boolean; readonly checker?: boolean; readonly rfcv2?: boolean; readonly rfcv3?: boolean; readonly traps?: boolean; readonly socket?: string };
  /** `disable_local_igmp`: net.ipv4.igmp_link_local_mcast_reports is 0 while tandemd runs. */
  readonly disableLocalIgmp?: boolean;
  /** keepalived 2.4's `vrrp_delay_after_boot` (seconds): the instances start no earlier than this long after the host booted. */
  readonly vrrpDelayAfterBoot?: number;
  /** `vrrp_garp_interval` (seconds): the least gap between gratuitous ARPs on one interface. */
  readonly vrrpGarpInterval: number;
  /** `vrrp_garp_extra_if [all] N`: every instance's `garp_extra_if` unless it has its own. */
  readonly vrrpGarpExtraIf?: GarpExtraIf;
  /** `vrrp_gna_interval` (seconds): the same for unsolicited neighbour advertisements. */
  readonly vrrpGnaInterval: number;
  /** `vrrp_check_unicast_src`: the default of every instance's `check_unicast_src`. */
  readonly vrrpCheckUnicastSrc: boolean;
  /** `vrrp_skip_check_adv_addr`: the default of every instance's `skip_check_adv_addr`. */
  readonly vrrpSkipCheckAdvAddr: boolean;
  /** `vrrp_lower_prio_no_advert`; unset: off, or on in strict mode. */
  readonly vrrpLowerPrioNoAdvert: boolean | undefined;
  /** `script_user USER [GROUP]`; unset: keepalived_script if it exists, else nobody (keepalived: root). */
  readonly scriptUser: { readonly user: string; readonly group?: string } | undefined;
  /** `enable_script_security`; tandem applies it whether or not the keyword is present. */
  readonly enableScriptSecurity: boolean;
  /** Whether the file says `enable_script_security`: keepalived then runs no script as root by default (no script_user, no keepalived_script user). */
  readonly scriptSecurityAsked: boolean;
  /** `lvs_flush`: delete every IPVS service at start, not only tandem's own. */
  readonly lvsFlush: boolean;
  /** `lvs_flush_on_stop [VS]`: at stop, flush the whole table ('all'), or delete tandem's services without their reals first ('vs'); default: delete tandem's own entries. */
  readonly lvsFlushOnStop: 'no' | 'all' | 'vs';
  /** `lvs_timeouts [tcp S] [tcpfin S] [udp S]`. */
  readonly lvsTimeouts: { readonly tcp?: number; readonly tcpFin?: number; readonly udp?: number } | undefined;
  /** `lvs_sync_daemon IF [[inst] VI] [id N] [maxlen N] [port N] [ttl N] [group IP]`. */
  readonly lvsSyncDaemon: LvsSyncDaemon | undefined;
  /** `notify_fifo` (every event), `vrrp_notify_fifo` (VRRP), `lvs_notify_fifo` (checker) and their `_script` readers. */
  readonly notifyFifos: { readonly all?: NotifyFifo; readonly vrrp?: NotifyFifo; readonly lvs?: NotifyFifo };
  /** How no_accept drops traffic to the addresses: `nftables`, `vrrp_iptables`, `nftables_priority`, `nftables_counters`. */
  readonly vrrpFirewall: VrrpFirewall;
  /** `nftables_ipvs [TABLE]`, `nftables_ipvs_priority`, `nftables_ipvs_start_fwmark`: each virtual_server_group becomes one fwmark service. */
  readonly nftablesIpvs?: NftablesIpvs;
  /** `net_namespace_ipvs [NAME]` (top level): the network namespace IPVS is programmed in; '' is the default one (/proc/1/ns/net). */
  readonly netNamespaceIpvs?: string;
  /** `bfd_*` settings of the BFD process (keepalived's bfd child; tandem's BFD side). */
  readonly bfdProcess: ProcessSettings;
  /** `vrrp_*` settings of the VRRP process (keepalived's VRRP child; tandem's VRRP side). */
  readonly vrrpProcess: ProcessSettings;
  /** tandem's own `@tandem announce_*` lines; absent when the file has none. */
  readonly announce?: AnnounceSettings;
  /** keepalived 2.2.8's `v3_checksum_as_v2`: every instance's default. */
  readonly v3ChecksumAsV2?: boolean;
  /** `rs_init_notifies [BOOL]`: real servers up at start are notified (notify_up, FIFO, trap) as if they had come up. */
  readonly rsInitNotifies?: boolean;
  /** `startup_script CMD [USER [GROUP]]`: run, and waited for, before anything starts. */
  readonly startupScript?: ScriptSpec;
  /** `startup_script_timeout` (1-1000 s, default 10): then the script's process group gets SIGTERM, 2 s later SIGKILL. */
  readonly startupScriptTimeout: number;
  /** `shutdown_script CMD [USER [GROUP]]`: run at stop, after the addresses and the IPVS services are gone. */
  readonly shutdownScript?: ScriptSpec;
  /** `shutdown_script_timeout` (1-1000 s, default 10). */
  readonly shutdownScriptTimeout: number;
  /** The email alerts' settings: `notification_email`, `smtp_server` and the rest (keepalived's smtp.c). */
  readonly smtp: SmtpSettings;
}

/**
 * How a side process runs: `bfd_rt_priority`, `bfd_priority`, `bfd_rlimit_rttime`,
 * `bfd_process_name`, `bfd_cpu_affinity`, `bfd_no_swap` for the BFD side; the same with `vrrp_`
 * for the VRRP side.
 */
export interface ProcessSettings {
  /** `bfd_rt_priority` 1-99: SCHED_RR at this priority (then `bfd_priority` is not applied, as keepalived). */
  readonly rtPriority?: number;
  /** `bfd_priority` -20..19: the nice value. */
  readonly priority?: number;
  /**
   * `bfd_rlimit_rttime` (µs): RLIMIT_RTTIME under SCHED_RR, half of it the soft (warning) limit.
   * Unset, keepalived uses 10 ms; tandem's BFD side uses its own default (docs/config.md).
   */
  readonly rlimitRttimeUs?: number;
  /** `bfd_process_name` (at most 15 characters): the side's process title. */
  readonly processName?: string;
  /** `bfd_cpu_affinity CPU...`: the CPUs the BFD process may run on. */
  readonly cpuAffinity?: readonly number[];
  /** `bfd_no_swap`: the BFD side locks its memory (mlockall, each page once touched). */
  readonly noSwap: boolean;
}

/** The BFD side's settings (`bfd_*`). */
export type BfdProcess = ProcessSettings;

/**
 * A `bfd_instance NAME { ... }` (keepalived 2.2.7's bfd_parser.c): one RFC 5880/5881 session.
 * Intervals in microseconds, as keepalived keeps them (the file says milliseconds).
 */
export interface BfdInstance {
  readonly name: string;
  readonly pos: Position;
  /** `neighbor_ip` / `neighbour_ip`. */
  readonly neighborIp: string;
  readonly family: 4 | 6;
  /** `source_ip`; absent: the address the kernel would send from. */
  readonly sourceIp?: string;
  /** `min_rx` (default 10 ms): bfd.RequiredMinRxInterval. */
  readonly minRxUs: number;
  /** `min_tx` (default 10 ms): bfd.DesiredMinTxInterval once Up. */
  readonly minTxUs: number;
  /** `idle_tx` (default 1000 ms): bfd.DesiredMinTxInterval while not Up. */
  readonly idleTxUs: number;
  /** `multiplier` (default 5): bfd.DetectMult. */
  readonly multiplier: number;
  /** `passive`: silent until the neighbor speaks (RFC 5880 §6.1). */
  readonly passive: boolean;
  /** `ttl` / `hoplimit` of sent packets: default 255 (IPv4), 64 (IPv6). */
  readonly ttl: number;
  /**
   * `multihop [BOOL]` (keepalived 2.2.8): an RFC 5883 session over UDP 4784, not bound to an
   * interface. The TTL rule stays keepalived's: set `max_hops` to the hops the path may take.
   */
  readonly multihop: boolean;
  /**
   * `max_hops` (default 0): packets arriving with a TTL below `ttl - max_hops` are dropped;
   * 255 (or -1) turns the check off.
   */
  readonly maxHops: number;
  /** `weight N [reverse]`: the default weight of a `track_bfd` naming this session. */
  readonly weight: number;
  readonly weightReverse: boolean;
  /** Session events go to VRRP (`track_bfd`): unless only `checker` is given. */
  readonly vrrp: boolean;
  /** Session events go to the checkers (`BFD_CHECK`): unless only `vrrp` is given. */
  readonly checker: boolean;
}

/**
 * The firewall no_accept (Accept_Mode false) uses to drop traffic to the addresses a master
 * holds. keepalived 2.2.7 as Debian builds it has nftables only: `nftables [TABLE]` names its
 * table (default keepalived, chain priority -1), and `vrrp_iptables` is read as nftables too.
 * A bare `vrrp_iptables` is tandem's "add no rules", as people use it.
 */
export type VrrpFirewall =
  | {
      readonly kind: 'nftables';
      /** The nftables table (family inet); tandem's default is tandem_no_accept. */
      readonly table: string;
      /** The input chain's priority (default 0, the filter priority; keepalived's -1 with `nftables`). */
      readonly priority: number;
      /** `nftables_counters`: a counter on each rule. */
      readonly counters: boolean;
      /** Which keyword chose it: none (tandem's default), `nftables`, or `vrrp_iptables CHAIN`. */
      readonly from: 'default' | 'nftables' | 'vrrp_iptables';
    }
  /** A bare `vrrp_iptables`: no rules at all, so no_accept is not enforced. */
  | { readonly kind: 'none' };

/**
 * keepalived's `nftables_ipvs` (check_nftables.c): a virtual server of a `virtual_server_group`
 * without fwmark entries is programmed as one fwmark IPVS service per protocol (and family), and
 * nftables tables `ip TABLE` / `ip6 TABLE` mark the group's addresses and ports with that fwmark.
 */
export interface NftablesIpvs {
  /** The tables' name (keepalived's default keepalived_ipvs). */
  readonly table: string;
  /** The input chain's priority (default -1: before IPVS looks at the packet). */
  readonly priority: number;
  /** The first fwmark given out (default 1000). */
  readonly startFwmark: number;
}

/** A FIFO keepalived writes one line per event to, optionally with a script that reads it. */
export interface NotifyFifo {
  readonly path: string;
  /** Owner of the FIFO when tandem creates it. */
  readonly user?: string;
  readonly group?: string;
  /** `*_notify_fifo_script`: run at start with the FIFO's path as its last argument. */
  readonly script?: ScriptSpec;
  readonly pos: Position;
}

/** The kernel's connection-sync daemon as `lvs_sync_daemon` configures it. */
export interface LvsSyncDaemon {
  readonly interface: string;
  /** The VRRP instance whose state the daemon follows; absent: master and backup both run. */
  readonly instance?: string;
  /** Defaults to the instance's VRID (keepalived), or 0 without an instance. */
  readonly syncId?: number;
  readonly maxlen?: number;
  readonly port?: number;
  readonly ttl?: number;
  readonly group?: string;
  readonly pos: Position;
}

/** A route as `static_routes` / `virtual_routes` write it (the `ip route` subset tandem runs). */
export interface RouteSpec {
  readonly type: 'unicast' | 'blackhole' | 'unreachable' | 'prohibit' | 'throw';
  readonly destination: string;
  readonly prefix: number;
  readonly family: 4 | 6;
  readonly via?: string;
  readonly src?: string;
  readonly dev?: string;
  /** Routing table id (main = 254). */
  readonly table?: number;
  /** `vrf NAME`: the route goes in that VRF device's table, looked up when it is set (keepalived reads it at load). */
  readonly vrf?: string;
  readonly metric?: number;
  readonly scope?: 'global' | 'site' | 'link' | 'host' | 'nowhere';
  readonly protocol?: number;
  /** `onlink`: the gateway is on the link even if no address says so. */
  readonly onlink: boolean;
  /** A multipath route: `nexthop via A [dev IF] [weight N] [onlink] nexthop ...` (or the deprecated `via A or B`). */
  readonly nexthops?: readonly Nexthop[];
  /** `from PREFIX`: IPv6 source routing. */
  readonly from?: { readonly address: string; readonly prefix: number };
  /** `tos` / `dsfield`. */
  readonly tos?: number;
  /** Route metrics by their `ip route` names (`mtu`, `advmss`, `hoplimit`, `initcwnd`, ...), in the kernel's units. */
  readonly metrics?: Readonly<Record<string, number>>;
  /** Metrics given with `lock`. */
  readonly locked?: readonly string[];
  readonly congctl?: string;
  /** `features ecn`. */
  readonly ecn?: boolean;
  readonly pref?: 'low' | 'medium' | 'high';
  readonly realms?: number;
  /** `expires N` (seconds; IPv6). */
  readonly expires?: number;
  /** `no_track`: keepalived does not watch the route; neither does tandem. */
  readonly noTrack?: boolean;
  /** `track_group G` (static_routes only): G's instances are in FAULT while the route's dev is down. */
  readonly trackGroup?: string;
  readonly pos: Position;
}

/** One path of a multipath route. */
export interface Nexthop {
  readonly via?: string;
  readonly dev?: string;
  /** 1-256, as `ip route`; the kernel shares traffic in proportion. */
  readonly weight?: number;
  readonly onlink: boolean;
}

/** A policy rule as `static_rules` / `virtual_rules` write it (the `ip rule` subset tandem runs). */
export interface RuleSpec {
  readonly family: 4 | 6;
  readonly from?: { readonly address: string; readonly prefix: number };
  readonly to?: { readonly address: string; readonly prefix: number };
  readonly table?: number;
  readonly preference?: number;
  readonly iif?: string;
  readonly oif?: string;
  readonly fwmark?: number;
  readonly fwmask?: number;
  readonly invert: boolean;
  /** What a match does: lookup (`table`), `goto N`, `nop`, or `blackhole` / `unreachable` / `prohibit`. */
  readonly action?: 'lookup' | 'goto' | 'nop' | 'blackhole' | 'unreachable' | 'prohibit';
  readonly goto?: number;
  readonly tos?: number;
  readonly suppressPrefixlength?: number;
  readonly suppressIfgroup?: number;
  readonly uidRange?: readonly [number, number];
  readonly l3mdev?: boolean;
  readonly protocol?: number;
  readonly ipProto?: number;
  readonly sport?: readonly [number, number];
  readonly dport?: readonly [number, number];
  readonly realms?: number;
  readonly noTrack?: boolean;
  /** `track_group G` (static_rules only): G's instances are in FAULT while the rule's iif is down. */
  readonly trackGroup?: string;
  readonly pos: Position;
}

/** The typed model of a whole keepalived.conf. */
export interface Config {
  readonly file: string;
  readonly globalDefs: GlobalDefs;
  readonly vrrpInstances: readonly VrrpInstance[];
  readonly virtualServerGroups: readonly VirtualServerGroup[];
  readonly virtualServers: readonly VirtualServer[];
  readonly vrrpScripts: readonly VrrpScript[];
  readonly trackFiles: readonly TrackFile[];
  /** The global `SSL { }` block, when there is one. */
  readonly ssl?: SslSettings;
  /** `vrrp_track_process` blocks. */
  readonly trackProcesses: readonly TrackProcess[];
  readonly syncGroups: readonly SyncGroup[];
  /** `bfd_instance` blocks, in file order. */
  readonly bfdInstances: readonly BfdInstance[];
  /** `static_ipaddress`, `static_routes`, `static_rules`: set at start, kept whatever the VRRP state, removed at stop. */
  readonly staticAddresses: readonly VirtualAddress[];
  readonly staticRoutes: readonly RouteSpec[];
  readonly staticRules: readonly RuleSpec[];
  /** `interface_up_down_delays`, by interface name. */
  readonly interfaceDelays?: Readonly<Record<string, InterfaceDelays>>;
  /** Top-level `track_group NAME { group { ... } }` blocks, named by static addresses, routes and rules. */
  readonly trackGroups?: readonly TrackGroup[];
  /** Top-level `garp_group { ... }` blocks: interfaces paced together. */
  readonly garpGroups?: readonly GarpGroup[];
}

/** One line of `interface_up_down_delays`: how long (seconds) a link change must last before the instances see it. */
export interface InterfaceDelays {
  readonly down: number;
  readonly up: number;
  readonly pos: Position;
}

/** IPVS schedulers keepalived accepts for `lb_algo` / `lvs_sched`. */
export const LB_ALGOS = ['rr', 'wrr', 'lc', 'wlc', 'lblc', 'lblcr', 'dh', 'sh', 'sed', 'nq', 'fo', 'ovf', 'mh', 'twos'] as const;
export type LbAlgo = (typeof LB_ALGOS)[number];
export type LbKind = 'NAT' | 'DR' | 'TUN';

/** `lb_kind TUN [type ipip|gue port N|gre] [nocsum|csum|remcsum]`. */
export interface Forwarding {
  readonly kind: LbKind;
  readonly tunnel?: { readonly type: 'ipip' | 'gue' | 'gre'; readonly port?: number; readonly checksum?: 'nocsum' | 'csum' | 'remcsum' };
}

/** Options every network checker takes (keepalived's check_api.c); each cascades virtual → real → checker. */
export interface CheckerOptions {
  readonly connectIp?: string;
  readonly connectPort?: number;
  readonly bindTo?: string;
  readonly bindPort?: number;
  readonly connectTimeout?: number;
  readonly retry?: number;
  readonly delayBeforeRetry?: number;
  readonly warmup?: number;
  readonly delayLoop?: number;
  readonly alpha?: boolean;
  readonly logAllFailures?: boolean;
  /** `bind_if`: the checker's socket is bound to this interface (SO_BINDTODEVICE). */
  readonly bindIf?: string;
  /** `fwmark`: the checker's packets carry this mark (SO_MARK), for policy routing. */
  readonly fwmark?: number;
}

/** One `url { ... }` of HTTP_GET / SSL_GET. Status ranges are inclusive. */
export interface HttpUrl {
  readonly path: string;
  readonly digest?: string;
  readonly statusCodes: readonly (readonly [number, number])[];
  readonly virtualhost?: string;
  /** `regex` and its options: the body must hold a match (or not, `noMatch`). */
  readonly regex?: UrlRegex;
  readonly pos: Position;
}

/**
 * A url's `regex` (PCRE2 in keepalived), as the ECMAScript RegExp tandem matches with
 * (`source`, `flags`: see pcre.ts and docs/config.md for the differences).
 */
export interface UrlRegex {
  /** The pattern as the file wrote it, and its `regex_options`. */
  readonly pattern: string;
  readonly options: readonly string[];
  readonly source: string;
  readonly flags: string;
  /** `regex_no_match`: a match fails the check. */
  readonly noMatch: boolean;
  /** `regex_min_offset` / `regex_max_offset`: where in the body a match may start. */
  readonly minOffset: number;
  readonly maxOffset?: number;
  /** regex_options `firstline`: the match must start on the body's first line. */
  readonly firstLine: boolean;
}

/** The global `SSL { }` block: SSL_GET's client certificate (files), its key and password, and a CA file. */
export interface SslSettings {
  readonly password?: string;
  readonly ca?: string;
  readonly certificate?: string;
  readonly key?: string;
  readonly pos: Position;
}

export type Checker =
  | { readonly kind: 'TCP_CHECK'; readonly pos: Position; readonly options: CheckerOptions }
  | { readonly kind: 'PING_CHECK'; readonly pos: Position; readonly options: CheckerOptions }
  | {
      readonly kind: 'HTTP_GET' | 'SSL_GET';
      readonly pos: Position;
      readonly options: CheckerOptions;
      readonly urls: readonly HttpUrl[];
      readonly virtualhost?: string;
      readonly httpProtocol?: '1.0' | '1.0C' | '1.1';
      readonly enableSni?: boolean;
      /** `sni_name` (keepalived 2.3): the TLS server name to send. */
      readonly sniName?: string;
      /** `tls_compliant` (keepalived 2.2.8): end each TLS connection with close_notify. */
      readonly tlsCompliant?: boolean;
    }
  | {
      readonly kind: 'MISC_CHECK';
      readonly pos: Position;
      readonly options: CheckerOptions;
      readonly path: string;
      readonly timeout?: number;
      readonly dynamic: boolean;
      readonly user?: string;
    }
  | { readonly kind: 'DNS_CHECK'; readonly pos: Position; readonly options: CheckerOptions; readonly type: DnsType; readonly name: string }
  | {
      readonly kind: 'UDP_CHECK';
      readonly pos: Position;
      readonly options: CheckerOptions;
      readonly payload?: string;
      readonly requireReply?: string;
      readonly minReplyLength?: number;
      readonly maxReplyLength?: number;
    }
  | { readonly kind: 'SMTP_CHECK'; readonly pos: Position; readonly options: CheckerOptions; readonly heloName?: string }
  /** Reads a `track_file`: value x weight at -254 or below is down; `dynamic` adds it to the weight. */
  | { readonly kind: 'FILE_CHECK'; readonly pos: Position; readonly options: CheckerOptions; readonly trackFile: string; readonly weight?: number; readonly reverse: boolean; readonly dynamic: boolean }
  /** Follows a `bfd_instance` session: the real server is down while the session is (keepalived's check_bfd.c). */
  | { readonly kind: 'BFD_CHECK'; readonly pos: Position; readonly options: CheckerOptions; readonly name: string };

export const DNS_TYPES = ['A', 'NS', 'CNAME', 'SOA', 'MX', 'TXT', 'AAAA'] as const;
export type DnsType = (typeof DNS_TYPES)[number];

/**
 * keepalived's email alerts (global_defs). Mail goes out only with both a `smtp_server` and at
 * least one `notification_email` address, as keepalived's smtp_alert() says.
 */
export interface SmtpSettings {
  /** `notification_email { ADDRESS ... }`: each block adds to the list, as keepalived's alloc_email. */
  readonly to: readonly string[];
  /** `notification_email_from ADDRESS` (unset: keepalived's `USER@HOSTNAME`). */
  readonly from?: string;
  /** `smtp_server ADDRESS|NAME [PORT]` (port 25 unset). A name is resolved when tandemd sends. */
  readonly server?: { readonly host: string; readonly port: number; readonly pos: Position };
  /** `smtp_connect_timeout SECS` (default 30; keepalived reads 0 as 1): each step of the dialogue is bounded by it. */
  readonly connectTimeout: number;
  /** `smtp_helo_name NAME` (unset: the host name). */
  readonly heloName?: string;
  /** `smtp_alert [BOOL]`: the default of every smtp_alert. */
  readonly alert?: boolean;
  /** `smtp_alert_vrrp [BOOL]`: the default of VRRP instances' and sync groups' smtp_alert. */
  readonly alertVrrp?: boolean;
  /** `smtp_alert_checker [BOOL]`: the default of virtual and real servers' smtp_alert. */
  readonly alertChecker?: boolean;
  /** `no_email_faults`: no mail for entering FAULT. */
  readonly noEmailFaults: boolean;
  /** `no_checker_emails [BOOL]`: a checker's mail only when its real server's state changes. */
  readonly noCheckerEmails: boolean;
}

export interface RealServer {
  readonly address: string;
  readonly family: 4 | 6;
  /** Absent for fwmark services without a port. */
  readonly port?: number;
  readonly pos: Position;
  readonly weight: number;
  readonly forwarding?: Forwarding;
  readonly inhibitOnFailure?: boolean;
  /** `notify_up SCRIPT [USER [GROUP]]`. */
  readonly notifyUp?: ScriptSpec;
  readonly notifyDown?: ScriptSpec;
  /** `smtp_alert [BOOL]`: mail its checkers' changes (unset: `smtp_alert_checker`, else `smtp_alert`, else on, as keepalived). */
  readonly smtpAlert?: boolean;
  readonly uthreshold?: number;
  readonly lthreshold?: number;
  readonly options: CheckerOptions;
  readonly virtualhost?: string;
  readonly checkers: readonly Checker[];
}

/** `virtual_server IP PORT`, `virtual_server fwmark N`, or `virtual_server group NAME`. */
export type VirtualServerKey =
  | { readonly kind: 'address'; readonly address: string; readonly family: 4 | 6; readonly port?: number }
  | { readonly kind: 'fwmark'; readonly mark: number }
  | { readonly kind: 'group'; readonly group: string };

export interface VirtualServer {
  /** A readable name: `192.0.2.1:80/TCP`, `fwmark 7`, `group NAME`. */
  readonly name: string;
  readonly key: VirtualServerKey;
  readonly pos: Position;
  readonly protocol: 'TCP' | 'UDP' | 'SCTP';
  readonly lbAlgo: LbAlgo;
  readonly forwarding: Forwarding;
  readonly schedulerFlags: readonly string[];
  readonly ops: boolean;
  readonly persistenceTimeout?: number;
  readonly persistenceGranularity?: string;
  readonly persistenceEngine?: string;
  readonly delayLoop: number;
  readonly quorum: number;
  /** `quorum_up SCRIPT [USER [GROUP]]`. */
  readonly quorumUp?: ScriptSpec;
  readonly quorumDown?: ScriptSpec;
  /** `smtp_alert [BOOL]`: mail its quorum changes (unset: `smtp_alert_checker`, else `smtp_alert`, else off). */
  readonly smtpAlert?: boolean;
  readonly hysteresis: number;
  readonly sorryServer?: { readonly address: string; readonly port?: number; readonly forwarding?: Forwarding; readonly pos: Position };
  readonly sorryServerInhibit: boolean;
  readonly inhibitOnFailure: boolean;
  readonly alpha: boolean;
  readonly omega: boolean;
  readonly virtualhost?: string;
  /** `ha_suspend`: the checkers run only while the virtual server's address is on one of this host's interfaces (not with fwmarks). */
  readonly haSuspend?: boolean;
  /** `ip_family`: a fwmark service's family (keepalived: else its non-tunnelled real servers', else IPv4). */
  readonly ipFamily?: 4 | 6;
  readonly options: CheckerOptions;
  readonly realServers: readonly RealServer[];
  /** tandem's own `@tandem announce [PREFIX ...]`: routes announced while the virtual server has quorum. */
  readonly announce?: Announce;
}

/** One `virtual_server_group` entry: an address, range or prefix with an optional port, or a fwmark. */
export type GroupEntry =
  | { readonly kind: 'address'; readonly address: string; readonly family: 4 | 6; readonly last?: string; readonly prefix?: number; readonly port?: number; readonly pos: Position }
  | { readonly kind: 'fwmark'; readonly mark: number; readonly pos: Position };

export interface VirtualServerGroup {
  readonly name: string;
  readonly pos: Position;
  readonly entries: readonly GroupEntry[];
}

/** A script keyword's value: `"CMD ARGS" [USER [GROUP]]`. */
export interface ScriptSpec {
  readonly command: string;
  readonly user?: string;
  readonly group?: string;
  readonly pos: Position;
}

/**
 * keepalived's `garp_group`: gratuitous ARPs (and, apart, unsolicited neighbour advertisements)
 * on any of `interfaces` leave at least the interval apart; unset: not paced there.
 */
export interface GarpGroup {
  readonly pos: Position;
  /** `garp_interval` (seconds). */
  readonly garpInterval?: number;
  /** `gna_interval` (seconds). */
  readonly gnaInterval?: number;
  readonly interfaces: readonly string[];
}

/** keepalived's static track group: `track_group NAME { group { INSTANCE ... } }`. */
export interface TrackGroup {
  readonly name: string;
  readonly pos: Position;
  readonly group: readonly string[];
}

/** `vrrp_script NAME { ... }`. Durations in seconds. */
export interface VrrpScript {
  readonly name: string;
  readonly pos: Position;
  readonly script: ScriptSpec;
  readonly interval: number;
  readonly timeout?: number;
  readonly weight: number;
  readonly reverse: boolean;
  readonly rise: number;
  readonly fall: number;
  readonly user?: string;
  readonly initFail: boolean;
}

/**
 * `vrrp_track_process NAME { ... }` (keepalived's track_process.c): the processes running that
 * match, counted as the kernel's process connector reports them start and end. The item is up
 * while quorum <= count <= quorumMax. Delays in seconds.
 */
export interface TrackProcess {
  readonly name: string;
  readonly pos: Position;
  /** `process NAME [PARAM...]`: the process name (comm), or with `fullCommand` its argv[0]. */
  readonly process: string;
  /** The parameters after it: matched against argv[1...] as `paramMatch` says. */
  readonly params: readonly string[];
  /**
   * `param_match`: 'none' (parameters not looked at: no params and no param_match),
   * 'exact' (exactly these), 'partial' (the process's parameters begin with these),
   * 'initial' (as partial, the last one only a prefix of the process's).
   */
  readonly paramMatch: 'none' | 'exact' | 'partial' | 'initial';
  /** `full_command` (implied by params and param_match): match argv[0] instead of the 15-character comm. */
  readonly fullCommand: boolean;
  readonly weight: number;
  readonly reverse: boolean;
  readonly quorum: number;
  /** `quorum_max` (default: no limit). */
  readonly quorumMax: number;
  /** `terminate_delay` (or `delay`): a loss of quorum by an exit counts only if it lasts this long. */
  readonly terminateDelay: number;
  /** `fork_delay` (or `delay`): a quorum gained by a fork counts only once it has lasted this long. */
  readonly forkDelay: number;
}

/** `track_file NAME { ... }` (`vrrp_track_file` is the old name). */
export interface TrackFile {
  readonly name: string;
  readonly pos: Position;
  readonly file: string;
  readonly weight: number;
  readonly reverse: boolean;
  readonly initFile?: { readonly value: number; readonly overwrite: boolean };
}

/** An entry of `track_script { }` / `track_file { }`: a name, an optional weight. */
export interface TrackRef {
  readonly name: string;
  readonly weight?: number;
  readonly reverse: boolean;
  readonly pos: Position;
}

/** `notify_*` scripts of an instance or a sync group. */
export interface NotifyScripts {
  readonly master?: ScriptSpec;
  readonly backup?: ScriptSpec;
  readonly fault?: ScriptSpec;
  readonly stop?: ScriptSpec;
  readonly deleted?: ScriptSpec;
  readonly generic?: ScriptSpec;
  readonly masterRxLowerPri?: ScriptSpec;
}

/** Tracking and notification settings shared by instances and sync groups. */
export interface Tracking {
  readonly trackScript: readonly TrackRef[];
  readonly trackInterface: readonly TrackRef[];
  readonly trackFile: readonly TrackRef[];
  /** `track_process { NAME [weight N [reverse|noreverse]] }`; a missing weight is the vrrp_track_process's. */
  readonly trackProcess: readonly TrackRef[];
  /** `track_bfd { NAME [weight N [reverse|noreverse]] }`; a missing weight is the bfd_instance's. */
  readonly trackBfd: readonly TrackRef[];
  readonly notify: NotifyScripts;
}

/** `vrrp_sync_group NAME { group { ... } ... }`. */
export interface SyncGroup {
  readonly name: string;
  readonly pos: Position;
  readonly group: readonly string[];
  readonly syncGroupTrackingWeight: boolean;
  readonly tracking: Tracking;
  /** `notify_priority_changes`: the default of its members' own. */
  readonly notifyPriorityChanges?: boolean;
  /** `smtp_alert [BOOL]`: mail the group's state changes (unset: `smtp_alert_vrrp`, else `smtp_alert`, else off). */
  readonly smtpAlert?: boolean;
}
