// A Devo-like TLS line receiver in its own process: counts lines (and bytes) without parsing them, answers
// a half-close with its own end (the collector's confirmed delivery), and can stop reading on command.
// Protocol on stdin/stdout (JSON lines): in {"cmd":"count"|"pause"|"resume"|"reset"}, out {"lines":N,"bytes":B}.
import { readFileSync } from 'node:fs';
import tls from 'node:tls';
import { createInterface } from 'node:readline';

const [keyPath, certPath, caPath] = process.argv.slice(2) as [string, string, string];
let lines = 0;
let bytes = 0;
let paused = false;
const sockets = new Set<tls.TLSSocket>();
const server = tls.createServer(
  { key: readFileSync(keyPath), cert: readFileSync(certPath), ca: readFileSync(caPath), requestCert: true, rejectUnauthorized: true, allowHalfOpen: true },
  (socket) => {
    sockets.add(socket);
    if (paused) socket.pause();
    socket.on('data', (chunk: Buffer) => {
      bytes += chunk.length;
      let at = chunk.indexOf(10);
      while (at !== -1) {
        lines += 1;
        at = chunk.indexOf(10, at + 1);
      }
    });
    socket.on('end', () => socket.end());
    socket.on('error', () => socket.destroy());
    socket.on('close', () => sockets.delete(socket));
  },
);
server.listen(0, '127.0.0.1', () => {
  process.stdout.write(`${JSON.stringify({ port: (server.address() as { port: number }).port })}\n`);
});
createInterface({ input: process.stdin }).on('line', (line) => {
  const { cmd } = JSON.parse(line) as { cmd: string };
  if (cmd === 'pause') {
    paused = true;
    for (const socket of sockets) socket.pause();
  } else if (cmd === 'resume') {
    paused = false;
    for (const socket of sockets) socket.resume();
  } else if (cmd === 'reset') {
    lines = 0;
    bytes = 0;
  }
  process.stdout.write(`${JSON.stringify({ lines, bytes })}\n`);
});
process.stdin.on('end', () => process.exit(0));
