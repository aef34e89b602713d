import test, { type ExecutionContext } from 'ava';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { EXAMPLES, KEEPALIVED_227, KEEPALIVED_NEWER, NEWER_EXAMPLES } from './keyword-examples.js';
import { keywordStatuses, markdownTable, tableIn, type KeywordStatus } from './keyword-table.js';

const key = (s: { section: string; keyword: string }): string => `${s.section} › ${s.keyword}`;

/**
 * Keywords keepalived takes that tandem still refuses, each with why; the test fails when
 * one of them is accepted (take it off the list) or another is refused.
 */
const PENDING: ReadonlySet<string> = new Set([
]);

const statuses: readonly KeywordStatus[] = keywordStatuses();

test('the table holds keepalived 2.2.7 as its source registers it: 501 keywords', (t) => {
  t.is(KEEPALIVED_227.length, 501);
  t.is(new Set(KEEPALIVED_227.map(key)).size, 501);
  // Spot checks against keepalived's source: sections nest as its install_sublevel calls do.
  for (const k of ['(top) › use_pid_dir', 'global_defs › vrrp_iptables', 'vrrp_instance › track_process', 'virtual_server > real_server > HTTP_GET > url › regex', 'virtual_server > real_server > SMTP_CHECK > host › bind_if']) {
    t.true(KEEPALIVED_227.some((e) => key(e) === k), k);
  }
  t.false(KEEPALIVED_227.some((e) => key(e) === 'global_defs › use_pid_dir'));
  t.false(KEEPALIVED_227.some((e) => key(e) === 'virtual_server > real_server > TCP_CHECK › nb_get_retry'));
});

test('every keyword has an example file', (t) => {
  for (const e of KEEPALIVED_227) t.not(EXAMPLES[e.section]?.[e.keyword], undefined, key(e));
  for (const e of KEEPALIVED_NEWER) t.not(NEWER_EXAMPLES[e.section]?.[e.keyword], undefined, key(e));
});

/** Each keyword of `group` runs or is accepted with a message, but those pending (which must still be refused). */
function checkVerdicts(t: ExecutionContext, group: readonly KeywordStatus[]): void {
  for (const s of group) {
    const said = s.diagnostics.map((d) => `${d.severity}: ${d.message}`).join('; ');
    if (PENDING.has(key(s))) t.is(s.verdict, 'refused', `${key(s)} is accepted now: take it off PENDING`);
    else {
      t.false(s.diagnostics.some((d) => d.code === 'CONF_ERR_UNKNOWN_KEYWORD'), `${key(s)} is unknown: ${said}`);
      t.not(s.verdict, 'refused', `${key(s)}: ${said}`);
    }
  }
}

test('no keepalived 2.2.7 keyword is unknown to tandem or refused, but those pending', (t) => {
  checkVerdicts(t, statuses.filter((x) => x.since === undefined));
});

test('the keywords of keepalived 2.2.8 and later are run or accepted with a message, never unknown', (t) => {
  checkVerdicts(t, statuses.filter((x) => x.since !== undefined));
});

test('docs/config.md shows the same table', (t) => {
  const doc = readFileSync(join(__dirname, '..', '..', '..', '..', 'docs', 'config.md'), 'utf8');
  t.is(tableIn(doc), markdownTable(statuses), 'run: node packages/config/dist/test/keyword-table.js --write docs/config.md');
});
