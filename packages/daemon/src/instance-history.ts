import type { TransitionEvent } from '@tandem/vrrp';

/** What the supervisor remembers of one instance's transitions, across VRRP side restarts. */
export interface InstanceHistoryEntry {
  /** When it last changed state (ms since the epoch), or when tandemd started it. */
  lastTransitionMs: number;
  becameMaster: number;
  /** Times it left MASTER (keepalived's release_master). */
  releasedMaster: number;
  /** Transitions by `FROM->TO`. */
  readonly transitions: Map<string, number>;
}

/**
 * The transitions the VRRP side reports, counted by the supervisor: they outlive a side that
 * dies and restarts (whose own counters start again), and they feed keepalived's dumps
 * (last_transition, become_master, release_master) and the transition metrics.
 */
export class InstanceHistory {
  private readonly entries = new Map<string, InstanceHistoryEntry>();

  constructor(private readonly now: () => number = Date.now) {}

  get(name: string): InstanceHistoryEntry {
    let e = this.entries.get(name);
    if (e === undefined) {
      e = { lastTransitionMs: this.now(), becameMaster: 0, releasedMaster: 0, transitions: new Map() };
      this.entries.set(name, e);
    }
    return e;
  }

  record(event: TransitionEvent): void {
    const e = this.get(event.instance);
    e.lastTransitionMs = this.now();
    if (event.to === 'MASTER' && event.from !== 'MASTER') e.becameMaster++;
    if (event.from === 'MASTER' && event.to !== 'MASTER') e.releasedMaster++;
    const key = `${event.from}->${event.to}`;
    e.transitions.set(key, (e.transitions.get(key) ?? 0) + 1);
  }

  all(): ReadonlyMap<string, InstanceHistoryEntry> {
    return this.entries;
  }
}
