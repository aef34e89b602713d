import test from 'ava';
import { NetError } from '../src/errors.js';
import { NetlinkSocket } from '../src/netlink-socket.js';

// Real exchanges with the kernel's generic-netlink controller (nlctrl), which every Linux
// kernel has and which needs no privilege: family lookups (a get), lookups of a family that
// does not exist (a refusal), and the list of all families (a dump in several parts).

const GENL_ID_CTRL = 0x10;
const CTRL_CMD_GETFAMILY = 3;
const CTRL_ATTR_FAMILY_NAME = 2;
const NLM_F_REQUEST = 1;
const NLM_F_MULTI = 2;
const NLM_F_DUMP = 0x300;
const NLMSG_ERROR = 2;
const NLMSG_DONE = 3;

/** A CTRL_CMD_GETFAMILY request: for one family by name, or (name undefined) a dump of all. */
function getFamily(seq: number, name: string | undefined, flags = NLM_F_REQUEST | (name === undefined ? NLM_F_DUMP : 0)): Buffer {
  const attr = name === undefined ? Buffer.alloc(0) : Buffer.alloc((4 + name.length + 1 + 3) & ~3);
  if (name !== undefined) {
    attr.writeUInt16LE(4 + name.length + 1, 0);
    attr.writeUInt16LE(CTRL_ATTR_FAMILY_NAME, 2);
    attr.write(name, 4, 'latin1');
  }
  const msg = Buffer.alloc(20 + attr.length);
  msg.writeUInt32LE(msg.length, 0);
  msg.writeUInt16LE(GENL_ID_CTRL, 4);
  msg.writeUInt16LE(flags, 6);
  msg.writeUInt32LE(seq, 8);
  msg[16] = CTRL_CMD_GETFAMILY;
  msg[17] = 1;
  attr.copy(msg, 20);
  return msg;
}

interface Message {
  readonly type: number;
  readonly flags: number;
  readonly seq: number;
  readonly errno?: number;
  readonly family?: string;
}

function messages(buf: Buffer): Message[] {
  const out: Message[] = [];
  for (let p = 0; p + 16 <= buf.length; ) {
    const len = buf.readUInt32LE(p);
    const type = buf.readUInt16LE(p + 4);
    const m: Message = { type, flags: buf.readUInt16LE(p + 6), seq: buf.readUInt32LE(p + 8) };
    if (type === NLMSG_ERROR) out.push({ ...m, errno: -buf.readInt32LE(p + 16) });
    else if (type === NLMSG_DONE) out.push(m);
    else {
      // The family name attribute, wherever it sits among the reply's attributes.
      let family: string | undefined;
      for (let a = p + 20; a + 4 <= p + len; a += (buf.readUInt16LE(a) + 3) & ~3) {
        if (buf.readUInt16LE(a) < 4) break;
        if ((buf.readUInt16LE(a + 2) & 0x3fff) === CTRL_ATTR_FAMILY_NAME) family = buf.toString('latin1', a + 4, a + buf.readUInt16LE(a) - 1);
      }
      out.push({ ...m, family });
    }
    p += (len + 3) & ~3;
  }
  return out;
}

test('NetlinkSocket: a get, a refusal and a dump in one exchange, answered in order', async (t) => {
  const s = new NetlinkSocket();
  try {
    const replies = messages(await s.exchange([getFamily(1, 'nlctrl'), getFamily(2, 'no-such-family'), getFamily(3, undefined)], 2000));
    t.like(replies[0], { seq: 1, family: 'nlctrl' });
    t.like(replies[1], { seq: 2, type: NLMSG_ERROR, errno: 2 }, 'ENOENT');
    const dump = replies.slice(2);
    t.true(dump.length >= 2, 'at least nlctrl and the DONE');
    t.true(dump.every((m) => m.seq === 3));
    t.true(dump.slice(0, -1).every((m) => (m.flags & NLM_F_MULTI) !== 0 && m.family !== undefined));
    t.true(dump.some((m) => m.family === 'nlctrl'));
    t.is(dump.at(-1)?.type, NLMSG_DONE, 'the dump ends with its DONE and nothing comes after');
    // The socket is ready for the next exchange.
    t.like(messages(await s.exchange([getFamily(4, 'nlctrl')], 2000))[0], { seq: 4, family: 'nlctrl' });
  } finally {
    s.close();
  }
});

test('NetlinkSocket: a thousand dumps in one exchange come back whole, and the event loop keeps turning meanwhile', async (t) => {
  const s = new NetlinkSocket();
  let turns = 0;
  let running = true;
  const tick = (): void => {
    turns++;
    if (running) setImmediate(tick);
  };
  try {
    const one = messages(await s.exchange([getFamily(1, undefined)], 2000)).length;
    setImmediate(tick);
    const started = process.hrtime.bigint();
    const replies = messages(await s.exchange(Array.from({ length: 1000 }, (_v, i) => getFamily(100 + i, undefined)), 2000));
    const ms = Number(process.hrtime.bigint() - started) / 1e6;
    running = false;
    t.is(replies.length, 1000 * one);
    t.is(replies.filter((m) => m.type === NLMSG_DONE).length, 1000);
    t.deepEqual(
      replies.filter((m) => m.type === NLMSG_DONE).map((m) => m.seq),
      Array.from({ length: 1000 }, (_v, i) => 100 + i),
    );
    // The exchange gives the loop a turn every few milliseconds of its own work.
    t.log(`1000 dumps of ${one - 1} families: ${ms.toFixed(1)} ms, ${turns} loop turns meanwhile`);
    if (ms > 50) t.true(turns > 2, `${turns} turns in ${ms.toFixed(0)} ms`);
  } finally {
    running = false;
    s.close();
  }
});

test('NetlinkSocket: a request the kernel never answers ends at the deadline with ETIMEDOUT', async (t) => {
  const s = new NetlinkSocket();
  try {
    // Without NLM_F_REQUEST the kernel drops the message without a word.
    const err = await t.throwsAsync(s.exchange([getFamily(1, 'nlctrl', 0)], 200), { instanceOf: NetError });
    t.is(err?.errno, 'ETIMEDOUT');
  } finally {
    s.close();
  }
});

test('NetlinkSocket: one exchange at a time, whole messages only, and close fails what is in flight', async (t) => {
  const s = new NetlinkSocket();
  const slow = s.exchange([getFamily(1, 'nlctrl', 0)], 5000);
  t.is((await t.throwsAsync(s.exchange([getFamily(2, 'nlctrl')], 1000)))?.message.includes('another exchange'), true);
  s.close();
  t.is((await t.throwsAsync(slow, { instanceOf: NetError }))?.errno, 'EBADF');
  const t2 = new NetlinkSocket();
  try {
    t.is((await t.throwsAsync(t2.exchange([getFamily(1, 'nlctrl').subarray(0, 18)], 1000), { instanceOf: NetError }))?.errno, 'EINVAL');
    t.is((await t.throwsAsync(t2.exchange([], 1000), { instanceOf: NetError }))?.errno, 'EINVAL');
    t.like(messages(await t2.exchange([getFamily(3, 'nlctrl')], 1000))[0], { seq: 3, family: 'nlctrl' }, 'a refused call leaves the socket usable');
  } finally {
    t2.close();
  }
});
