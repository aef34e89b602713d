// Runs inside a real-server namespace: an HTTP server on PORT whose behaviour
// is read from MODEFILE on every request: "200", "500", "hang" or "close".
// With CERT and KEY (PEM files) it serves HTTPS instead, for SSL_GET.
import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';

const [port = '80', modeFile = '', cert, key] = process.argv.slice(2);
const handle = (req: IncomingMessage, res: ServerResponse): void => {
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
};
const server = cert !== undefined && key !== undefined ? createHttpsServer({ cert: readFileSync(cert), key: readFileSync(key) }, handle) : createServer(handle);
server.listen(Number(port), '0.0.0.0');
process.on('SIGTERM', () => process.exit(0));
