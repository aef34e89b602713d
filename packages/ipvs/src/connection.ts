import { RawNetlinkSocket } from 'netlink';
import { CTRL_ATTR_FAMILY_ID, CTRL_ATTR_FAMILY_NAME, CTRL_CMD_GETFAMILY, GENL_ID_CTRL, IPVS_GENL_NAME, IPVS_GENL_VERSION, NLM_F_ACK, NLM_F_DUMP, NLM_F_REQUEST } from './constants.js';
import { IpvsError } from './errors.js';
import { decodeReplies, encodeMessage, encodeRequests, type Reply } from './framing.js';
import { type Attr, parseAttrs, readU16, str } from './nlattr.js';

const NETLINK_GENERIC = 16;

/** One request of a batch: the command, its attributes, and its description for errors. */
export interface BatchRequest {
  readonly cmd: number;
  readonly attrs: readonly Attr[];
  /** The request in words, for errors; computed only when one occurs. */
  readonly what: () => string;
}

interface Waiter {
  readonly what: () => string;
  readonly timer: NodeJS.Timeout | undefined;
  onReply(r: Reply): boolean; // true when finished
  fail(err: IpvsError): void;
}

export interface ConnectionOptions {
  /** Deadline of each request or batch, in ms. */
  readonly timeoutMs: number;
}

/**
 * One generic-netlink socket talking to the IPVS family. Requests are matched to replies by
 * sequence number, so many can be in flight; a batch goes out in one sendmsg and only its
 * last request asks for an acknowledgement: the kernel answers the others only when they
 * fail, and processes a datagram's messages in order, so the last ack means all are done.
 */
export class IpvsConnection {
  private socket: RawNetlinkSocket;
  private seq = (Math.random() * 0x7fffffff) >>> 0;
  private readonly waiters = new Map<number, Waiter>();
  private familyId = 0;

  private constructor(private readonly options: ConnectionOptions) {
    this.socket = this.openSocket();
  }

  /** Opens a socket and resolves the IPVS family; IPVS_ERR_UNAVAILABLE when the kernel has none. */
  static async open(options: ConnectionOptions): Promise<IpvsConnection> {
    const c = new IpvsConnection(options);
    try {
      const [reply] = await c.request(GENL_ID_CTRL, CTRL_CMD_GETFAMILY, 1, [str(CTRL_ATTR_FAMILY_NAME, IPVS_GENL_NAME)], 'resolve the IPVS family', NLM_F_REQUEST);
      const id = reply === undefined ? undefined : readU16(parseAttrs(reply), CTRL_ATTR_FAMILY_ID);
      if (id === undefined) throw new IpvsError('IPVS_ERR_PROTOCOL', 'resolve the IPVS family', 'no family id in the reply');
      c.familyId = id;
      return c;
    } catch (err) {
      c.close();
      if (err instanceof IpvsError && err.errno === 'ENOENT') {
        throw new IpvsError('IPVS_ERR_UNAVAILABLE', 'resolve the IPVS family', 'this kernel has no IPVS (load the ip_vs module, or the kernel lacks CONFIG_IP_VS)', 'ENOENT');
      }
      throw err;
    }
  }

  private openSocket(): RawNetlinkSocket {
    // The package peeks each datagram for its size (two recvmsg each). A fixed 64 KiB buffer
    // instead was measured slower: every reply then carries 64 KiB of external memory for the GC.
    const s = new RawNetlinkSocket(NETLINK_GENERIC, { recvBufferSize: 4 << 20, sendBufferSize: 4 << 20 });
    s.on('message', (buf) => this.receive(buf));
    s.on('truncatedMessage', () => this.reset(new IpvsError('IPVS_ERR_PROTOCOL', 'netlink receive', 'a reply larger than the receive buffer')));
    s.on('error', (err) => this.reset(new IpvsError('IPVS_ERR_SOCKET', 'netlink socket', err.message, err.code)));
    s.unref();
    return s;
  }

  private nextSeq(): number {
    this.seq = (this.seq + 1) >>> 0 || 1;
    return this.seq;
  }

  private receive(buf: Buffer): void {
    let replies: Reply[];
    try {
      replies = decodeReplies(buf);
    } catch (err) {
      this.reset(new IpvsError('IPVS_ERR_PROTOCOL', 'netlink receive', (err as Error).message));
      return;
    }
    for (const r of replies) {
      const w = this.waiters.get(r.seq);
      if (w !== undefined && w.onReply(r)) this.finish(r.seq);
    }
  }

  private finish(seq: number): void {
    const w = this.waiters.get(seq);
    if (w === undefined) return;
    clearTimeout(w.timer);
    this.waiters.delete(seq);
    if (this.waiters.size === 0) this.socket.unref();
  }

