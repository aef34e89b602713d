import test from 'ava';
import { FakeClock } from '@tandem/vrrp';
import { CheckScheduler, type CheckResult, type CheckTiming, type CheckChange } from '../src/index.js';

const timing: CheckTiming = { intervalMs: 1000, retry: 1, retryDelayMs: 200, warmupMs: 1000, alpha: false, timeoutMs: 500 };
const flush = async (): Promise<void> => {
  for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r));
};

/** A check whose attempts are recorded and answered by the test. */
function scripted(clock: FakeClock, answer: (n: number) => CheckResult | 'hang') {
  const starts: number[] = [];
  let n = 0;
  const run = (signal: AbortSignal): Promise<CheckResult> => {
    starts.push(clock.now());
    const a = answer(n++);
    if (a === 'hang') return new Promise((resolve) => signal.addEventListener('abort', () => resolve({ ok: false, reason: 'aborted' })));
    return Promise.resolve(a);
  };
  return { starts, run };
}

test('first attempts are spread over the warmup; later ones keep a fixed step with no drift', async (t) => {
  const clock = new FakeClock();
  let r = 0;
  const s = new CheckScheduler(clock, { random: () => [0.1, 0.5, 0.9][r++ % 3]! });
  const checks = [0, 1, 2].map(() => scripted(clock, () => ({ ok: true, reason: 'ok' })));
  checks.forEach((c, i) => s.add({ id: `c${i}`, timing, run: c.run }));
  for (let ms = 0; ms < 3500; ms += 50) {
    clock.advance(50);
    await flush();
  }
  t.deepEqual(checks.map((c) => c.starts.slice(0, 4)), [
    [100, 1100, 2100, 3100],
    [500, 1500, 2500, 3500],
    [900, 1900, 2900],
  ].map((x) => x.slice(0, 4)));
  s.stop();
});

test('a failing server is retried after delay_before_retry and reported down once, with the reason', async (t) => {
  const clock = new FakeClock();
  const s = new CheckScheduler(clock, { random: () => 0 });
  const changes: CheckChange[] = [];
  s.on('change', (c) => changes.push(c));
  const c = scripted(clock, (n) => (n === 0 ? { ok: true, reason: 'ok' } : { ok: false, reason: 'connect ECONNREFUSED' }));
  s.add({ id: 'rs', timing, run: c.run });
  for (let ms = 0; ms < 3000; ms += 10) {
    clock.advance(10);
    await flush();
  }
  t.deepEqual(c.starts.slice(0, 4), [0, 1000, 1200, 2200]);
  t.deepEqual(changes, [{ id: 'rs', up: false, reason: 'connect ECONNREFUSED (after 1 retry)', at: 1200 }]);
  // As keepalived, a server already down is retried too before each verdict.
  t.like(s.status('rs'), { up: false, lastCheck: 2400 });
  s.stop();
});

test('the first attempt that leaves a verdict as it was is told once as `first`; one that changes it is told as `change` only', async (t) => {
  const clock = new FakeClock();
  const s = new CheckScheduler(clock, { random: () => 0 });
  const firsts: CheckChange[] = [];
  const changes: CheckChange[] = [];
  s.on('first', (c) => firsts.push(c));
  s.on('change', (c) => changes.push(c));
  s.add({ id: 'ok', timing, run: scripted(clock, () => ({ ok: true, reason: 'ok' })).run });
  s.add({ id: 'alpha', timing: { ...timing, alpha: true }, run: scripted(clock, () => ({ ok: true, reason: 'ok' })).run });
  for (let ms = 0; ms < 2500; ms += 10) {
    clock.advance(10);
    await flush();
  }
  t.deepEqual(firsts.map((c) => [c.id, c.up, c.reason]), [['ok', true, 'ok']]);
  t.deepEqual(changes.map((c) => [c.id, c.up]), [['alpha', true]]);
  s.stop();
});

test('a hung attempt is aborted at its time limit and counts as a failure; attempts of one check never overlap', async (t) => {
  const clock = new FakeClock();
  const s = new CheckScheduler(clock, { random: () => 0 });
  const c = scripted(clock, () => 'hang');
  s.add({ id: 'rs', timing: { ...timing, retry: 0 }, run: c.run });
  const changes: CheckChange[] = [];
  s.on('change', (x) => changes.push(x));
  for (let ms = 0; ms < 2600; ms += 10) {
    clock.advance(10);
    await flush();
    t.true(s.inFlight <= 1);
  }
  t.deepEqual(c.starts, [0, 1000, 2000]);
  t.deepEqual(changes.map((x) => [x.up, x.reason, x.at]), [[false, 'no answer within 500 ms', 500]]);
  s.stop();
});

