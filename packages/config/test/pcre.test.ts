import test from 'ava';
import { pcreToRegExp, type PcreOption } from '../src/pcre.js';

const re = (p: string, ...o: PcreOption[]): RegExp => {
  const r = pcreToRegExp(p, new Set(o));
  if ('error' in r) throw new Error(r.error);
  return new RegExp(r.source, r.flags);
};

test('PCRE2 meanings kept: a bare $ also before a final newline (unless dollar_endonly or multiline), \\A \\z \\Z, POSIX classes, (?P<name>', (t) => {
  t.true(re('ok$').test('ok\n'));
  t.false(re('ok$', 'dollar_endonly').test('ok\n'));
  t.true(re('^ok$', 'multiline').test('a\nok\nb'));
  t.true(re('\\Aok').test('ok x'));
  t.false(re('\\Aok', 'multiline').test('x\nok'));
  t.true(re('ok\\z').test('ok'));
  t.false(re('ok\\z').test('ok\n'));
  t.true(re('ok\\Z').test('ok\n'));
  t.true(re('[[:digit:]]+ items').test('42 items'));
  t.is(re('(?P<n>\\d+)').exec('x 7')?.groups?.['n'], '7');
  t.true(re('\\Q1+1=2\\E').test('so 1+1=2'));
});

test('regex_options: caseless, dotall, multiline, utf as flags; extended drops spaces and comments; ungreedy swaps laziness', (t) => {
  t.true(re('READY', 'caseless').test('ready'));
  t.true(re('a.b', 'dotall').test('a\nb'));
  t.true(re('r e a d y  # the state', 'extended').test('ready'));
  t.true(re('[ ]x', 'extended').test(' x'), 'a space in a class stays');
  t.is(re('<.+>', 'ungreedy').exec('<a><b>')?.[0], '<a>');
  t.is(re('<.+?>', 'ungreedy').exec('<a><b>')?.[0], '<a><b>');
  t.is(re('\\w+', 'utf').flags, 'u');
});

test('what ECMAScript cannot express is an error, not a silent change: possessive quantifiers, atomic groups, recursion, \\K', (t) => {
  for (const p of ['a++', 'a*+', '(?>ab)', '(?R)', 'a\\Kb', '(?(1)a|b)']) {
    const r = pcreToRegExp(p, new Set());
    t.true('error' in r, p);
  }
  t.true('error' in pcreToRegExp('(unclosed', new Set()));
});
