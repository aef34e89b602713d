import { systemClock, type Clock, type Timer } from '@tandem/vrrp';

/** Where announcement frames go: an AF_PACKET sender, or a pacer in front of one. */
export interface FrameSink {
  send(frame: Buffer): void;
}

const ETHERTYPE_ARP = 0x0806;

export interface PacerOptions {
  /** `vrrp_garp_interval`: the least time between two gratuitous ARPs on the interface (0: none). */
  readonly arpIntervalMs: number;
  /** `vrrp_gna_interval`: the same for unsolicited neighbour advertisements. */
  readonly naIntervalMs: number;
  /** A frame that could not be sent later, from the queue (a send at once throws instead). */
  readonly onError?: (err: Error) => void;
}

/**
 * keepalived's `vrrp_garp_interval` / `vrrp_gna_interval`: the gratuitous ARPs (and, apart,
 * the neighbour advertisements) sent on one interface leave at least the interval apart,
 * whichever instances sent them, so that switches that police ARP do not drop a burst. A
 * frame that may go now goes at once; the others wait in order.
 */
export class FramePacer implements FrameSink {
  private readonly lanes: Array<{ intervalMs: number; nextAt: number; queue: Buffer[]; timer: Timer | undefined }>;
  private closed = false;

  constructor(
    private readonly sink: FrameSink,
    private readonly options: PacerOptions,
    private readonly clock: Clock = systemClock,
  ) {
    this.lanes = [options.arpIntervalMs, options.naIntervalMs].map((intervalMs) => ({ intervalMs, nextAt: -Infinity, queue: [], timer: undefined }));
  }

  send(frame: Buffer): void {
    if (this.closed) return;
    const lane = this.lanes[frame.length >= 14 && frame.readUInt16BE(12) === ETHERTYPE_ARP ? 0 : 1]!;
    if (lane.intervalMs <= 0) return this.sink.send(frame);
    const now = this.clock.now();
    if (lane.queue.length === 0 && now >= lane.nextAt) {
      lane.nextAt = now + lane.intervalMs;
      return this.sink.send(frame);
    }
    lane.queue.push(frame);
    this.drainLater(lane);
  }

  /** Frames still waiting are dropped. */
  close(): void {
    this.closed = true;
    for (const lane of this.lanes) {
      lane.timer?.cancel();
      lane.timer = undefined;
      lane.queue.length = 0;
    }
  }

  private drainLater(lane: FramePacer['lanes'][number]): void {
    if (lane.timer !== undefined) return;
    lane.timer = this.clock.setTimer(Math.max(0, lane.nextAt - this.clock.now()), () => {
      lane.timer = undefined;
      const frame = lane.queue.shift();
      if (frame === undefined) return;
      lane.nextAt = this.clock.now() + lane.intervalMs;
      try {
        this.sink.send(frame);
      } catch (err) {
        this.options.onError?.(err instanceof Error ? err : new Error(String(err)));
      }
      if (lane.queue.length > 0) this.drainLater(lane);
    });
  }
}
