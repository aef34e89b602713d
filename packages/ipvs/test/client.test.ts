import test from 'ava';
import fc from 'fast-check';
import { IpvsClient } from '../src/client.js';
import { Cmd, NLM_F_ACK, NLM_F_DUMP, NLM_F_MULTI, NLMSG_DONE, NLMSG_ERROR } from '../src/constants.js';
import { decodeDestination, decodeService } from '../src/decode.js';
import { destinationId, serviceId } from '../src/describe.js';
import { IpvsError } from '../src/errors.js';
import { encodeMessage } from '../src/framing.js';
import { writeDestination, writeService } from '../src/messages.js';
import { planChanges } from '../src/reconcile.js';
import type { GenlSocket, GenlSocketError } from '../src/socket.js';
import type { Destination, Service, ServiceKey, TableService } from '../src/types.js';

// The client against an in-memory IPVS behind a fake generic-netlink socket that answers as
// the kernel does (ip_vs_ctl.c's errnos, acknowledgements only when asked for or on failure,
// dumps as NLM_F_MULTI parts and a DONE). The real kernel is tested in the guest.

const FAMILY = 0x22;
const errnos = { ENOENT: 2, ESRCH: 3, EEXIST: 17 } as const;

/** The kernel side: the table, and what it was sent. */
class FakeIpvs {
  readonly services = new Map<string, { service: Service; dests: Map<string, Destination> }>();
  exchanges = 0;
  datagrams = 0;
  /** Makes the next exchange fail with this errno (ETIMEDOUT: a deadline passed). */
  failNext: string | undefined;
  noIpvs = false;

  async exchange(datagrams: readonly Buffer[]): Promise<Buffer> {
    await new Promise((r) => setImmediate(r));
    this.exchanges++;
    const failure = this.failNext;
    this.failNext = undefined;
    if (failure !== undefined) throw Object.assign(new Error(`failed: ${failure}`), { errno: failure }) as GenlSocketError;
    const out: Buffer[] = [];
    for (const d of datagrams) {
      this.datagrams++;
      for (let p = 0; p < d.length; p += (d.readUInt32LE(p) + 3) & ~3) out.push(...this.answer(d.subarray(p, p + d.readUInt32LE(p))));
    }
    return Buffer.concat(out);
  }

  private answer(m: Buffer): Buffer[] {
    const type = m.readUInt16LE(4);
    const flags = m.readUInt16LE(6);
    const seq = m.readUInt32LE(8);
    const status = (errno: number): Buffer => {
      const b = Buffer.alloc(36);
      b.writeUInt32LE(36, 0);
      b.writeUInt16LE(NLMSG_ERROR, 4);
      b.writeUInt32LE(seq, 8);
      b.writeInt32LE(-errno, 16);
      return b;
    };
    if (type === 0x10) return this.noIpvs ? [status(errnos.ENOENT)] : [encodeMessage(0x10, 0, seq, 1, 1, (w) => w.u16(1, FAMILY))];
    const cmd = m[16]!;
    const svc = decodeService(m, 20, m.length);
    const key = svc.ok ? svc.value.key : undefined;
    const entry = key === undefined ? undefined : this.services.get(serviceId(key));
    const dest = (): Destination => {
      const d = decodeDestination(m, 'inet', 20, m.length);
      if (!d.ok) throw new Error(d.detail);
      return d.value;
    };
    let errno = 0;
    const dump: Buffer[] = [];
    switch (cmd) {
      case Cmd.NewService:
        if (entry !== undefined) errno = errnos.EEXIST;
        else if (svc.ok) this.services.set(serviceId(svc.value.key), { service: svc.value, dests: new Map() });
        break;
      case Cmd.DelService:
        if (entry === undefined) errno = errnos.ESRCH;
        else this.services.delete(serviceId(key!));
        break;
      case Cmd.NewDest:
      case Cmd.SetDest:
      case Cmd.DelDest: {
        if (entry === undefined) {
          errno = errnos.ESRCH;
          break;
        }
        const d = dest();
        const has = entry.dests.has(destinationId(d));
        if (cmd === Cmd.NewDest && has) errno = errnos.EEXIST;
        else if (cmd !== Cmd.NewDest && !has) errno = errnos.ENOENT;
        else if (cmd === Cmd.DelDest) entry.dests.delete(destinationId(d));
        else entry.dests.set(destinationId(d), d);
        break;
      }
      case Cmd.GetService:
        for (const s of this.services.values()) dump.push(encodeMessage(FAMILY, NLM_F_MULTI, seq, Cmd.NewService, 1, (w) => writeService(w, s.service)));
        break;
      case Cmd.GetDest:
        // An unknown service gives an empty dump, not an error (ip_vs_genl_dump_dests).
        for (const d of entry?.dests.values() ?? []) dump.push(encodeMessage(FAMILY, NLM_F_MULTI, seq, Cmd.NewDest, 1, (w) => writeDestination(w, key!, d)));
        break;
    }
    if ((flags & NLM_F_DUMP) === NLM_F_DUMP) {
      const end = Buffer.alloc(20);
      end.writeUInt32LE(20, 0);
      end.writeUInt16LE(NLMSG_DONE, 4);
      end.writeUInt16LE(NLM_F_MULTI, 6);
      end.writeUInt32LE(seq, 8);
      return [...dump, end];
    }
    return errno !== 0 || (flags & NLM_F_ACK) !== 0 ? [status(errno)] : [];
  }
}

