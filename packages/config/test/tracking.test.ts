import test from 'ava';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { formatDiagnostic, load } from '../src/index.js';

function loadText(text: string) {
  const p = join(mkdtempSync(join(tmpdir(), 'tandem-trk-')), 'k.conf');
  writeFileSync(p, text);
  return { r: load(p), path: p };
}

const inst = (name: string, vrid: number, extra: string): string =>
  `vrrp_instance ${name} {\n  interface eth0\n  virtual_router_id ${vrid}\n  virtual_ipaddress {\n    192.0.2.${vrid}\n  }\n${extra}}\n`;

const scripts = `vrrp_script chk_haproxy {
  script "/usr/bin/curl -fsS -m 1 http://127.0.0.1:8404/health" nobody
  interval 2
  timeout 1
  fall 2
  rise 3
  weight -40
}
track_file maint {
  file "/run/maint"
  weight -10 reverse
  init_file 0 overwrite
}
`;

test('vrrp_script, track_file, track_* and notify* are modelled, with no error in a valid file', (t) => {
  const { r, path } = loadText(
    scripts +
      inst('VI_1', 1, '  track_script {\n    chk_haproxy weight -50\n  }\n  track_interface {\n    eth1 weight -30 reverse\n  }\n  track_file {\n    maint\n  }\n  notify_master "/usr/local/sbin/notify.sh MASTER" root\n  notify "/usr/local/sbin/all.sh"\n') +
      inst('VI_2', 2, '') +
      'vrrp_sync_group SG {\n  group {\n    VI_1\n    VI_2\n  }\n  notify_fault "/x.sh"\n}\n',
  );
  const m = r.model!;
  t.like(m.vrrpScripts[0], { name: 'chk_haproxy', interval: 2, timeout: 1, fall: 2, rise: 3, weight: -40, script: { command: '/usr/bin/curl -fsS -m 1 http://127.0.0.1:8404/health', user: 'nobody' } });
  t.like(m.trackFiles[0], { name: 'maint', file: '/run/maint', weight: -10, reverse: true, initFile: { value: 0, overwrite: true } });
  const i = m.vrrpInstances[0]!;
  t.like(i.tracking.trackScript[0], { name: 'chk_haproxy', weight: -50, reverse: false });
  t.like(i.tracking.trackInterface[0], { name: 'eth1', weight: -30, reverse: true });
  t.like(i.tracking.notify.master, { command: '/usr/local/sbin/notify.sh MASTER', user: 'root' });
  t.like(m.syncGroups[0], { name: 'SG', group: ['VI_1', 'VI_2'] });
  t.deepEqual(r.errors.map(formatDiagnostic).map((e) => e.slice(path.length)), []);
});

test('references keepalived ignores, each with a warning: a misspelt script, track_file and track_process, a missing sync group member, an instance in two groups, a vrrp_script without script', (t) => {
  const { r, path } = loadText(
    scripts +
      'vrrp_script empty {\n  interval 2\n}\n' +
      inst('VI_1', 1, '  track_script {\n    chk_haprxy\n    empty\n  }\n  track_file {\n    mant\n  }\n  track_process {\n    nginx\n  }\n') +
      'vrrp_sync_group A {\n  group {\n    VI_1\n    VI_9\n  }\n}\nvrrp_sync_group B {\n  group {\n    VI_1\n  }\n}\n',
  );
  t.deepEqual(r.errors.map(formatDiagnostic), []);
  t.deepEqual(r.warnings.map(formatDiagnostic).map((e) => e.slice(path.length)), [
    ':14:1: warning: vrrp_script empty has no script; removed, as keepalived removes it',
    ":24:5: warning: (VI_1) track_script chk_haprxy: no vrrp_script of that name; did you mean 'chk_haproxy'?; ignored, as keepalived ignores it",
    ':25:5: warning: (VI_1) track_script empty: no vrrp_script of that name; ignored, as keepalived ignores it',
    ":28:5: warning: (VI_1) track_file mant: no track_file block of that name; did you mean 'maint'?; ignored, as keepalived ignores it",
    ':31:5: warning: (VI_1) track_process nginx: no vrrp_track_process of that name; ignored, as keepalived ignores it',
    ":34:1: warning: vrrp_sync_group A: no vrrp_instance VI_9; did you mean 'VI_1'?; left out, as keepalived leaves it out",
    ':40:1: warning: vrrp_instance VI_1 is already in vrrp_sync_group A; left out of B, as keepalived leaves it out',
    ':40:1: warning: vrrp_sync_group B has no vrrp_instance left; removed, as keepalived removes it',
    ':1:1: warning: vrrp_script chk_haproxy is not used by any track_script; it will not run',
  ]);
  const m = r.config!;
  t.deepEqual(m.vrrpInstances[0]!.tracking.trackScript, []);
  t.deepEqual(m.vrrpInstances[0]!.tracking.trackFile, []);
  t.deepEqual(m.syncGroups.map((g) => [g.name, g.group]), [['A', ['VI_1']]]);
});

