// keepalived 2.4's auth_hmac between tandem and a real keepalived 2.4 in two namespaces: signed
// adverts accepted both ways (multicast VRRPv2, unicast VRRPv3, IPv6), a wrong key refused on
// both sides. Debian 12 ships keepalived 2.2.7, which has no auth_hmac: these tests need a 2.4
// build named by TANDEM_KEEPALIVED_24 (see test/tools/capture-keepalived-hmac.sh for one way to
// build it), and are registered as skipped, saying so, without one.
import { spawnSync } from 'node:child_process';
import test from 'ava';
import { vrrpConf } from '../lib/configs.js';
import { Lab, type Daemon } from '../lib/lab.js';
import { sleep } from '../lib/sh.js';

const KA24 = process.env['TANDEM_KEEPALIVED_24'];

/** Whether `path` is a keepalived of version 2.4 or later. */
function isKeepalived24(path: string | undefined): boolean {
  if (path === undefined || path === '') return false;
  // keepalived prints its version on stderr.
  const r = spawnSync(path, ['--version'], { encoding: 'utf8' });
  const m = /Keepalived v(\d+)\.(\d+)/.exec(`${r.stdout ?? ''}${r.stderr ?? ''}`);
  return m !== null && (Number(m[1]) > 2 || (Number(m[1]) === 2 && Number(m[2]) >= 4));
}
const HAVE = isKeepalived24(KA24);
const SKIP = ' (skipped: set TANDEM_KEEPALIVED_24 to a keepalived >= 2.4 binary)';
if (!HAVE) console.log(`auth_hmac interop: no keepalived >= 2.4 given (TANDEM_KEEPALIVED_24=${KA24 ?? ''}); its tests are skipped`);
const serial = HAVE ? test.serial : test.serial.skip;
const title = (s: string): string => (HAVE ? s : `${s}${SKIP}`);

const KEY = 'hex:000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f';
const OTHER = 'hex:ff0102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f';

interface Shape {
  readonly name: string;
  readonly family: 4 | 6;
  readonly version: 2 | 3;
  readonly unicast: boolean;
}
const SHAPES: readonly Shape[] = [
  { name: 'multicast VRRPv2', family: 4, version: 2, unicast: false },
  { name: 'unicast VRRPv3', family: 4, version: 3, unicast: true },
  { name: 'IPv6 VRRPv3', family: 6, version: 3, unicast: false },
];

const vipOf = (s: Shape): string => (s.family === 4 ? '192.0.2.100' : 'fd00:db8::100');

function conf(lab: Lab, s: Shape, me: 'a' | 'b', priority: number, key: string, extra: readonly string[] = []): string {
  const other = me === 'a' ? 'b' : 'a';
  return vrrpConf({
    advertInt: 1,
    version: s.version,
    priority,
    vips: [`${vipOf(s)}/${s.family === 4 ? 24 : 64}`],
    ...(s.unicast ? { unicastSrc: lab.address(me, s.family), peers: [lab.address(other, s.family)] } : {}),
    instanceLines: ['auth_hmac {', `    key 1 ${key}`, '    active_key 1', ...extra.map((l) => `    ${l}`), '}'],
  });
}

interface TandemStats {
  instances: Record<string, { advertsReceived: number; dropped: Record<string, number> }>;
}
async function statsOf(lab: Lab, d: Daemon): Promise<TandemStats['instances'][string]> {
  return ((await lab.ctl(d, 'stats')) as unknown as TandemStats).instances['VI_LAB']!;
}

/** Who holds the VIP over `ms`: the set of holders seen. */
async function holdersOver(lab: Lab, vip: string, ms: number): Promise<Set<string>> {
  const seen = new Set<string>();
  for (const end = Date.now() + ms; Date.now() < end; await sleep(250)) for (const h of await lab.holders(vip)) seen.add(h);
  return seen;
}

