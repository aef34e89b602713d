import test from 'ava';
import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { Frr } from '../lib/frr.js';
import { run, sleep, waitFor } from '../lib/sh.js';

// The announcement's I/O edge against real FRR (Debian's 8.4), in namespaces: the daemon's own
// Announcer (test/lib/announce-driver.ts) puts 10.60.0.100/32 through its TUN interface in a
// director running examples/anycast/frr/director1.conf; a router running
// examples/anycast/frr/router.conf learns it over BGP. The end-to-end test through tandemd,
// with IPVS, is the real-kernel guest's (test/kernel/anycast.ktest.ts). Also: keepalived 2.2.7
// accepts the example's keepalived.conf, whose @tandem lines it skips.

const REPO = join(__dirname, '..', '..', '..');
const EXAMPLE = join(REPO, 'examples', 'anycast');
const VIP = '10.60.0.100';
const D = 'tHad';
const R = 'tHar';

/** A driver process: send a command line, get its answer. */
interface Driver {
  readonly child: ChildProcess;
  send(line: string): Promise<string>;
  stderr(): string;
}

function startDriver(ifname: string): Driver {
  const child = spawn('ip', ['netns', 'exec', D, 'node', join(REPO, 'test', 'dist', 'lib', 'announce-driver.js'), ifname], { stdio: ['pipe', 'pipe', 'pipe'] });
  let err = '';
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  const answers: string[] = [];
  const waiting: Array<(s: string) => void> = [];
  createInterface({ input: child.stdout! }).on('line', (l) => {
    const w = waiting.shift();
    if (w !== undefined) w(l);
    else answers.push(l);
  });
  return {
    child,
    send: (line) =>
      new Promise((resolve, reject) => {
        const t = setTimeout(() => reject(new Error(`no answer to '${line}': ${err}`)), 10_000);
        waiting.push((a) => {
          clearTimeout(t);
          resolve(a);
        });
        child.stdin!.write(`${line}\n`);
      }),
    stderr: () => err,
  };
}

const routerRoute = async (): Promise<string> => (await run('ip', ['-n', R, 'route', 'show', VIP], { allowFail: true })).trim();

/** Milliseconds from now until `probe` holds, polled every 5 ms. */
async function msUntil(what: string, probe: () => Promise<boolean>, timeoutMs = 15_000): Promise<number> {
  const t0 = performance.now();
  await waitFor(what, timeoutMs, async () => ((await probe()) ? true : undefined), 5);
  return Math.round(performance.now() - t0);
}

async function lab(): Promise<{ dir: string; director: Frr; router: Frr; teardown(): Promise<void> }> {
  const dir = mkdtempSync(join(tmpdir(), 'tH-anycast-'));
  chmodSync(dir, 0o755);
  await run('sh', ['-ec', `ip netns add ${D}; ip netns add ${R}
ip link add eth0 netns ${D} type veth peer name eth1 netns ${R}
ip -n ${D} link set lo up; ip -n ${R} link set lo up
ip -n ${D} addr add 10.51.1.2/24 dev eth0; ip -n ${D} link set eth0 up
ip -n ${R} addr add 10.51.1.1/24 dev eth1; ip -n ${R} link set eth1 up`]);
  const started: Frr[] = [];
  const teardown = async (): Promise<void> => {
    for (const f of started) await f.stop();
    for (const ns of [D, R]) await run('ip', ['netns', 'del', ns], { allowFail: true });
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    const director = await Frr.start(D, join(dir, 'director'), readFileSync(join(EXAMPLE, 'frr', 'director1.conf'), 'utf8'));
    started.push(director);
    const router = await Frr.start(R, join(dir, 'router'), readFileSync(join(EXAMPLE, 'frr', 'router.conf'), 'utf8'));
    started.push(router);
    await waitFor('the BGP session', 30_000, async () => ((await router.vtysh('show bgp neighbors 10.51.1.2 json')).includes('"bgpState":"Established"') ? true : undefined), 200);
    return { dir, director, router, teardown };
  } catch (err) {
    await teardown();
    throw err;
  }
}

