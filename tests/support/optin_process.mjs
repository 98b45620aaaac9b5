// The optin binary (OPTIN_BINARY, set by ctest) for the Node.js tests: its
// command line on a store, and `optin serve` on a random loopback port.
import { spawn, execFileSync } from 'node:child_process';

export const optin = process.env.OPTIN_BINARY;
if (!optin) throw new Error('OPTIN_BINARY must name the optin binary');

// Runs `optin --db DB ARGS...` and returns its standard output, trimmed.
export function optinCli(db, ...args) {
  return execFileSync(optin, ['--db', db, ...args], { encoding: 'utf8' }).trim();
}

// Starts `optin serve` on 127.0.0.1:0 over `db` (with `extra` flags);
// resolves to the process and the address it printed.
export function startOptinServer(db, extra = []) {
  const server = spawn(optin, ['--db', db, 'serve', '--listen', '127.0.0.1:0', ...extra], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return new Promise((resolve, reject) => {
    let out = '';
    server.stdout.on('data', (chunk) => {
      out += chunk;
      const m = out.match(/http:\/\/127\.0\.0\.1:(\d+)/);
      if (m) resolve({ server, base: `http://127.0.0.1:${m[1]}` });
    });
    server.on('exit', (code) => reject(new Error(`optin serve exited with ${code}`)));
  });
}