for (const s of SHAPES) {
  serial(title(`auth_hmac ${s.name}: keepalived 2.4 master, tandem backup; then tandem master, keepalived 2.4 backup; nothing dropped either way`), async (t) => {
    const lab = await Lab.create(`hm${s.family}${s.unicast ? 'u' : 'm'}`, ['a', 'b'], 'tR');
    try {
      const tandem = await lab.startTandem('a', conf(lab, s, 'a', 100, KEY));
      const ka = await lab.startKeepalived('b', conf(lab, s, 'b', 150, KEY), KA24);
      await lab.waitHolder(vipOf(s), 'b', 15_000);
      t.deepEqual([...(await holdersOver(lab, vipOf(s), 3000))], ['b'], 'tandem follows keepalived\'s signed adverts');
      const st = await statsOf(lab, tandem);
      t.true(st.advertsReceived >= 3, JSON.stringify(st));
      t.deepEqual(st.dropped, {}, 'tandem drops none of keepalived 2.4\'s adverts');
      await lab.stopDaemon(ka);
      // keepalived's signed priority-0 advert hands over at once; then keepalived comes back lower.
      await lab.waitHolder(vipOf(s), 'a', 5_000);
      const ka2 = await lab.startKeepalived('b', conf(lab, s, 'b', 50, KEY), KA24);
      await sleep(4000);
      t.deepEqual([...(await holdersOver(lab, vipOf(s), 3000))], ['a'], 'keepalived 2.4 follows tandem\'s signed adverts');
      const log = ka2.child.output();
      t.notRegex(log, /authentication|too long|Entering MASTER/i, log);
      t.regex(log, /Entering BACKUP STATE/);
    } finally {
      await lab.cleanup();
    }
  });
}

serial(title('auth_hmac with different keys: each side refuses the other\'s adverts (tandem counts hmac-bad, keepalived 2.4 logs invalid HMAC), both hold the VIP'), async (t) => {
  const s = SHAPES[0]!;
  const lab = await Lab.create('hmx', ['a', 'b'], 'tR');
  try {
    const tandem = await lab.startTandem('a', conf(lab, s, 'a', 150, KEY));
    const ka = await lab.startKeepalived('b', conf(lab, s, 'b', 100, OTHER), KA24);
    await sleep(5000);
    t.deepEqual([...(await holdersOver(lab, vipOf(s), 3000))].sort(), ['a', 'b']);
    const st = await statsOf(lab, tandem);
    t.true((st.dropped['hmac-bad'] ?? 0) > 0, JSON.stringify(st));
    t.is(st.advertsReceived, 0);
    t.regex(ka.child.output(), /invalid authentication HMAC from/);
  } finally {
    await lab.cleanup();
  }
});

serial(title('auth_hmac migration: keepalived 2.4 in receive-only beside tandem in permissive, then enforce on tandem drops the plain adverts as missing'), async (t) => {
  const s = SHAPES[0]!;
  const lab = await Lab.create('hmr', ['a', 'b'], 'tR');
  try {
    const tandem = await lab.startTandem('a', conf(lab, s, 'a', 100, KEY, ['mode permissive']));
    await lab.startKeepalived('b', conf(lab, s, 'b', 150, KEY, ['mode receive-only']), KA24);
    await lab.waitHolder(vipOf(s), 'b', 15_000);
    t.deepEqual([...(await holdersOver(lab, vipOf(s), 3000))], ['b'], 'permissive takes keepalived\'s unsigned adverts');
    t.deepEqual((await statsOf(lab, tandem)).dropped, {});
    await lab.stopDaemon(tandem);
    const enforcing = await lab.startTandem('a', conf(lab, s, 'a', 100, KEY));
    await sleep(5000);
    t.true(((await statsOf(lab, enforcing)).dropped['hmac-missing'] ?? 0) > 0);
    t.deepEqual([...(await holdersOver(lab, vipOf(s), 2000))].sort(), ['a', 'b']);
  } finally {
    await lab.cleanup();
  }
});
