import test from 'ava';
import fc from 'fast-check';
import { addressHex, addressKey, addressToInetAddr, inetAddrOf, inetAddrToAddress, maskToPrefix, prefixToMask } from '../src/address.js';
import { decodeReplies, encodeMessage } from '../src/framing.js';
import { type Decoded, decodeDaemon, decodeDestination, decodeService } from '../src/decode.js';
import { writeDaemon, writeDestination, writeDestinationKey, writeService, writeServiceKey } from '../src/messages.js';
import { encodeAttrs, MessageWriter } from '../src/nlattr.js';
import type { Destination, Service, ServiceKey, SyncDaemon } from '../src/types.js';

// Byte vectors written out from include/uapi/linux/ip_vs.h: attribute numbers, the 16-byte
// nf_inet_addr, ports and the IPv4 netmask in network order, everything else host order.
const hex = (s: string): Buffer => Buffer.from(s.replace(/\s+/g, ''), 'hex');

/** The value of a decode that must succeed. */
function value<T>(d: Decoded<T>): T {
  if (!d.ok) throw new Error(d.detail);
  return d.value;
}

const serviceMessage = (s: Service): Buffer => encodeAttrs((w) => writeService(w, s));
const serviceKeyMessage = (k: ServiceKey): Buffer => encodeAttrs((w) => writeServiceKey(w, k));
const destinationMessage = (k: ServiceKey, d: Destination): Buffer => encodeAttrs((w) => writeDestination(w, k, d));
const daemonMessage = (d: SyncDaemon): Buffer => encodeAttrs((w) => writeDaemon(w, d));

const tcpService: Service = { key: { family: 'inet', protocol: 'tcp', address: '192.0.2.10', port: 80 }, scheduler: 'wlc', flags: 0, timeout: 0, netmask: 32 };

test('NEW_SERVICE for TCP 192.0.2.10:80 wlc is the kernel layout byte for byte', (t) => {
  t.deepEqual(
    (serviceMessage(tcpService)),
    hex(`
      5400 0180
        0600 0100 0200 0000
        0600 0200 0600 0000
        1400 0300 c000020a 00000000 00000000 00000000
        0600 0400 0050 0000
        0800 0600 776c6300
        0c00 0700 00000000 ffffffff
        0800 0800 00000000
        0800 0900 ffffffff`),
  );
});

test('an IPv6 service sends its persistence granularity as a prefix length, a v4 one as a mask', (t) => {
  const v6 = (serviceMessage({ ...tcpService, key: { family: 'inet6', protocol: 'udp', address: '2001:db8::10', port: 53 }, netmask: 64, timeout: 300, flags: 1 }));
  t.true(v6.includes(hex('0800 0900 40000000')));
  t.true(v6.includes(hex('0800 0800 2c010000')));
  t.true(v6.includes(hex('1400 0300 20010db8 00000000 00000000 00000010')));
  const v4 = (serviceMessage({ ...tcpService, netmask: 24 }));
  t.true(v4.includes(hex('0800 0900 ffffff00')));
});

test('a fwmark service is named by AF and mark only', (t) => {
  t.deepEqual((serviceKeyMessage({ family: 'inet', fwmark: 7 })), hex('1400 0180 0600 0100 0200 0000 0800 0500 07000000'));
});

test('NEW_DEST with GUE tunnelling carries type, port (network order) and checksum flags', (t) => {
  const d: Destination = { address: '10.0.0.5', port: 8080, forward: 'tunnel', weight: 3, upperThreshold: 100, lowerThreshold: 10, tunnel: { type: 'gue', port: 6080, checksum: 'remcsum' } };
  const dest = (destinationMessage(tcpService.key, d)).subarray(48);
  t.deepEqual(
    dest,
    hex(`
      5800 0280
        1400 0100 0a000005 00000000 00000000 00000000
        0600 0200 1f90 0000
        0800 0300 02000000
        0800 0400 03000000
        0800 0500 64000000
        0800 0600 0a000000
        0500 0d00 01 000000
        0600 0e00 17c0 0000
        0600 0f00 0200 0000`),
  );
});

