import type { Diagnostics } from './diagnostics.js';
import type { Token } from './lexer.js';
import { DNS_TYPES, type Checker, type CheckerOptions, type HttpUrl, type UrlRegex } from './model.js';
import { applySection, blockOf, flag, integer, notInKeepalived, seconds, single, word, type Handler, type SectionSpec, type ValueParser } from './section.js';
import { ignoredPcreOption, PCRE_OPTIONS, pcreToRegExp, type PcreOption } from './pcre.js';
import type { Node } from './tree.js';
import { addressValue, arity, enumValue, flagValue, intValue, type Mutable } from './values.js';


/** Anything that carries cascading checker options (virtual server, real server, checker). */
export interface WithOptions {
  options: Mutable<CheckerOptions>;
}

export const port = integer(1, 65535);

/**
 * keepalived's check_api.c options of every checker but FILE_CHECK and BFD_CHECK (MISC_CHECK
 * takes only `checkerTimingKeywords`); they cascade virtual server → real server → checker.
 */
export function checkerOptionKeywords<D extends WithOptions>(): Record<string, Handler<D>> {
  return { ...checkerConnectionKeywords<D>(), ...checkerTimingKeywords<D>() };
}

/** The connection options: where and how a checker connects. */
function checkerConnectionKeywords<D extends WithOptions>(): Record<string, Handler<D>> {
  return {
    connect_ip: single(addressValue, (d, a) => (d.options.connectIp = a.address)),
    connect_port: single(port, (d, v) => (d.options.connectPort = v)),
    bindto: single(addressValue, (d, a) => (d.options.bindTo = a.address)),
    bind_port: single(port, (d, v) => (d.options.bindPort = v)),
    connect_timeout: single(seconds(0.001, 3600), (d, v) => (d.options.connectTimeout = v)),
    bind_if: single(interfaceName, (d, v) => (d.options.bindIf = v)),
    fwmark: single(integer(0, 2 ** 32 - 1), (d, v) => (d.options.fwmark = v)),
  };
}

/** An interface name as the kernel takes it (IFNAMSIZ: 15 characters). */
const interfaceName: ValueParser<string> = (tok, what, diags) => {
  if (tok.text.length <= 15 && !/[\s/:]/.test(tok.text)) return tok.text;
  diags.error('CONF_ERR_VALUE', tok.pos, `${what}: '${tok.text}' is not an interface name (at most 15 characters, no '/', ':' or spaces)`);
  return undefined;
};

/** The options every checker but FILE_CHECK and BFD_CHECK takes, MISC_CHECK too. */
function checkerTimingKeywords<D extends WithOptions>(): Record<string, Handler<D>> {
  return {
    retry: single(integer(0, 1000), (d, v) => (d.options.retry = v)),
    delay_before_retry: single(seconds(0, 3600), (d, v) => (d.options.delayBeforeRetry = v)),
    warmup: single(seconds(0, 86400), (d, v) => (d.options.warmup = v)),
    delay_loop: single(seconds(0.001, 86400), (d, v) => (d.options.delayLoop = v)),
    alpha: flag((d, v) => (d.options.alpha = v)),
    log_all_failures: flag((d, v) => (d.options.logAllFailures = v)),
  };
}

/**
 * The checker options a virtual_server or real_server takes: keepalived 2.2.7 takes
 * `retry`, `delay_before_retry`, `warmup`, `connect_timeout`, `delay_loop` and `alpha` there,
 * and refuses the others (`Unknown keyword`); tandem has always passed those on to the
 * checkers below too, so a file that has them still runs, with a warning that keepalived
 * would not take it.
 */
export function cascadingCheckerKeywords<D extends WithOptions>(where: 'virtual_server' | 'real_server'): Record<string, Handler<D>> {
  const all = checkerOptionKeywords<D>();
  const keepalived = new Set(['retry', 'delay_before_retry', 'warmup', 'connect_timeout', 'delay_loop', 'alpha']);
  const out: Record<string, Handler<D>> = {};
  for (const [kw, handler] of Object.entries(all)) out[kw] = keepalived.has(kw) ? handler : notInKeepalived(handler, where, 'the checkers below inherit it');
  out['nb_get_retry'] = notInKeepalived(all['retry']!, where, 'read as retry, which the checkers below inherit');
  return out;
}

/** keepalived's deprecated `nb_get_retry` (HTTP_GET and SSL_GET only): `retry`. */
function nbGetRetry<D extends WithOptions>(): Handler<D> {
  const retry = checkerTimingKeywords<D>()['retry']!;
  return (n, d, diags) => {
    retry(n, d, diags);
    diags.warning('CONF_ERR_VALUE', n.keyword.pos, 'nb_get_retry is deprecated (keepalived says so too); read as retry');
  };
}

