import { basename, join } from 'node:path';

/**
 * The script a side process runs. From a bundle (dist/bundle, scripts/bundle.js) this module's
 * directory is the bundles' and each side has a bundle of its own there; from tsc's output
 * (dist/src) each side is `side.js` in its folder. The sides run from the same build as the daemon.
 */
export function sideEntry(side: 'vrrp' | 'bfd'): string {
  return basename(__dirname) === 'bundle' ? join(__dirname, `${side}-side.js`) : join(__dirname, side, 'side.js');
}
