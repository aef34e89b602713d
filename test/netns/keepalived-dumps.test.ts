// keepalived's monitoring files, with keepalived 2.2.7 itself as the oracle: the same file run
// by keepalived and by tandemd in the same namespace, each sent SIGUSR1, SIGUSR2 and the JSON
// signal; the files are compared key by key and line by line.
import test from 'ava';
import { mkdtempSync, readFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { oracleConf } from '../lib/configs.js';
import { Lab, TANDEMD } from '../lib/lab.js';
import { exited, run, sleep, waitFor } from '../lib/sh.js';

const CONF = oracleConf();

type Dump = { data: string; stats: string; json: Array<{ data: Record<string, unknown>; stats: Record<string, number> }> };

/** Sends DATA, STATS and JSON to `pid` and reads what it wrote to `dir`. */
async function dumps(pid: number, dir: string): Promise<Dump> {
  const files = ['keepalived.data', 'keepalived.stats', 'keepalived.json'].map((f) => join(dir, f));
  process.kill(pid, 'SIGUSR1');
  process.kill(pid, 'SIGUSR2');
  process.kill(pid, 36);
  await waitFor('the three files', 5000, () => (files.every((f) => existsSync(f)) ? true : undefined), 50);
  await sleep(200);
  const [data, stats, json] = files.map((f) => readFileSync(f, 'utf8'));
  return { data: data!, stats: stats!, json: JSON.parse(json!) as Dump['json'] };
}

/** The lines of one section of keepalived.data, less those that are timing or keepalived's own descriptors. */
function topology(data: string, title = 'VRRP Topology'): string[] {
  const start = data.indexOf(`------< ${title} >------`);
  if (start < 0) return [];
  const end = data.indexOf('------<', start + 10);
  return data
    .slice(start, end < 0 ? undefined : end)
    .split('\n')
    .filter((l) => l !== '' && !/Last transition|Read timeout|Master down timer|fd_in|Number of|Using src_ip|receive higher priority advert|^ {3}State = (idle|running)/.test(l));
}

test.serial('SIGUSR1, SIGUSR2 and the JSON signal write what keepalived 2.2.7 writes for the same file', async (t) => {
  const lab = await Lab.create('tEdump', ['a']);
  try {
    const ns = lab.ns('a');
    const path = lab.writeConfig('a', CONF);
    // keepalived first, as the oracle, with its files in a directory of its own ($TMPDIR).
    const kDir = mkdtempSync(join(tmpdir(), 'tE-ka-'));
    const k = lab.spawnIn('a', 'env', [`TMPDIR=${kDir}`, 'keepalived', '-n', '-l', '-P', '-f', path, '-p', join(kDir, 'k.pid'), '-r', join(kDir, 'v.pid'), '-c', join(kDir, 'c.pid')]);
    await waitFor('keepalived to be MASTER of both', 15_000, async () => ((await run('ip', ['-n', ns, 'addr', 'show', 'dev', 'eth0'])).includes('192.0.2.200') && (await run('ip', ['-n', ns, 'addr'])).includes('192.0.2.101') ? true : undefined), 100);
    await sleep(1500);
    const kPid = Number(readFileSync(join(kDir, 'k.pid'), 'utf8'));
    const ka = await dumps(kPid, kDir);
    k.kill('SIGTERM');
    await exited(k);
    await waitFor('keepalived to remove its addresses', 5000, async () => (!(await run('ip', ['-n', ns, 'addr'])).includes('192.0.2.200') ? true : undefined), 100);

    const tDir = mkdtempSync(join(tmpdir(), 'tE-td-'));
    const d = lab.spawnIn('a', 'env', [`TMPDIR=${tDir}`, TANDEMD, '-n', '-l', '-P', '-f', path, '--control-socket', join(tDir, 't.sock'), '-p', join(tDir, 't.pid')]);
    await waitFor('tandemd to be MASTER of both', 15_000, async () => ((await run('ip', ['-n', ns, 'addr'])).includes('192.0.2.200') && (await run('ip', ['-n', ns, 'addr'])).includes('192.0.2.101') ? true : undefined), 100);
    await sleep(1500);
    const td = await dumps(d.pid!, tDir);
    d.kill('SIGTERM');
    await exited(d);

    // keepalived.json: the same instances, the same keys in the same order, the same values
    // except the ones that are times and packet counts.
    t.is(td.json.length, ka.json.length);
    // Times and packet counts differ run to run; higher_prio_send_advert is tandem's own default (on; docs/config.md).
    const timing = new Set(['last_transition', 'advert_sent', 'advert_rcvd', 'higher_prio_send_advert']);
    for (let i = 0; i < ka.json.length; i++) {
      const [kd, tdd] = [ka.json[i]!, td.json[i]!];
      t.deepEqual(Object.keys(tdd), Object.keys(kd));
      t.deepEqual(Object.keys(tdd.data), Object.keys(kd.data), `data keys of ${String(kd.data['iname'])}`);
      t.deepEqual(Object.keys(tdd.stats), Object.keys(kd.stats), `stats keys of ${String(kd.data['iname'])}`);
      for (const [key, v] of Object.entries(kd.data)) if (!timing.has(key)) t.deepEqual(tdd.data[key], v, `data.${key} of ${String(kd.data['iname'])}`);
      for (const [key, v] of Object.entries(kd.stats)) if (!timing.has(key)) t.is(tdd.stats[key], v, `stats.${key}`);
      t.true(Math.abs(Number(tdd.data['last_transition']) - Date.now() / 1000) < 60, 'last_transition is a time of this run');
      t.true(tdd.stats['advert_sent']! > 0);
    }
    // keepalived.stats: line for line, the numbers aside from the adverts sent.
    const shape = (s: string): string => s.replace(/Sent: \d+/g, 'Sent: N');
    t.is(shape(td.stats), shape(ka.stats));
    // keepalived.data: every line tandem writes for an instance is a line keepalived writes.
    const kLines = topology(ka.data);
    const tLines = topology(td.data);
    t.true(tLines.length > 30);
    t.deepEqual(tLines.filter((l) => !kLines.includes(l)), []);
    const kScripts = topology(ka.data, 'VRRP Scripts');
    const tScripts = topology(td.data, 'VRRP Scripts');
    t.true(tScripts.length >= 10, 'the vrrp_script section');
    t.deepEqual(tScripts.filter((l) => !kScripts.includes(l)), []);
    t.regex(td.data, /^ VRRP Instance = VI_1\n {3}VRRP Version = 2\n {3}State = MASTER$/m);
    t.regex(td.data, / {3}Last transition = \d+\.\d{6} \(\w{3} \w{3} [ \d]\d \d\d:\d\d:\d\d\.\d{6} \d{4}\)/);
    // Written for root only, as keepalived writes them.
    t.is((await run('stat', ['-c', '%a', join(tDir, 'keepalived.json')])).trim(), '600');
  } finally {
    await lab.cleanup();
  }
});

test.serial('without router_id, keepalived.data says the host canonical name as keepalived 2.2.7 does', async (t) => {
  const lab = await Lab.create('tEdrid', ['a']);
  try {
    const conf = CONF.replace(/^ {4}router_id lb1\n/m, '');
    t.false(conf.includes('router_id lb1'));
    const path = lab.writeConfig('a', conf);
    const routerId = async (cmd: string, args: (dir: string) => string[], pid: (dir: string, child: ReturnType<Lab['spawnIn']>) => number): Promise<string | undefined> => {
      const dir = mkdtempSync(join(tmpdir(), 'tE-rid-'));
      const child = lab.spawnIn('a', 'env', [`TMPDIR=${dir}`, cmd, ...args(dir)]);
      try {
        await sleep(2500);
        process.kill(pid(dir, child), 'SIGUSR1');
        const file = join(dir, 'keepalived.data');
        await waitFor('keepalived.data', 5000, () => (existsSync(file) ? true : undefined), 50);
        await sleep(200);
        return /^ Router ID = (.*)$/m.exec(readFileSync(file, 'utf8'))?.[1];
      } finally {
        child.kill('SIGTERM');
        await exited(child);
      }
    };
    const k = await routerId('keepalived', (dir) => ['-n', '-l', '-P', '-f', path, '-p', join(dir, 'k.pid'), '-r', join(dir, 'v.pid'), '-c', join(dir, 'c.pid')], (dir) => Number(readFileSync(join(dir, 'k.pid'), 'utf8')));
    const m = await routerId(TANDEMD, (dir) => ['-n', '-l', '-P', '-f', path, '--control-socket', join(dir, 't.sock'), '-p', join(dir, 't.pid')], (_dir, child) => child.pid!);
    t.not(k, undefined);
    t.is(m, k);
  } finally {
    await lab.cleanup();
  }
});
