// use_ipvlan, VRF enslavement of the VRRP interfaces and the `vrf` keyword, as cases that run
// under the namespace suite (test/netns/ipvlan-vrf.test.ts, on kernels with ipvlan and VRF)
// and in the real-kernel guest (test/kernel/ipvlan-vrf.ktest.ts, Debian's kernel has both).
import { execFileSync } from 'node:child_process';
import { type Daemon, Lab } from './lab.js';
import { vrrpConf } from './configs.js';
import { nsRun, waitFor } from './sh.js';

const VIP = '192.0.2.100';
/** The destination of the virtual route the VRF cases set by `vrf NAME`. */
const ROUTED = '198.51.100.0/24';

/** What a case asserts with: ava's `t` has it, and so has node:assert through `assertChecks`. */
export interface Checks {
  is(actual: unknown, expected: unknown, message?: string): unknown;
  regex(text: string, re: RegExp, message?: string): unknown;
  notRegex(text: string, re: RegExp, message?: string): unknown;
}

/**
 * How fast a case runs: the namespace suite's 0.1 s adverts and waits; the guest, whose node
 * runs under TCG, with 1 s adverts (a stalled event loop there must not look like a dead master)
 * and every wait `scale` times as long.
 */
export interface Pace {
  readonly prefix: string;
  readonly advertInt: number;
  readonly scale: number;
}

/** A case's failure with the last of each daemon's output (the guest keeps no other trace of them). */
function explained(err: unknown, daemons: readonly Daemon[]): Error {
  const e = err instanceof Error ? err : new Error(String(err));
  e.message += daemons.map((d) => `\n--- ${d.kind} on ${d.director}:\n${d.child.output().slice(-4000)}`).join('');
  return e;
}

/** What a case's body gets: its lab, its waits scaled, and `started` to name the daemons a failure reports. */
interface CaseLab {
  readonly lab: Lab;
  readonly ms: (n: number) => number;
  readonly started: (d: Daemon) => Daemon;
  readonly ip: (director: string, ...args: string[]) => Promise<string>;
}

/** Runs a case in a lab of two directors (a, b) with the pace's prefix and start timeout; cleans up, and reports the daemons' output on failure. */
async function inLab(name: string, pace: Pace, body: (c: CaseLab) => Promise<void>): Promise<void> {
  const lab = await Lab.create(name, ['a', 'b'], pace.prefix);
  lab.startTimeoutMs *= pace.scale;
  const daemons: Daemon[] = [];
  try {
    await body({
      lab,
      ms: (n) => n * pace.scale,
      started: (d) => (daemons.push(d), d),
      ip: (d, ...args) => nsRun(lab.ns(d), 'ip', args),
    });
  } catch (err) {
    throw explained(err, daemons);
  } finally {
    await lab.cleanup();
  }
}

/** a's cable cut: b takes the VIP; restored: a takes it back (it has the higher priority). */
async function failoverBothWays({ lab, ms }: CaseLab): Promise<void> {
  await lab.cut('a');
  await lab.waitHolder(VIP, 'b', ms(3000));
  await lab.restore('a');
  await lab.waitHolder(VIP, 'a', ms(5000));
}

/**
 * Whether this kernel makes links of `kind` (ipvlan, vrf): the development machines' kernel
 * is built without either (CONFIG_IPVLAN, CONFIG_NET_VRF), and then the tests needing one
 * are registered as skipped, saying so, rather than passing.
 */
export function kernelMakes(kind: 'ipvlan' | 'vrf', prefix: string): boolean {
  const ns = `${prefix}-probe-${kind}`;
  const ip = (...args: string[]): void => void execFileSync('ip', ['-n', ns, ...args], { stdio: 'ignore' });
  try {
    execFileSync('ip', ['netns', 'add', ns], { stdio: 'ignore' });
    ip('link', 'add', 'p0', 'type', 'veth', 'peer', 'name', 'p1');
    if (kind === 'ipvlan') ip('link', 'add', 'iv0', 'link', 'p0', 'type', 'ipvlan', 'mode', 'l2');
    else ip('link', 'add', 'v0', 'type', 'vrf', 'table', '10');
    return true;
  } catch {
    return false;
  } finally {
    execFileSync('ip', ['netns', 'del', ns], { stdio: 'ignore' });
  }
}

/** `ip -d link show NAME` reduced to what keepalived chose: kind, mode, flags, master, MAC and state. */
async function linkShape(lab: Lab, d: string, name: string): Promise<string> {
  const out = await nsRun(lab.ns(d), 'ip', ['-d', 'link', 'show', name]);
  const kind = /\n\s+(ipvlan|macvlan|vrf)\s+mode (\S+)\s*(bridge|private|vepa)?/.exec(out);
  const master = / master (\S+)/.exec(out)?.[1] ?? '-';
  return `${kind?.[1] ?? '?'} ${kind?.[2] ?? '?'} ${kind?.[3] ?? '-'} master ${master} ${/<[^>]*\bUP\b/.test(out) ? 'UP' : 'DOWN'}`;
}

