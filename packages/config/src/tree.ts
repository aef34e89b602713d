import type { Diagnostics, Position } from './diagnostics.js';
import type { Token, TokenSink } from './lexer.js';

/** One statement: a keyword, its argument words, and its block if it opens one. */
export interface Node {
  readonly keyword: Token;
  readonly args: readonly Token[];
  readonly block: readonly Node[] | undefined;
  /** Where the block's `{` is, when there is one. */
  readonly blockPos: Position | undefined;
}

interface MutableNode {
  keyword: Token;
  args: Token[];
  block: Node[] | undefined;
  blockPos: Position | undefined;
}

/** One open block: its statements so far and the words of the statement being read. Reused for the next block at its depth. */
interface Frame {
  /**
   * The block's statements so far (the first `nodeCount`), copied out at their exact number
   * when the block closes. Both arrays are reused, never shortened: shortening an array
   * gives its storage back, and the next push would allocate it again.
   */
  readonly nodes: MutableNode[];
  nodeCount: number;
  /** Where the `{` that opened it is; undefined for the top level. */
  opener: Position | undefined;
  /** The statement whose block it is (undefined for the top level and a block without a keyword). */
  owner: MutableNode | undefined;
  /** The words of the statement being read (the first `wordCount`): the keyword, then its arguments. */
  readonly words: Token[];
  wordCount: number;
  /** The statement that ended on the line before, which a `{` alone on a line opens a block for. */
  lastClosedLine: MutableNode | undefined;
}

const NO_ARGS: readonly Token[] = [];

const newFrame = (opener: Position | undefined, owner: MutableNode | undefined): Frame => ({ nodes: [], nodeCount: 0, opener, owner, words: [], wordCount: 0, lastClosedLine: undefined });
const NO_NODES: readonly Node[] = [];

/**
 * Takes a top-level statement as soon as its block is closed; true when it has used the
 * block, which the tree then drops (the statement stays, with an empty block), so that a
 * large file's statements need not all be kept until the end.
 */
export type TopBlockTaker = (node: Node) => boolean;

/**
 * Builds the statement tree as tokens arrive. A `{` opens a block for the statement on its
 * line, or for the statement on the line before when it stands alone (keepalived accepts
 * both). Unbalanced braces are errors with the position of the culprit.
 */
export class TreeBuilder implements TokenSink {
  /** Frames by depth; `frames[0]` is the top level, `frames[depth]` the innermost open block. */
  private readonly frames: Frame[] = [newFrame(undefined, undefined)];
  private depth = 0;
  private top: Frame = this.frames[0]!;

  constructor(
    private readonly diags: Diagnostics,
    private readonly take?: TopBlockTaker,
  ) {}

  word(t: Token): void {
    const f = this.top;
    f.words[f.wordCount++] = t;
    f.lastClosedLine = undefined;
  }

  eol(): void {
    const n = this.flush(this.top);
    if (n !== undefined) this.top.lastClosedLine = n;
  }

  open(file: string, line: number, col: number): void {
    const f = this.top;
    let owner = this.flush(f);
    if (owner === undefined && f.lastClosedLine !== undefined && f.lastClosedLine.block === undefined) owner = f.lastClosedLine;
    f.lastClosedLine = undefined;
    const at: Position = { file, line, col };
    // The block belongs to nothing, but is read all the same: its braces count.
    if (owner === undefined) this.diags.error('CONF_ERR_SYNTAX', at, "'{' without a keyword before it");
    else owner.blockPos = at;
    const depth = ++this.depth;
    let next = this.frames[depth];
    if (next === undefined) {
      next = newFrame(at, owner);
      this.frames.push(next);
    } else {
      next.opener = at;
      next.owner = owner;
      next.lastClosedLine = undefined;
    }
    this.top = next;
  }

  close(file: string, line: number, col: number): void {
    const f = this.top;
    this.flush(f);
    if (this.depth === 0) {
      // keepalived: "Extra '}' found", ignored. A brace that closed a block early leaves the
      // block's later statements at the top level, where they are errors of their own.
      this.diags.warning('CONF_ERR_SYNTAX', { file, line, col }, "extra '}' with no block open: ignored, as keepalived ignores it");
      f.lastClosedLine = undefined;
      return;
    }
    this.top = this.frames[--this.depth]!;
    this.end(f);
    if (this.depth === 0 && f.owner !== undefined && this.take?.(f.owner) === true) f.owner.block = NO_NODES as Node[];
  }

  /** Hands a block's statements to its owner. */
  private end(f: Frame): void {
    if (f.owner !== undefined) f.owner.block = f.nodes.slice(0, f.nodeCount);
    f.nodeCount = 0;
  }

  /**
   * Adds a top-level statement read earlier (its block already taken), as if it had just
   * been read; false, changing nothing, unless the tree is at the top level between statements.
   */
  appendTaken(node: Node): boolean {
    const f = this.top;
    if (this.depth !== 0 || f.wordCount !== 0) return false;
    f.nodes[f.nodeCount++] = node as MutableNode;
    f.lastClosedLine = undefined;
    return true;
  }

  /** The statements of the top level; blocks still open are errors at their `{`, innermost first. */
  finish(): Node[] {
    for (; this.depth > 0; this.depth--) {
      const f = this.frames[this.depth]!;
      this.flush(f);
      this.end(f);
      this.diags.error('CONF_ERR_SYNTAX', f.opener!, "block opened here is never closed: missing '}'");
    }
    this.top = this.frames[0]!;
    this.flush(this.top);
    return this.top.nodes.slice(0, this.top.nodeCount);
  }

  private flush(f: Frame): MutableNode | undefined {
    const n = f.wordCount;
    if (n === 0) return undefined;
    const node: MutableNode = { keyword: f.words[0]!, args: n > 1 ? f.words.slice(1, n) : (NO_ARGS as Token[]), block: undefined, blockPos: undefined };
    f.wordCount = 0;
    f.nodes[f.nodeCount++] = node;
    return node;
  }
}

/** Builds the statement tree of a token list (see `TreeBuilder`). */
export function parseTree(tokens: readonly Token[], diags: Diagnostics): Node[] {
  const builder = new TreeBuilder(diags);
  for (const t of tokens) {
    switch (t.kind) {
      case 'word':
        builder.word(t);
        break;
      case 'open':
        builder.open(t.file, t.line, t.col);
        break;
      case 'close':
        builder.close(t.file, t.line, t.col);
        break;
      case 'eol':
        builder.eol();
        break;
    }
  }
  return builder.finish();
}