/** HTTP status codes: `200`, `200-299`, several per line. */
function statusCodes(node: Node, diags: Diagnostics): Array<[number, number]> | undefined {
  if (node.args.length === 0) {
    diags.error('CONF_ERR_ARITY', node.keyword.pos, 'status_code needs at least one code or range');
    return undefined;
  }
  const out: Array<[number, number]> = [];
  for (const tok of node.args) {
    const m = /^(\d{3})(?:-(\d{3}))?$/.exec(tok.text);
    const lo = m === null ? NaN : Number(m[1]);
    const hi = m === null ? NaN : Number(m[2] ?? m[1]);
    if (!(lo >= 100 && hi <= 599 && lo <= hi)) {
      diags.error('CONF_ERR_VALUE', tok.pos, `status_code must be codes 100-599 or ranges like 200-299, got '${tok.text}'`);
      return undefined;
    }
    out.push([lo, hi]);
  }
  return out;
}

type UrlDraft = {
  path?: string;
  digest?: string;
  statusCodes?: Array<[number, number]>;
  virtualhost?: string;
  regex?: { text: string; pos: Token['pos'] };
  regexNoMatch?: boolean;
  regexOptions?: { options: Set<PcreOption>; pos: Token['pos'] };
  regexMinOffset?: number;
  regexMaxOffset?: number;
  tlsCompliant?: boolean;
};

const urlSpec: SectionSpec<UrlDraft> = {
  name: 'url',
  keywords: {
    path: single(word, (d, v) => (d.path = v)),
    digest: single(
      (tok, what, diags) => {
        if (/^[0-9a-fA-F]{32}$/.test(tok.text)) return tok.text.toLowerCase();
        diags.error('CONF_ERR_VALUE', tok.pos, `${what} must be 32 hex digits (an MD5 as genhash prints it), got '${tok.text}'`);
        return undefined;
      },
      (d, v) => (d.digest = v),
    ),
    status_code: (n, d, diags) => {
      if (n.block !== undefined) arity(n, 0, 0, diags);
      const v = statusCodes(n, diags);
      if (v !== undefined) d.statusCodes = [...(d.statusCodes ?? []), ...v];
    },
    virtualhost: single(word, (d, v) => (d.virtualhost = v)),
    regex: (n, d, diags) => {
      if (arity(n, 1, 1, diags)) d.regex = { text: n.args[0]!.text, pos: n.args[0]!.pos };
    },
    regex_no_match: flag((d, v) => (d.regexNoMatch = v)),
    regex_options: (n, d, diags) => {
      if (!arity(n, 1, PCRE_OPTIONS.length, diags)) return;
      const options = new Set<PcreOption>();
      for (const a of n.args) {
        const o = enumValue(a, PCRE_OPTIONS, 'regex_options', diags);
        if (o === undefined) return;
        if (ignoredPcreOption(o)) diags.warning('CONF_ERR_UNSUPPORTED', a.pos, `regex option ${o} has no counterpart in tandem's ECMAScript regular expressions; ignored`);
        options.add(o);
      }
      d.regexOptions = { options, pos: n.keyword.pos };
    },
    // PCRE2's JIT stack sizes: ECMAScript engines size their own.
    regex_stack: (n, _d, diags) => {
      if (!arity(n, 2, 2, diags)) return;
      if (integer(1, 2 ** 31 - 1)(n.args[0]!, 'regex_stack start', diags) === undefined || integer(1, 2 ** 31 - 1)(n.args[1]!, 'regex_stack max', diags) === undefined) return;
      diags.warning('CONF_ERR_UNSUPPORTED', n.keyword.pos, 'regex_stack sizes PCRE2\'s JIT stack; tandem\'s regular expressions have none to size; ignored');
    },
    regex_min_offset: single(integer(0, 2 ** 31 - 1), (d, v) => (d.regexMinOffset = v)),
    regex_max_offset: single(integer(0, 2 ** 31 - 1), (d, v) => (d.regexMaxOffset = v)),
  },
};