/** Each director's eth0 enslaved to a VRF `name` with routing table 10. */
async function enslave(lab: Lab, name: string): Promise<void> {
  for (const d of lab.directors) {
    const ip = (...args: string[]): Promise<string> => nsRun(lab.ns(d), 'ip', args);
    await ip('link', 'add', name, 'type', 'vrf', 'table', '10');
    await ip('link', 'set', name, 'up');
    await ip('link', 'set', 'eth0', 'master', name);
  }
}

/** use_ipvlan NAME ADDRESS private: tandem beside keepalived 2.2.7 as its backup. */
export function ipvlanPrivate(t: Checks, pace: Pace): Promise<void> {
  return inLab('ipv', pace, async (c) => {
    const { lab, ms, ip } = c;
    const conf = (priority: number, own: string): string => vrrpConf({ priority, advertInt: pace.advertInt, version: 3, vips: [`${VIP}/24`], instanceLines: [`use_ipvlan ipv.51 ${own}/24 private`] });
    const a = c.started(await lab.startTandem('a', conf(150, '192.0.2.21')));
    const b = c.started(await lab.startKeepalived('b', conf(100, '192.0.2.22')));
    await lab.waitHolder(VIP, 'a', ms(8000));
    t.is(await linkShape(lab, 'a', 'ipv.51'), await linkShape(lab, 'b', 'ipv.51'), 'tandem makes the interface keepalived makes');
    t.regex(await linkShape(lab, 'a', 'ipv.51'), /^ipvlan l2 private master - UP$/);
    const macOf = async (d: string, name: string): Promise<string> => /link\/ether (\S+)/.exec(await ip(d, 'link', 'show', name))![1]!;
    t.is(await macOf('a', 'ipv.51'), await macOf('a', 'eth0'), 'an ipvlan has its base\'s MAC');
    t.regex(await ip('a', '-4', 'addr', 'show', 'dev', 'ipv.51'), /inet 192\.0\.2\.21\/24[\s\S]*inet 192\.0\.2\.100\/24/, 'its own address, then the VIP');
    t.regex(await ip('b', '-4', 'addr', 'show', 'dev', 'ipv.51'), /inet 192\.0\.2\.22\/24/);
    t.notRegex(await ip('b', '-4', 'addr', 'show', 'dev', 'ipv.51'), /192\.0\.2\.100/, 'the backup holds nothing');
    t.is((await nsRun(lab.ns('a'), 'cat', ['/proc/sys/net/ipv6/conf/ipv.51/disable_ipv6'])).trim(), '1', 'no IPv6 on it for an IPv4 instance');
    t.is((await lab.ctl(a, 'status'))?.instances[0]?.state, 'MASTER');
    const adverts = await lab.capture('b', ['-c', '1', 'ip proto 112']);
    await waitFor('an advert on b', ms(3000), () => (/ IP 192\.0\.2\.21 > 224\.0\.0\.18: VRRPv3/.test(adverts.output()) ? true : undefined));
    await failoverBothWays(c);
    await lab.stopDaemon(a);
    t.is((await nsRun(lab.ns('a'), 'ip', ['link', 'show', 'ipv.51'], { allowFail: true })).trim(), '', 'stop removes the interface');
    await lab.waitHolder(VIP, 'b', ms(3000));
    await lab.stopDaemon(b);
  });
}

/** The virtual interface kinds made on the instance's interface, as their use_* lines (X: the director's number). */
export const ENSLAVED_KINDS = ['use_vmac', 'use_ipvlan ipv.51 192.0.2.2X/24'] as const;

