import { sameValue, type GarpGroup, type GlobalDefs } from '@tandem/config';
import { FramePacer, type FrameSink } from '@tandem/net';
import type { Clock } from '@tandem/vrrp';

// How gratuitous ARPs and unsolicited NAs are paced, as keepalived 2.2.7 paces them
// (vrrp_if.c set_default_garp_delay, vrrp_arp.c send_gratuitous_arp): an interface named by a
// garp_group shares that group's one pacing with the group's other interfaces; any other
// interface is paced on its own by vrrp_garp_interval / vrrp_gna_interval.

/** A pacer shared by the interfaces of one garp_group: each frame still leaves on its own interface. */
class SharedPacer {
  private readonly targets = new WeakMap<Buffer, FrameSink>();
  private readonly pacer: FramePacer;

  constructor(arpIntervalMs: number, naIntervalMs: number, clock: Clock, onError: (err: Error) => void) {
    this.pacer = new FramePacer({ send: (frame) => this.targets.get(frame)?.send(frame) }, { arpIntervalMs, naIntervalMs, onError }, clock);
  }

  sinkFor(sender: FrameSink): FrameSink {
    return {
      send: (frame) => {
        // A copy: the same buffer may be handed again for another interface before this one leaves.
        const own = Buffer.from(frame);
        this.targets.set(own, sender);
        this.pacer.send(own);
      },
    };
  }

  close(): void {
    this.pacer.close();
  }
}

interface Settings {
  readonly arpIntervalMs: number;
  readonly naIntervalMs: number;
  readonly groups: readonly GarpGroup[];
}

/** The settings without positions: a reload that only moves a block keeps the pacers. */
function settingsKey(s: Settings): unknown {
  return [s.arpIntervalMs, s.naIntervalMs, s.groups.map((g) => [g.garpInterval, g.gnaInterval, g.interfaces])];
}

/** The announcement pacers of the VRRP side, one per interface, shared within a garp_group. */
export class AnnouncePacers {
  private settings: Settings = { arpIntervalMs: 0, naIntervalMs: 0, groups: [] };
  private readonly perInterface = new Map<number, FrameSink & { close(): void }>();
  private readonly shared = new Map<GarpGroup, SharedPacer>();

  constructor(
    private readonly clock: Clock,
    private readonly onError: (ifname: string, err: Error) => void,
  ) {}

  /** Takes vrrp_garp_interval, vrrp_gna_interval and the garp_groups; pacers made under other settings are replaced. */
  configure(g: Pick<GlobalDefs, 'vrrpGarpInterval' | 'vrrpGnaInterval'>, groups: readonly GarpGroup[] | undefined): void {
    const next: Settings = { arpIntervalMs: g.vrrpGarpInterval * 1000, naIntervalMs: g.vrrpGnaInterval * 1000, groups: groups ?? [] };
    if (sameValue(settingsKey(next), settingsKey(this.settings))) return;
    this.close();
    this.settings = next;
  }

  /** Where announcements on interface `ifname` (index `ifindex`) go: through its pacer to `sender`. */
  frames(ifindex: number, ifname: string, sender: () => FrameSink): FrameSink {
    let sink = this.perInterface.get(ifindex);
    if (sink !== undefined) return sink;
    const onError = (err: Error): void => this.onError(ifname, err);
    const group = this.settings.groups.find((x) => x.interfaces.includes(ifname));
    if (group === undefined) {
      sink = new FramePacer(sender(), { arpIntervalMs: this.settings.arpIntervalMs, naIntervalMs: this.settings.naIntervalMs, onError }, this.clock);
    } else {
      let pacer = this.shared.get(group);
      if (pacer === undefined) {
        pacer = new SharedPacer((group.garpInterval ?? 0) * 1000, (group.gnaInterval ?? 0) * 1000, this.clock, onError);
        this.shared.set(group, pacer);
      }
      sink = { ...pacer.sinkFor(sender()), close: () => undefined };
    }
    this.perInterface.set(ifindex, sink);
    return sink;
  }

  /** Frames still waiting are dropped. */
  close(): void {
    for (const p of this.perInterface.values()) p.close();
    for (const p of this.shared.values()) p.close();
    this.perInterface.clear();
    this.shared.clear();
  }
}