/** A url's regex keywords, as the RegExp tandem matches with; undefined (reported) when the pattern cannot be one. */
function urlRegex(u: UrlDraft, diags: Diagnostics): UrlRegex | undefined {
  if (u.regex === undefined) return undefined;
  const options = u.regexOptions?.options ?? new Set<PcreOption>();
  const r = pcreToRegExp(u.regex.text, options);
  if ('error' in r) {
    diags.error('CONF_ERR_VALUE', u.regex.pos, `regex '${u.regex.text}': ${r.error} (tandem matches with ECMAScript regular expressions, not PCRE2: see docs/config.md)`);
    return undefined;
  }
  if (u.regexMaxOffset !== undefined && u.regexMaxOffset < (u.regexMinOffset ?? 0)) diags.error('CONF_ERR_CONFLICT', u.regex.pos, 'regex_max_offset is below regex_min_offset');
  return {
    pattern: u.regex.text,
    options: [...options],
    source: r.source,
    flags: r.flags,
    noMatch: u.regexNoMatch ?? false,
    minOffset: u.regexMinOffset ?? 0,
    ...(u.regexMaxOffset !== undefined ? { maxOffset: u.regexMaxOffset } : {}),
    firstLine: options.has('firstline'),
  };
}

type CheckerDraft = WithOptions & {
  urls: HttpUrl[];
  virtualhost?: string;
  httpProtocol?: '1.0' | '1.0C' | '1.1';
  enableSni?: boolean;
  sniName?: string;
  tlsCompliant?: boolean;
  path?: string;
  timeout?: number;
  dynamic: boolean;
  user?: string;
  type?: (typeof DNS_TYPES)[number];
  name?: string;
  payload?: string;
  requireReply?: string;
  minReplyLength?: number;
  maxReplyLength?: number;
  heloName?: string;
  trackFile?: string;
  weight?: number;
  reverse?: boolean;
  /** SMTP_CHECK's deprecated `host { ... }` blocks: one more check each. */
  hosts: CheckerOptions[];
};

const hex =
  (allowWildcard: boolean) =>
  (tok: Token, what: string, diags: Diagnostics): string | undefined => {
    const ok = allowWildcard ? /^([0-9a-fA-FxX]{2})+$/ : /^([0-9a-fA-F]{2})+$/;
    if (ok.test(tok.text)) return tok.text.toLowerCase();
    diags.error('CONF_ERR_VALUE', tok.pos, `${what} must be hex bytes${allowWildcard ? ' (X for any digit)' : ''}, got '${tok.text}'`);
    return undefined;
  };

const common = checkerOptionKeywords<CheckerDraft>();

/** `url { ... }`; in SSL_GET it also takes keepalived 2.2.8's tls_compliant (for the whole checker). */
function urlBlock(tls: boolean): Handler<CheckerDraft> {
  const spec: SectionSpec<UrlDraft> = tls ? { name: 'url', keywords: { ...urlSpec.keywords, tls_compliant: flag((u, v) => (u.tlsCompliant = v)) } } : urlSpec;
  return (n, d, diags) => {
    const block = blockOf(n, diags);
    if (block === undefined) return;
    const u: UrlDraft = {};
    applySection(spec, block, u, diags);
    if (u.tlsCompliant !== undefined) d.tlsCompliant = (d.tlsCompliant ?? false) || u.tlsCompliant;
    const regex = urlRegex(u, diags);
    if (u.regex === undefined && (u.regexNoMatch !== undefined || u.regexOptions !== undefined || u.regexMinOffset !== undefined || u.regexMaxOffset !== undefined)) {
      diags.warning('CONF_ERR_MISSING', n.keyword.pos, 'regex_no_match, regex_options and the regex offsets do nothing without regex');
    }
    if (u.path === undefined) diags.error('CONF_ERR_MISSING', n.keyword.pos, 'url needs path');
    else
      d.urls.push({
        path: u.path,
        ...(u.digest !== undefined ? { digest: u.digest } : {}),
        statusCodes: u.statusCodes ?? [[200, 299]],
        ...(u.virtualhost !== undefined ? { virtualhost: u.virtualhost } : {}),
        ...(regex !== undefined ? { regex } : {}),
        pos: n.keyword.pos,
      });
  };
}
const http: Record<string, Handler<CheckerDraft>> = {
  ...common,
  nb_get_retry: nbGetRetry<CheckerDraft>(),
  url: urlBlock(false),
  virtualhost: single(word, (d, v) => (d.virtualhost = v)),
  http_protocol: single((tok, what, diags) => enumValue(tok, ['1.0', '1.0C', '1.1'] as const, what, diags), (d, v) => (d.httpProtocol = v)),
  // keepalived checks one url per delay_loop while recovering, unless fast_recovery; tandem checks
  // them all in one attempt always, which is what fast_recovery asks for.
  fast_recovery: (n, _d, diags) => {
    if (flagValue(n, diags) === false) diags.warning('CONF_ERR_UNSUPPORTED', n.keyword.pos, 'fast_recovery off is ignored: tandem checks every url in one attempt, as fast_recovery does');
  },
  // keepalived 2.3's sni_name: the TLS server name (nothing without TLS).
  sni_name: single(word, (d, v) => (d.sniName = v)),
};