/** One socket onto the fake kernel: one exchange at a time, as GenlSocket promises. */
class FakeSocket implements GenlSocket {
  private busy = false;
  private closed = false;
  constructor(private readonly kernel: FakeIpvs) {}

  async exchange(datagrams: readonly Buffer[]): Promise<Buffer> {
    if (this.busy) throw Object.assign(new Error('overlapping exchanges'), { errno: 'EBUSY' });
    if (this.closed) throw Object.assign(new Error('closed'), { errno: 'EBADF' });
    this.busy = true;
    try {
      return await this.kernel.exchange(datagrams);
    } finally {
      this.busy = false;
    }
  }

  close(): void {
    this.closed = true;
  }
}

/** A kernel and a socket factory that counts the sockets it opened. */
function kernel(): { fake: FakeIpvs; opened: () => number; socket: () => GenlSocket } {
  const fake = new FakeIpvs();
  let n = 0;
  return {
    fake,
    opened: () => n,
    socket: () => {
      n++;
      return new FakeSocket(fake);
    },
  };
}

const svc = (port: number, scheduler = 'wlc'): Service => ({ key: { family: 'inet', protocol: 'tcp', address: '192.0.2.10', port }, scheduler, flags: 0, timeout: 0, netmask: 32 });
const dest = (last: number, weight = 1): Destination => ({ address: `10.0.0.${last}`, port: 80, forward: 'masq', weight, upperThreshold: 0, lowerThreshold: 0 });

const plain = (t: readonly TableService[]): TableService[] =>
  t.map((s) => ({
    service: { key: s.service.key, scheduler: s.service.scheduler, flags: s.service.flags, timeout: s.service.timeout, netmask: s.service.netmask },
    destinations: s.destinations.map((d) => ({ address: d.address, port: d.port, forward: d.forward, weight: d.weight, upperThreshold: d.upperThreshold, lowerThreshold: d.lowerThreshold })),
  }));

const arbTable = fc
  .uniqueArray(fc.record({ port: fc.integer({ min: 1, max: 60 }), dests: fc.uniqueArray(fc.integer({ min: 1, max: 30 }), { maxLength: 12 }) }), { selector: (s) => s.port, maxLength: 25 })
  .map((ss) => ss.map((s) => ({ service: svc(s.port), destinations: s.dests.map((d) => dest(d, d % 4)) })));

test('property: a table applied in small datagrams reads back whole over several sockets, each read and write one exchange', async (t) => {
  await fc.assert(
    fc.asyncProperty(arbTable, fc.integer({ min: 1, max: 9 }), fc.integer({ min: 1, max: 4 }), async (table, batchSize, dumpSockets) => {
      const k = kernel();
      const client = await IpvsClient.open({ socket: k.socket, batchSize, dumpSockets });
      try {
        const ops = planChanges(table, []);
        const before = k.fake.exchanges;
        const results = await client.apply(ops);
        t.deepEqual(
          results.filter((r) => r.error !== undefined),
          [],
        );
        if (ops.length > 0) t.is(k.fake.exchanges - before, 1, 'all datagrams in one exchange');
        t.is(k.fake.datagrams - dumpSockets, Math.ceil(ops.length / batchSize), 'batchSize requests to a datagram (after one family lookup per socket)');
        const read = await client.table();
        t.deepEqual(plain(read), plain(table));
      } finally {
        client.close();
      }
    }),
    { numRuns: 60 },
  );
});

