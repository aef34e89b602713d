// keepalived 2.4's auth_hmac through the VRRP service on fake hosts: config → runner → the
// receive path, the drops counted by reason in `stats`, and keepalived.stats' lines.
import test from 'ava';
import { diff } from '@tandem/config';
import { FakeClock } from '@tandem/vrrp';
import { VrrpService, vrrpPartOf } from '../src/index.js';
import { formatData, formatJson, formatStats } from '../src/keepalived-dumps.js';
import { withoutHmacKeys } from '../src/instance-options.js';
import { FakeHost, FakeSegment, configFrom, memoryLogger, runClock, settle } from './fake-host.js';

const KEY_A = '000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f';
const KEY_B = 'ff0102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f';

function conf(priority: number, key: string, mode = 'enforce'): string {
  return `vrrp_instance VI_1 {
    state BACKUP
    interface eth0
    virtual_router_id 51
    priority ${priority}
    advert_int 1
    auth_hmac {
        key 1 hex:${key}
        active_key 1
        mode ${mode}
    }
    virtual_ipaddress {
        192.0.2.100/24
    }
}
`;
}

async function director(seg: FakeSegment, clock: FakeClock, address: string, text: string): Promise<{ service: VrrpService; text: string }> {
  const service = new VrrpService({ host: new FakeHost(seg, address), clock, log: memoryLogger() });
  await service.start(vrrpPartOf(configFrom(text)));
  await settle();
  return { service, text };
}

const state = (s: VrrpService): string | undefined => s.status()[0]?.state;

test('auth_hmac with the same key: the backup follows the signed adverts and drops nothing', async (t) => {
  const clock = new FakeClock(1000);
  const seg = new FakeSegment(clock);
  const a = await director(seg, clock, '192.0.2.11', conf(150, KEY_A));
  const b = await director(seg, clock, '192.0.2.12', conf(100, KEY_A));
  await runClock(clock, 6000);
  t.deepEqual([state(a.service), state(b.service)], ['MASTER', 'BACKUP']);
  const s = b.service.stats().instances.VI_1!;
  t.true(s.advertsReceived >= 2);
  t.deepEqual(s.dropped, {});
});

test('auth_hmac with another key: every advert is dropped as hmac-bad, both are master, and keepalived.stats says Invalid HMAC', async (t) => {
  const clock = new FakeClock(1000);
  const seg = new FakeSegment(clock);
  const a = await director(seg, clock, '192.0.2.11', conf(150, KEY_A));
  const b = await director(seg, clock, '192.0.2.12', conf(100, KEY_B));
  await runClock(clock, 6000);
  t.deepEqual([state(a.service), state(b.service)], ['MASTER', 'MASTER']);
  const s = b.service.stats().instances.VI_1!;
  t.true((s.dropped['hmac-bad'] ?? 0) >= 2);
  t.is(s.advertsReceived, 0);
  const text = formatStats([{ config: vrrpPartOf(configFrom(b.text)).vrrpInstances[0]!, state: 'MASTER', effectivePriority: 100, master: undefined, lastTransitionMs: 0, releasedMaster: 0, becameMaster: 1, stats: s, syncGroup: undefined }]);
  // keepalived.data: the extension's settings as keepalived 2.4 writes them, never the key.
  const part = vrrpPartOf(configFrom(b.text));
  const data = formatData([{ config: part.vrrpInstances[0]!, state: 'MASTER', effectivePriority: 100, master: undefined, lastTransitionMs: 0, releasedMaster: 0, becameMaster: 1, stats: s, syncGroup: undefined }], part.globalDefs);
  t.true(data.includes('   Authentication extension = HMAC-SHA256-128\n     Keys = 1, active key id = 1\n     Mode = enforce\n     Anti replay = time, window = 5 sec\n'), data);
  t.false(data.includes(KEY_B.slice(0, 16)));
  // keepalived.json: keepalived 2.4's auth_ext_* keys, between auth_failure and pri_zero_rcvd.
  const json = JSON.parse(formatJson([{ config: part.vrrpInstances[0]!, state: 'MASTER', effectivePriority: 100, master: undefined, lastTransitionMs: 0, releasedMaster: 0, becameMaster: 1, stats: s, syncGroup: undefined }], part.globalDefs)) as Array<{ stats: Record<string, number> }>;
  const keys = Object.keys(json[0]!.stats);
  t.deepEqual(keys.slice(keys.indexOf('auth_failure'), keys.indexOf('pri_zero_rcvd') + 1), ['auth_failure', 'auth_ext_missing', 'auth_ext_malformed', 'auth_ext_unknown_key', 'auth_ext_invalid_hmac', 'auth_ext_stale', 'auth_ext_replay', 'pri_zero_rcvd']);
  t.is(json[0]!.stats['auth_ext_invalid_hmac'], s.dropped['hmac-bad'] ?? -1);
  const bad = s.dropped['hmac-bad']!;
  t.true(text.includes(['  Authentication Extension Errors:', '    Missing: 0', '    Malformed: 0', '    Unknown Key: 0', `    Invalid HMAC: ${bad}`, '    Stale: 0', '    Replay: 0', ''].join('\n')), text);
});

test('auth_hmac receive-only beside enforce: the enforcing side drops the plain adverts as hmac-missing', async (t) => {
  const clock = new FakeClock(1000);
  const seg = new FakeSegment(clock);
  await director(seg, clock, '192.0.2.11', conf(150, KEY_A, 'receive-only'));
  const b = await director(seg, clock, '192.0.2.12', conf(100, KEY_A));
  await runClock(clock, 6000);
  t.true((b.service.stats().instances.VI_1!.dropped['hmac-missing'] ?? 0) >= 2);
  t.is(state(b.service), 'MASTER');
});

test('a reload that changes the key (or drops auth_hmac) restarts the instance with it', async (t) => {
  const clock = new FakeClock(1000);
  const seg = new FakeSegment(clock);
  await director(seg, clock, '192.0.2.11', conf(150, KEY_A));
  const b = await director(seg, clock, '192.0.2.12', conf(100, KEY_A));
  await runClock(clock, 6000);
  t.is(state(b.service), 'BACKUP');
  const before = configFrom(b.text);
  const after = configFrom(conf(100, KEY_B));
  const r = await b.service.reload(vrrpPartOf(before), vrrpPartOf(after), diff(before, after));
  t.deepEqual(r.restarted, ['VI_1']);
  await runClock(clock, 6000);
  t.is(state(b.service), 'MASTER');
  t.true((b.service.stats().instances.VI_1!.dropped['hmac-bad'] ?? 0) > 0);
  const plain = configFrom(conf(100, KEY_B).replace(/ {4}auth_hmac \{[^}]*\}\n/, ''));
  t.is(plain.vrrpInstances[0]!.authHmac, undefined);
  const r2 = await b.service.reload(vrrpPartOf(after), vrrpPartOf(plain), diff(after, plain));
  t.deepEqual(r2.restarted, ['VI_1']);
});

test('tandemctl dump masks the auth_hmac keys', (t) => {
  const c = configFrom(conf(100, KEY_A));
  const shown = JSON.stringify(withoutHmacKeys(c));
  t.false(shown.includes(KEY_A));
  t.true(shown.includes('"keys":[{"id":1,"keyHex":"********"}]'));
  t.is(c.vrrpInstances[0]!.authHmac!.keys[0]!.keyHex, KEY_A, 'the running model keeps its key');
});
