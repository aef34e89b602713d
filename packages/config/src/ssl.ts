import type { Diagnostics } from './diagnostics.js';
import type { SslSettings } from './model.js';
import { applySection, blockOf, single, word, type SectionSpec } from './section.js';
import type { Node } from './tree.js';

type Draft = { -readonly [K in keyof SslSettings]?: SslSettings[K] };

/** keepalived's check_parser.c SSL block: a later value of a keyword replaces the earlier, as there. */
const spec: SectionSpec<Draft> = {
  name: 'SSL',
  keywords: {
    password: single(word, (d, v) => (d.password = v)),
    ca: single(word, (d, v) => (d.ca = v)),
    certificate: single(word, (d, v) => (d.certificate = v)),
    key: single(word, (d, v) => (d.key = v)),
  },
};

/**
 * The global `SSL { password; ca; certificate; key }` block of SSL_GET: the client certificate
 * and key (decrypted with the password) every SSL_GET presents, and a CA file, which keepalived
 * loads but never verifies the servers against (nor does tandem). Two blocks: the second
 * replaces the first, with a warning, as in keepalived.
 */
export function parseSsl(node: Node, previous: SslSettings | undefined, diags: Diagnostics): SslSettings | undefined {
  if (node.args.length > 0) diags.error('CONF_ERR_ARITY', node.args[0]!.pos, `unexpected '${node.args[0]!.text}' after SSL`);
  const block = blockOf(node, diags);
  if (block === undefined) return previous;
  if (previous !== undefined) diags.warning('CONF_ERR_CONFLICT', node.keyword.pos, `a second SSL block replaces the one at line ${previous.pos.line} (keepalived replaces it too)`);
  const d: Draft = {};
  applySection(spec, block, d, diags);
  for (const k of ['ca', 'certificate', 'key'] as const) {
    const v = d[k];
    if (v !== undefined && !v.startsWith('/')) diags.warning('CONF_ERR_VALUE', node.keyword.pos, `SSL ${k} ${v} is a relative path: it is read from tandemd's working directory`);
  }
  if (d.key !== undefined && d.certificate === undefined) diags.warning('CONF_ERR_MISSING', node.keyword.pos, 'SSL key without certificate: no client certificate is presented');
  return { ...d, pos: node.keyword.pos };
}
