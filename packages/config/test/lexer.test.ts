import test from 'ava';
import fc from 'fast-check';
import { Diagnostics, lexFile, tokenizeLine, type Token } from '../src/index.js';
import { stripComment } from '../src/preprocess.js';

// The reader cuts most lines into tokens straight from the file's text, and a line with a
// quote, a comment character, a backslash or a character outside ASCII the careful way. Both
// must give what keepalived's order of work gives each line on its own: the trailing CR cut,
// then the comment, then the blanks around it (JavaScript's trim), then the words.

/** The tokens of a file read line by line, each line on its own, as `kind text line:col`. */
function lineByLine(text: string): string[] {
  const out: string[] = [];
  text.split('\n').forEach((raw, i) => {
    const stripped = stripComment(raw.replace(/\r$/, ''));
    const line = stripped.trim();
    if (line === '') return;
    const offset = stripped.length - stripped.trimStart().length;
    for (const t of tokenizeLine(line, 'f.conf', i + 1, new Diagnostics(), offset)) out.push(shown(t));
    out.push(`eol  ${i + 1}:${offset + line.length + 1}`);
  });
  return out;
}

const shown = (t: Token): string => `${t.kind} ${t.quoted ? `"${t.text}"` : t.text} ${t.line}:${t.col}`;

const read = (text: string): string[] => lexFile('f.conf', new Diagnostics(), { configId: 'x', readFile: () => text }).map(shown);

// Words as a keepalived.conf has them, and the characters that make a line a careful one.
const piece = fc.constantFrom('real_server', 'weight', '10.0.0.1', '80', 'a_b', 'NAT', '{', '}', ' ', '  ', '\t', '\v', '\f', '\r', '"', '#', '!', '\\', '\\#', '\u00a0', '\u2003', 'é', 'x\u00a0y', '\ufeff', 'a\u0001b', '\u001f', '\u007f', '\u001c');
const line = fc.array(piece, { maxLength: 9 }).map((p) => p.join(''));

test('every line gives the tokens it gives read on its own, plain or careful', (t) => {
  fc.assert(
    fc.property(fc.array(line, { maxLength: 12 }), (lines) => {
      const text = lines.join('\n');
      t.deepEqual(read(text), lineByLine(text));
    }),
    { numRuns: 2000 },
  );
});

test('a plain line: words at blanks and braces, columns counted from the line start, the end of line after its last token', (t) => {
  t.deepEqual(read('\tvirtual_server 10.0.0.1 80 {\r\n  weight 2}  \n\n}'), [
    'word virtual_server 1:2',
    'word 10.0.0.1 1:17',
    'word 80 1:26',
    'open { 1:29',
    'eol  1:30',
    'word weight 2:3',
    'word 2 2:10',
    'close } 2:11',
    'eol  2:12',
    'close } 4:1',
    'eol  4:2',
  ]);
});

test('blanks outside ASCII are trimmed at the ends of a line and stay inside its words', (t) => {
  t.deepEqual(read('\u00a0weight\u00a0 2\u2003'), ['word weight\u00a0 1:2', 'word 2 1:10', 'eol  1:11']);
});
