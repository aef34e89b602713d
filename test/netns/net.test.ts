import test from 'ava';
import { join } from 'node:path';
import { Lab, REPO } from '../lib/lab.js';
import { nsRun, nsSpawn, run, waitFor } from '../lib/sh.js';

const RAW_ECHO = join(REPO, 'test', 'dist', 'lib', 'raw-echo.js');

async function roundTrip(lab: Lab, family: 4 | 6, dst: string, ttl: number): Promise<{ payload: string; ttl: number; src: string; dst: string; ifindex: number }> {
  const rx = nsSpawn(lab.ns('b'), 'node', [RAW_ECHO, 'recv', String(family)]);
  try {
    await waitFor('receiver ready', 5000, () => (rx.output().includes('ready') ? true : undefined));
    await nsRun(lab.ns('a'), 'node', [RAW_ECHO, 'send', String(family), dst, String(ttl), 'deadbeef']);
    const line = await waitFor('datagram', 5000, () => rx.output().split('\n').find((l) => l.startsWith('{')));
    return JSON.parse(line) as { payload: string; ttl: number; src: string; dst: string; ifindex: number };
  } finally {
    rx.kill('SIGKILL');
  }
}

test.serial('raw sockets report the received TTL (IPv4) and hop limit (IPv6, ancillary data), addresses and interface', async (t) => {
  const lab = await Lab.create('raw', ['a', 'b']);
  try {
    const ifindex = Number(/^(\d+):/.exec(await run('ip', ['-n', lab.ns('b'), '-o', 'link', 'show', 'eth0']))![1]);
    const v4 = await roundTrip(lab, 4, '224.0.0.18', 255);
    t.like(v4, { payload: 'deadbeef', ttl: 255, src: lab.address('a'), dst: '224.0.0.18', ifindex });
    t.is((await roundTrip(lab, 4, '224.0.0.18', 254)).ttl, 254);
    const v6 = await roundTrip(lab, 6, 'ff02::12', 255);
    t.like(v6, { payload: 'deadbeef', ttl: 255, dst: 'ff02::12', ifindex });
    t.regex(v6.src, /^fe80::/);
    t.is((await roundTrip(lab, 6, 'ff02::12', 7)).ttl, 7);
    t.is((await roundTrip(lab, 4, lab.address('b'), 64)).ttl, 64, 'unicast too');
  } finally {
    await lab.cleanup();
  }
});

test.serial('rtnetlink: addresses added (with a label) and removed idempotently; a missing interface is a coded error', async (t) => {
  const lab = await Lab.create('rtnl', ['a']);
  try {
    const script = `
      const { Rtnl } = require(${JSON.stringify(join(REPO, 'packages', 'net', 'dist', 'src', 'index.js'))});
      (async () => {
        const r = new Rtnl();
        const eth0 = await r.link('eth0');
        const v4 = { address: '192.0.2.200', prefix: 24, ifindex: eth0.index, label: 'eth0:vip', scope: 0, broadcast: '192.0.2.255' };
        const v6 = { address: '2001:db8::200', prefix: 64, ifindex: eth0.index };
        await r.addAddress(v4); await r.addAddress(v4); await r.addAddress(v6);
        console.log(JSON.stringify((await r.addresses(eth0.index)).filter((a) => a.address.endsWith('200'))));
        await r.removeAddress(v4); await r.removeAddress(v4); await r.removeAddress(v6);
        console.log(JSON.stringify((await r.addresses(eth0.index)).filter((a) => a.address.endsWith('200'))));
        try { await r.link('nope0'); } catch (e) { console.log(e.code); }
        r.close();
      })().catch((e) => { console.error(e); process.exit(1); });`;
    const out = (await nsRun(lab.ns('a'), 'node', ['-e', script])).trim().split('\n');
    const added = JSON.parse(out[0]!) as Array<{ address: string; prefix: number; label?: string; family: number }>;
    t.deepEqual(added.map((a) => [a.address, a.prefix, a.label ?? null]).sort(), [['192.0.2.200', 24, 'eth0:vip'], ['2001:db8::200', 64, null]]);
    const shown = await run('ip', ['-n', lab.ns('a'), 'addr', 'show', 'dev', 'eth0']);
    t.notRegex(shown, /192\.0\.2\.200/, 'removed again');
    t.deepEqual(JSON.parse(out[1]!), []);
    t.is(out[2], 'NET_ERR_NO_INTERFACE');
  } finally {
    await lab.cleanup();
  }
});
