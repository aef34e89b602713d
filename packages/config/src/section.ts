import { suggest, type Diagnostics } from './diagnostics.js';
import type { Token } from './lexer.js';
import type { Node } from './tree.js';
import { arity, flagValue, intValue, secondsValue } from './values.js';

export type Handler<D> = (node: Node, draft: D, diags: Diagnostics) => void;

/** How tandem treats a keepalived keyword it does not implement yet. */
export type NotYet = { readonly severity: 'error' | 'warning'; readonly why: string };

/** A keyword table for one block: handlers, plus keepalived keywords tandem does not implement yet. */
export interface SectionSpec<D> {
  readonly name: string;
  readonly keywords: Readonly<Record<string, Handler<D>>>;
  readonly notYet?: Readonly<Record<string, NotYet>>;
}

const NB_GET_RETRY = "keepalived 1.x's retry count, which keepalived 2.2.7 takes only in HTTP_GET and SSL_GET (the checker keeps its default retry: write retry N)";

/**
 * Keywords of keepalived 1.x (and of a common fork) that real files still carry: keepalived
 * 2.2.7 says "Unknown keyword" and runs the rest of the file. tandem skips them as it does,
 * with a warning saying what the line no longer does, rather than refusing files that
 * keepalived runs; other unknown keywords (typos, mostly) are still errors.
 */
const OBSOLETE: Readonly<Record<string, Readonly<Record<string, string>>>> = {
  global_defs: { lvs_id: "keepalived 1.x's name for router_id (the router id stays the host name: write router_id)" },
  virtual_server: { nat_mask: 'keepalived 1.x; IPVS takes no netmask', laddr_group_name: "the FULLNAT fork's local address group (keepalived has no FULLNAT)" },
  vrrp_instance: { lvs_sync_daemon_inteface: "a misspelling in keepalived 1.x's samples: no sync daemon runs from it (write lvs_sync_daemon in global_defs)" },
  ...Object.fromEntries(['TCP_CHECK', 'PING_CHECK', 'MISC_CHECK', 'DNS_CHECK', 'UDP_CHECK', 'SMTP_CHECK', 'FILE_CHECK', 'BFD_CHECK'].map((k) => [k, { nb_get_retry: NB_GET_RETRY }])),
};

/** Each table's handlers as a map: one lookup per statement (a hundred thousand in a large file). */
const handlerMaps = new WeakMap<SectionSpec<never>, Map<string, Handler<never>>>();

function handlersOf<D>(spec: SectionSpec<D>): Map<string, Handler<D>> {
  let m = handlerMaps.get(spec as SectionSpec<never>) as Map<string, Handler<D>> | undefined;
  if (m === undefined) {
    m = new Map(Object.entries(spec.keywords));
    handlerMaps.set(spec as SectionSpec<never>, m as Map<string, Handler<never>>);
  }
  return m;
}

/** Runs each statement of a block through the section's keyword table. */
export function applySection<D>(spec: SectionSpec<D>, nodes: readonly Node[], draft: D, diags: Diagnostics): void {
  const handlers = handlersOf(spec);
  for (let i = 0; i < nodes.length; i++) {
    const node = nodes[i]!;
    const kw = node.keyword.text;
    const handler = handlers.get(kw);
    if (handler !== undefined) {
      handler(node, draft, diags);
      continue;
    }
    const notYet = spec.notYet !== undefined && Object.hasOwn(spec.notYet, kw) ? spec.notYet[kw] : undefined;
    if (notYet !== undefined) {
      const msg = `${kw} in ${spec.name} is not supported by tandem yet (${notYet.why})`;
      if (notYet.severity === 'error') diags.error('CONF_ERR_UNSUPPORTED', node.keyword.pos, msg);
      else diags.warning('CONF_ERR_UNSUPPORTED', node.keyword.pos, `${msg}; ignored`);
      continue;
    }
    const gone = OBSOLETE[spec.name]?.[kw];
    if (gone !== undefined) {
      diags.warning('CONF_ERR_UNKNOWN_KEYWORD', node.keyword.pos, `${kw} in ${spec.name}: ${gone}; keepalived 2.2.7 does not know it ("Unknown keyword") and skips the line, and so does tandem`);
      continue;
    }
    const near = suggest(kw, [...Object.keys(spec.keywords), ...Object.keys(spec.notYet ?? {})]);
    diags.error('CONF_ERR_UNKNOWN_KEYWORD', node.keyword.pos, `unknown keyword '${kw}' in ${spec.name}${near !== undefined ? `; did you mean '${near}'?` : ''}`);
  }
}

