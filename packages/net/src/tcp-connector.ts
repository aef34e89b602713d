import { constants } from 'node:os';
import { errnoName } from './errors.js';
import { native, type NativeTcpProber } from './native.js';

/** Where a TCP_CHECK connects, in the shape healthcheck's TcpConnector takes. */
export interface TcpTarget {
  readonly host: string;
  readonly port: number;
  readonly localAddress?: string;
  readonly localPort?: number;
  readonly timeoutMs: number;
}


/**
 * TCP_CHECK's connects in native code, as keepalived makes them: a non-blocking socket, a
 * connect, a wait for writability with a timeout, SO_ERROR, close. One object serves every
 * check; no Node socket (a stream with its buffers and events) is built per check, which
 * at thousands of checks a second is most of the cost.
 */
const CONNECTED = Object.freeze({ ok: true, reason: 'connected' });

export class TcpConnector {
  /** One result object per outcome, shared: results live until the next check. */
  private readonly outcomes = new Map<string, { ok: boolean; reason: string }>();

  private readonly prober: NativeTcpProber;
  private readonly pending = new Map<number, (errno: number) => void>();
  private nextId = 1;

  constructor() {
    this.prober = new (native().TcpProber)((pairs) => {
      for (let i = 0; i + 1 < pairs.length; i += 2) {
        const id = pairs[i]!;
        const done = this.pending.get(id);
        this.pending.delete(id);
        done?.(pairs[i + 1]!);
      }
    });
  }

  /** Resolves with 'connected', or the reason the connect failed (`connect ECONNREFUSED`, a timeout). */
  connect(t: TcpTarget): Promise<{ ok: boolean; reason: string }> {
    return new Promise((resolve) => {
      const id = this.nextId++;
      this.pending.set(id, (errno) => {
        if (errno === 0) return resolve(CONNECTED);
        const reason = errno === constants.errno.ETIMEDOUT ? `connect timeout after ${t.timeoutMs} ms` : `connect ${errnoName(errno)}`;
        let outcome = this.outcomes.get(reason);
        if (outcome === undefined) this.outcomes.set(reason, (outcome = Object.freeze({ ok: false, reason })));
        resolve(outcome);
      });
      try {
        this.prober.probe(id, t.host, t.port, t.localAddress ?? '', t.localPort ?? 0, t.timeoutMs);
      } catch (err) {
        this.pending.delete(id);
        resolve({ ok: false, reason: `connect ${(err as Error).message}` });
      }
    });
  }

  close(): void {
    this.prober.close();
    for (const done of this.pending.values()) done(constants.errno.ECANCELED);
    this.pending.clear();
  }
}
