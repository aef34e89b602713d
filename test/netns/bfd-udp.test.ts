// The addon's UDP socket (packages/net) for real, in a namespace of its own: what Node's dgram
// cannot give BFD — the received TTL / hop limit, the arrival interface and the destination —
// and the BFD transport's source ports (RFC 5881 §4) and TTL 255.
import test from 'ava';
import { once } from 'node:events';
import { BFD_SOURCE_PORT_MAX, BFD_SOURCE_PORT_MIN, decode, encode, type Datagram } from '@tandem/bfd';
import { BfdUdpTransport, createUdpSocket, enterNetworkNamespace, type UdpPacketInfo } from '@tandem/net';
import { nsRun, run, sleep } from '../lib/sh.js';

const NS = 'tD-udp';

test.before(async () => {
  await run('ip', ['netns', 'del', NS], { allowFail: true });
  await run('ip', ['netns', 'add', NS]);
  await nsRun(NS, 'ip', ['link', 'set', 'lo', 'up']);
  await nsRun(NS, 'ip', ['link', 'add', 'tDd0', 'type', 'veth', 'peer', 'name', 'tDd1']);
  await nsRun(NS, 'ip', ['addr', 'add', '198.51.100.1/24', 'dev', 'tDd0']);
  await nsRun(NS, 'ip', ['link', 'set', 'tDd0', 'up']);
  await nsRun(NS, 'ip', ['link', 'set', 'tDd1', 'up']);
  // This test file's worker moves into the namespace: its sockets see only the namespace's interfaces.
  enterNetworkNamespace(NS);
});

test.after.always(async () => {
  await run('ip', ['netns', 'del', NS], { allowFail: true });
});

async function roundTrip(family: 4 | 6, ttl: number): Promise<[Buffer, UdpPacketInfo, number]> {
  const host = family === 4 ? '127.0.0.1' : '::1';
  const rx = createUdpSocket({ family });
  const port = rx.bind(host, 0);
  rx.listen();
  const tx = createUdpSocket({ family });
  const srcPort = tx.bind(host, 0);
  tx.setTtl(ttl);
  try {
    const got = once(rx, 'message') as Promise<[Buffer, UdpPacketInfo]>;
    tx.send(Buffer.from('ping'), host, port);
    const [payload, info] = await got;
    return [payload, info, srcPort];
  } finally {
    rx.close();
    tx.close();
  }
}

test.serial('IPv4: each datagram comes with the TTL it was sent with, its interface, addresses and source port', async (t) => {
  const [payload, info, srcPort] = await roundTrip(4, 37);
  t.is(payload.toString(), 'ping');
  t.like(info, { ttl: 37, src: '127.0.0.1', dst: '127.0.0.1', srcPort, truncated: false });
  t.is(info.ifindex, 1);
});

test.serial('IPv6: the hop limit likewise (IPV6_RECVHOPLIMIT)', async (t) => {
  const [, info] = await roundTrip(6, 200);
  t.like(info, { ttl: 200, src: '::1', dst: '::1' });
});

test.serial('a socket bound to an interface (SO_BINDTODEVICE) reports it and hears nothing from another', async (t) => {
  const bound = createUdpSocket({ family: 4, interface: 'tDd0' });
  t.true(bound.ifindex > 1);
  const port = bound.bind('0.0.0.0', 0);
  const heard: UdpPacketInfo[] = [];
  bound.on('message', (_p, i) => heard.push(i));
  bound.listen();
  const tx = createUdpSocket({ family: 4 });
  tx.send(Buffer.from('x'), '127.0.0.1', port);
  await sleep(200);
  t.deepEqual(heard, []);
  tx.close();
  bound.close();
  t.throws(() => createUdpSocket({ family: 4, interface: 'tD-none' }), { message: /if_nametoindex/ });
});

test.serial('the BFD transport: UDP 3784, a source port of 49152-65535 kept per session, TTL 255, and another port when one is taken', async (t) => {
  const received: Datagram[] = [];
  const transport = new BfdUdpTransport();
  transport.receive((d) => received.push(d));
  const path = { kind: 'single-hop' as const, family: 4 as const, local: '127.0.0.1', peer: '127.0.0.1', ttl: 255 };
  // A random source fixed to one port: the second link must find another.
  const first = transport.open(path);
  t.true(first.sourcePort >= BFD_SOURCE_PORT_MIN && first.sourcePort <= BFD_SOURCE_PORT_MAX);
  const taken = first.sourcePort;
  let calls = 0;
  const span = BFD_SOURCE_PORT_MAX - BFD_SOURCE_PORT_MIN + 1;
  const picky = new BfdUdpTransport({ random: () => (calls++ === 0 ? (taken - BFD_SOURCE_PORT_MIN + 0.5) / span : 0.5) });
  const second = picky.open({ ...path, kind: 'multihop' });
  t.not(second.sourcePort, taken);
  t.is(calls, 2);
  const packet = encode({ diag: 0, state: 'Down', poll: false, final: false, controlPlaneIndependent: false, demand: false, multipoint: false, detectMult: 3, myDiscriminator: 9, yourDiscriminator: 0, desiredMinTxUs: 1_000_000, requiredMinRxUs: 10_000, requiredMinEchoRxUs: 0 });
  first.send(packet);
  await sleep(100);
  t.is(received.length, 1);
  t.like(received[0], { port: 3784, ttl: 255, src: '127.0.0.1', dst: '127.0.0.1' });
  t.true(decode(received[0]!.payload).ok);
  first.close();
  second.close();
  picky.close();
  transport.close();
});