/**
 * A keyword tandem takes where keepalived 2.2.7 does not (it would say `Unknown keyword` and
 * refuse the file): it still does what `handler` does, with a warning that says so.
 */
export function notInKeepalived<D>(handler: Handler<D>, where: string, what: string): Handler<D> {
  return (node, draft, diags) => {
    const before = diags.errorCount;
    handler(node, draft, diags);
    if (diags.errorCount === before) diags.warning('CONF_ERR_UNKNOWN_KEYWORD', node.keyword.pos, `keepalived 2.2.7 does not take ${node.keyword.text} in ${where} (it would refuse this file); tandem does: ${what}`);
  };
}

/** A keyword keepalived takes only elsewhere (it refuses it here): an error that says where it goes. */
export function misplaced<D>(where: string): Handler<D> {
  return (node, _draft, diags) => diags.error('CONF_ERR_UNKNOWN_KEYWORD', node.keyword.pos, `${node.keyword.text} belongs ${where} (keepalived 2.2.7 refuses it here too)`);
}

/** The statements of a block keyword; reports a missing block. */
export function blockOf(node: Node, diags: Diagnostics): readonly Node[] | undefined {
  if (node.block === undefined) {
    diags.error('CONF_ERR_SYNTAX', node.keyword.pos, `${node.keyword.text} needs a '{ ... }' block`);
    return undefined;
  }
  return node.block;
}

/** Parses one value word; reports and returns undefined when it is not valid. */
export type ValueParser<T> = (tok: Token, what: string, diags: Diagnostics) => T | undefined;

/** A handler for a keyword that takes exactly one value. */
export function single<D, T>(parse: ValueParser<T>, store: (draft: D, value: T) => void): Handler<D> {
  return (node, draft, diags) => {
    if (!arity(node, 1, 1, diags)) return;
    const v = parse(node.args[0]!, node.keyword.text, diags);
    if (v !== undefined) store(draft, v);
  };
}

/** A handler for a flag keyword with an optional BOOL. */
export function flag<D>(store: (draft: D, value: boolean) => void): Handler<D> {
  return (node, draft, diags) => {
    const v = flagValue(node, diags);
    if (v !== undefined) store(draft, v);
  };
}

export const integer =
  (min: number, max: number): ValueParser<number> =>
  (tok, what, diags) =>
    intValue(tok, min, max, what, diags);

export const seconds =
  (min: number, max: number): ValueParser<number> =>
  (tok, what, diags) =>
    secondsValue(tok, min, max, what, diags);

export const word: ValueParser<string> = (tok) => tok.text;

/** The name and block of `KEYWORD NAME { ... }`, reporting a missing name or block. */
export function namedBlock(node: Node, diags: Diagnostics): { name: string; block: readonly Node[] } | undefined {
  const name = node.args[0];
  if (name === undefined) {
    diags.error('CONF_ERR_MISSING', node.keyword.pos, `${node.keyword.text} needs a name`);
    return undefined;
  }
  if (node.args.length > 1) diags.error('CONF_ERR_ARITY', node.args[1]!.pos, `unexpected '${node.args[1]!.text}' after the name`);
  const block = blockOf(node, diags);
  return block === undefined ? undefined : { name: name.text, block };
}

/**
 * Copies `from`'s properties, except those named, onto `to` in their order, and returns
 * `to`: what `{ ...to, ...rest }` after `const { a, b, ...rest } = from` gives, without the
 * intermediate objects (object rest and spread cost about 1.5 KB each time, measured; this
 * path runs for every real server of a file).
 */
export function assignExcept<T extends object>(to: T, from: object, except: ReadonlySet<string>): T {
  for (const k in from) if (!except.has(k)) (to as Record<string, unknown>)[k] = (from as Record<string, unknown>)[k];
  return to;
}
