import test from 'ava';
import { initialCheckerState, onResult, type CheckTiming } from '../src/index.js';

const timing: CheckTiming = { intervalMs: 6000, retry: 2, retryDelayMs: 1000, warmupMs: 0, alpha: false, timeoutMs: 3000 };
const ok = { ok: true, reason: 'connected' };
const bad = { ok: false, reason: 'connect ECONNREFUSED' };

test('a server starts up, or down with alpha', (t) => {
  t.true(initialCheckerState(timing).up);
  t.false(initialCheckerState({ ...timing, alpha: true }).up);
});

test('failures are retried retry times, delay_before_retry apart; the next one takes the server down', (t) => {
  let s = initialCheckerState(timing);
  const a = onResult(s, bad, timing);
  t.is(a.nextInMs, 1000);
  t.is(a.change, undefined);
  s = a.state;
  const b = onResult(s, bad, timing);
  t.is(b.nextInMs, 1000);
  t.is(b.change, undefined);
  const c = onResult(b.state, bad, timing);
  t.deepEqual(c.change, { up: false, reason: 'connect ECONNREFUSED (after 2 retries)' });
  t.is(c.nextInMs, 6000);
  // Still down: no further change, checked every delay_loop.
  const d = onResult(c.state, bad, timing);
  t.is(d.change, undefined);
});

test('a success in between resets the count; one success brings a down server up', (t) => {
  const a = onResult(initialCheckerState(timing), bad, timing);
  const b = onResult(a.state, ok, timing);
  t.is(b.state.failures, 0);
  t.is(b.change, undefined);
  const down = onResult(onResult(onResult(b.state, bad, timing).state, bad, timing).state, bad, timing);
  t.false(down.state.up);
  const up = onResult(down.state, ok, timing);
  t.deepEqual(up.change, { up: true, reason: 'connected' });
});

test('with retry 0 the first failure takes the server down; with alpha the first success brings it up', (t) => {
  t.deepEqual(onResult(initialCheckerState({ ...timing, retry: 0 }), bad, { ...timing, retry: 0 }).change, { up: false, reason: 'connect ECONNREFUSED' });
  t.deepEqual(onResult(initialCheckerState({ ...timing, alpha: true }), ok, timing).change, { up: true, reason: 'connected' });
});
