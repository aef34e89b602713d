import type { MessageInfo, RawNetlinkSocket } from 'netlink';
import { netlinkLib } from './netlink-lib.js';
import { NetError, wrapSyscallError } from './errors.js';
import { native } from './native.js';

// The kernel's process connector (drivers/connector/cn_proc.c, linux/cn_proc.h): a netlink
// message for every fork, exec, name change and exit of any process on the host, as
// keepalived's track_process reads it (keepalived/core/track_process.c). Processes are
// followed as they start and end, never polled.

/** linux/netlink.h NETLINK_CONNECTOR; linux/connector.h CN_IDX_PROC, CN_VAL_PROC. */
const NETLINK_CONNECTOR = 11;
const CN_IDX_PROC = 1;
const CN_VAL_PROC = 1;
const NLMSG_DONE = 3;
const NLMSG_HDRLEN = 16;
const CN_MSG_LEN = 20;
/** linux/cn_proc.h enum proc_cn_mcast_op. */
const PROC_CN_MCAST_LISTEN = 1;
const PROC_CN_MCAST_IGNORE = 2;

/** linux/cn_proc.h enum what. */
const PROC_EVENT_NONE = 0;
const PROC_EVENT_FORK = 0x1;
const PROC_EVENT_EXEC = 0x2;
const PROC_EVENT_COMM = 0x200;
const PROC_EVENT_EXIT = 0x80000000;

/** One event of the process connector that process tracking uses. Pids are thread ids, tgids process ids. */
export type ProcEvent =
  | { readonly kind: 'fork'; readonly parentTgid: number; readonly childPid: number; readonly childTgid: number }
  | { readonly kind: 'exec'; readonly pid: number; readonly tgid: number }
  | { readonly kind: 'comm'; readonly pid: number; readonly tgid: number; readonly comm: string }
  | { readonly kind: 'exit'; readonly pid: number; readonly tgid: number }
  /** The kernel's answer to the subscription (PROC_EVENT_NONE with the ack flag). */
  | { readonly kind: 'ack' };

/** What one datagram of the connector holds: an event of interest, or why it was skipped. */
export type ProcDecoded =
  | { readonly ok: true; readonly event: ProcEvent; readonly cpu: number; readonly seq: number }
  | { readonly ok: false; readonly reason: 'short' | 'not-proc' | 'other-event' };

/**
 * Decodes one datagram: nlmsghdr, cn_msg, then struct proc_event. The kernel sends one
 * message per datagram (cn_proc.c; see keepalived's handle_proc_ev on the alignment that
 * forbids chaining). Never throws: a datagram too short for what it claims is 'short'.
 */
export function decodeProcEvent(buf: Buffer): ProcDecoded {
  const cn = NLMSG_HDRLEN;
  const ev = cn + CN_MSG_LEN;
  if (buf.length < ev + 16) return { ok: false, reason: 'short' };
  const len = buf.readUInt32LE(0);
  if (len < ev + 16 || len > buf.length) return { ok: false, reason: 'short' };
  if (buf.readUInt32LE(cn) !== CN_IDX_PROC || buf.readUInt32LE(cn + 4) !== CN_VAL_PROC) return { ok: false, reason: 'not-proc' };
  const seq = buf.readUInt32LE(cn + 8);
  const ack = buf.readUInt32LE(cn + 12);
  const what = buf.readUInt32LE(ev);
  const cpu = buf.readUInt32LE(ev + 4);
  const data = ev + 16;
  const need = (n: number): boolean => data + n <= len;
  switch (what) {
    case PROC_EVENT_NONE:
      // The subscription's answer carries the ack flag; anything else is not one.
      return ack !== 0 ? { ok: true, event: { kind: 'ack' }, cpu, seq } : { ok: false, reason: 'other-event' };
    case PROC_EVENT_FORK:
      if (!need(16)) return { ok: false, reason: 'short' };
      return { ok: true, cpu, seq, event: { kind: 'fork', parentTgid: buf.readInt32LE(data + 4), childPid: buf.readInt32LE(data + 8), childTgid: buf.readInt32LE(data + 12) } };
    case PROC_EVENT_EXEC:
      if (!need(8)) return { ok: false, reason: 'short' };
      return { ok: true, cpu, seq, event: { kind: 'exec', pid: buf.readInt32LE(data), tgid: buf.readInt32LE(data + 4) } };
    case PROC_EVENT_COMM: {
      if (!need(24)) return { ok: false, reason: 'short' };
      const raw = buf.subarray(data + 8, data + 24);
      const end = raw.indexOf(0);
      return { ok: true, cpu, seq, event: { kind: 'comm', pid: buf.readInt32LE(data), tgid: buf.readInt32LE(data + 4), comm: raw.subarray(0, end < 0 ? 16 : end).toString('latin1') } };
    }
    case PROC_EVENT_EXIT:
      if (!need(8)) return { ok: false, reason: 'short' };
      return { ok: true, cpu, seq, event: { kind: 'exit', pid: buf.readInt32LE(data), tgid: buf.readInt32LE(data + 4) } };
    default:
      return { ok: false, reason: 'other-event' };
  }
}