/** use_vmac / use_ipvlan on an interface enslaved to a VRF: tandem beside keepalived 2.2.7 as its backup. */
export function enslavedToVrf(t: Checks, kind: (typeof ENSLAVED_KINDS)[number], pace: Pace): Promise<void> {
  return inLab(kind === 'use_vmac' ? 'vrfm' : 'vrfi', pace, async (c) => {
    const { lab, ms, ip } = c;
    await enslave(lab, 'blue');
    // A virtual route by `vrf blue`: keepalived puts it in the VRF's table (10) while master.
    const routes = ['virtual_routes {', `  ${ROUTED} dev eth0 vrf blue`, '}'];
    const conf = (priority: number, n: number): string => vrrpConf({ priority, advertInt: pace.advertInt, version: 3, vips: [`${VIP}/24`], instanceLines: [kind.replace('X', String(n)), ...routes] });
    const name = kind === 'use_vmac' ? 'vrrp.51' : 'ipv.51';
    const a = c.started(await lab.startTandem('a', conf(150, 1)));
    const b = c.started(await lab.startKeepalived('b', conf(100, 2)));
    await lab.waitHolder(VIP, 'a', ms(8000));
    // Up or down aside: keepalived 2.2.7, as backup, leaves its macvlan in a VRF down (seen in the guest), tandem's is up.
    const upOrDown = (shape: string): string => shape.replace(/ (UP|DOWN)$/, '');
    t.is(upOrDown(await linkShape(lab, 'a', name)), upOrDown(await linkShape(lab, 'b', name)), 'tandem makes the interface keepalived makes');
    t.regex(await linkShape(lab, 'a', name), / master blue UP$/);
    // The kernel puts an enslaved interface's local routes in the VRF's table, not the local table.
    const table10 = await ip('a', 'route', 'show', 'table', '10');
    // (its src is the interface's primary address: the ipvlan's own, or the VIP on a virtual MAC interface)
    t.regex(table10, /local 192\.0\.2\.100 dev \S+ proto kernel scope host src /, `the VIP's local route is in the VRF's table:\n${table10}`);
    t.notRegex(await ip('a', 'route', 'show', 'table', 'local'), /192\.0\.2\.100/);
    const routedIn10 = /198\.51\.100\.0\/24 dev eth0 /;
    t.regex(table10, routedIn10, `the virtual route by vrf blue is in its table while master:\n${table10}`);
    t.notRegex(await ip('a', 'route', 'show', 'table', 'main'), /198\.51\.100\.0/);
    t.notRegex(await ip('b', 'route', 'show', 'table', '10'), /198\.51\.100\.0/, 'the backup has not set it');
    await lab.cut('a');
    await lab.waitHolder(VIP, 'b', ms(3000));
    // keepalived, now master, sets the same route in the same table.
    await waitFor('keepalived\'s virtual route in table 10', ms(3000), async () => (routedIn10.test(await ip('b', 'route', 'show', 'table', '10')) ? true : undefined));
    await lab.restore('a');
    await lab.waitHolder(VIP, 'a', ms(5000));
    await waitFor('tandem\'s virtual route back in table 10', ms(3000), async () => (routedIn10.test(await ip('a', 'route', 'show', 'table', '10')) ? true : undefined));
    await lab.stopDaemon(a);
    t.is((await nsRun(lab.ns('a'), 'ip', ['link', 'show', name], { allowFail: true })).trim(), '', 'stop removes the interface');
    await lab.stopDaemon(b);
  });
}

/**
 * `vrf red` (a unicast instance without interface) on two tandemd whose eth0 is enslaved to
 * VRF red: the main table has no route to the peer, so adverts get through only by the VRF's
 * table (the sockets bound to the VRF device, as keepalived 2.2.8+). keepalived 2.2.7 refuses
 * the same file ("Unknown interface!"), as tandem's warning says, so it is no peer here.
 */
export function vrfInstance(t: Checks, pace: Pace): Promise<void> {
  return inLab('vrfk', pace, async (c) => {
    const { lab, ms, ip } = c;
    await enslave(lab, 'red');
    t.notRegex(await ip('a', '-4', 'route', 'show', 'table', 'main'), /192\.0\.2\.0\/24/, 'eth0\'s prefix route left the main table for the VRF\'s');
    const conf = (d: string, priority: number): string =>
      vrrpConf({ priority, advertInt: pace.advertInt, version: 3, vips: [`${VIP}/24`], vrf: 'red', unicastSrc: lab.address(d), peers: [lab.address(d === 'a' ? 'b' : 'a')] });
    // Both at once: the guest's slow start (node under TCG) is paid once.
    const [a, b] = (await Promise.all([lab.startTandem('a', conf('a', 150)), lab.startTandem('b', conf('b', 100))])).map(c.started) as [Daemon, Daemon];
    await lab.waitHolder(VIP, 'a', ms(8000));
    // b hears a's adverts (it would take over after Master_Down_Interval otherwise).
    t.is((await lab.ctl(b, 'status'))?.instances[0]?.state, 'BACKUP');
    t.is((await lab.ctl(a, 'status'))?.instances[0]?.state, 'MASTER');
    t.regex(await ip('a', '-4', 'route', 'show', 'table', '10'), /192\.0\.2\.0\/24 dev eth0 proto kernel scope link src 192\.0\.2\.11/, 'the VRF\'s table routes the peers');
    const ka = await nsRun(lab.ns('a'), 'keepalived', ['-t', '-f', lab.writeConfig('a', conf('a', 150), 'keepalived.conf'), '-l', '-n'], { allowFail: true, withStderr: true });
    t.regex(ka, /\(VI_LAB\) Unknown interface!/, 'keepalived 2.2.7 refuses an instance without interface (fixed in 2.2.8)');
    await failoverBothWays(c);
    await lab.stopDaemon(a);
    await lab.waitHolder(VIP, 'b', ms(3000));
    await lab.stopDaemon(b);
  });
}
