import test from 'ava';
import { internetChecksum } from '@tandem/vrrp';
import { gratuitousArpFrame, unsolicitedNaFrame } from '../src/frames.js';

const mac = '02:00:00:00:00:0a';

test('gratuitous ARP: broadcast request with sender and target address both the VIP', (t) => {
  const f = gratuitousArpFrame(mac, '192.0.2.100');
  t.is(f.length, 42);
  t.is(f.subarray(0, 6).toString('hex'), 'ffffffffffff');
  t.is(f.subarray(6, 12).toString('hex'), '02000000000a');
  t.is(f.readUInt16BE(12), 0x0806);
  t.is(f.readUInt16BE(20), 1, 'ARP request');
  t.is(f.subarray(22, 28).toString('hex'), '02000000000a', 'sender MAC');
  t.deepEqual([...f.subarray(28, 32)], [192, 0, 2, 100]);
  t.deepEqual([...f.subarray(38, 42)], [192, 0, 2, 100]);
});

test('unsolicited NA: all-nodes, hop limit 255, Override, target option, valid ICMPv6 checksum', (t) => {
  const f = unsolicitedNaFrame(mac, 'fd00::100');
  t.is(f.subarray(0, 6).toString('hex'), '333300000001');
  t.is(f.readUInt16BE(12), 0x86dd);
  t.is(f[21], 255);
  const icmp = f.subarray(54);
  t.is(icmp[0], 136);
  t.is(icmp.readUInt32BE(4), 0x20000000);
  t.is(icmp.subarray(26, 32).toString('hex'), '02000000000a');
  const pseudo = Buffer.alloc(40);
  f.subarray(22, 38).copy(pseudo, 0);
  f.subarray(38, 54).copy(pseudo, 16);
  pseudo.writeUInt32BE(icmp.length, 32);
  pseudo[39] = 58;
  t.is(internetChecksum([pseudo, icmp]), 0, 'checksum verifies');
});

test('frames refuse the wrong family or a bad MAC', (t) => {
  t.throws(() => gratuitousArpFrame(mac, 'fd00::1'));
  t.throws(() => unsolicitedNaFrame(mac, '192.0.2.1'));
  t.throws(() => gratuitousArpFrame('02:00', '192.0.2.1'));
});
