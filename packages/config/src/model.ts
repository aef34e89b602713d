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
  readonly pos: Position;
}

export interface Authentication {
  readonly type: 'PASS' | 'AH';
  readonly password: string;
  readonly pos: Position;
}

/** Gratuitous ARP / NA settings; undefined fields fall back to `global_defs`. */
export interface GarpSettings {
  readonly masterDelay?: number;
  readonly masterRepeat?: number;
  readonly masterRefresh?: number;
  readonly masterRefreshRepeat?: number;
  readonly lowerPrioRepeat?: number;
}

/** A `vrrp_instance` block. Durations are in seconds. */
export interface VrrpInstance {
  readonly name: string;
  readonly pos: Position;
  readonly state: 'MASTER' | 'BACKUP' | undefined;
  readonly interface: string;
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
  readonly virtualIpaddress: readonly VirtualAddress[];
  readonly virtualIpaddressExcluded: readonly VirtualAddress[];
  readonly unicastSrcIp: string | undefined;
  readonly unicastPeer: readonly string[];
  readonly downTimerAdverts: number;
  /** `higher_prio_send_advert`; tandem defaults it on (keepalived: off), see docs/config.md. */
  readonly higherPrioSendAdvert: boolean;
  readonly garp: GarpSettings;
}

/** `global_defs`, the parts tandem acts on. Durations are in seconds. */
export interface GlobalDefs {
  readonly routerId: string | undefined;
  readonly vrrpVersion: 2 | 3;
  readonly vrrpGarpMasterDelay: number;
  readonly vrrpGarpMasterRepeat: number;
  readonly vrrpGarpMasterRefresh: number;
  readonly vrrpGarpMasterRefreshRepeat: number;
  readonly vrrpGarpLowerPrioRepeat: number | undefined;
  readonly vrrpDownTimerAdverts: number;
  readonly vrrpHigherPrioSendAdvert: boolean;
}

/** The typed model of a whole keepalived.conf. */
export interface Config {
  readonly file: string;
  readonly globalDefs: GlobalDefs;
  readonly vrrpInstances: readonly VrrpInstance[];
}
