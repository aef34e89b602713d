import test from 'ava';
import { nextScriptVerdict, trackedPriority, type TrackedItem } from '../src/tracking-rules.js';

const item = (ok: boolean, weight: number, reverse = false): TrackedItem => ({ kind: 'script', name: 'chk', ok, weight, reverse });

test('weights: positive while up, negative while down, reverse flips the sign', (t) => {
  t.is(trackedPriority(100, [item(true, 20)]).priority, 120);
  t.is(trackedPriority(100, [item(false, 20)]).priority, 100);
  t.is(trackedPriority(100, [item(false, -30)]).priority, 70);
  t.is(trackedPriority(100, [item(true, -30)]).priority, 100);
  t.is(trackedPriority(100, [item(true, 20, true)]).priority, 80);
  t.is(trackedPriority(100, [item(false, -30, true)]).priority, 130);
  t.is(trackedPriority(100, [item(true, 20), item(false, -50)]).priority, 70);
});

test('a zero weight means FAULT while down (while up with reverse)', (t) => {
  t.deepEqual(trackedPriority(100, [item(false, 0)]), { priority: 100, fault: 'script chk is down', held: undefined });
  t.is(trackedPriority(100, [item(true, 0)]).fault, undefined);
  t.deepEqual(trackedPriority(100, [item(true, 0, true)]).fault, 'script chk is up (reverse)');
});

test('a script before its first result (keepalived INIT): its weight counts neither way, and at weight 0 the instance is held, not faulted', (t) => {
  const pending = (weight: number): TrackedItem => ({ ...item(true, weight), pending: true });
  t.is(trackedPriority(100, [pending(20)]).priority, 100);
  t.is(trackedPriority(100, [pending(-30)]).priority, 100);
  t.deepEqual(trackedPriority(100, [pending(0)]), { priority: 100, fault: undefined, held: 'script chk has not reported yet' });
  t.deepEqual(trackedPriority(100, [pending(0), item(false, 0)]).fault, 'script chk is down', 'a fault is still a fault');
  const quiet = (ok: boolean, weight: number): TrackedItem => ({ ...item(ok, weight), quiet: true });
  t.deepEqual(trackedPriority(100, [quiet(false, 0)]), { priority: 100, fault: undefined, held: 'script chk has not passed yet (init_fail)' }, 'init_fail, not passed yet: held without a word');
  t.is(trackedPriority(100, [quiet(false, -30)]).priority, 70, 'weighted, it is down');
});

test('rise and fall: consecutive results are needed to change the verdict', (t) => {
  let v = { ok: true, streak: 0 };
  v = nextScriptVerdict(v, false, 2, 3);
  v = nextScriptVerdict(v, false, 2, 3);
  t.true(v.ok);
  v = nextScriptVerdict(v, true, 2, 3);
  t.deepEqual(v, { ok: true, streak: 0 }, 'a success resets the failure streak');
  for (let i = 0; i < 3; i++) v = nextScriptVerdict(v, false, 2, 3);
  t.false(v.ok);
  v = nextScriptVerdict(v, true, 2, 3);
  t.false(v.ok);
  v = nextScriptVerdict(v, true, 2, 3);
  t.true(v.ok);
});

test('track_file: value x weight, reverse negates, below -253 or a non-zero value with weight 0 is FAULT', (t) => {
  const file = (value: number, weight: number, reverse = false): TrackedItem => ({ kind: 'file', name: 'f', ok: true, weight, reverse, value });
  t.deepEqual(trackedPriority(100, [file(0, 10)]), { priority: 100, fault: undefined, held: undefined });
  t.is(trackedPriority(100, [file(-3, 10)]).priority, 70);
  t.is(trackedPriority(100, [file(2, 10, true)]).priority, 80);
  t.deepEqual(trackedPriority(100, [file(-300, 1)]).fault, 'file f holds -300 (x 1 < -253)');
  t.deepEqual(trackedPriority(100, [file(1, 0)]).fault, 'file f holds 1');
  t.is(trackedPriority(100, [file(0, 0)]).fault, undefined);
});
