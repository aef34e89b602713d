import type { InterfaceDelays, VrrpInstance } from '@tandem/config';
import type { LinkInfo } from '@tandem/net';
import type { Clock, Timer } from '@tandem/vrrp';

// keepalived's interface_up_down_delays (update_interface_flags in keepalived_netlink.c): a
// link going down (or up) reaches the instances only once it has stayed so for the delay; a
// link that bounces back within it changes nothing. An interface not yet seen up is never
// delayed, nor is a deleted one.

/** Delays in milliseconds. */
export interface Debounce {
  readonly downMs: number;
  readonly upMs: number;
}

/**
 * The delays by interface name, as keepalived applies them: each instance caps the delays of
 * its interface below (down_timer_adverts - 1) advert intervals (less 1/256 of one), so a
 * backup does not take over before this side has gone to FAULT; none with down_timer_adverts 1.
 * `notes` gets a line for each reduction.
 */
export function debounceDelays(delays: Readonly<Record<string, InterfaceDelays>> | undefined, instances: readonly VrrpInstance[], notes: string[] = []): Map<string, Debounce> {
  const out = new Map<string, Debounce>();
  for (const [name, d] of Object.entries(delays ?? {})) out.set(name, { downMs: d.down * 1000, upMs: d.up * 1000 });
  for (const i of instances) {
    const d = out.get(i.interface);
    if (d === undefined || (d.downMs === 0 && d.upMs === 0)) continue;
    const advertMs = i.advertInt * 1000;
    const capMs = i.downTimerAdverts <= 1 ? 0 : (i.downTimerAdverts - 1) * advertMs - advertMs / 256;
    if (d.downMs <= capMs && d.upMs <= capMs) continue;
    const next = { downMs: Math.min(d.downMs, capMs), upMs: Math.min(d.upMs, capMs) };
    out.set(i.interface, next);
    notes.push(
      i.downTimerAdverts <= 1
        ? `(${i.name}) interface_up_down_delays of ${i.interface} cannot be used with down_timer_adverts 1: none`
        : `(${i.name}) interface_up_down_delays of ${i.interface} must stay below ${i.downTimerAdverts - 1} advert intervals: down ${next.downMs / 1000} s, up ${next.upMs / 1000} s`,
    );
  }
  return out;
}

interface LinkState {
  /** Up as the instances see it. */
  shownUp: boolean;
  seenUp: boolean;
  pending: { link: LinkInfo; timer: Timer } | undefined;
}

/** Sits between the host's link events and the service: passes each on, changes of up/down after their delay. */
export class LinkDebouncer {
  private delays = new Map<string, Debounce>();
  private readonly state = new Map<number, LinkState>();

  constructor(
    private readonly clock: Clock,
    private readonly forward: (link: LinkInfo) => void,
    private readonly note: (line: string) => void = () => undefined,
  ) {}

  setDelays(delays: Map<string, Debounce>): void {
    this.delays = delays;
  }

  /** The links at start: what the instances see first (nothing is delayed before an interface was seen up). */
  known(links: readonly LinkInfo[]): void {
    for (const l of links) if (!this.state.has(l.index)) this.state.set(l.index, { shownUp: l.up, seenUp: l.up, pending: undefined });
  }

  report(link: LinkInfo): void {
    let st = this.state.get(link.index);
    if (link.deleted === true) {
      st?.pending?.timer.cancel();
      this.state.delete(link.index);
      this.forward(link);
      return;
    }
    if (st === undefined) {
      st = { shownUp: link.up, seenUp: link.up, pending: undefined };
      this.state.set(link.index, st);
      this.forward(link);
      return;
    }
    if (link.up === st.shownUp) {
      if (st.pending !== undefined) {
        st.pending.timer.cancel();
        st.pending = undefined;
        this.note(`${link.name} is ${link.up ? 'up' : 'down'} again within its interface_up_down_delays: no change`);
      }
      this.forward(link);
      return;
    }
    if (st.pending !== undefined) {
      st.pending.link = link;
      return;
    }
    const d = this.delays.get(link.name);
    const delayMs = d === undefined ? 0 : link.up ? d.upMs : d.downMs;
    if (delayMs <= 0 || !st.seenUp) {
      this.show(st, link);
      return;
    }
    this.note(`${link.name} ${link.up ? 'up' : 'down'}: the instances hear of it in ${delayMs / 1000} s unless it changes back (interface_up_down_delays)`);
    const state = st;
    const pending = {
      link,
      timer: this.clock.setTimer(delayMs, () => {
        state.pending = undefined;
        this.show(state, pending.link);
      }),
    };
    st.pending = pending;
    // Anything else about the link (its MAC, say) goes through now, with the state shown so far.
    this.forward({ ...link, up: st.shownUp });
  }

  /** Up as the instances see it (undefined: not known here). */
  shownUp(index: number): boolean | undefined {
    return this.state.get(index)?.shownUp;
  }

  private show(st: LinkState, link: LinkInfo): void {
    st.shownUp = link.up;
    if (link.up) st.seenUp = true;
    this.forward(link);
  }

  stop(): void {
    for (const st of this.state.values()) st.pending?.timer.cancel();
    this.state.clear();
  }
}
