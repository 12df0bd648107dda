/**
 * Many client connections at once, from the node: tools/hold-connections.py opens them (optionally in
 * waves), sends one request on each, reads at most a few bytes, and holds them until `close()`.
 */
import { spawn } from 'child_process';
import * as path from 'path';
import type { Cluster } from './cluster';

export interface HoldOptions {
  readonly host: string;
  readonly port: number;
  readonly path: string;
  readonly count: number;
  readonly headers?: readonly string[];
  /** Bytes read per connection (the status line); 0 reads nothing. @default 64 */
  readonly read?: number;
  /** Open this many, pause, open the next ones (earlier requests get going first). @default all at once */
  readonly batch?: number;
  readonly pauseSeconds?: number;
}

export interface HeldConnections {
  /** Connections opened, connects that failed, and the HTTP status of each connection that answered. */
  readonly summary: { open: number; failed: number; statuses: Record<string, number> };
  close(): Promise<void>;
}

export async function holdConnections(cluster: Cluster, options: HoldOptions): Promise<HeldConnections> {
  const args = [
    '--host', options.host, '--port', String(options.port), '--path', options.path, '--count', String(options.count),
    '--read', String(options.read ?? 64),
    ...(options.batch ? ['--batch', String(options.batch), '--pause', String(options.pauseSeconds ?? 0.3)] : []),
    ...(options.headers ?? []).flatMap((h) => ['--header', h]),
  ];
  const [command, ...prefix] = cluster.network.enter;
  const child = spawn(command, [...prefix, '/usr/bin/python3', path.join(__dirname, 'tools', 'hold-connections.py'), ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += d));
  const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
  const line = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (d) => {
      out += d;
      if (out.includes('\n')) resolve(out.split('\n')[0]);
    });
    child.on('exit', (code) => reject(new Error(`hold-connections exited ${code}: ${stderr}`)));
  });
  return {
    summary: JSON.parse(line),
    close: async () => {
      child.stdin.end();
      await exited;
    },
  };
}
