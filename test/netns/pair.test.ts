import test from 'ava';
import { Lab, TANDEMD, longestGap } from '../lib/lab.js';
import { vrrpConf } from '../lib/configs.js';
import { nsRun, sleep, waitFor } from '../lib/sh.js';

const VIP = '192.0.2.100';
const VIP6 = '2001:db8::100';

test.serial('two tandemd elect the higher priority; a link cut moves the VIP and the client follows it; restoring preempts back', async (t) => {
  const lab = await Lab.create('pair', ['a', 'b']);
  try {
    const common = { advertInt: 0.1, version: 3 as const, vips: [`${VIP}/24`] };
    const a = await lab.startTandem('a', vrrpConf({ ...common, priority: 150 }));
    const b = await lab.startTandem('b', vrrpConf({ ...common, priority: 100 }));
    lab.startResponders();
    await lab.waitHolder(VIP, 'a', 5000);
    const sa = (await lab.ctl(a, 'status'))!.instances[0]!;
    const sb = (await lab.ctl(b, 'status'))!.instances[0]!;
    t.like(sa, { name: 'VI_LAB', state: 'MASTER', priority: 150, effectivePriority: 150, vips: [`${VIP}/24`] });
    t.like(sb, { state: 'BACKUP', priority: 100 });
    const probe = lab.startProber(VIP);
    await waitFor('answers from a', 3000, () => (probe.answers.some((x) => x.from === 'a') ? true : undefined));
    t.is(await lab.clientNeighbour(VIP), await lab.mac('a'));

    const cutAt = Date.now();
    await lab.cut('a');
    await lab.waitHolder(VIP, 'b', 3000);
    await waitFor('answers from b', 3000, () => (probe.answers.some((x) => x.from === 'b' && x.sentAt > cutAt) ? true : undefined));
    t.is(await lab.clientNeighbour(VIP), await lab.mac('b'), 'the gratuitous ARP moved the client to b');
    const outage = longestGap(probe.answers, cutAt - 50);
    t.log(`outage after the link cut: ${outage.gapMs} ms`);
    t.true(outage.gapMs < 1500);

    await lab.restore('a');
    await lab.waitHolder(VIP, 'a', 5000);
    await waitFor('answers from a again', 3000, () => (probe.answers.at(-1)?.from === 'a' ? true : undefined));
    t.is(await lab.clientNeighbour(VIP), await lab.mac('a'));
    await probe.stop();
  } finally {
    await lab.cleanup();
  }
});

test.serial('with nopreempt the recovered node stays backup', async (t) => {
  const lab = await Lab.create('nopre', ['a', 'b']);
  try {
    const common = { advertInt: 0.1, version: 3 as const, vips: [`${VIP}/24`], nopreempt: true };
    const a = await lab.startTandem('a', vrrpConf({ ...common, priority: 150 }));
    await lab.startTandem('b', vrrpConf({ ...common, priority: 100 }));
    await lab.waitHolder(VIP, 'a', 5000);
    await lab.cut('a');
    await lab.waitHolder(VIP, 'b', 3000);
    await lab.restore('a');
    await sleep(2000);
    t.deepEqual(await lab.holders(VIP), ['b']);
    t.is((await lab.ctl(a, 'status'))!.instances[0]!.state, 'BACKUP');
  } finally {
    await lab.cleanup();
  }
});

test.serial('SIGTERM on the master: priority-0 advert, VIP released, backup takes over within Skew_Time', async (t) => {
  const lab = await Lab.create('term', ['a', 'b']);
  try {
    const common = { advertInt: 1, vips: [`${VIP}/24`] };
    const a = await lab.startTandem('a', vrrpConf({ ...common, priority: 150 }));
    await lab.startTandem('b', vrrpConf({ ...common, priority: 100 }));
    await lab.waitHolder(VIP, 'a', 8000);
    const stoppedAt = Date.now();
    t.is(await lab.stopDaemon(a), 0);
    t.false(await lab.holds('a', VIP));
    await lab.waitHolder(VIP, 'b', 3000);
    const took = Date.now() - stoppedAt;
    // v2 Skew_Time at priority 100 is 609 ms; without the priority-0 advert it would be 3.6 s.
    t.log(`b took over ${took} ms after SIGTERM`);
    t.true(took < 1500);
  } finally {
    await lab.cleanup();
  }
});

