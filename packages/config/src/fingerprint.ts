import type { Node } from './tree.js';

// A reload compares the blocks of two files. Comparing their models field by field (or
// their JSON) costs more than reading them; a hash of each block's words, taken while it is
// parsed and kept with its model, tells the unchanged ones apart for nearly nothing.

/**
 * Where a model value keeps its block's fingerprint: a non-enumerable symbol property, so a
 * copy (`{ ...vs }`, a corrected block) has none, and printing, JSON and deep comparison never
 * see it. A WeakMap did the same at several times the cost: each read added a thousand keys to
 * one table that only a full collection empties.
 */
const FINGERPRINT = Symbol('tandem.blockFingerprint');

/** Two independent 32-bit hashes (FNV-1a and a multiply-rotate one): 64 bits in all. */
class BlockHash {
  private a = 0x811c9dc5;
  private b = 0x9747b28c;

  mix(code: number): void {
    this.a = Math.imul(this.a ^ code, 0x01000193);
    const b = Math.imul(this.b ^ code, 0x5bd1e995);
    this.b = (b << 13) | (b >>> 19);
  }

  text(s: string): void {
    for (let i = 0; i < s.length; i++) this.mix(s.charCodeAt(i));
  }

  node(n: Node): void {
    this.text(n.keyword.text);
    for (const t of n.args) {
      // Separators outside the UTF-16 range: `a b` and `ab`, a quoted and a bare word differ.
      this.mix(t.quoted ? 0x10001 : 0x10000);
      this.text(t.text);
    }
    if (n.block !== undefined) {
      this.mix(0x10002);
      for (const c of n.block) this.node(c);
      this.mix(0x10003);
    }
    this.mix(0x10004);
  }

  digest(): string {
    return (this.a >>> 0).toString(16).padStart(8, '0') + (this.b >>> 0).toString(16).padStart(8, '0');
  }
}

/** The fingerprint of a statement and its block: its words after preprocessing, positions aside. */
export function nodeFingerprint(node: Node): string {
  const h = new BlockHash();
  h.node(node);
  return h.digest();
}

/** Keeps `fingerprint` with a model value built from one block. */
export function setBlockFingerprint(value: object, fingerprint: string): void {
  Object.defineProperty(value, FINGERPRINT, { value: fingerprint, configurable: true });
}

/**
 * The fingerprint of the block a model value (a virtual server, group, instance, track file)
 * was read from, when `load` was asked for them: equal fingerprints mean the same words in
 * the block, so the same model. For a virtual_server block read straight from the file it is
 * the block's text, otherwise a 64-bit hash of its words (16 hex digits: never a block's
 * text). Undefined for values built otherwise (tests, the printer).
 */
export function blockFingerprint(value: object): string | undefined {
  return (value as { readonly [FINGERPRINT]?: string })[FINGERPRINT];
}
