import test from 'ava';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseDaemonArgs, requestControl, DEFAULT_CONFIG, DEFAULT_SOCKET } from '../src/index.js';

const TANDEMD = join(__dirname, '..', '..', 'bin', 'tandemd.js');
const dir = mkdtempSync(join(tmpdir(), 'tandemd-cli-'));

function write(name: string, text: string): string {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
}

const valid = `vrrp_instance VI_1 {
    state BACKUP
    interface no-such-if0
    virtual_router_id 51
    priority 100
    advert_int 1
    virtual_ipaddress {
        192.0.2.100/24
    }
}
`;

test('tandemd -t on a valid file exits 0 without needing its interfaces to exist', (t) => {
  const r = spawnSync('node', [TANDEMD, '-t', '-f', write('ok.conf', valid)], { encoding: 'utf8' });
  t.is(r.status, 0, r.stdout + r.stderr);
  t.regex(r.stdout, /configuration is valid/);
});

test('tandemd -t on a broken file exits 5 (as keepalived -t) and prints FILE:LINE:COL for every error', (t) => {
  const file = write('bad.conf', valid.replace('priority 100', 'priorty 100').replace('virtual_router_id 51', 'virtual_router_id 51 extra').replace(/\}\n$/, ''));
  const r = spawnSync('node', [TANDEMD, '-t', '-f', file], { encoding: 'utf8' });
  t.is(r.status, 5);
  const lines = r.stdout.trim().split('\n');
  t.is(lines.length, 1, 'a brace error is reported alone: the rest would be follow-on noise');
  t.regex(lines[0]!, /never closed/);
  const file2 = write('bad3.conf', valid.replace('priority 100', 'priorty 100').replace('virtual_router_id 51', 'virtual_router_id 51 extra'));
  const r2 = spawnSync('node', [TANDEMD, '-t', '-f', file2], { encoding: 'utf8' });
  t.is(r2.status, 5);
  t.deepEqual(r2.stdout.trim().split('\n').map((l) => l.slice(file2.length).split(':').slice(0, 3).join(':')), [':4:26', ':5:5']);
  t.regex(r2.stdout, /did you mean 'priority'/);
});

test('tandemd -t: scripts that do not exist here are warned of and the file is valid, as keepalived -t passes it (they are disabled at start)', (t) => {
  const file = write(
    'scripts.conf',
    `vrrp_script chk {\n    script "/nonexistent/chk_haproxy.sh"\n}\n${valid.replace('    advert_int 1\n', '    advert_int 1\n    track_script {\n        chk\n    }\n    notify_master "/nonexistent/notify.sh master"\n')}` +
      'virtual_server 192.0.2.100 80 {\n    protocol TCP\n    real_server 198.51.100.1 80 {\n        MISC_CHECK {\n            misc_path "/nonexistent/misc.sh"\n        }\n    }\n}\n',
  );
  const r = spawnSync('node', [TANDEMD, '-t', '-f', file], { encoding: 'utf8' });
  t.is(r.status, 0, r.stdout + r.stderr);
  const lines = r.stdout.trim().split('\n');
  for (const script of ['chk_haproxy.sh', 'notify.sh', 'misc.sh']) {
    t.true(lines.some((l) => l.includes(`warning: /nonexistent/${script} is not an executable file; it is disabled, as keepalived disables it`)), `${script}: ${r.stdout}`);
  }
  t.regex(r.stdout, /configuration is valid \(3 warnings\)/);
});

test('scripts without a user of their own: root, as keepalived runs them, with its SECURITY VIOLATION as a warning; with enable_script_security and no user to run as, disabled as keepalived disables them', (t) => {
  const tracked = `vrrp_script chk {\n    script "/bin/true"\n}\n${valid.replace('    advert_int 1\n', '    advert_int 1\n    track_script {\n        chk\n    }\n')}`;
  const asRoot = spawnSync('node', [TANDEMD, '-t', '-f', write('root.conf', tracked)], { encoding: 'utf8' });
  t.is(asRoot.status, 0, asRoot.stdout);
  t.regex(asRoot.stdout, /root\.conf:2:12: warning: scripts without a user of their own run as root .*SECURITY VIOLATION/);
  const withUser = spawnSync('node', [TANDEMD, '-t', '-f', write('user.conf', `global_defs {\n    script_user nobody\n}\n${tracked}`)], { encoding: 'utf8' });
  t.notRegex(withUser.stdout, /warning/, 'script_user says who: nothing to warn of');
  const secured = spawnSync('node', [TANDEMD, '-t', '-f', write('secured.conf', `global_defs {\n    enable_script_security\n}\n${tracked}`)], { encoding: 'utf8' });
  t.is(secured.status, 0, secured.stdout);
  t.regex(secured.stdout, /secured\.conf:5:12: warning: no script_user and no keepalived_script user to run \/bin\/true as \(enable_script_security\); it is disabled, as keepalived disables it/);
});

