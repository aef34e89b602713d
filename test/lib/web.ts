// Runs inside a real-server namespace: an HTTP server on PORT whose behaviour
// is read from MODEFILE on every request: "200", "500", "hang" or "close".
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';

const [port = '80', modeFile = ''] = process.argv.slice(2);
const server = createServer((req, res) => {
  let mode = '200';
  try {
    mode = readFileSync(modeFile, 'utf8').trim();
  } catch {
    // No file: healthy.
  }
  if (mode === 'hang') return;
  if (mode === 'close') {
    req.socket.destroy();
    return;
  }
  res.statusCode = Number(mode) || 200;
  res.end(`${mode}\n`);
});
server.listen(Number(port), '0.0.0.0');
process.on('SIGTERM', () => process.exit(0));