test('NEW_DEST of a NAT destination with its family, and DEL_DEST of it: address, port, family, then the rest', (t) => {
  const d: Destination = { address: '10.0.0.5', port: 8080, family: 'inet', forward: 'masq', weight: 1, upperThreshold: 0, lowerThreshold: 0 };
  const keyAttrs = hex(`
    1400 0100 0a000005 00000000 00000000 00000000
    0600 0200 1f90 0000
    0600 0b00 0200 0000`);
  const rest = hex(`
    0800 0300 00000000
    0800 0400 01000000
    0800 0500 00000000
    0800 0600 00000000`);
  t.deepEqual(destinationMessage(tcpService.key, d).subarray(48), Buffer.concat([hex('4800 0280'), keyAttrs, rest]));
  t.deepEqual(encodeAttrs((w) => writeDestinationKey(w, tcpService.key, d)).subarray(48), Buffer.concat([hex('2800 0280'), keyAttrs]));
});

test('NEW_DAEMON: interface NUL-terminated, group in network order, port and maxlen in host order', (t) => {
  t.deepEqual(
    (daemonMessage({ state: 'master', interface: 'eth1', syncId: 7, maxlen: 1400, group: '239.1.2.3', port: 8850, ttl: 2 })),
    hex(`
      4000 0380
        0800 0100 01000000
        0900 0200 65746831 00 000000
        0800 0300 07000000
        0600 0400 7805 0000
        0800 0500 ef010203
        0600 0700 9222 0000
        0500 0800 02 000000`),
  );
  t.deepEqual(value(decodeDaemon((daemonMessage({ state: 'backup', interface: 'eth1', syncId: 7, group: 'ff02::81' })))), { state: 'backup', interface: 'eth1', syncId: 7, group: 'ff02::81' });
});

test('a dumped service decodes, with 64-bit counters preferred over the 32-bit ones', (t) => {
  // What ip_vs_genl_fill_service sends: the service attributes plus STATS and STATS64.
  const payload = hex(`
    7c00 0180
      0600 0100 0200 0000
      0600 0200 0600 0000
      1400 0300 c000020a 00000000 00000000 00000000
      0600 0400 0050 0000
      0800 0600 72720000
      0c00 0700 03000000 ffffffff
      0800 0800 2c010000
      0800 0900 ffffff00
      0c00 0a00 0800 0100 05000000
      1c00 0c00 0c00 0100 0900000000000000 0c00 0400 e803000000000000`);
  const s = value(decodeService(payload));
  t.deepEqual(s.key, tcpService.key);
  t.is(s.scheduler, 'rr');
  t.is(s.flags, 1, 'HASHED (2) is the kernel\'s own business and is dropped');
  t.is(s.timeout, 300);
  t.is(s.netmask, 24);
  t.is(s.stats.conns, 9n);
  t.is(s.stats.inBytes, 1000n);
});

test('a dumped destination decodes its counters and tunnel settings', (t) => {
  const payload = hex(`
    7800 0280
      1400 0100 0a000005 00000000 00000000 00000000
      0600 0200 0050 0000
      0800 0300 02000000
      0800 0400 05000000
      0800 0500 00000000
      0800 0600 00000000
      0800 0700 04000000
      0800 0800 02000000
      0800 0900 00000000
      0600 0b00 0200 0000
      0500 0d00 00 000000
      0600 0e00 0000 0000
      0600 0f00 0100 0000`);
  const d = value(decodeDestination(payload, 'inet'));
  t.like(d, { address: '10.0.0.5', port: 80, forward: 'tunnel', weight: 5, activeConns: 4, inactiveConns: 2, tunnel: { type: 'ipip', port: 0, checksum: 'csum' } });
  t.is(d.family, undefined, 'same family as the service');
});

