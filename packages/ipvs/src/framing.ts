import { GENL_HDRLEN, NLM_F_ACK, NLM_F_DUMP, NLM_F_MULTI, NLMSG_DONE, NLMSG_ERROR, NLMSG_HDRLEN } from './constants.js';
import type { Decoded } from './decode.js';
import { MessageWriter } from './nlattr.js';

/** One generic-netlink message: nlmsghdr + genlmsghdr + the attributes `write` puts. */
export function encodeMessage(type: number, flags: number, seq: number, cmd: number, version: number, write: (w: MessageWriter) => void = () => undefined): Buffer {
  const w = new MessageWriter(256);
  w.begin(type, flags, seq, cmd, version);
  write(w);
  w.end();
  return Buffer.from(w.take());
}

/** One message of a reply buffer; a data message's payload (after the generic-netlink header) is `buf[start, end)`. */
export type Reply =
  | { readonly kind: 'data'; readonly seq: number; readonly type: number; readonly flags: number; readonly cmd: number; readonly start: number; readonly end: number }
  /** NLMSG_ERROR: errno 0 is an acknowledgement. */
  | { readonly kind: 'error'; readonly seq: number; readonly errno: number }
  | { readonly kind: 'done'; readonly seq: number };

/** Splits a buffer of replies into its netlink messages, or says where it is malformed. */
export function decodeReplies(buf: Buffer): Decoded<Reply[]> {
  const out: Reply[] = [];
  let p = 0;
  while (p + NLMSG_HDRLEN <= buf.length) {
    const len = buf.readUInt32LE(p);
    if (len < NLMSG_HDRLEN || p + len > buf.length) return { ok: false, detail: `malformed netlink message at offset ${p} (length ${len}, ${buf.length - p} bytes left)` };
    const type = buf.readUInt16LE(p + 4);
    const flags = buf.readUInt16LE(p + 6);
    const seq = buf.readUInt32LE(p + 8);
    if (type === NLMSG_ERROR) {
      if (len < NLMSG_HDRLEN + 4) return { ok: false, detail: `error message at offset ${p} has no error code` };
      out.push({ kind: 'error', seq, errno: Math.abs(buf.readInt32LE(p + NLMSG_HDRLEN)) });
    } else if (type === NLMSG_DONE) {
      out.push({ kind: 'done', seq });
    } else if (len >= NLMSG_HDRLEN + GENL_HDRLEN) {
      out.push({ kind: 'data', seq, type, flags, cmd: buf[p + NLMSG_HDRLEN]!, start: p + NLMSG_HDRLEN + GENL_HDRLEN, end: p + len });
    }
    p += (len + 3) & ~3;
  }
  return { ok: true, value: out };
}

/** What the last request of a datagram waits for: the exchange of the datagram ends with its answer. */
export interface RequestHead {
  readonly seq: number;
  readonly dump: boolean;
  readonly ack: boolean;
}

/** The head of a datagram's last request (the datagram holds whole messages, as MessageWriter makes them). */
export function lastRequest(datagram: Buffer): RequestHead {
  let last = 0;
  for (let p = 0; p + NLMSG_HDRLEN <= datagram.length; p += (datagram.readUInt32LE(p) + 3) & ~3) {
    last = p;
    if (datagram.readUInt32LE(p) < NLMSG_HDRLEN) break;
  }
  const flags = datagram.readUInt16LE(last + 6);
  return { seq: datagram.readUInt32LE(last + 8), dump: (flags & NLM_F_DUMP) === NLM_F_DUMP, ack: (flags & NLM_F_ACK) !== 0 };
}

/**
 * Whether a received datagram ends the answer to `head`: an error or acknowledgement, a dump's
 * NLMSG_DONE, or a plain get's single reply when no acknowledgement was asked for. The kernel
 * answers a datagram's requests in order, so the last one's end is the end of them all.
 */
export function endsAnswer(buf: Buffer, head: RequestHead): boolean {
  for (let p = 0; p + NLMSG_HDRLEN <= buf.length; ) {
    const len = buf.readUInt32LE(p);
    if (len < NLMSG_HDRLEN) return false;
    if (buf.readUInt32LE(p + 8) === head.seq) {
      const type = buf.readUInt16LE(p + 4);
      if (type === NLMSG_ERROR || type === NLMSG_DONE) return true;
      if (!head.dump && !head.ack && (buf.readUInt16LE(p + 6) & NLM_F_MULTI) === 0) return true;
    }
    p += (len + 3) & ~3;
  }
  return false;
}