test.serial('VRRPv3 over IPv6: election, failover, and the client neighbour entry follows (unsolicited NA)', async (t) => {
  const lab = await Lab.create('v6', ['a', 'b']);
  try {
    const common = { advertInt: 0.1, vips: [`${VIP6}/64`] };
    await lab.startTandem('a', vrrpConf({ ...common, priority: 150 }));
    const b = await lab.startTandem('b', vrrpConf({ ...common, priority: 100 }));
    lab.startResponders();
    await lab.waitHolder(VIP6, 'a', 5000);
    const probe = lab.startProber(VIP6);
    await waitFor('answers from a', 5000, () => (probe.answers.some((x) => x.from === 'a') ? true : undefined));
    await lab.cut('a');
    await lab.waitHolder(VIP6, 'b', 3000);
    await waitFor('answers from b', 5000, () => (probe.answers.at(-1)?.from === 'b' ? true : undefined));
    t.is(await lab.clientNeighbour(VIP6), await lab.mac('b'));
    t.like((await lab.ctl(b, 'status'))!.instances[0], { state: 'MASTER' });
    await probe.stop();
  } finally {
    await lab.cleanup();
  }
});

test.serial('unicast peers: election and failover with multicast VRRP dropped on the bridge', async (t) => {
  const lab = await Lab.create('uni', ['a', 'b']);
  try {
    await lab.blockMulticastVrrp();
    const common = { advertInt: 0.1, version: 3 as const, vips: [`${VIP}/24`] };
    await lab.startTandem('a', vrrpConf({ ...common, priority: 150, unicastSrc: lab.address('a'), peers: [lab.address('b')] }));
    const b = await lab.startTandem('b', vrrpConf({ ...common, priority: 100, unicastSrc: lab.address('b'), peers: [lab.address('a')] }));
    await lab.waitHolder(VIP, 'a', 5000);
    await sleep(500);
    t.deepEqual(await lab.holders(VIP), ['a'], 'b hears a over unicast and stays backup');
    t.true(((await lab.ctl(b, 'stats')) as unknown as { instances: Record<string, { advertsReceived: number }> }).instances['VI_LAB']!.advertsReceived > 0);
    await lab.cut('a');
    await lab.waitHolder(VIP, 'b', 3000);
  } finally {
    await lab.cleanup();
  }
});

test.serial('tandemd refuses to start when a configured interface does not exist, and says where; -t checks the file, not the host', async (t) => {
  const lab = await Lab.create('noif', ['a']);
  try {
    const text = vrrpConf({ priority: 100, advertInt: 1, vips: [`${VIP}/24`] }).replace('interface eth0', 'interface nope0');
    const conf = lab.writeConfig('a', text);
    const r = await nsRun(lab.ns('a'), 'node', [TANDEMD, '-n', '-l', '-f', conf, '--control-socket', `${lab.dir}/x.sock`], { allowFail: true, withStderr: true });
    t.regex(r, /a\.conf:\d+:\d+: interface nope0 of vrrp_instance VI_LAB does not exist on this host/);
    t.regex(r, /not starting, 1 error/);
    t.deepEqual(await lab.holders(VIP), []);
    const exitOf = async (cmd: string, args: string[]): Promise<string> => (await nsRun(lab.ns('a'), 'sh', ['-c', `"$@" >/dev/null 2>&1; echo "exit $?"`, 'sh', cmd, ...args], { allowFail: true, withStderr: true })).trim().split('\n').pop()!;
    // keepalived refuses to start in the same namespace ("Non-existent interface specified in configuration"), with the same exit code.
    t.is(await exitOf('node', [TANDEMD, '-n', '-l', '-f', conf, '--control-socket', `${lab.dir}/x.sock`]), 'exit 2');
    t.is(await exitOf('keepalived', ['-n', '-l', '-f', conf, '-p', `${lab.dir}/k.pid`, '-r', `${lab.dir}/kv.pid`, '-c', `${lab.dir}/kc.pid`]), 'exit 2');
    // A VIP's dev counts as well.
    const onDev = lab.writeConfig('a', text.replace('interface nope0', 'interface eth0').replace(`${VIP}/24 dev eth0`, `${VIP}/24 dev nope1`));
    t.regex(await nsRun(lab.ns('a'), 'node', [TANDEMD, '-n', '-l', '-f', onDev, '--control-socket', `${lab.dir}/x.sock`], { allowFail: true, withStderr: true }), /a\.conf:\d+:\d+: interface nope1 of vrrp_instance VI_LAB does not exist/);
    // -t judges the file, which is valid wherever it is checked (a build machine, a push's pipeline).
    t.is(await exitOf('node', [TANDEMD, '-t', '-f', conf]), 'exit 0');
  } finally {
    await lab.cleanup();
  }
});