test('tandemd -t on a missing file exits 4 (keepalived\'s code for a file it cannot read) with a message, not a stack trace', (t) => {
  const r = spawnSync('node', [TANDEMD, '-t', '-f', join(dir, 'absent.conf')], { encoding: 'utf8' });
  t.is(r.status, 4);
  t.regex(r.stdout, /absent\.conf:1:1: cannot read .*no such file/);
  t.notRegex(r.stdout + r.stderr, /at .*\.js:\d+/);
});

test('tandemd refuses to start on an invalid file and says why, exit 2 (keepalived\'s KEEPALIVED_EXIT_CONFIG); on a missing one exit 6 (KEEPALIVED_EXIT_NO_CONFIG)', (t) => {
  const missing = spawnSync('node', [TANDEMD, '-n', '-l', '-f', join(dir, 'absent.conf')], { encoding: 'utf8' });
  t.is(missing.status, 6, missing.stderr);
  t.regex(missing.stderr, /absent\.conf:1:1: cannot read .*no such file/);
  const r = spawnSync('node', [TANDEMD, '-n', '-l', '-f', write('bad2.conf', 'vrrp_instance X {\n')], { encoding: 'utf8' });
  t.is(r.status, 2);
  t.regex(r.stderr, /bad2\.conf:1:17: block opened here is never closed/);
  t.regex(r.stderr, /not starting, 1 error/);
});

test('tandemd -t -i selects the @ID lines, as keepalived -i does', (t) => {
  const file = write('ids.conf', '@lb-a $P=150\n@lb-b $P=300\n' + valid.replace('priority 100', 'priority $P'));
  t.is(spawnSync('node', [TANDEMD, '-t', '-i', 'lb-a', '-f', file], { encoding: 'utf8' }).status, 0);
  const b = spawnSync('node', [TANDEMD, '-t', '--config-id', 'lb-b', '-f', file], { encoding: 'utf8' });
  t.is(b.status, 5);
  t.regex(b.stdout, /priority must be 1-255, got 300/);
});

test('an unknown flag is refused with the usage text', (t) => {
  const r = spawnSync('node', [TANDEMD, '--frobnicate'], { encoding: 'utf8' });
  t.is(r.status, 2);
  t.regex(r.stderr, /Usage: tandemd/);
});

test('the command line matches keepalived\'s flags and the design', (t) => {
  t.like(parseDaemonArgs([]), { configFile: DEFAULT_CONFIG, controlSocket: DEFAULT_SOCKET, configTest: false });
  t.like(parseDaemonArgs(['-f', 'x.conf', '-n', '-l', '-D', '-p', 'p.pid', '--control-socket', 's.sock', '--log-json']), {
    configFile: 'x.conf',
    dontFork: true,
    logConsole: true,
    logDetail: true,
    pidFile: 'p.pid',
    controlSocket: 's.sock',
    logJson: true,
  });
  t.true(parseDaemonArgs(['--config-test']).configTest);
});

test('tandemd with nothing to run stays up until SIGTERM, as keepalived does, and answers on its control socket', async (t) => {
  const socket = join(dir, 'idle.sock');
  const child = spawn('node', [TANDEMD, '-n', '-l', '-f', write('idle.conf', 'global_defs {\n    router_id idle\n}\n'), '--control-socket', socket], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr.on('data', (d: Buffer) => (output += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  try {
    for (let i = 0; i < 100 && !output.includes('tandemd running'); i++) await new Promise((r) => setTimeout(r, 50));
    await new Promise((r) => setTimeout(r, 1500));
    t.is(child.exitCode, null, output);
    const reply = await requestControl(socket, 'status');
    t.true(reply.ok, output);
    child.kill('SIGTERM');
    t.is(await exited, 0, output);
  } finally {
    child.kill('SIGKILL');
  }
});
