import test from 'ava';
import { Deadline, OrderedClock } from '../src/clock.js';

// The ordered clock runs on the process's real timers: what is asserted is the order in which
// they fire, never how late. One test at a time: each waits a few real milliseconds.

const settle = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

test.serial('timers fire in the order of their deadlines, even a fraction of a millisecond apart', async (t) => {
  const clock = new OrderedClock();
  const base = clock.now() + 5;
  // Deadlines 0.01 ms apart, armed in a shuffled order.
  const offsets = Array.from({ length: 200 }, (_, i) => i * 0.01);
  const shuffled = [...offsets].sort(() => Math.random() - 0.5);
  const fired: number[] = [];
  for (const o of shuffled) clock.setTimerAt(base + o, () => fired.push(o));
  await settle(30);
  t.deepEqual(fired, offsets);
});

test.serial('timers due at the same moment fire in the order they were armed', async (t) => {
  const clock = new OrderedClock();
  const at = clock.now() + 3;
  const fired: string[] = [];
  for (const name of ['VI_1', 'VI_2', 'VI_3', 'VI_4']) clock.setTimerAt(at, () => fired.push(name));
  clock.setTimerAt(at - 2, () => fired.push('earlier'));
  await settle(20);
  t.deepEqual(fired, ['earlier', 'VI_1', 'VI_2', 'VI_3', 'VI_4']);
});

test.serial('a cancelled timer never fires, and the others still do', async (t) => {
  const clock = new OrderedClock();
  const fired: number[] = [];
  const timers = [1, 2, 3, 4].map((n) => clock.setTimer(n, () => fired.push(n)));
  timers[0]!.cancel();
  timers[2]!.cancel();
  t.is(clock.pending, 2);
  await settle(20);
  t.deepEqual(fired, [2, 4]);
  t.is(clock.pending, 0);
});

test.serial('a timer armed while others run waits for a later turn, as with setTimeout', async (t) => {
  const clock = new OrderedClock();
  const order: string[] = [];
  const at = clock.now() + 2;
  clock.setTimerAt(at, () => {
    order.push('first');
    clock.setTimer(0, () => order.push('armed by first'));
    queueMicrotask(() => order.push('first\'s microtask'));
  });
  clock.setTimerAt(at, () => order.push('second'));
  await settle(20);
  t.deepEqual(order, ['first', 'second', 'first\'s microtask', 'armed by first']);
});

test.serial('Deadline on the ordered clock: re-arming replaces the deadline, and two deadlines keep their order', async (t) => {
  const clock = new OrderedClock();
  const fired: string[] = [];
  const a = new Deadline(clock, () => fired.push('a'));
  const b = new Deadline(clock, () => fired.push('b'));
  const now = clock.now();
  a.arm(now + 50);
  b.arm(now + 4.0002);
  a.arm(now + 4.0001); // the master-down timer restarted by an advert: only this one counts
  await settle(30);
  t.deepEqual(fired, ['a', 'b']);
  t.is(clock.pending, 0);
});

test.serial('a timer that throws does not stop the others: the error goes up as from setTimeout', async (t) => {
  const clock = new OrderedClock();
  const fired: string[] = [];
  const errors: unknown[] = [];
  const onError = (err: unknown): void => void errors.push(err);
  // ava's own handler is set aside for this test: the error is the point.
  const others = process.listeners('uncaughtException');
  process.removeAllListeners('uncaughtException');
  process.on('uncaughtException', onError);
  try {
    const at = clock.now() + 2;
    clock.setTimerAt(at, () => {
      throw new Error('boom');
    });
    clock.setTimerAt(at, () => fired.push('after'));
    clock.setTimer(10, () => fired.push('later'));
    await settle(40);
  } finally {
    process.removeListener('uncaughtException', onError);
    for (const l of others) process.on('uncaughtException', l);
  }
  t.is(errors.length, 1);
  t.deepEqual(fired, ['after', 'later']);
});

test.serial('a deadline re-armed again and again (a backup hearing adverts) does not grow the heap', (t) => {
  const clock = new OrderedClock();
  const d = new Deadline(clock, () => t.fail('not due'));
  const now = clock.now();
  // An earlier timer holds the front, so the cancelled ones are not dropped there.
  const front = clock.setTimerAt(now + 1_000_000, () => t.fail('not due'));
  for (let i = 0; i < 2000; i++) d.arm(now + 3_600_000 + i);
  t.is(clock.pending, 2);
  t.true(clock.held <= 130, `${clock.held} entries held`);
  d.cancel();
  front.cancel();
  t.is(clock.pending, 0);
});