test.serial('a reload naming an interface that does not exist is refused and the master keeps its VIP (keepalived stops altogether)', async (t) => {
  const lab = await Lab.create('noifr', ['a']);
  try {
    const base = vrrpConf({ priority: 150, advertInt: 1, vips: [`${VIP}/24`] });
    const a = await lab.startTandem('a', base);
    await lab.waitHolder(VIP, 'a', 8000);
    lab.writeConfig('a', base.replace('interface eth0', 'interface nope0'));
    a.child.kill('SIGHUP');
    await waitFor('the refusal', 5000, () => (a.child.output().includes('reload refused') ? true : undefined));
    t.regex(a.child.output(), /a\.conf:\d+:\d+: interface nope0 of vrrp_instance VI_LAB does not exist on this host/);
    await sleep(1500);
    t.is((await lab.ctl(a, 'status'))?.instances[0]?.state, 'MASTER', 'the running configuration stays');
    t.deepEqual(await lab.holders(VIP), ['a']);
  } finally {
    await lab.cleanup();
  }
});

test.serial('no_accept: the master holds the VIP but drops traffic to it, neighbours still resolve it, and the filter goes on stop', async (t) => {
  const lab = await Lab.create('noacc', ['a', 'b']);
  try {
    const common = { advertInt: 0.1, version: 3 as const, vips: [`${VIP}/24`], noAccept: true };
    const a = await lab.startTandem('a', vrrpConf({ ...common, priority: 150 }));
    await lab.startTandem('b', vrrpConf({ ...common, priority: 100 }));
    lab.startResponders();
    await lab.waitHolder(VIP, 'a', 5000);
    const toVip = lab.startProber(VIP);
    const toHost = lab.startProber(lab.address('a'));
    await waitFor('answers from a\'s own address', 3000, () => (toHost.answers.length > 0 ? true : undefined));
    await sleep(1000);
    t.is(toVip.answers.length, 0, 'nothing addressed to the VIP is accepted');
    t.is(await lab.clientNeighbour(VIP), await lab.mac('a'), 'ARP for the VIP is still answered');
    await toVip.stop();
    await toHost.stop();
    t.regex(await nsRun(lab.ns('a'), '/usr/sbin/nft', ['list', 'tables']), /tandem_no_accept/);
    t.is(await lab.stopDaemon(a), 0);
    t.notRegex(await nsRun(lab.ns('a'), '/usr/sbin/nft', ['list', 'tables']), /tandem_no_accept/);
  } finally {
    await lab.cleanup();
  }
});

test.serial('vrrp_startup_delay: the instances stay in INIT, holding no address, for the delay, then run as usual', async (t) => {
  const lab = await Lab.create('delay', ['a']);
  try {
    const conf = vrrpConf({ priority: 255, state: 'MASTER', advertInt: 0.1, version: 3, vips: [`${VIP}/24`], globalLines: ['vrrp_startup_delay 2'] });
    const startedAt = Date.now();
    const a = await lab.startTandem('a', conf);
    t.like((await lab.ctl(a, 'status'))!.instances[0], { state: 'INIT' });
    t.deepEqual(await lab.holders(VIP), [], 'no address during the delay');
    await lab.waitHolder(VIP, 'a', 5000);
    const took = Date.now() - startedAt;
    t.log(`the owner took the VIP ${took} ms after start`);
    t.true(took >= 2000, `${took} ms`);
    t.like((await lab.ctl(a, 'status'))!.instances[0], { state: 'MASTER' });
  } finally {
    await lab.cleanup();
  }
});

test.serial('promote_secondaries: the interface\'s promote_secondaries setting is on while tandemd runs and put back at stop', async (t) => {
  const lab = await Lab.create('promote', ['a']);
  try {
    const setting = async (): Promise<string> => (await nsRun(lab.ns('a'), 'cat', ['/proc/sys/net/ipv4/conf/eth0/promote_secondaries'])).trim();
    const before = await setting();
    t.is(before, '0');
    const conf = vrrpConf({ priority: 255, state: 'MASTER', advertInt: 0.1, version: 3, vips: [`${VIP}/24`], instanceLines: ['promote_secondaries'] });
    const a = await lab.startTandem('a', conf);
    await lab.waitHolder(VIP, 'a', 5000);
    t.is(await setting(), '1');
    await lab.stopDaemon(a);
    t.is(await setting(), before);
  } finally {
    await lab.cleanup();
  }
});
