import type { TransitionEvent } from '@tandem/vrrp';
import type { LoopDelay } from '../loop-delay.js';
import type { InstanceDiff } from './reload-plan.js';
import type { ChannelStats, InstanceStatus, ReloadReport, VrrpPart } from './service.js';
import type { InstanceStats } from '@tandem/vrrp';

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
}

export interface SideStats {
  readonly instances: Record<string, InstanceStats>;
  readonly channels: readonly ChannelStats[];
  readonly loopDelayMs: LoopDelay;
  readonly pid: number;
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
}

/** Each request and what its reply carries. */
export interface SideRequests {
  start: { request: StartRequest; reply: null };
  reload: { request: { readonly kind: 'reload'; readonly part: VrrpPart; readonly diff: InstanceDiff }; reply: ReloadReport };
  status: { request: { readonly kind: 'status' }; reply: SideStatus };
  stats: { request: { readonly kind: 'stats' }; reply: SideStats };
  stop: { request: { readonly kind: 'stop' }; reply: null };
}

export type SideRequest = SideRequests[keyof SideRequests]['request'];

export interface RequestEnvelope {
  readonly id: number;
  readonly request: SideRequest;
}

export type SideMessage =
  | { readonly kind: 'reply'; readonly id: number; readonly ok: true; readonly data: unknown }
  | { readonly kind: 'reply'; readonly id: number; readonly ok: false; readonly error: string }
  | { readonly kind: 'log'; readonly level: LogLevel; readonly message: string; readonly meta?: Record<string, unknown> }
  | { readonly kind: 'transition'; readonly event: TransitionEvent }
  | { readonly kind: 'notifyLine'; readonly line: string };

/** The environment variable through which tandemd tells its VRRP side the network namespace it started in (track_process). */
export const STARTING_NETNS_ENV = 'TANDEM_STARTING_NETNS';

/** The VRRP part of a full configuration (what the side is handed; the rest stays with the supervisor). */
export function vrrpPartOf(c: VrrpPart): VrrpPart {
  return { globalDefs: c.globalDefs, vrrpInstances: c.vrrpInstances, syncGroups: c.syncGroups, vrrpScripts: c.vrrpScripts, trackFiles: c.trackFiles, trackProcesses: c.trackProcesses, ...(c.interfaceDelays !== undefined ? { interfaceDelays: c.interfaceDelays } : {}) };
}