test('warnings: an unused vrrp_script, the own interface in track_interface; errors: a weight out of range', (t) => {
  const { r, path } = loadText(scripts + inst('VI_1', 1, '  track_interface {\n    eth0\n    eth2 weight 300\n  }\n'));
  t.deepEqual(r.warnings.map(formatDiagnostic).map((e) => e.slice(path.length)), [
    ":21:5: warning: track_interface eth0 is the instance's own interface, which is always tracked; ignored",
    ':1:1: warning: vrrp_script chk_haproxy is not used by any track_script; it will not run',
  ]);
  t.regex(r.errors.map(formatDiagnostic).join('\n'), /:22:17: weight must be -253-253, got 300/);
});

test('a block defined twice (vrrp_instance, vrrp_sync_group, vrrp_script, virtual_server_group): the first is used and the second skipped with a warning, as keepalived finds or keeps the first', (t) => {
  const { r } = loadText(
    'vrrp_script chk {\n  script "/bin/true first"\n}\nvrrp_script chk {\n  script "/bin/true second"\n}\n' +
      inst('VI_1', 1, '  track_script {\n    chk\n  }\n') +
      inst('VI_1', 2, '') +
      'vrrp_sync_group G {\n  group {\n    VI_1\n  }\n}\nvrrp_sync_group G {\n  group {\n    VI_1\n  }\n}\n' +
      'virtual_server_group W {\n  192.0.2.80 80\n}\nvirtual_server_group W {\n  192.0.2.81 80\n}\nvirtual_server group W {\n  protocol TCP\n  real_server 10.0.0.1 80 {\n  }\n}\n',
  );
  t.deepEqual(r.errors.map(formatDiagnostic), []);
  const twice = r.warnings.filter((w) => /defined twice/.test(w.message)).map((w) => `${w.pos.line} ${w.message}`);
  t.deepEqual(twice, [
    '17 vrrp_instance VI_1 is defined twice (first at line 7); this one is skipped, as keepalived skips it',
    '37 virtual_server_group W is defined twice (first at line 34); the first is used, as keepalived uses it',
    '4 vrrp_script chk is defined twice (first at line 1); the first is used, as keepalived uses it',
    '29 vrrp_sync_group G is defined twice (first at line 24); the first is used, as keepalived uses it',
  ]);
  const c = r.config!;
  t.deepEqual(c.vrrpInstances.map((i) => i.virtualRouterId), [1]);
  t.deepEqual(c.vrrpScripts.map((s) => s.script.command), ['/bin/true first']);
  t.deepEqual(c.syncGroups.map((g) => g.pos.line), [24]);
  t.deepEqual(c.virtualServerGroups.map((g) => g.entries.map((e) => (e.kind === 'address' ? e.address : e.kind))), [['192.0.2.80']]);
});
