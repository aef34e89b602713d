import test from 'ava';
import fc from 'fast-check';
import { MinHeap } from '../src/heap.js';

test('MinHeap: any mix of pushes and pops gives back the smallest key each time', (t) => {
  fc.assert(
    fc.property(fc.array(fc.oneof(fc.integer({ min: -50, max: 50 }), fc.constant('pop' as const)), { maxLength: 300 }), (ops) => {
      const heap = new MinHeap<{ k: number }>((x) => x.k);
      const model: number[] = [];
      for (const op of ops) {
        if (op === 'pop') {
          model.sort((a, b) => a - b);
          const want = model.shift();
          if (heap.pop()?.k !== want) return false;
        } else {
          heap.push({ k: op });
          model.push(op);
        }
        if (heap.size !== model.length) return false;
      }
      return true;
    }),
  );
  t.pass();
});
