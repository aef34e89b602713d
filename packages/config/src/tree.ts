import type { Diagnostics, Position } from './diagnostics.js';
import type { Token } from './lexer.js';

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

/**
 * Builds the statement tree. A `{` opens a block for the statement on its line,
 * or for the statement on the line before when it stands alone (keepalived
 * accepts both). Unbalanced braces are errors with the position of the culprit.
 */
export function parseTree(tokens: readonly Token[], diags: Diagnostics): Node[] {
  let i = 0;
  const parseBlock = (opener: Token | undefined): Node[] => {
    const nodes: MutableNode[] = [];
    let words: Token[] = [];
    let lastClosedLine: MutableNode | undefined;
    const flush = (): MutableNode | undefined => {
      if (words.length === 0) return undefined;
      const node: MutableNode = { keyword: words[0]!, args: words.slice(1), block: undefined, blockPos: undefined };
      nodes.push(node);
      words = [];
      return node;
    };
    while (i < tokens.length) {
      const t = tokens[i++]!;
      switch (t.kind) {
        case 'word':
          words.push(t);
          lastClosedLine = undefined;
          break;
        case 'eol': {
          const n = flush();
          if (n !== undefined) lastClosedLine = n;
          break;
        }
        case 'open': {
          let owner = flush();
          if (owner === undefined && lastClosedLine !== undefined && lastClosedLine.block === undefined) owner = lastClosedLine;
          lastClosedLine = undefined;
          if (owner === undefined) {
            diags.error('CONF_ERR_SYNTAX', t.pos, "'{' without a keyword before it");
            parseBlock(t);
            break;
          }
          owner.blockPos = t.pos;
          owner.block = parseBlock(t);
          break;
        }
        case 'close':
          flush();
          if (opener === undefined) {
            diags.error('CONF_ERR_SYNTAX', t.pos, "extra '}' with no block open");
            lastClosedLine = undefined;
            break;
          }
          return nodes;
      }
    }
    flush();
    if (opener !== undefined) diags.error('CONF_ERR_SYNTAX', opener.pos, "block opened here is never closed: missing '}'");
    return nodes;
  };
  return parseBlock(undefined);
}