test('refusals in a batch come back on the operations refused, with the errno and the operation in words', async (t) => {
  const k = kernel();
  const client = await IpvsClient.open({ socket: k.socket, batchSize: 3 });
  const missing: ServiceKey = svc(99).key;
  const results = await client.apply([
    { op: 'add-service', service: svc(80) },
    { op: 'add-destination', key: svc(80).key, destination: dest(1) },
    { op: 'add-destination', key: missing, destination: dest(2) },
    { op: 'add-destination', key: svc(80).key, destination: dest(1) },
    { op: 'add-destination', key: svc(80).key, destination: dest(3) },
  ]);
  t.deepEqual(
    results.map((r) => r.error?.errno),
    [undefined, undefined, 'ESRCH', 'EEXIST', undefined],
  );
  t.is(results[2]?.error?.code, 'IPVS_ERR_KERNEL');
  t.is(results[2]?.error?.operation, 'add destination TCP 192.0.2.10:99 -> 10.0.0.2:80 masq weight 1');
  t.deepEqual(
    (await client.destinations(svc(80).key)).map((d) => d.address),
    ['10.0.0.1', '10.0.0.3'],
  );
  t.deepEqual(await client.destinations(missing), [], 'an unknown service lists no destinations');
  client.close();
});

test('a timeout is IPVS_ERR_TIMEOUT for the operation; the socket is replaced and the next call works', async (t) => {
  const k = kernel();
  const client = await IpvsClient.open({ socket: k.socket, timeoutMs: 50 });
  t.is(k.opened(), 1);
  k.fake.failNext = 'ETIMEDOUT';
  const err = await t.throwsAsync(client.run({ op: 'add-service', service: svc(80) }), { instanceOf: IpvsError });
  t.is(err?.code, 'IPVS_ERR_TIMEOUT');
  t.is(err?.errno, 'ETIMEDOUT');
  t.is(err?.message, 'add service TCP 192.0.2.10:80 wlc: no reply within 50 ms');
  t.true((err?.cause as Error | undefined)?.message.includes('ETIMEDOUT'), 'the socket\'s error is kept as the cause');
  k.fake.failNext = 'ENOBUFS';
  t.like(await t.throwsAsync(client.services(), { instanceOf: IpvsError }), { code: 'IPVS_ERR_SOCKET', errno: 'ENOBUFS', operation: 'list services' });
  await client.run({ op: 'add-service', service: svc(80) });
  t.is(k.opened(), 3, 'a new socket after each failure');
  t.is((await client.services()).length, 1);
  client.close();
  t.like(await t.throwsAsync(client.services(), { instanceOf: IpvsError }), { code: 'IPVS_ERR_SOCKET', message: 'list services: the IPVS client was closed' });
});

test('calls made together on one socket are queued, not interleaved', async (t) => {
  const k = kernel();
  const client = await IpvsClient.open({ socket: k.socket });
  await Promise.all([client.run({ op: 'add-service', service: svc(80) }), client.run({ op: 'add-service', service: svc(81) }), client.services(), client.info().catch(() => undefined)]);
  t.is((await client.services()).length, 2);
  client.close();
});

test('a kernel without IPVS is IPVS_ERR_UNAVAILABLE; a socket that cannot open is IPVS_ERR_SOCKET', async (t) => {
  const k = kernel();
  k.fake.noIpvs = true;
  t.like(await t.throwsAsync(IpvsClient.open({ socket: k.socket }), { instanceOf: IpvsError }), { code: 'IPVS_ERR_UNAVAILABLE', errno: 'ENOENT' });
  const refused = (): GenlSocket => {
    throw Object.assign(new Error('socket: Operation not permitted'), { errno: 'EPERM' });
  };
  t.like(await t.throwsAsync(IpvsClient.open({ socket: refused }), { instanceOf: IpvsError }), { code: 'IPVS_ERR_SOCKET', errno: 'EPERM' });
});

test('sequence numbers that wrap past zero still match each answer to its request', async (t) => {
  const k = kernel();
  const client = await IpvsClient.open({ socket: k.socket, batchSize: 4 });
  (client as unknown as { main: { seq: number } }).main.seq = 0xffffffff - 5;
  const ops = [
    { op: 'add-service' as const, service: svc(80) },
    ...Array.from({ length: 12 }, (_v, i) => ({ op: 'add-destination' as const, key: (i === 7 ? svc(99) : svc(80)).key, destination: dest(i + 1) })),
  ];
  const results = await client.apply(ops);
  t.deepEqual(
    results.map((r, i) => (r.error === undefined ? i : `${i}:${r.error.errno}`)),
    ops.map((_o, i) => (i === 8 ? '8:ESRCH' : i)),
  );
  client.close();
});
