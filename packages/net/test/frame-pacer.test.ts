import test from 'ava';
import { FakeClock } from '@tandem/vrrp';
import { FramePacer } from '../src/frame-pacer.js';
import { gratuitousArpFrame, unsolicitedNaFrame } from '../src/frames.js';

const mac = Buffer.from('020000000001', 'hex');
const arp = (last: number): Buffer => gratuitousArpFrame(mac, `192.0.2.${last}`);
const na = (last: number): Buffer => unsolicitedNaFrame(mac, `2001:db8::${last}`);

function setup(arpIntervalMs: number, naIntervalMs: number) {
  const clock = new FakeClock();
  const sent: Array<{ at: number; frame: Buffer }> = [];
  const pacer = new FramePacer({ send: (frame) => void sent.push({ at: clock.now(), frame }) }, { arpIntervalMs, naIntervalMs }, clock);
  return { clock, sent, pacer };
}

test('interval 0: every frame goes at once (keepalived\'s default)', (t) => {
  const { sent, pacer } = setup(0, 0);
  for (let i = 1; i <= 5; i++) pacer.send(arp(i));
  t.deepEqual(sent.map((s) => s.at), [0, 0, 0, 0, 0]);
});

test('vrrp_garp_interval: gratuitous ARPs leave the interval apart and in order; neighbour advertisements keep their own pace', (t) => {
  const { clock, sent, pacer } = setup(100, 0);
  pacer.send(arp(1));
  pacer.send(arp(2));
  pacer.send(na(1));
  pacer.send(arp(3));
  clock.advance(50);
  pacer.send(arp(4));
  clock.advance(1000);
  t.deepEqual(
    sent.map((s) => [s.at, s.frame.equals(na(1)) ? 'na1' : `arp${[1, 2, 3, 4].find((i) => s.frame.equals(arp(i)))}`]),
    [
      [0, 'arp1'],
      [0, 'na1'],
      [100, 'arp2'],
      [200, 'arp3'],
      [300, 'arp4'],
    ],
  );
  // Long after the last one, the next goes at once again.
  pacer.send(arp(5));
  t.is(sent.at(-1)!.at, clock.now());
});

test('vrrp_gna_interval paces neighbour advertisements; close drops what still waits', (t) => {
  const { clock, sent, pacer } = setup(0, 200);
  pacer.send(na(1));
  pacer.send(na(2));
  pacer.send(na(3));
  clock.advance(250);
  pacer.close();
  clock.advance(1000);
  t.deepEqual(sent.map((s) => s.at), [0, 200]);
});

test('a frame that fails later is reported, and the ones after it still go', (t) => {
  const clock = new FakeClock();
  const errors: string[] = [];
  let n = 0;
  const pacer = new FramePacer(
    {
      send: () => {
        if (++n === 2) throw new Error('ENETDOWN');
      },
    },
    { arpIntervalMs: 10, naIntervalMs: 0, onError: (err) => errors.push(err.message) },
    clock,
  );
  for (let i = 1; i <= 3; i++) pacer.send(arp(i));
  clock.advance(100);
  t.is(n, 3);
  t.deepEqual(errors, ['ENETDOWN']);
});
