import { GENL_HDRLEN, NLMSG_DONE, NLMSG_ERROR, NLMSG_HDRLEN } from './constants.js';
import { type Attr, attrsLength, writeAttrs } from './nlattr.js';

/** One generic-netlink request to frame. */
export interface Request {
  readonly type: number;
  readonly flags: number;
  readonly seq: number;
  readonly cmd: number;
  readonly version: number;
  readonly attrs: readonly Attr[];
}

/** Frames requests back to back in one buffer: nlmsghdr + genlmsghdr + attributes each. */
export function encodeRequests(requests: readonly Request[]): Buffer {
  const lengths = requests.map((r) => NLMSG_HDRLEN + GENL_HDRLEN + attrsLength(r.attrs));
  const out = Buffer.alloc(lengths.reduce((a, b) => a + b, 0));
  let p = 0;
  requests.forEach((r, i) => {
    const len = lengths[i] ?? 0;
    out.writeUInt32LE(len, p);
    out.writeUInt16LE(r.type, p + 4);
    out.writeUInt16LE(r.flags, p + 6);
    out.writeUInt32LE(r.seq >>> 0, p + 8);
    out[p + 16] = r.cmd;
    out[p + 17] = r.version;
    writeAttrs(r.attrs, out, p + NLMSG_HDRLEN + GENL_HDRLEN);
    p += len;
  });
  return out;
}

/** A generic-netlink request: nlmsghdr + genlmsghdr + attributes. */
export function encodeMessage(type: number, flags: number, seq: number, cmd: number, version: number, attrs: readonly Attr[]): Buffer {
  return encodeRequests([{ type, flags, seq, cmd, version, attrs }]);
}

/** One message of a reply buffer. */
export type Reply =
  | { readonly kind: 'data'; readonly seq: number; readonly type: number; readonly flags: number; readonly cmd: number; readonly payload: Buffer }
  /** NLMSG_ERROR: errno 0 is an acknowledgement. */
  | { readonly kind: 'error'; readonly seq: number; readonly errno: number }
  | { readonly kind: 'done'; readonly seq: number };

/** Splits a datagram into its netlink messages; a malformed tail throws. */
export function decodeReplies(buf: Buffer): Reply[] {
  const out: Reply[] = [];
  let p = 0;
  while (p + NLMSG_HDRLEN <= buf.length) {
    const len = buf.readUInt32LE(p);
    if (len < NLMSG_HDRLEN || p + len > buf.length) throw new Error(`malformed netlink message at offset ${p} (length ${len})`);
    const type = buf.readUInt16LE(p + 4);
    const flags = buf.readUInt16LE(p + 6);
    const seq = buf.readUInt32LE(p + 8);
    if (type === NLMSG_ERROR) {
      out.push({ kind: 'error', seq, errno: Math.abs(buf.readInt32LE(p + NLMSG_HDRLEN)) });
    } else if (type === NLMSG_DONE) {
      out.push({ kind: 'done', seq });
    } else if (len >= NLMSG_HDRLEN + GENL_HDRLEN) {
      out.push({ kind: 'data', seq, type, flags, cmd: buf.readUInt8(p + NLMSG_HDRLEN), payload: buf.subarray(p + NLMSG_HDRLEN + GENL_HDRLEN, p + len) });
    }
    p += (len + 3) & ~3;
  }
  return out;
}
