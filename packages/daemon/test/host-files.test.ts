import test from 'ava';
import { linkSync, lstatSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync, chmodSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Config } from '@tandem/config';
import type { NetworkChanger } from '@tandem/net';
import { HostLedger, InstanceLock, staleEntries, untrustedDirectory, writePrivateFile, lockPathOf } from '../src/index.js';

const scratch = (): string => mkdtempSync(join(tmpdir(), 'tandem-files-'));

test('writePrivateFile replaces a planted symlink instead of writing through it', (t) => {
  const dir = scratch();
  const victim = join(dir, 'victim');
  writeFileSync(victim, 'secret\n');
  chmodSync(victim, 0o600);
  const dump = join(dir, 'tandem.data');
  symlinkSync(victim, dump);
  writePrivateFile(dump, '{"status":1}\n');
  t.is(readFileSync(victim, 'utf8'), 'secret\n', 'the link target is untouched');
  const st = lstatSync(dump);
  t.true(st.isFile() && !st.isSymbolicLink());
  t.is(st.mode & 0o777, 0o600);
  t.is(readFileSync(dump, 'utf8'), '{"status":1}\n');
});

test('writePrivateFile never writes into a file planted in advance (another name for it keeps its old content)', (t) => {
  const dir = scratch();
  const dump = join(dir, 'tandem.stats');
  writeFileSync(dump, '');
  chmodSync(dump, 0o666);
  const keptByPlanter = join(dir, 'planter-link');
  linkSync(dump, keptByPlanter);
  writePrivateFile(dump, 'stats\n');
  t.is(readFileSync(keptByPlanter, 'utf8'), '', 'the planted inode never received the stats');
  t.is(lstatSync(dump).mode & 0o777, 0o600);
});

test('untrustedDirectory: a symlink, a directory others can write, and a subdirectory of one are refused', (t) => {
  const dir = scratch();
  t.is(untrustedDirectory(dir), undefined);
  const open = join(dir, 'open');
  mkdirSync(open);
  chmodSync(open, 0o777);
  t.regex(untrustedDirectory(open) ?? '', /writable by others/);
  const below = join(open, 'below');
  mkdirSync(below, { mode: 0o700 });
  t.regex(untrustedDirectory(below) ?? '', /above .* writable by others and not sticky/);
  chmodSync(open, 0o1777);
  t.is(untrustedDirectory(below), undefined, 'a sticky directory above (like /tmp) is fine');
  const link = join(dir, 'link');
  symlinkSync(dir, link);
  t.regex(untrustedDirectory(link) ?? '', /symbolic link/);
  t.regex(untrustedDirectory(join(dir, 'missing')) ?? '', /ENOENT/);
});

test('InstanceLock: a second holder is refused with the first one\'s pid; released, it can be taken again', (t) => {
  const path = join(scratch(), 'tandem.lock');
  const first = InstanceLock.acquire(path, 'control socket lock');
  t.is(readFileSync(path, 'utf8'), `${process.pid}\n`);
  // flock is per open file: a second open in this same process conflicts like another process would.
  t.throws(() => InstanceLock.acquire(path, 'control socket lock'), { message: new RegExp(`another tandemd \\(pid ${process.pid}\\) already runs with the control socket lock`) });
  first.release();
  const again = InstanceLock.acquire(path, 'control socket lock');
  again.release();
  t.is(lockPathOf('/run/tandem/tandem.sock'), '/run/tandem/tandem.lock');
});

test('InstanceLock does not write through a symlink planted at the pidfile', (t) => {
  const dir = scratch();
  const victim = join(dir, 'victim');
  writeFileSync(victim, 'root only\n');
  const pid = join(dir, 'tandemd.pid');
  symlinkSync(victim, pid);
  const lock = InstanceLock.acquire(pid, 'pidfile');
  t.is(readFileSync(victim, 'utf8'), 'root only\n');
  t.false(lstatSync(pid).isSymbolicLink());
  lock.release();
});

