// The supervisor's end of a side's channel when the side has just left: a request fails, the
// supervisor does not (found when a VRRP side died during its start and tandemd crashed on EPIPE).
import test from 'ava';
import { fork, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { SideChannel } from '../src/side-ipc.js';

type Map1 = { ping: { request: { readonly kind: 'ping' }; reply: string } };

test('a request to a side whose channel breaks under the write (EPIPE) is rejected; no error event reaches the supervisor', async (t) => {
  const epipe = Object.assign(new Error('write EPIPE'), { code: 'EPIPE' });
  const child = { connected: true, send: (_m: unknown, cb: (e: Error | null) => void) => (setImmediate(() => cb(epipe)), false) } as unknown as ChildProcess;
  const channel = new SideChannel<Map1>(child, 'the VRRP side');
  await t.throwsAsync(channel.request({ kind: 'ping' }, 1000), { message: 'the VRRP side is gone: write EPIPE' });
});

test('a request to a real side process that has exited is rejected, and the supervisor goes on', async (t) => {
  const child = fork('-e', ['process.exit(0)'], { execArgv: [], stdio: ['ignore', 'ignore', 'ignore', 'ipc'] });
  const channel = new SideChannel<Map1>(child, 'the VRRP side');
  const errors: Error[] = [];
  child.on('error', (e) => errors.push(e));
  await once(child, 'exit');
  await t.throwsAsync(channel.request({ kind: 'ping' }, 1000), { message: /the VRRP side (is restarting|is gone)/ });
  t.deepEqual(errors, []);
});
