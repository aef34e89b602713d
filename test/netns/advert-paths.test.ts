// Where adverts go (another multicast group) and whom they are accepted from (unicast peers only).
import test from 'ava';
import { Lab } from '../lib/lab.js';
import { vrrpConf } from '../lib/configs.js';
import { sleep, waitFor } from '../lib/sh.js';

const VIP = '192.0.2.100';
const conf = (priority: number, group?: string): string =>
  vrrpConf({ priority, advertInt: 0.1, version: 3, vips: [`${VIP}/24`], ...(group !== undefined ? { globalLines: [`vrrp_mcast_group4 ${group}`] } : {}) });

test.serial('vrrp_mcast_group4: tandem and keepalived elect over another group, adverts go there; a router on the RFC group hears neither', async (t) => {
  const lab = await Lab.create('mcg', ['a', 'b']);
  try {
    const capture = await lab.capture('client', ['-c', '5', 'ip proto 112']);
    await lab.startTandem('a', conf(150, '224.0.0.19'));
    const b = await lab.startKeepalived('b', conf(100, '224.0.0.19'));
    await lab.waitHolder(VIP, 'a', 5000);
    for (let i = 0; i < 5; i++) {
      t.deepEqual(await lab.holders(VIP), ['a'], 'keepalived hears tandem on 224.0.0.19');
      await sleep(100);
    }
    const adverts = await waitFor('adverts', 5000, () => {
      const lines = capture.output().split('\n').filter((l) => l.includes('VRRP'));
      return lines.length >= 5 ? lines : undefined;
    });
    t.true(adverts.every((l) => l.includes(`${lab.address('a')} > 224.0.0.19`)), adverts.join('\n'));
    // keepalived back on the RFC group no longer hears tandem: it takes the address as well.
    await lab.stopDaemon(b);
    await lab.startKeepalived('b', conf(100));
    await waitFor('both hold the VIP', 5000, async () => ((await lab.holders(VIP)).length === 2 ? true : undefined));
    t.pass();
  } finally {
    await lab.cleanup();
  }
});

test.serial('check_unicast_src: a backup hears its unicast peers only; an advert from anyone else is dropped', async (t) => {
  const lab = await Lab.create('ucs', ['a', 'b']);
  try {
    const unicast = (priority: number, peer: string, check: boolean): string =>
      vrrpConf({ priority, advertInt: 0.1, version: 3, vips: [`${VIP}/24`], peers: [peer], instanceLines: check ? ['check_unicast_src'] : [] });
    await lab.startTandem('a', unicast(150, lab.address('b'), false));
    // b's only peer is an address nobody has: a's adverts reach b (a sends to b) but come from elsewhere.
    const b = await lab.startTandem('b', unicast(100, '192.0.2.99', false));
    await lab.waitHolder(VIP, 'a', 5000);
    for (let i = 0; i < 5; i++) {
      t.deepEqual(await lab.holders(VIP), ['a'], 'without the check, b follows a');
      await sleep(100);
    }
    await lab.stopDaemon(b);
    await lab.startTandem('b', unicast(100, '192.0.2.99', true));
    await waitFor('b takes the VIP too: a is not its peer', 5000, async () => ((await lab.holders(VIP)).length === 2 ? true : undefined));
    t.pass();
  } finally {
    await lab.cleanup();
  }
});

test.serial('unicast_ttl: adverts to unicast peers carry that TTL, and a unicast backup accepts them (a routed peer), as keepalived', async (t) => {
  const lab = await Lab.create('uttl', ['a', 'b']);
  try {
    const capture = await lab.capture('b', ['-v', '-c', '3', `ip proto 112 and src host ${lab.address('a')}`]);
    const unicast = (priority: number, peer: string, ttl?: number): string =>
      vrrpConf({ priority, advertInt: 0.1, version: 3, vips: [`${VIP}/24`], peers: [peer], instanceLines: ttl !== undefined ? [`unicast_ttl ${ttl}`] : [] });
    await lab.startTandem('a', unicast(150, lab.address('b'), 64));
    await lab.startTandem('b', unicast(100, lab.address('a')));
    await lab.waitHolder(VIP, 'a', 5000);
    for (let i = 0; i < 5; i++) {
      t.deepEqual(await lab.holders(VIP), ['a'], 'b follows a whatever the TTL');
      await sleep(100);
    }
    const out = await waitFor('three adverts from a', 5000, () => ((capture.output().match(/VRRP/g) ?? []).length >= 3 ? capture.output() : undefined));
    t.regex(out, /ttl 64,/);
    t.notRegex(out, /ttl 255,/);
  } finally {
    await lab.cleanup();
  }
});