const SPECS: Record<Checker['kind'], SectionSpec<CheckerDraft>> = {
  TCP_CHECK: { name: 'TCP_CHECK', keywords: common },
  PING_CHECK: { name: 'PING_CHECK', keywords: common },
  HTTP_GET: {
    name: 'HTTP_GET',
    keywords: {
      ...http,
      // keepalived's HTTP_GET and SSL_GET share one keyword table; without TLS it means nothing.
      enable_sni: (n, _d, diags) => {
        if (flagValue(n, diags) !== undefined) diags.warning('CONF_ERR_UNSUPPORTED', n.keyword.pos, 'enable_sni does nothing in HTTP_GET, which has no TLS (keepalived takes it and ignores it too); ignored');
      },
    },
  },
  SSL_GET: {
    name: 'SSL_GET',
    keywords: {
      ...http,
      url: urlBlock(true),
      enable_sni: flag((d, v) => (d.enableSni = v)),
      // keepalived 2.2.8: send close_notify at the end of each connection.
      tls_compliant: flag((d, v) => (d.tlsCompliant = v)),
    },
  },
  MISC_CHECK: {
    name: 'MISC_CHECK',
    keywords: {
      ...checkerTimingKeywords<CheckerDraft>(),
      misc_path: single(word, (d, v) => (d.path = v)),
      misc_timeout: single(seconds(0.001, 3600), (d, v) => (d.timeout = v)),
      misc_dynamic: flag((d, v) => (d.dynamic = v)),
      user: (n, d, diags) => {
        if (arity(n, 1, 2, diags)) d.user = n.args.map((a) => a.text).join(' ');
      },
    },
  },
  DNS_CHECK: {
    name: 'DNS_CHECK',
    keywords: {
      ...common,
      type: single((tok, what, diags) => enumValue(tok, DNS_TYPES, what, diags), (d, v) => (d.type = v)),
      name: single(word, (d, v) => (d.name = v)),
    },
  },
  UDP_CHECK: {
    name: 'UDP_CHECK',
    keywords: {
      ...common,
      payload: single(hex(false), (d, v) => (d.payload = v)),
      require_reply: single(hex(true), (d, v) => (d.requireReply = v)),
      min_reply_length: single(integer(0, 65535), (d, v) => (d.minReplyLength = v)),
      max_reply_length: single(integer(0, 65535), (d, v) => (d.maxReplyLength = v)),
    },
  },
  FILE_CHECK: {
    name: 'FILE_CHECK',
    // keepalived: FILE_CHECK takes none of the connection options.
    keywords: {
      track_file: single(word, (d, v) => (d.trackFile = v)),
      file: single(word, (d, v) => (d.trackFile = v)),
      dynamic: flag((d, v) => (d.dynamic = v)),
      weight: (n, d, diags) => {
        if (!arity(n, 1, 2, diags)) return;
        const w = intValue(n.args[0]!, -(2 ** 31 - 1), 2 ** 31 - 1, 'weight', diags);
        if (w !== undefined) d.weight = w;
        const r = n.args[1];
        if (r !== undefined && r.text !== 'reverse' && r.text !== 'noreverse') diags.error('CONF_ERR_VALUE', r.pos, `expected reverse or noreverse, got '${r.text}'`);
        d.reverse = r?.text === 'reverse';
      },
    },
  },
  BFD_CHECK: {
    name: 'BFD_CHECK',
    keywords: { name: single(word, (d, v) => (d.name = v)), alpha: flag((d, v) => (d.options.alpha = v)) },
  },
  SMTP_CHECK: {
    name: 'SMTP_CHECK',
    keywords: {
      ...common,
      helo_name: single(word, (d, v) => (d.heloName = v)),
      // keepalived 2 still reads these ("deprecated. Please define additional checkers"),
      // as one more SMTP check per host, inheriting the block's own options.
      host: (n, d, diags) => {
        const block = blockOf(n, diags);
        if (block === undefined) return;
        const h: WithOptions = { options: {} };
        applySection({ name: 'host', keywords: checkerOptionKeywords<WithOptions>() }, block, h, diags);
        d.hosts.push(h.options);
        diags.warning('CONF_ERR_VALUE', n.keyword.pos, 'SMTP_CHECK host blocks are deprecated (keepalived too); each is read as one more SMTP_CHECK');
      },
    },
  },
};