test('concurrency is bounded: the rest wait their turn in due order', async (t) => {
  const clock = new FakeClock();
  const s = new CheckScheduler(clock, { random: () => 0, concurrency: 2 });
  const resolvers: Array<() => void> = [];
  const started: string[] = [];
  for (const id of ['a', 'b', 'c', 'd']) {
    s.add({
      id,
      timing,
      run: () => {
        started.push(id);
        return new Promise((resolve) => resolvers.push(() => resolve({ ok: true, reason: 'ok' })));
      },
    });
  }
  await flush();
  t.deepEqual(started, ['a', 'b']);
  t.is(s.inFlight, 2);
  resolvers.shift()!();
  await flush();
  t.deepEqual(started, ['a', 'b', 'c']);
  s.stop();
});

test('a removed check runs no more and its late result is ignored', async (t) => {
  const clock = new FakeClock();
  const s = new CheckScheduler(clock, { random: () => 0 });
  const c = scripted(clock, () => ({ ok: false, reason: 'x' }));
  s.add({ id: 'rs', timing, run: c.run });
  await flush();
  s.remove('rs');
  clock.advance(5000);
  await flush();
  t.is(c.starts.length, 1);
  t.is(s.status('rs'), undefined);
  s.stop();
});

test('self-timed checks report through a callback, results of several checks may end in one batch: same verdicts and steps, never overlapping', async (t) => {
  const clock = new FakeClock();
  const s = new CheckScheduler(clock, { random: () => 0 });
  const changes: CheckChange[] = [];
  s.on('change', (c) => changes.push(c));
  // Attempts end when the test says, all of them in one synchronous batch, as the native prober delivers them.
  const waiting: Array<() => void> = [];
  const starts = new Map<string, number[]>();
  const answers = new Map<string, (n: number) => CheckResult>([
    ['good', () => ({ ok: true, reason: 'connected' })],
    ['bad', (n) => (n === 0 ? { ok: true, reason: 'connected' } : { ok: false, reason: 'connect ECONNREFUSED' })],
  ]);
  for (const [id, answer] of answers) {
    starts.set(id, []);
    s.add({
      id,
      timing: { ...timing, retry: 0 },
      run: () => Promise.reject(new Error('the promise form must not run')),
      runSelfTimed: (done) => {
        const n = starts.get(id)!.push(clock.now()) - 1;
        waiting.push(() => done(answer(n)));
      },
    });
  }
  for (let ms = 0; ms < 3000; ms += 10) {
    clock.advance(10);
    if (clock.now() % 100 === 50) for (const end of waiting.splice(0)) end();
    t.true(s.inFlight <= 2);
    await flush();
  }
  t.deepEqual(starts.get('good')!.slice(0, 3), [0, 1000, 2000]);
  t.deepEqual(starts.get('bad')!.slice(0, 3), [0, 1000, 2000]);
  t.deepEqual(changes, [{ id: 'bad', up: false, reason: 'connect ECONNREFUSED', at: 1050 }]);
  t.like(s.status('good'), { up: true, lastCheck: 2050 });
  s.stop();
});

test('a backlog longer than the concurrency allows runs every check once, in due order, one at a time', async (t) => {
  const clock = new FakeClock();
  const s = new CheckScheduler(clock, { random: () => 0, concurrency: 1 });
  const order: number[] = [];
  let maxInFlight = 0;
  for (let i = 0; i < 10_000; i++) {
    s.add({
      id: `c${i}`,
      timing: { ...timing, warmupMs: 0 },
      run: () => Promise.reject(new Error('unused')),
      runSelfTimed: (done) => {
        order.push(i);
        maxInFlight = Math.max(maxInFlight, s.inFlight);
        queueMicrotask(() => done({ ok: true, reason: 'connected' }));
      },
    });
  }
  for (let i = 0; i < 100 && order.length < 10_000; i++) await flush();
  t.is(order.length, 10_000);
  t.true(order.every((v, i) => v === i));
  t.is(maxInFlight, 1);
  s.stop();
});

test('ha_suspend: a suspended check is not run and keeps its verdict; resumed, it runs at its next turn', async (t) => {
  const clock = new FakeClock();
  const s = new CheckScheduler(clock, { random: () => 0 });
  const changes: CheckChange[] = [];
  s.on('change', (c) => changes.push(c));
  const c = scripted(clock, () => ({ ok: false, reason: 'connect ECONNREFUSED' }));
  s.suspend('missing', true); // an unknown id is ignored
  s.add({ id: 'rs', timing, run: c.run, suspended: true });
  for (let ms = 0; ms < 5000; ms += 10) {
    clock.advance(10);
    await flush();
  }
  t.deepEqual(c.starts, []);
  t.like(s.status('rs'), { up: true, lastCheck: undefined });
  s.suspend('rs', false);
  for (let ms = 0; ms < 1500; ms += 10) {
    clock.advance(10);
    await flush();
  }
  t.deepEqual(c.starts, [6000, 6200], "the turn at 5000 passed while suspended");
  t.is(changes.length, 1);
  s.stop();
});
