import { staticTrackedInterfaces, type Config } from '@tandem/config';
import type { TransitionEvent, VrrpState } from '@tandem/vrrp';
import type { LoopDelay } from '../loop-delay.js';
import type { InstanceDiff } from './reload-plan.js';
import type { MailCounters } from '../smtp/mailer.js';
import type { ScriptStatus } from './tracking.js';
import type { ChannelStats, InstanceStatus, ReloadReport, VrrpPart } from './service.js';
import type { InstanceStats } from '@tandem/vrrp';
import type { ScriptCounters } from '@tandem/healthcheck';

// The messages between the supervisor and the VRRP side (a child process; see
// docs/architecture.md for why a process). Requests carry an id and get one reply each;
// the side also sends log lines, transitions and notify FIFO lines as they happen.

export type LogLevel = 'error' | 'warn' | 'info' | 'debug';

/** What `lvs_sync_daemon` is doing, as `tandemctl status` shows it. */
export interface SyncDaemonStatus {
  readonly interface: string;
  readonly syncId: number;
  readonly instance: string | null;
  readonly running: readonly string[];
  readonly error?: string;
}

export interface SideStatus {
  readonly instances: readonly InstanceStatus[];
  readonly syncDaemon: SyncDaemonStatus | null;
  /** The tracked vrrp_scripts' verdicts (keepalived's dump, the exporters' script status). */
  readonly scripts?: readonly ScriptStatus[];
  /** The followed track_files' values (KEEPALIVED-MIB's vrrpFileTable). */
  readonly files?: ReadonlyArray<{ readonly name: string; readonly value: number }>;
  /** The vrrp_track_processes in use: processes counted, quorum or not (KEEPALIVED-MIB's vrrpProcessTable). */
  readonly processes?: ReadonlyArray<{ readonly name: string; readonly count: number; readonly up: boolean }>;
}

export interface SideStats {
  readonly instances: Record<string, InstanceStats>;
  readonly channels: readonly ChannelStats[];
  readonly loopDelayMs: LoopDelay;
  readonly pid: number;
  /** Scripts the side ran (tracked and notify scripts): runs, timeouts, failures. */
  readonly scripts?: ScriptCounters;
  /** The email alerts of instances and sync groups: sent, not sent, dropped. */
  readonly mail?: MailCounters;
}

export interface StartRequest {
  readonly kind: 'start';
  readonly part: VrrpPart;
  /** Instances that were MASTER when the previous VRRP side died a moment ago: they take the role straight back. */
  readonly resume: readonly string[];
  /** The side's own ledger of the addresses, routes and rules it adds. */
  readonly statePath: string;
  /** Whether debug lines are wanted (else they are dropped in the side, not sent). */
  readonly detail: boolean;
  /** false with keepalived's `--dont-release-vrrp`: at stop, no priority-0 advert and the addresses stay. */
  readonly release?: boolean;
  /** The BFD sessions' last reported states, by name (`track_bfd`); a session not named has not been Up. */
  readonly bfd: Readonly<Record<string, boolean>>;
}

/** What an SNMP SET changes in one instance, until the next reload. */
export type InstanceSetRequest =
  | { readonly kind: 'instanceSet'; readonly instance: string; readonly set: 'basePriority'; readonly value: number }
  | { readonly kind: 'instanceSet'; readonly instance: string; readonly set: 'preempt'; readonly value: boolean };

/** Each request and what its reply carries. */
export interface SideRequests {
  start: { request: StartRequest; reply: null };
  reload: { request: { readonly kind: 'reload'; readonly part: VrrpPart; readonly diff: InstanceDiff }; reply: ReloadReport };
  status: { request: { readonly kind: 'status' }; reply: SideStatus };
  stats: { request: { readonly kind: 'stats' }; reply: SideStats };
  stop: { request: { readonly kind: 'stop' }; reply: null };
  /** A BFD session went Up or Down (keepalived's bfd event), with its Detection Time (ms); `sentAt` is wall-clock ms, for the delivery time. */
  bfd: { request: { readonly kind: 'bfd'; readonly name: string; readonly up: boolean; readonly detectMs: number; readonly sentAt: number }; reply: null };
  /**
   * An SNMP SET of an instance's vrrpInstanceBasePriority or vrrpInstancePreempt (keepalived's
   * writable KEEPALIVED-MIB objects), checked by the supervisor; the reply says whether the side has the instance.
   */
  instanceSet: { request: InstanceSetRequest; reply: boolean };
  /** `vrrp_no_swap`: lock the side's memory (or unlock it, at a reload that drops it). */
  lockMemory: { request: { readonly kind: 'lockMemory'; readonly lock: boolean }; reply: null };
}

export type SideRequest = SideRequests[keyof SideRequests]['request'];

/** What the side sends besides replies. */
export type SideMessage =
  | { readonly kind: 'log'; readonly level: LogLevel; readonly message: string; readonly meta?: Record<string, unknown> }
  /** `held`: a start's silent wait in FAULT (VrrpService.onTransition). */
  | { readonly kind: 'transition'; readonly event: TransitionEvent; readonly held?: boolean }
  | { readonly kind: 'notifyLine'; readonly line: string }
  /** A sync group settled in `state` (its notify: FIFO line, scripts, mail, and the supervisor's SNMP trap). */
  | { readonly kind: 'groupState'; readonly group: string; readonly state: VrrpState };

/** The environment variable through which tandemd tells its VRRP side the network namespace it started in (track_process). */
export const STARTING_NETNS_ENV = 'TANDEM_STARTING_NETNS';

/** The VRRP part of a full configuration (what the side is handed; the rest stays with the supervisor). */
export function vrrpPartOf(c: VrrpPart & Pick<Config, 'staticAddresses' | 'staticRoutes' | 'staticRules' | 'trackGroups' | 'garpGroups'>): VrrpPart {
  // The track groups cross as what they mean to the side: the interfaces each instance tracks through them.
  const staticTrack = c.trackGroups !== undefined ? staticTrackedInterfaces(c) : undefined;
  return { globalDefs: c.globalDefs, vrrpInstances: c.vrrpInstances, syncGroups: c.syncGroups, vrrpScripts: c.vrrpScripts, trackFiles: c.trackFiles, trackProcesses: c.trackProcesses, bfdInstances: c.bfdInstances, ...(c.interfaceDelays !== undefined ? { interfaceDelays: c.interfaceDelays } : {}), ...(staticTrack !== undefined ? { staticTrack } : {}), ...(c.garpGroups !== undefined ? { garpGroups: c.garpGroups } : {}) };
}