  /** Fails everything in flight and replaces the socket: after a timeout or a socket error nothing on it can be trusted. */
  private reset(err: IpvsError, reopen = true): void {
    const pending = [...this.waiters.values()];
    for (const w of pending) clearTimeout(w.timer);
    this.waiters.clear();
    try {
      this.socket.close();
    } catch {
      // already closed
    }
    if (reopen) this.socket = this.openSocket();
    for (const w of pending) w.fail(err);
  }

  /** `timed` is false for the inner requests of a batch: the batch's last request carries its deadline. */
  private register(seq: number, what: () => string, onReply: Waiter['onReply'], fail: Waiter['fail'], timed = true): void {
    const timer = timed ? setTimeout(() => this.reset(new IpvsError('IPVS_ERR_TIMEOUT', what(), `no reply within ${this.options.timeoutMs} ms`, 'ETIMEDOUT')), this.options.timeoutMs) : undefined;
    this.waiters.set(seq, { what, timer, onReply, fail });
    this.socket.ref();
  }

  private send(buf: Buffer, seq: number): void {
    this.socket.send(buf, {}, (err) => {
      if (err !== undefined && err !== null) {
        const w = this.waiters.get(seq);
        this.finish(seq);
        w?.fail(new IpvsError('IPVS_ERR_SOCKET', w.what(), err.message, err.code));
      }
    });
  }

  /** A request answered by data messages: one for a plain get, many (until DONE) for a dump. */
  request(type: number, cmd: number, version: number, attrs: readonly Attr[], what: string, flags: number): Promise<Buffer[]> {
    return new Promise((resolve, reject) => {
      const seq = this.nextSeq();
      const parts: Buffer[] = [];
      const dump = (flags & NLM_F_DUMP) === NLM_F_DUMP;
      this.register(
        seq,
        () => what,
        (r) => {
          if (r.kind === 'data') {
            parts.push(r.payload);
            if (dump) return false;
            resolve(parts);
            return true;
          }
          if (r.kind === 'error' && r.errno !== 0) reject(IpvsError.fromErrno(what, r.errno));
          else resolve(parts);
          return true;
        },
        reject,
      );
      this.send(encodeMessage(type, flags, seq, cmd, version, attrs), seq);
    });
  }

  get(cmd: number, attrs: readonly Attr[], what: string): Promise<Buffer[]> {
    return this.request(this.familyId, cmd, IPVS_GENL_VERSION, attrs, what, NLM_F_REQUEST);
  }

  dump(cmd: number, attrs: readonly Attr[], what: string): Promise<Buffer[]> {
    return this.request(this.familyId, cmd, IPVS_GENL_VERSION, attrs, what, NLM_F_REQUEST | NLM_F_DUMP);
  }

  /**
   * Sends the requests in one datagram and resolves with each one's outcome (undefined = done).
   * A timeout or socket failure rejects the whole batch: which of its requests took effect is
   * then unknown, and the caller should read the kernel again.
   */
  batch(requests: readonly BatchRequest[]): Promise<Array<IpvsError | undefined>> {
    if (requests.length === 0) return Promise.resolve([]);
    return new Promise((resolve, reject) => {
      const results: Array<IpvsError | undefined> = requests.map(() => undefined);
      const first = this.nextSeq();
      const seqs = requests.map((_r, i) => (i === 0 ? first : this.nextSeq()));
      const last = seqs[seqs.length - 1] ?? first;
      const indexOf = new Map(seqs.map((s, i) => [s, i]));
      const datagram = encodeRequests(requests.map((r, i) => ({ type: this.familyId, flags: NLM_F_REQUEST | (i === requests.length - 1 ? NLM_F_ACK : 0), seq: seqs[i] ?? 0, cmd: r.cmd, version: IPVS_GENL_VERSION, attrs: r.attrs })));
      let settled = false;
      const fail = (err: IpvsError): void => {
        if (settled) return;
        settled = true;
        for (const s of seqs) this.finish(s);
        reject(err);
      };
      for (const [i, seq] of seqs.entries()) {
        const what = (): string => requests[i]?.what() ?? '';
        this.register(
          seq,
          what,
          (r) => {
            if (r.kind !== 'error') return false;
            if (r.errno !== 0) results[indexOf.get(seq) ?? 0] = IpvsError.fromErrno(what(), r.errno);
            if (seq !== last) return true;
            settled = true;
            for (const s of seqs) this.finish(s);
            resolve(results);
            return true;
          },
          fail,
          seq === last,
        );
      }
      this.send(datagram, last);
    });
  }

  close(): void {
    this.reset(new IpvsError('IPVS_ERR_SOCKET', 'close', 'connection closed'), false);
  }
}