/** Checker block keywords a real_server takes. */
export const CHECKER_KINDS = Object.keys(SPECS) as Checker['kind'][];

/** Parses one checker block of a real_server. */
/** Parses one checker block of a real_server: one checker, or several for SMTP_CHECK host blocks. */
export function parseChecker(kind: Checker['kind'], node: Node, diags: Diagnostics): Checker[] {
  const c = parseOneChecker(kind, node, diags);
  if (c === undefined) return [];
  if (!('hosts' in c)) return [c];
  const { hosts, ...base } = c;
  if (base.kind !== 'SMTP_CHECK' || hosts === undefined || hosts.length === 0) return [base as Checker];
  return hosts.map((h) => ({ ...base, options: { ...base.options, ...h } }));
}

function parseOneChecker(kind: Checker['kind'], node: Node, diags: Diagnostics): (Checker & { hosts?: CheckerOptions[] }) | undefined {
  if (node.args.length > 0) diags.error('CONF_ERR_ARITY', node.args[0]!.pos, `unexpected '${node.args[0]!.text}' after ${kind}`);
  const block = blockOf(node, diags);
  if (block === undefined) return undefined;
  const d: CheckerDraft = { options: {}, urls: [], dynamic: false, hosts: [] };
  const before = diags.errorCount;
  applySection(SPECS[kind], block, d, diags);
  const pos = node.keyword.pos;
  const options: CheckerOptions = d.options;
  switch (kind) {
    case 'TCP_CHECK':
    case 'PING_CHECK':
      return { kind, pos, options };
    case 'HTTP_GET':
    case 'SSL_GET':
      if (d.urls.length === 0) diags.error('CONF_ERR_MISSING', pos, `${kind} needs at least one url { path ... }`);
      return diags.errorCount > before
        ? undefined
        : {
            kind,
            pos,
            options,
            urls: d.urls,
            ...(d.virtualhost !== undefined ? { virtualhost: d.virtualhost } : {}),
            ...(d.httpProtocol !== undefined ? { httpProtocol: d.httpProtocol } : {}),
            ...(d.enableSni !== undefined ? { enableSni: d.enableSni } : {}),
            ...(d.sniName !== undefined ? { sniName: d.sniName } : {}),
            ...(d.tlsCompliant !== undefined ? { tlsCompliant: d.tlsCompliant } : {}),
          };
    case 'MISC_CHECK':
      if (d.path === undefined) {
        diags.error('CONF_ERR_MISSING', pos, 'MISC_CHECK needs misc_path');
        return undefined;
      }
      return { kind, pos, options, path: d.path, dynamic: d.dynamic, ...(d.timeout !== undefined ? { timeout: d.timeout } : {}), ...(d.user !== undefined ? { user: d.user } : {}) };
    case 'DNS_CHECK':
      return { kind, pos, options, type: d.type ?? 'SOA', name: d.name ?? '.' };
    case 'UDP_CHECK':
      if (d.minReplyLength !== undefined && d.maxReplyLength !== undefined && d.minReplyLength > d.maxReplyLength) {
        diags.error('CONF_ERR_CONFLICT', pos, 'min_reply_length is larger than max_reply_length');
      }
      return {
        kind,
        pos,
        options,
        ...(d.payload !== undefined ? { payload: d.payload } : {}),
        ...(d.requireReply !== undefined ? { requireReply: d.requireReply } : {}),
        ...(d.minReplyLength !== undefined ? { minReplyLength: d.minReplyLength } : {}),
        ...(d.maxReplyLength !== undefined ? { maxReplyLength: d.maxReplyLength } : {}),
      };
    case 'SMTP_CHECK':
      return { kind, pos, options, ...(d.heloName !== undefined ? { heloName: d.heloName } : {}), hosts: d.hosts };
    case 'FILE_CHECK':
      if (d.trackFile === undefined) {
        diags.error('CONF_ERR_MISSING', pos, 'FILE_CHECK needs track_file NAME');
        return undefined;
      }
      return { kind, pos, options, trackFile: d.trackFile, ...(d.weight !== undefined ? { weight: d.weight } : {}), reverse: d.reverse ?? false, dynamic: d.dynamic };
    case 'BFD_CHECK':
      if (d.name === undefined) {
        diags.error('CONF_ERR_MISSING', pos, 'BFD_CHECK needs name BFD_INSTANCE');
        return undefined;
      }
      return { kind, pos, options, name: d.name };
  }
}
