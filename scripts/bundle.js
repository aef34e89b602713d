// Part of `npm run build`, after tsc: each of tandem's programs as one file in
// packages/daemon/dist/bundle, which bin/tandemd.js and bin/tandemctl.js run while it is newer
// than tsc's output (`freshBundle` in packages/daemon/bin/bundle.js). Node loads a program of
// 250 modules through as many resolutions, stats and reads; on a slow machine (the real-kernel
// guest: 2.4 s against 0.95 s) that is most of the daemon's start. The code is tsc's output as
// it is, not minified, with its function and class names kept: stack traces stay readable.
// Then scripts/bundle-cache.js writes each bundle's V8 code cache beside it.
//
// - entry.js: what `tandemd` runs first (arguments, -h, -v): the file check (`-t`), genhash
//   (`-T`) and the daemon are loaded from their own bundles beside it, so `-t` loads only itself.
// - config-check.js: `tandemd -t`.
// - genhash.js: `tandemd -T` (keepalived's genhash), with the checkers' HTTP client.
// - tandemd.js: the daemon (the supervisor process).
// - vrrp-side.js, bfd-side.js: the side processes the daemon forks (`sideEntry`).
// - tandemctl.js.
// Packages loaded only for some files (netlink, net-snmp, prom-client, glob) or with native code
// (unix-dgram, tandem's addon) stay outside, loaded from node_modules as before.
'use strict';
const path = require('node:path');
const fs = require('node:fs');
const esbuild = require('esbuild');

const DIST = path.join(__dirname, '..', 'packages', 'daemon', 'dist');
const OUT = path.join(DIST, 'bundle');
const EXTERNAL = ['netlink', 'unix-dgram', 'net-snmp', 'prom-client', 'glob', '*.node'];

/** entry.js's own bundle leaves the daemon, the file check and genhash to theirs (resolved beside it at run time). */
const entryApart = {
  name: 'entry-apart',
  setup(build) {
    build.onResolve({ filter: /^\.\/(tandemd|config-check|genhash)\.js$/ }, (args) => (path.basename(args.importer) === 'entry.js' ? { path: args.path, external: true } : undefined));
  },
};

const PROGRAMS = [
  { out: 'entry.js', from: 'src/entry.js', plugins: [entryApart] },
  { out: 'config-check.js', from: 'src/config-check.js' },
  { out: 'genhash.js', from: 'src/genhash.js' },
  { out: 'tandemd.js', from: 'src/tandemd.js' },
  { out: 'vrrp-side.js', from: 'src/vrrp/side.js' },
  { out: 'bfd-side.js', from: 'src/bfd/side.js' },
  { out: 'tandemctl.js', from: 'src/tandemctl.js' },
];

async function main() {
  fs.rmSync(OUT, { recursive: true, force: true });
  await Promise.all(
    PROGRAMS.map((p) =>
      esbuild.build({
        entryPoints: [path.join(DIST, p.from)],
        outfile: path.join(OUT, p.out),
        bundle: true,
        platform: 'node',
        target: 'node20',
        format: 'cjs',
        external: EXTERNAL,
        keepNames: true,
        // winston's own debug output (@dabh/diagnostics, DEBUG=winston*) is for winston's
        // developers; its development build, the one taken unless NODE_ENV says production, loads
        // colour libraries at start (tens of milliseconds on a slow CPU) for nothing.
        define: { 'process.env.NODE_ENV': '"production"' },
        logLevel: 'error',
        plugins: p.plugins ?? [],
      }),
    ),
  );
}

main()
  .then(() => {
    const r = require('node:child_process').spawnSync(process.execPath, [path.join(__dirname, 'bundle-cache.js')], { stdio: 'inherit' });
    if (r.status !== 0) throw new Error(`bundle-cache.js exited ${String(r.status)}`);
  })
  .catch((err) => {
    console.error(err);
    process.exit(1);
  });
