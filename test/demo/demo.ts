// npm run demo: two tandemd directors and a client in network namespaces;
// shows the election, a link cut with the client's view of the failover,
// and preemption when the link comes back. Cleans up on exit and Ctrl-C.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Lab, REPO, TANDEMCTL, type Daemon } from '../lib/lab.js';
import { run, sleep } from '../lib/sh.js';
import { formatTimeline, stretches } from '../lib/timeline.js';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { ensureSystemDeps } = require(join(REPO, 'scripts', 'system-deps.js')) as { ensureSystemDeps: (tier: 'demo' | 'test') => boolean };

const VIP = '192.0.2.100';
/** Set once cleanup starts; every way out of the demo waits for it. */
let cleanupDone: Promise<void> | undefined;
let interrupted = false;
const say = (text = ''): void => void process.stdout.write(`${text}\n`);

async function status(d: Daemon): Promise<string> {
  return (await run('node', [TANDEMCTL, '--socket', d.socket, 'status'])).trimEnd();
}

async function main(): Promise<void> {
  if (process.getuid?.() !== 0) {
    say('the demo builds network namespaces and needs root: sudo npm run demo');
    process.exit(1);
  }
  if (!ensureSystemDeps('demo')) process.exit(1);
  say('Building the lab: a bridge, directors a and b (eth0 on the bridge), and a client.');
  // Filled once the lab exists; signal handlers registered before then look here.
  const built: { lab?: Lab } = {};
  const cleanup = (): Promise<void> =>
    (cleanupDone ??= (async () => {
      say('\nCleaning up: stopping daemons and removing namespaces.');
      await built.lab?.cleanup();
    })());
  let exitCode = 0;
  const onSignal = (code: number) => () => {
    interrupted = true;
    exitCode = code;
    // While the lab is being built, cleaning up waits until it exists.
    if (built.lab !== undefined) void cleanup().then(() => process.exit(code));
  };
  process.on('SIGINT', onSignal(130));
  process.on('SIGTERM', onSignal(143));
  const lab = (built.lab = await Lab.create('demo', ['a', 'b']));
  if (interrupted) {
    await cleanup();
    process.exit(exitCode);
  }
  try {
    const conf = (n: string): string => readFileSync(join(REPO, 'examples', 'lab', `director-${n}.conf`), 'utf8');
    const a = await lab.startTandem('a', conf('a'));
    const b = await lab.startTandem('b', conf('b'));
    lab.startResponders();
    say(`Started tandemd on both directors from examples/lab/director-{a,b}.conf (VIP ${VIP}, VRRPv2, advert_int 1).`);
    await lab.waitHolder(VIP, 'a', 10_000);
    say('\nElection done. tandemctl status on a and b:');
    say(await status(a));
    say(await status(b));

    const probe = lab.startProber(VIP, 10);
    await sleep(1500);
    const origin = Date.now();
    say(`\nThe client sends a UDP probe to ${VIP} every 10 ms; each director answers with its name.`);
    say('Cutting director a\'s link (its bridge port goes down)...');
    await lab.cut('a');
    const cutAt = Date.now() - origin;
    await lab.waitHolder(VIP, 'b', 10_000);
    await sleep(1500);
    say('\nWhat the client saw:');
    for (const l of formatTimeline(stretches(probe.answers, origin), [{ atMs: cutAt, label: 'link of a cut' }])) say(l);
    say(`\nClient's neighbour entry for ${VIP}: ${await lab.clientNeighbour(VIP)} (b's MAC is ${await lab.mac('b')}, a's ${await lab.mac('a')})`);
    say(await status(b));

    say('\nRestoring a\'s link: a has the higher priority and preempts (after Master_Down_Interval).');
    const restoreOrigin = Date.now();
    probe.answers.length = 0;
    await lab.restore('a');
    await lab.waitHolder(VIP, 'a', 15_000);
    await sleep(1000);
    for (const l of formatTimeline(stretches(probe.answers, restoreOrigin), [{ atMs: 0, label: 'link of a restored' }])) say(l);
    say(await status(a));
    await probe.stop();
    say('\nStopping a with SIGTERM: it sends a priority-0 advert, so b takes over after Skew_Time only.');
    const stopAt = Date.now();
    await lab.stopDaemon(a);
    await lab.waitHolder(VIP, 'b', 5000);
    say(`b holds ${VIP} ${Date.now() - stopAt} ms after the SIGTERM.`);
  } finally {
    await cleanup();
  }
}

main().catch(async (err: unknown) => {
  // An interrupted demo fails on the way out; the signal handler reports and exits.
  if (!interrupted) process.stderr.write(`demo failed: ${err instanceof Error ? err.message : String(err)}\n`);
  await cleanupDone;
  if (!interrupted) process.exit(1);
});
