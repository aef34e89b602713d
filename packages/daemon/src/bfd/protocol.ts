import type { BfdInstance } from '@tandem/config';
import type { EndpointStats, SessionState, SessionStats } from '@tandem/bfd';
import type { LoopDelay } from '../loop-delay.js';
import type { LogLevel } from '../vrrp/protocol.js';

// The messages between the supervisor and the BFD side (a child process of its own, as
// keepalived's bfd child: its timers run where nothing else does). Requests get one reply each
// (side-ipc.ts); the side also sends log lines and session events as they happen.

/** One session as `tandemctl status --json` shows it (`bfd` list). */
export interface BfdSessionStatus {
  readonly name: string;
  readonly state: SessionState;
  /** `neighbor_ip`. */
  readonly remote: string;
  /** The address packets leave from (`source_ip`, or the kernel's choice); null until the session could open. */
  readonly local: string | null;
  readonly remoteState: SessionState;
  /** bfd.LocalDiag by name (RFC 5880 §4.1): why the session last left Up. */
  readonly diag: string;
  readonly localDiscriminator: number;
  readonly remoteDiscriminator: number;
  /** The negotiated transmit interval (RFC 5880 §6.8.2), before jitter. */
  readonly txIntervalMs: number;
  /** The interval the neighbor sends at, as negotiated: the Detection Time over its multiplier. */
  readonly rxIntervalMs: number;
  /** The Detection Time (§6.8.4); 0 before the neighbor was heard. */
  readonly detectTimeMs: number;
  /** Why the session is not running (its socket could not open; retried every few seconds). */
  readonly error?: string;
}

export interface BfdSideStats {
  readonly sessions: Record<string, SessionStats>;
  readonly endpoint: EndpointStats;
  readonly loopDelayMs: LoopDelay;
  readonly pid: number;
}

export interface BfdStartRequest {
  readonly kind: 'start';
  readonly sessions: readonly BfdInstance[];
  /** Whether debug lines are wanted (else they are dropped in the side). */
  readonly detail: boolean;
  /** `bfd_process_name`: the side's process title. */
  readonly processName?: string;
}

/** Each request and what its reply carries. */
export interface BfdSideRequests {
  start: { request: BfdStartRequest; reply: null };
  /** The new file's sessions: the side applies only the difference (sessions.ts planBfdReload). */
  reload: { request: { readonly kind: 'reload'; readonly sessions: readonly BfdInstance[] }; reply: { readonly added: string[]; readonly removed: string[]; readonly reconfigured: string[]; readonly restarted: string[]; readonly unchanged: string[] } };
  /** `bfd_no_swap`: the side locks its memory (mlockall), or unlocks it; only the process itself can. */
  lockMemory: { request: { readonly kind: 'lockMemory'; readonly lock: boolean }; reply: null };
  status: { request: { readonly kind: 'status' }; reply: BfdSessionStatus[] };
  stats: { request: { readonly kind: 'stats' }; reply: BfdSideStats };
  stop: { request: { readonly kind: 'stop' }; reply: null };
}

export type BfdSideRequest = BfdSideRequests[keyof BfdSideRequests]['request'];
export type BfdReloadReport = BfdSideRequests['reload']['reply'];

/**
 * A session event as keepalived's bfd process sends it to VRRP and the checkers (sessions.ts
 * reportedEvent); `sentAt` is wall-clock ms, so the receivers can tell the delivery time.
 */
export interface BfdSessionEvent {
  readonly name: string;
  readonly up: boolean;
  /** bfd.LocalDiag at the change. */
  readonly diag: number;
  /** The session's Detection Time when it changed (ms; 0 before the neighbor was heard): bfd_takeover's time scale. */
  readonly detectMs: number;
  readonly sentAt: number;
}

/** What the side sends besides replies. */
export type BfdSideMessage =
  | { readonly kind: 'log'; readonly level: LogLevel; readonly message: string; readonly meta?: Record<string, unknown> }
  | ({ readonly kind: 'session' } & BfdSessionEvent);
