import { CTRL_ATTR_FAMILY_NAME, CTRL_CMD_GETFAMILY, GENL_ID_CTRL, IPVS_GENL_NAME, IPVS_GENL_VERSION, NLM_F_ACK, NLM_F_DUMP, NLM_F_REQUEST } from './constants.js';
import { decodeFamilyId } from './decode.js';
import { IpvsError } from './errors.js';
import { decodeReplies, type Reply } from './framing.js';
import { MessageWriter } from './nlattr.js';
import type { GenlSocket, GenlSocketError, GenlSocketFactory } from './socket.js';

/** Writes a request's attributes. */
export type Body = (w: MessageWriter) => void;

/**
 * Requests of one kind made from a list of items, with no object per request: item i's
 * command is `cmd(item)` and its attributes are what `write` puts.
 */
export interface Requests<T> {
  readonly items: readonly T[];
  readonly cmd: (item: T) => number;
  readonly write: (w: MessageWriter, item: T) => void;
  /** Each request in words, for errors; computed only when one occurs. */
  readonly what: (item: T) => string;
}

/** The replies of an exchange, grouped by the request they answer; data payloads lie in `buf`. */
export interface Answers {
  readonly buf: Buffer;
  readonly answers: readonly Reply[][];
}

export interface ConnectionOptions {
  /** Deadline of each wait for the kernel, in ms. */
  readonly timeoutMs: number;
  readonly socket: GenlSocketFactory;
}

interface Sent {
  readonly buf: Buffer;
  readonly replies: readonly Reply[];
  /** The request a reply answers (its index), or -1. */
  readonly indexOf: (seq: number) => number;
}

const one = <T>(item: T, cmd: number, write: Body, what: string): Requests<T> => ({ items: [item], cmd: () => cmd, write: (w) => write(w), what: () => what });

/**
 * One generic-netlink socket talking to the IPVS family. Everything is an exchange of
 * datagrams (see GenlSocket): one at a time per socket, queued in call order. A batch of
 * writes goes `perDatagram` requests to a datagram and only each datagram's last request asks
 * for an acknowledgement: the kernel answers the others only when they fail, and processes a
 * datagram's messages in order, so the last ack means all are done. Dumps go one to a
 * datagram, since a socket runs one dump at a time. After a timeout or a socket failure the
 * socket is replaced: nothing on it can be trusted.
 */
export class IpvsConnection {
  private socket: GenlSocket | undefined;
  private seq = (Math.random() * 0x7fffffff) >>> 0;
  private familyId = 0;
  private tail: Promise<unknown> = Promise.resolve();
  private closed = false;

  private constructor(private readonly options: ConnectionOptions) {}

  /** Opens a socket and resolves the IPVS family; IPVS_ERR_UNAVAILABLE when the kernel has none. */
  static async open(options: ConnectionOptions): Promise<IpvsConnection> {
    const c = new IpvsConnection(options);
    const what = 'resolve the IPVS family';
    try {
      const { buf, replies } = await c.send(one(0, CTRL_CMD_GETFAMILY, (w) => w.str(CTRL_ATTR_FAMILY_NAME, IPVS_GENL_NAME), what), 1, NLM_F_REQUEST, GENL_ID_CTRL);
      const reply = replies[0];
      if (reply?.kind === 'error' && reply.errno !== 0) throw IpvsError.fromErrno(what, reply.errno);
      if (reply?.kind !== 'data') throw new IpvsError('IPVS_ERR_PROTOCOL', what, 'no reply');
      const id = decodeFamilyId(buf, reply.start, reply.end);
      if (!id.ok) throw new IpvsError('IPVS_ERR_PROTOCOL', what, id.detail);
      c.familyId = id.value;
      return c;
    } catch (err) {
      c.close();
      if (err instanceof IpvsError && err.errno === 'ENOENT') {
        throw new IpvsError('IPVS_ERR_UNAVAILABLE', what, 'this kernel has no IPVS (load the ip_vs module, or the kernel lacks CONFIG_IP_VS)', 'ENOENT', err);
      }
      throw err;
    }
  }

  private open(what: () => string): GenlSocket {
    if (this.closed) throw new IpvsError('IPVS_ERR_SOCKET', what(), 'the IPVS client was closed');
    if (this.socket !== undefined) return this.socket;
    try {
      this.socket = this.options.socket();
      return this.socket;
    } catch (err) {
      const e = err as GenlSocketError;
      throw new IpvsError('IPVS_ERR_SOCKET', what(), `cannot open a netlink socket: ${e.message}`, e.errno, err);
    }
  }