/** The subscription message: LISTEN (or IGNORE) to the process events, from netlink port `port`. */
export function encodeProcListen(listen: boolean, port: number): Buffer {
  const len = NLMSG_HDRLEN + CN_MSG_LEN + 4;
  const buf = Buffer.alloc(len);
  buf.writeUInt32LE(len, 0);
  buf.writeUInt16LE(NLMSG_DONE, 4);
  buf.writeUInt32LE(port >>> 0, 12);
  buf.writeUInt32LE(CN_IDX_PROC, NLMSG_HDRLEN);
  buf.writeUInt32LE(CN_VAL_PROC, NLMSG_HDRLEN + 4);
  buf.writeUInt16LE(4, NLMSG_HDRLEN + 16);
  buf.writeUInt32LE(listen ? PROC_CN_MCAST_LISTEN : PROC_CN_MCAST_IGNORE, NLMSG_HDRLEN + CN_MSG_LEN);
  return buf;
}

export interface ProcConnectorHandlers {
  readonly onEvent: (event: ProcEvent) => void;
  /**
   * Events were lost (the socket's buffer overflowed, or a CPU's sequence skipped): what
   * is running must be read again (keepalived reinitialises after ENOBUFS the same way).
   */
  readonly onLost: (why: string) => void;
  readonly onError: (err: Error) => void;
}

/**
 * A subscription to the kernel's process events. Needs CAP_NET_ADMIN; the socket is opened
 * in the initial network namespace (the connector exists only there), whatever namespace
 * tandemd runs in.
 */
export class ProcConnector {
  private readonly socket: RawNetlinkSocket;
  private readonly seqs = new Map<number, number>();
  private closed = false;

  private acked: () => void = () => undefined;

  private constructor(
    private readonly h: ProcConnectorHandlers,
    netns: string | undefined,
  ) {
    const open = (): RawNetlinkSocket => new (netlinkLib().RawNetlinkSocket)(NETLINK_CONNECTOR, { localGroups: CN_IDX_PROC } as ConstructorParameters<typeof RawNetlinkSocket>[1]);
    try {
      this.socket = netns === undefined ? open() : native().callInNetworkNamespace(netns, open);
    } catch (err) {
      throw wrapSyscallError(err);
    }
    this.socket.on('message', (msg: Buffer, rinfo: MessageInfo) => {
      // Only the kernel (port 0) speaks for the connector.
      if (rinfo.port !== 0) return;
      const d = decodeProcEvent(msg);
      if (!d.ok) return;
      if (d.event.kind === 'ack') {
        this.acked();
        return;
      }
      // One sequence per CPU (cn_proc.c): a gap means the socket dropped events.
      const last = this.seqs.get(d.cpu);
      this.seqs.set(d.cpu, d.seq);
      if (last !== undefined && ((last + 1) >>> 0) !== d.seq) this.h.onLost(`${(d.seq - last - 1) >>> 0} process events missed on CPU ${d.cpu}`);
      this.h.onEvent(d.event);
    });
    this.socket.on('error', (err: Error & { code?: string }) => {
      if (this.closed) return;
      if (err.code === 'ENOBUFS') {
        this.seqs.clear();
        this.h.onLost('the process event socket overflowed');
      } else this.h.onError(err);
    });
  }

  /**
   * Subscribes to the process events, opening the socket in the network namespace at `netns`
   * when given (the connector exists only in the initial namespace: tandemd passes the one it
   * started in). Resolves once the kernel has answered; rejects with a NetError when the socket
   * cannot be opened or nothing answers within `timeoutMs` (no CONFIG_PROC_EVENTS, or a
   * namespace without the connector).
   */
  static open(h: ProcConnectorHandlers, netns?: string, timeoutMs = 1000): Promise<ProcConnector> {
    let c: ProcConnector;
    try {
      c = new ProcConnector(h, netns);
    } catch (err) {
      return Promise.reject(err);
    }
    return new Promise((resolve, reject) => {
      const fail = (why: string): void => {
        clearTimeout(timer);
        c.closed = true;
        c.socket.close();
        reject(new NetError('NET_ERR_NETLINK', 'process connector subscribe', why));
      };
      const timer = setTimeout(() => fail(`the kernel did not answer within ${timeoutMs} ms`), timeoutMs);
      c.acked = () => {
        clearTimeout(timer);
        resolve(c);
      };
      c.socket.send(encodeProcListen(true, c.socket.address().port), {}, (err) => {
        if (err !== undefined && err !== null) fail(`${err.message} (the process connector exists only in the initial network namespace)`);
      });
    });
  }

  /** Sets the socket's receive buffer (keepalived's process_monitor_rcv_bufs). */
  setReceiveBuffer(bytes: number): void {
    this.socket.setRecvBufferSize(bytes);
  }

  /** Unsubscribes (older kernels count listeners and keep generating events until told) and closes. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.socket.send(encodeProcListen(false, this.socket.address().port), {}, () => this.socket.close());
  }
}
