import { cryptoModule, netModule } from './builtins.js';
import { internetChecksum } from '@tandem/vrrp';
import { createRawSocket, type RawSocket } from './raw-socket.js';

/** What a ping found, in the shape healthcheck's Pinger returns. */
export interface PingResult {
  readonly ok: boolean;
  readonly reason: string;
}

interface Pending {
  readonly host: string;
  readonly sentAt: number;
  readonly resolve: (r: PingResult) => void;
}

const ECHO_REQUEST = { 4: 8, 6: 128 } as const;
const ECHO_REPLY = { 4: 0, 6: 129 } as const;

/**
 * ICMP echo over one raw socket per family, shared by every PING_CHECK. Replies
 * are matched by identifier and sequence number; the kernel computes ICMPv6
 * checksums itself, the ICMPv4 one is computed here.
 */
export class IcmpPinger {
  private readonly sockets = new Map<4 | 6, RawSocket>();

  /** `interface` and `mark`: PING_CHECK's bind_if and fwmark (SO_BINDTODEVICE, SO_MARK) on its sockets. */
  constructor(private readonly options: { readonly interface?: string; readonly mark?: number } = {}) {}

  private readonly pending = new Map<number, Pending>();
  private readonly id = cryptoModule().randomInt(1, 0xffff);
  private seq = 0;

  private socket(family: 4 | 6): RawSocket {
    let s = this.sockets.get(family);
    if (s === undefined) {
      s = createRawSocket({ family, protocol: family === 4 ? 1 : 58, ...this.options });
      s.on('message', (payload) => this.onReply(family, payload));
      s.on('error', () => undefined);
      s.listen().unref();
      this.sockets.set(family, s);
    }
    return s;
  }

  private onReply(family: 4 | 6, icmp: Buffer): void {
    if (icmp.length < 8 || icmp[0] !== ECHO_REPLY[family]) return;
    if (icmp.readUInt16BE(4) !== this.id) return;
    const p = this.pending.get(icmp.readUInt16BE(6));
    if (p === undefined) return;
    this.pending.delete(icmp.readUInt16BE(6));
    p.resolve({ ok: true, reason: `echo reply in ${Math.round(performance.now() - p.sentAt)} ms` });
  }

  ping(host: string, timeoutMs: number, signal: AbortSignal): Promise<PingResult> {
    const family = netModule().isIPv6(host) ? 6 : 4;
    const seq = (this.seq = (this.seq + 1) & 0xffff);
    const packet = Buffer.alloc(16);
    packet[0] = ECHO_REQUEST[family];
    packet.writeUInt16BE(this.id, 4);
    packet.writeUInt16BE(seq, 6);
    packet.write('tandem!!', 8);
    if (family === 4) packet.writeUInt16BE(internetChecksum([packet]), 2);
    return new Promise((resolve) => {
      const finish = (r: PingResult): void => {
        clearTimeout(timer);
        signal.removeEventListener('abort', onAbort);
        this.pending.delete(seq);
        resolve(r);
      };
      const onAbort = (): void => finish({ ok: false, reason: 'aborted' });
      const timer = setTimeout(() => finish({ ok: false, reason: `no echo reply within ${timeoutMs} ms` }), timeoutMs);
      signal.addEventListener('abort', onAbort);
      this.pending.set(seq, { host, sentAt: performance.now(), resolve: finish });
      try {
        this.socket(family).send(packet, host);
      } catch (err) {
        finish({ ok: false, reason: `send: ${(err as Error).message}` });
      }
    });
  }

  close(): void {
    for (const s of this.sockets.values()) s.close();
    this.sockets.clear();
  }
}
