import test from 'ava';
import { ReloadQueue } from '../src/index.js';

/** A reload that ends when the test says so. */
function controllable(): { run: () => Promise<{ applied: boolean; n: number }>; finish: () => void; started: number } {
  let release: (() => void) | undefined;
  const state = {
    started: 0,
    run: async () => {
      const n = ++state.started;
      await new Promise<void>((r) => (release = r));
      return { applied: true, n };
    },
    finish: () => release?.(),
  };
  return state;
}

const tick = (): Promise<void> => new Promise((r) => setImmediate(r));

test('requests during a reload fold into one more reload; that one reads what came before it', async (t) => {
  const c = controllable();
  let afters = 0;
  const q = new ReloadQueue(c.run, () => afters++);
  const first = q.request();
  const during = Array.from({ length: 200 }, () => q.request());
  t.is(c.started, 1, 'one at a time');
  c.finish();
  t.is((await first).n, 1);
  await tick();
  t.is(c.started, 2, 'exactly one more');
  c.finish();
  const results = await Promise.all(during);
  t.true(results.every((r) => r.n === 2), 'every waiting request gets the second reload\'s result');
  t.deepEqual(q.counters, { applied: 2, refused: 0, coalesced: 199 });
  t.is(afters, 2);
});

test('a refused reload is counted as such and does not block the next', async (t) => {
  let n = 0;
  const q = new ReloadQueue(async () => ({ applied: ++n !== 1 }));
  t.false((await q.request()).applied);
  t.true((await q.request()).applied);
  t.deepEqual(q.counters, { applied: 1, refused: 1, coalesced: 0 });
});

test('idle() settles only once the running reload and the one waiting after it are done', async (t) => {
  const c = controllable();
  const q = new ReloadQueue(c.run);
  void q.request();
  void q.request();
  let idle = false;
  const waited = q.idle().then(() => (idle = true));
  await tick();
  t.false(idle, 'the first reload still runs');
  c.finish();
  await tick();
  await tick();
  t.is(c.started, 2);
  t.false(idle, 'the waiting reload runs now');
  c.finish();
  await waited;
  t.true(idle);
  await q.idle();
});
