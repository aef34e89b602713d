/**
 * A binary min-heap ordered by `key`; the scheduler's single queue of due times. Each item's
 * key is read once, when it is pushed, and kept beside it in a typed array: sifting compares
 * numbers in one block of memory instead of reaching into thousands of scattered objects,
 * and moves a hole rather than swapping, so it leaves no temporaries behind.
 */
export class MinHeap<T> {
  private readonly items: Array<T | undefined> = [];
  private keys = new Float64Array(64);
  private count = 0;

  constructor(private readonly key: (item: T) => number) {}

  get size(): number {
    return this.count;
  }

  peek(): T | undefined {
    return this.count === 0 ? undefined : this.items[0];
  }

  push(item: T): void {
    const k = this.key(item);
    if (this.count === this.keys.length) {
      const grown = new Float64Array(this.keys.length * 2);
      grown.set(this.keys);
      this.keys = grown;
    }
    const items = this.items;
    const keys = this.keys;
    let i = this.count++;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (keys[p]! <= k) break;
      items[i] = items[p];
      keys[i] = keys[p]!;
      i = p;
    }
    items[i] = item;
    keys[i] = k;
  }

  pop(): T | undefined {
    if (this.count === 0) return undefined;
    const items = this.items;
    const keys = this.keys;
    const top = items[0];
    const n = --this.count;
    const last = items[n];
    const k = keys[n]!;
    items[n] = undefined;
    if (n > 0) {
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        if (l >= n) break;
        const r = l + 1;
        const m = r < n && keys[r]! < keys[l]! ? r : l;
        if (keys[m]! >= k) break;
        items[i] = items[m];
        keys[i] = keys[m]!;
        i = m;
      }
      items[i] = last;
      keys[i] = k;
    }
    return top;
  }
}
