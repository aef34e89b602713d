import type { VrrpInstance } from '@tandem/config';
import { gratuitousArpFrame, unsolicitedNaFrame, type AddressSpec, type FrameSink } from '@tandem/net';
import type { Clock, Timer, VrrpState } from '@tandem/vrrp';

// keepalived's garp_extra_if (vrrp_send_vmac_update): while MASTER, every N seconds, one
// gratuitous ARP / unsolicited NA on each interface other than the instance's that carries
// one of its addresses (a `dev`), so switches there keep the master's MAC even when no
// traffic crosses them. Without `all`, keepalived sends only on the virtual MAC interfaces
// it made (vrrp.c: `is_ours`): those of use_vmac_addr, and the instance's own with
// vmac_xmit_base.

/** One announcement of a round: an address on an interface. */
export interface ExtraTarget {
  readonly ifindex: number;
  readonly address: string;
}

/**
 * The round for an instance: the first address on each interface other than its own (the
 * virtual MAC interface with use_vmac; it too with vmac_xmit_base, whose adverts leave by the
 * base interface); without `all`, only on the virtual MAC interfaces it made (`ours`). Empty
 * when `garp_extra_if` is off or with no other interface.
 */
export function extraTargets(i: VrrpInstance, specs: readonly AddressSpec[], ownIfindex: number, ours: ReadonlySet<number> = new Set()): ExtraTarget[] {
  if (i.garpExtraIf === undefined) return [];
  if (!specs.some((s) => s.ifindex !== ownIfindex)) return [];
  const all = i.garpExtraIf.all;
  const includeOwn = i.vmac?.xmitBase === true;
  const seen = new Set<number>();
  const out: ExtraTarget[] = [];
  for (const s of specs) {
    if (seen.has(s.ifindex) || (s.ifindex === ownIfindex && !includeOwn) || (!all && !ours.has(s.ifindex))) continue;
    seen.add(s.ifindex);
    out.push({ ifindex: s.ifindex, address: s.address });
  }
  return out;
}

export interface ExtraAnnounceHooks {
  /** The round as the configuration says now (reloads change it). */
  targets(): readonly ExtraTarget[];
  /** Seconds between rounds now; undefined when off. */
  intervalS(): number | undefined;
  mac(ifindex: number): Buffer | undefined;
  frames(ifindex: number): FrameSink;
}

/** The timer of one instance's garp_extra_if rounds: running while it is MASTER. */
export class ExtraAnnouncer {
  private timer: Timer | undefined;
  private master = false;
  /** Frames sent, for tests and stats. */
  sent = 0;

  constructor(
    private readonly hooks: ExtraAnnounceHooks,
    private readonly clock: Clock,
  ) {}

  /** Follows the instance's state: becoming MASTER starts the rounds (the first an interval later, as keepalived), leaving it stops them. */
  state(to: VrrpState): void {
    const master = to === 'MASTER';
    if (master === this.master) return;
    this.master = master;
    this.restart();
  }

  /** The configuration changed: the next round is an interval from now, with the new settings. */
  restart(): void {
    this.timer?.cancel();
    this.timer = undefined;
    if (this.master) this.schedule();
  }

  stop(): void {
    this.master = false;
    this.restart();
  }

  private schedule(): void {
    const s = this.hooks.intervalS();
    if (s === undefined || s <= 0 || this.hooks.targets().length === 0) return;
    this.timer = this.clock.setTimer(s * 1000, () => {
      this.timer = undefined;
      this.round();
      if (this.master) this.schedule();
    });
  }

  private round(): void {
    for (const t of this.hooks.targets()) {
      const mac = this.hooks.mac(t.ifindex);
      if (mac === undefined) continue;
      this.hooks.frames(t.ifindex).send(t.address.includes(':') ? unsolicitedNaFrame(mac, t.address) : gratuitousArpFrame(mac, t.address));
      this.sent++;
    }
  }
}