test('framing: a batch reply with one failure, an ack, a dump part and DONE', (t) => {
  const err = (seq: number, errno: number): Buffer => {
    const b = Buffer.alloc(36);
    b.writeUInt32LE(36, 0);
    b.writeUInt16LE(2, 4);
    b.writeUInt32LE(seq, 8);
    b.writeInt32LE(-errno, 16);
    return b;
  };
  const data = encodeMessage(0x20, 2, 9, 1, 1, (w) => writeService(w, tcpService));
  const done = Buffer.alloc(20);
  done.writeUInt32LE(20, 0);
  done.writeUInt16LE(3, 4);
  done.writeUInt32LE(9, 8);
  const replies = value(decodeReplies(Buffer.concat([err(5, 17), err(6, 0), data, done])));
  t.deepEqual(
    replies.map((r) => [r.kind, r.seq, r.kind === 'error' ? r.errno : r.kind === 'data' ? r.cmd : 0]),
    [
      ['error', 5, 17],
      ['error', 6, 0],
      ['data', 9, 1],
      ['done', 9, 0],
    ],
  );
  const bad = decodeReplies(Buffer.from(data.subarray(0, 30)).fill(0xff, 0, 4));
  t.false(bad.ok);
  t.regex(bad.ok ? '' : bad.detail, /malformed netlink message at offset 0/);
});

test('addresses survive the 16-byte kernel form, whatever their spelling', (t) => {
  t.is(inetAddrToAddress(addressToInetAddr('2001:0db8:0:0:0:0:0:1'), 'inet6'), '2001:db8::1');
  t.is(inetAddrToAddress(addressToInetAddr('::ffff:192.0.2.1'), 'inet6'), '::ffff:c000:201');
  t.is(inetAddrToAddress(addressToInetAddr('fe80::1:0:0:5'), 'inet6'), 'fe80::1:0:0:5');
  fc.assert(
    fc.property(fc.ipV6(), (a) => inetAddrToAddress(addressToInetAddr(a), 'inet6') === inetAddrToAddress(addressToInetAddr(inetAddrToAddress(addressToInetAddr(a), 'inet6')), 'inet6')),
  );
  fc.assert(fc.property(fc.ipV4(), (a) => inetAddrToAddress(addressToInetAddr(a), 'inet') === a.split('.').map(Number).join('.')));
  fc.assert(fc.property(fc.integer({ min: 0, max: 32 }), (p) => maskToPrefix(prefixToMask(p)) === p));
});

test('the shared buffer of an address for a message holds the same 16 bytes as its own, call after call', (t) => {
  fc.assert(fc.property(fc.array(fc.oneof(fc.ipV4(), fc.ipV6()), { minLength: 1, maxLength: 8 }), (as) => as.every((a) => inetAddrOf(a).equals(addressToInetAddr(a)))));
  // Keys: one per address, whatever its spelling; an IPv4 address and its IPv6-mapped form are two.
  t.is(addressKey('2001:0db8:0:0:0:0:0:1'), addressKey('2001:db8::1'));
  t.not(addressKey('192.0.2.1'), addressKey('::ffff:192.0.2.1'));
  t.not(addressKey('192.0.2.1'), addressKey('192.0.2.10'));
  // The hex digits a service id (and the host ledger) holds: the 16 bytes' own, however made.
  fc.assert(fc.property(fc.oneof(fc.ipV4(), fc.ipV6()), (a) => addressHex(a) === addressToInetAddr(a).toString('hex')));
});

test('a service key is written the same when its encoding is reused', (t) => {
  const key: ServiceKey = { family: 'inet6', protocol: 'udp', address: '2001:db8::5', port: 53 };
  const first = serviceKeyMessage(key);
  t.deepEqual(serviceKeyMessage(key), first);
  t.deepEqual(serviceKeyMessage({ ...key }), first);
  t.notDeepEqual(serviceKeyMessage({ ...key, port: 54 }), first);
});

test('property: NEW_DEST laid out a word at a time is the attribute-by-attribute layout, byte for byte', (t) => {
  const arbDestination = fc.record({
    address: fc.oneof(fc.ipV4(), fc.constantFrom('2001:db8::1', '::ffff:10.0.0.1', 'fe80::1:2')),
    port: fc.integer({ min: 0, max: 0xffff }),
    family: fc.constantFrom(undefined, 'inet' as const, 'inet6' as const),
    forward: fc.constantFrom('masq' as const, 'droute' as const, 'local' as const, 'bypass' as const),
    weight: fc.integer({ min: 0, max: 0x7fffffff }),
    upperThreshold: fc.nat(),
    lowerThreshold: fc.nat(),
  });
  const forwards = { masq: 0, local: 1, tunnel: 2, droute: 3, bypass: 4 };
  fc.assert(
    fc.property(arbDestination, ({ family, ...rest }) => {
      const d: Destination = family === undefined ? rest : { ...rest, family };
      const expected = encodeAttrs((w) => {
        writeServiceKey(w, tcpService.key);
        w.nest(2);
        w.bytes(1, addressToInetAddr(d.address));
        w.be16(2, d.port);
        if (d.family !== undefined) w.u16(11, d.family === 'inet' ? 2 : 10);
        w.u32(3, forwards[d.forward]);
        w.u32(4, d.weight);
        w.u32(5, d.upperThreshold);
        w.u32(6, d.lowerThreshold);
        w.endNest();
      });
      return destinationMessage(tcpService.key, d).equals(expected);
    }),
  );
  t.pass();
});