/** A fake kernel: what is there now, and the order of calls. */
function fakeNetwork(): { changer: NetworkChanger; present: Set<string>; calls: string[]; failNextAdd: boolean } {
  const present = new Set<string>();
  const calls: string[] = [];
  const state = { changer: undefined as unknown as NetworkChanger, present, calls, failNextAdd: false };
  const op = (name: string, add: boolean) => async (spec: object): Promise<void> => {
    calls.push(`${name} ${JSON.stringify(spec)}`);
    if (add && state.failNextAdd) {
      state.failNextAdd = false;
      throw new Error('EPERM');
    }
    if (add) present.add(JSON.stringify(spec));
    else present.delete(JSON.stringify(spec));
  };
  state.changer = {
    addAddress: op('addAddress', true),
    removeAddress: op('removeAddress', false),
    addRoute: op('addRoute', true),
    removeRoute: op('removeRoute', false),
    addRule: op('addRule', true),
    removeRule: op('removeRule', false),
  };
  return state;
}

test('HostLedger remembers an address before it is added and forgets it after it is removed; the file survives a crash', async (t) => {
  const path = join(scratch(), 'tandem.state');
  const net = fakeNetwork();
  const { ledger } = HostLedger.open(path);
  const rec = ledger.recording(net.changer);
  const vip = { address: '192.0.2.100', prefix: 32, ifindex: 2 };
  net.failNextAdd = true;
  await t.throwsAsync(rec.addAddress(vip));
  t.deepEqual(HostLedger.open(path).ledger.previous.addresses, [vip], 'an add that may have half-happened stays remembered');
  await rec.addAddress(vip);
  await rec.addRoute({ type: 'unicast', destination: '198.51.100.0', prefix: 24, via: '192.0.2.1' });
  ledger.setIpvsServices(['tcp 192.0.2.100:80']);
  t.is(lstatSync(path).mode & 0o777, 0o600);
  // kill -9 here: the next start reads what is still in the kernel.
  const after = HostLedger.open(path).ledger.previous;
  t.deepEqual(after.addresses, [vip]);
  t.is(after.routes.length, 1);
  t.deepEqual(after.ipvsServices, ['tcp 192.0.2.100:80']);
  await rec.removeAddress(vip);
  t.deepEqual(HostLedger.open(path).ledger.previous.addresses, []);
});

test('HostLedger: a torn file is read as empty and said so', (t) => {
  const path = join(scratch(), 'tandem.state');
  writeFileSync(path, '{"addresses": [');
  const { ledger, problem } = HostLedger.open(path);
  t.deepEqual(ledger.previous, { addresses: [], routes: [], rules: [], ipvsServices: [] });
  t.regex(problem ?? '', /starting from an empty record/);
});

test('staleEntries: what the new file no longer configures anywhere, by address and route identity', (t) => {
  const pos = { file: 'k.conf', line: 1, col: 1 };
  const config = {
    staticAddresses: [{ address: '10.0.0.1', prefix: 24, family: 4, pos }],
    staticRoutes: [],
    staticRules: [],
    vrrpInstances: [{ virtualIpaddress: [{ address: '192.0.2.100', prefix: 32, family: 4, pos }], virtualIpaddressExcluded: [], virtualRoutes: [{ type: 'unicast', destination: '198.51.100.0', prefix: 24, via: '192.0.2.1', pos }], virtualRules: [] }],
  } as unknown as Config;
  const stale = staleEntries(
    {
      addresses: [
        { address: '192.0.2.100', prefix: 32, ifindex: 7 },
        { address: '192.0.2.200', prefix: 32, ifindex: 2 },
        { address: '10.0.0.1', prefix: 24, ifindex: 2 },
      ],
      routes: [
        { type: 'unicast', destination: '198.51.100.0', prefix: 24, via: '192.0.2.9' },
        { type: 'unicast', destination: '203.0.113.0', prefix: 24 },
      ],
      rules: [{ family: 4, table: 100, invert: false }],
      ipvsServices: [],
    },
    config,
  );
  t.deepEqual(stale.addresses, [{ address: '192.0.2.200', prefix: 32, ifindex: 2 }], 'a VIP now on another interface index is still configured');
  t.deepEqual(stale.routes, [{ type: 'unicast', destination: '203.0.113.0', prefix: 24 }]);
  t.deepEqual(stale.rules, [{ family: 4, table: 100, invert: false }]);
});