  /** One exchange, after those queued before it; socket failures become IpvsError and replace the socket. */
  private exchange(datagrams: readonly Buffer[], what: () => string): Promise<Buffer> {
    const run = async (): Promise<Buffer> => {
      const socket = this.open(what);
      try {
        return await socket.exchange(datagrams, this.options.timeoutMs);
      } catch (err) {
        const e = err as GenlSocketError;
        this.drop();
        if (e.errno === 'ETIMEDOUT') throw new IpvsError('IPVS_ERR_TIMEOUT', what(), `no reply within ${this.options.timeoutMs} ms`, 'ETIMEDOUT', err);
        throw new IpvsError('IPVS_ERR_SOCKET', what(), e.message, e.errno, err);
      }
    };
    const result = this.tail.then(run, run);
    this.tail = result.catch(() => undefined);
    return result;
  }

  /**
   * Sends the requests `perDatagram` to a datagram, each with its own sequence number, in one
   * exchange. In a datagram of several only the last asks for an acknowledgement.
   */
  private async send<T>(r: Requests<T>, perDatagram: number, flags: number, type = this.familyId): Promise<Sent> {
    const n = r.items.length;
    const w = new MessageWriter(Math.min(n, perDatagram) * 128);
    const datagrams: Buffer[] = [];
    const first = this.seq + 1;
    // Sequence numbers run on from `first`, unless they wrap past 0 (which is skipped).
    const bySeq = first + n > 0xffffffff ? new Map<number, number>() : undefined;
    // The sequence number kept in a local while the requests are written, and stored after.
    let seq = this.seq;
    for (let i = 0; i < n; i++) {
      seq = (seq + 1) >>> 0 || 1;
      bySeq?.set(seq, i);
      const item = r.items[i] as T;
      const closes = (i + 1) % perDatagram === 0 || i === n - 1;
      w.begin(type, flags | (perDatagram > 1 && closes ? NLM_F_ACK : 0), seq, r.cmd(item), type === GENL_ID_CTRL ? 1 : IPVS_GENL_VERSION);
      r.write(w, item);
      w.end();
      if (closes) datagrams.push(w.take());
    }
    this.seq = seq;
    const what = (): string => (n === 1 ? r.what(r.items[0] as T) : `${n} requests, the first: ${r.what(r.items[0] as T)}`);
    const buf = await this.exchange(datagrams, what);
    const decoded = decodeReplies(buf);
    if (!decoded.ok) throw new IpvsError('IPVS_ERR_PROTOCOL', what(), decoded.detail);
    const indexOf = (seq: number): number => {
      if (bySeq !== undefined) return bySeq.get(seq) ?? -1;
      const i = seq - first;
      return i >= 0 && i < n ? i : -1;
    };
    return { buf, replies: decoded.value, indexOf };
  }

  /** A get (one data reply) or, with `dump`, a dump (many); rejects with the kernel's refusal. */
  async request(cmd: number, write: Body, what: string, dump: boolean): Promise<Answers> {
    const { buf, replies } = await this.send(one(0, cmd, write, what), 1, NLM_F_REQUEST | (dump ? NLM_F_DUMP : 0));
    for (const r of replies) if (r.kind === 'error' && r.errno !== 0) throw IpvsError.fromErrno(what, r.errno);
    return { buf, answers: [replies as Reply[]] };
  }

  /** One dump per item, in one exchange; each item's answer (data, an error, or DONE) comes at its index. */
  async dumpEach<T>(r: Requests<T>): Promise<Answers> {
    const { buf, replies, indexOf } = await this.send(r, 1, NLM_F_REQUEST | NLM_F_DUMP);
    const answers: Reply[][] = r.items.map(() => []);
    for (const reply of replies) answers[indexOf(reply.seq)]?.push(reply);
    return { buf, answers };
  }

  /**
   * Sends the requests `perDatagram` to a datagram, all in one exchange, and resolves with each
   * one's outcome (undefined = done). A timeout or socket failure rejects the whole batch: which
   * of its requests took effect is then unknown, and the caller should read the kernel again.
   */
  async batch<T>(r: Requests<T>, perDatagram: number): Promise<Array<IpvsError | undefined>> {
    const results = new Array<IpvsError | undefined>(r.items.length).fill(undefined);
    if (r.items.length === 0) return results;
    const { replies, indexOf } = await this.send(r, perDatagram, NLM_F_REQUEST | (perDatagram === 1 ? NLM_F_ACK : 0));
    for (const reply of replies) {
      if (reply.kind !== 'error' || reply.errno === 0) continue;
      const i = indexOf(reply.seq);
      if (i >= 0) results[i] = IpvsError.fromErrno(r.what(r.items[i] as T), reply.errno);
    }
    return results;
  }

  private drop(): void {
    const s = this.socket;
    this.socket = undefined;
    try {
      s?.close();
    } catch {
      // already closed
    }
  }

  close(): void {
    this.closed = true;
    this.drop();
  }
}