test('messages written into a writer that grows as it goes are the ones written into one that never grows', (t) => {
  const write = (w: MessageWriter): Buffer => {
    for (let i = 0; i < 40; i++) {
      const s: Service = { ...tcpService, key: { family: 'inet', protocol: 'tcp', address: `192.0.2.${i + 1}`, port: 80 }, scheduler: i % 2 === 0 ? 'wlc' : 'mh', pe: i % 3 === 0 ? 'sip' : undefined };
      w.begin(0x20, 5, i, 1, 1);
      writeService(w, s);
      w.end();
      w.begin(0x20, 5, i, 5, 1);
      writeDestination(w, s.key, { address: `10.0.0.${i + 1}`, port: 8080, forward: 'masq', weight: i, upperThreshold: 0, lowerThreshold: 0 });
      w.end();
    }
    return Buffer.from(w.take());
  };
  t.deepEqual(write(new MessageWriter(8)), write(new MessageWriter(1 << 16)));
});

test('property: a service key laid out as words is the attribute-by-attribute layout, byte for byte', (t) => {
  const arbKey: fc.Arbitrary<ServiceKey> = fc.oneof(
    fc.record({ family: fc.constant('inet' as const), protocol: fc.constantFrom('tcp' as const, 'udp' as const, 'sctp' as const), address: fc.ipV4(), port: fc.integer({ min: 0, max: 0xffff }) }),
    fc.record({ family: fc.constant('inet6' as const), protocol: fc.constantFrom('tcp' as const, 'udp' as const), address: fc.ipV6(), port: fc.integer({ min: 0, max: 0xffff }) }),
    fc.record({ family: fc.constantFrom('inet' as const, 'inet6' as const), fwmark: fc.integer({ min: 1, max: 0xffffffff }) }),
  );
  const protocols = { tcp: 6, udp: 17, sctp: 132 };
  fc.assert(
    fc.property(arbKey, (key) => {
      const expected = encodeAttrs((w) => {
        w.nest(1);
        w.u16(1, key.family === 'inet' ? 2 : 10);
        if ('fwmark' in key) {
          w.u32(5, key.fwmark);
        } else {
          w.u16(2, protocols[key.protocol]);
          w.bytes(3, addressToInetAddr(key.address));
          w.be16(4, key.port);
        }
        w.endNest();
      });
      return serviceKeyMessage(key).equals(expected);
    }),
  );
  t.pass();
});

test('service keys written in turns, addresses and fwmarks, each come out as written alone', (t) => {
  const keys: ServiceKey[] = [
    { family: 'inet', protocol: 'tcp', address: '192.0.2.1', port: 80 },
    { family: 'inet6', fwmark: 7 },
    { family: 'inet6', protocol: 'udp', address: '2001:db8::5', port: 53 },
    { family: 'inet', fwmark: 9 },
  ];
  const alone = keys.map((k) => serviceKeyMessage({ ...k }));
  const d: Destination = { address: '10.0.0.5', port: 8080, forward: 'masq', weight: 1, upperThreshold: 0, lowerThreshold: 0 };
  for (const order of [[0, 1, 2, 3, 0, 2, 1, 3], [3, 3, 0, 0, 1, 2, 2, 1]]) {
    for (const i of order) {
      t.deepEqual(serviceKeyMessage(keys[i]!), alone[i]);
      t.deepEqual(destinationMessage(keys[i]!, d).subarray(0, alone[i]!.length), alone[i]);
    }
  }
});