test.serial('keepalived 2.2.7 accepts the example keepalived.conf (it skips the @tandem lines) and refuses a plain announce; tandemd -t accepts it', async (t) => {
  const file = join(EXAMPLE, 'keepalived.conf');
  t.is(await run('keepalived', ['-t', '-f', file], { allowFail: true, withStderr: true }), '');
  t.regex(await run('node', [join(REPO, 'packages', 'daemon', 'bin', 'tandemd.js'), '-t', '-f', file], { withStderr: true }), /configuration is valid/);
  const dir = mkdtempSync(join(tmpdir(), 'tH-anycast-'));
  try {
    const plain = join(dir, 'plain.conf');
    writeFileSync(plain, readFileSync(file, 'utf8').replace('@tandem announce ', 'announce '));
    const out = await run('sh', ['-c', `keepalived -t -f ${plain}; echo "exit $?"`], { withStderr: true });
    t.regex(out, /Unknown keyword 'announce'/);
    t.regex(out, /exit [1-9]/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test.serial('through FRR: announced and withdrawn on demand, and gone from the router when the process holding the interface is killed -9, whatever its children', async (t) => {
  const l = await lab();
  const driver = startDriver('tandem-anycast');
  let child: number | undefined;
  try {
    t.is(await driver.send(`announce ${VIP}/32`), 'ok');
    t.regex(await run('ip', ['-n', D, 'route', 'show', VIP]), /10\.60\.0\.100 dev tandem-anycast proto keepalived scope link/);
    const announced = await msUntil('the route at the router', async () => (await routerRoute()).includes('via 10.51.1.2'));
    t.regex(await routerRoute(), /10\.60\.0\.100 (nhid \d+ )?via 10\.51\.1\.2 dev eth1 proto bgp/);
    // A route-map matches the interface: another kernel route is not announced.
    await run('ip', ['-n', D, 'route', 'add', '10.60.0.200/32', 'dev', 'eth0']);

    const t0 = performance.now();
    t.is(await driver.send(`withdraw ${VIP}/32`), 'ok');
    const withdrawn = Math.round(performance.now() - t0) + (await msUntil('the withdrawal at the router', async () => (await routerRoute()) === ''));
    t.is(await driver.send(`announce ${VIP}/32`), 'ok');
    await msUntil('announced again', async () => (await routerRoute()).includes('via 10.51.1.2'));
    t.is((await run('ip', ['-n', R, 'route', 'show', '10.60.0.200'])).trim(), '', 'only routes through tandem-anycast are announced');

    // A child of the holder (as a notify script would be) does not keep the interface.
    const answer = await driver.send('child');
    child = Number(/^ok (\d+)$/.exec(answer)?.[1]);
    t.true(Number.isInteger(child), answer);
    const killedAt = performance.now();
    driver.child.kill('SIGKILL');
    // `ip netns exec` execs node: the pid is the holder's own.
    const gone = await msUntil('the route to leave the router after kill -9', async () => (await routerRoute()) === '');
    t.true(process.kill(child, 0), 'the child still runs');
    t.is((await run('ip', ['-n', D, 'link', 'show', 'tandem-anycast'], { allowFail: true, withStderr: true })).includes('does not exist'), true);
    t.log(`router learnt the route ${announced} ms after it was added; withdrawn ${withdrawn} ms after the request; gone ${Math.round(performance.now() - killedAt)} ms (${gone} ms polled) after kill -9 (shared 2-core machine, others' load)`);

    // A second announcer cannot take an interface of the same name.
    const again = startDriver('tandem-anycast');
    try {
      t.is(await again.send(`announce ${VIP}/32`), 'ok');
      await run('ip', ['-n', D, 'tuntap', 'add', 'dev', 'tH-taken', 'mode', 'tun']);
      const taken = startDriver('tH-taken');
      try {
        t.regex(await taken.send(`announce ${VIP}/32`), /^error/);
        await waitFor('the log line', 2000, () => (taken.stderr().includes('cannot create interface tH-taken: tun: an interface named tH-taken already exists; nothing is announced') ? true : undefined));
      } finally {
        taken.child.kill('SIGKILL');
      }
    } finally {
      again.child.kill('SIGKILL');
    }
  } catch (err) {
    t.log(`driver: ${driver.stderr()}`);
    t.log(`director FRR: ${l.director.log().slice(-2000)}`);
    throw err;
  } finally {
    driver.child.kill('SIGKILL');
    if (child !== undefined) {
      try {
        process.kill(child, 'SIGKILL');
      } catch {
        // Gone.
      }
    }
    await l.teardown();
  }
});

test.serial('control: a route in a table zebra imports (ip import-table) stays announced after its interface is gone, so tandem does not use one', async (t) => {
  const l = await lab();
  const driver = startDriver('tandem-anycast');
  try {
    await l.director.vtysh('configure terminal', 'ip import-table 200', 'router bgp 65060', 'address-family ipv4 unicast', 'redistribute table 200 route-map SEND-VIPS');
    t.is(await driver.send('announce 10.60.0.1/32'), 'ok', 'makes the interface');
    await run('ip', ['-n', D, 'route', 'add', `${VIP}/32`, 'dev', 'tandem-anycast', 'table', '200']);
    await msUntil('the imported route at the router', async () => (await routerRoute()).includes('via 10.51.1.2'));
    driver.child.kill('SIGKILL');
    await waitFor('the interface to go', 5000, async () => ((await run('ip', ['-n', D, 'link', 'show', 'tandem-anycast'], { allowFail: true, withStderr: true })).includes('does not exist') ? true : undefined));
    t.is((await run('ip', ['-n', D, 'route', 'show', 'table', '200'])).trim(), '', 'the kernel dropped the route with its interface');
    await sleep(3000);
    t.regex(await routerRoute(), /via 10\.51\.1\.2/, 'zebra still has it (the kernel says nothing of routes it drops with an interface), and bgpd still announces it');
    t.regex(await l.director.vtysh('show ip route'), /T\[200\]>\* 10\.60\.0\.100\/32 .*unknown/, 'zebra keeps the imported route, through an interface it calls unknown');
  } finally {
    driver.child.kill('SIGKILL');
    await l.teardown();
  }
});

test.serial('tandemd without IPVS (this kernel has none): it makes its interface but announces nothing IPVS does not hold, says why in tandemctl status, and its interface goes with a kill -9', async (t) => {
  const l = await lab();
  const socket = join(l.dir, 'tandem.sock');
  const daemon = spawn('ip', ['netns', 'exec', D, 'node', join(REPO, 'packages', 'daemon', 'bin', 'tandemd.js'), '-n', '-l', '-f', join(EXAMPLE, 'keepalived.conf'), '-p', join(l.dir, 'tandemd.pid'), '--control-socket', socket], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  daemon.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  daemon.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  try {
    const status = await waitFor('the announcement in tandemctl status', 30_000, async () => {
      const s = JSON.parse(await run('node', [join(REPO, 'packages', 'daemon', 'bin', 'tandemctl.js'), '--socket', socket, 'status', '--json'], { allowFail: true }) || '{}') as { announce?: { interface: string | null; prefixes: Array<{ prefix: string; announced: boolean; reason: string }> } };
      return s.announce?.interface === 'tandem-anycast' && s.announce.prefixes.length > 0 ? s.announce : undefined;
    }, 200);
    t.is(status.prefixes.length, 1);
    t.like(status.prefixes[0], { prefix: '10.60.0.0/24', announced: false });
    t.regex(status.prefixes[0]!.reason, /^10\.60\.0\.100:80\/TCP is not in IPVS: .*this kernel has no IPVS/);
    t.regex(await run('ip', ['-n', D, 'link', 'show', 'tandem-anycast']), /tandem-anycast/);
    t.is((await run('ip', ['-n', D, 'route', 'show', 'dev', 'tandem-anycast'])).trim(), '', 'no route through the interface');
    await sleep(2000);
    t.is(await routerRoute(), '', 'the router learns nothing');
    daemon.kill('SIGKILL');
    await waitFor('the interface to go with tandemd', 5000, async () => ((await run('ip', ['-n', D, 'link', 'show', 'tandem-anycast'], { allowFail: true, withStderr: true })).includes('does not exist') ? true : undefined));
  } catch (err) {
    t.log(out.slice(-3000));
    throw err;
  } finally {
    daemon.kill('SIGKILL');
    await l.teardown();
  }
});
