/**
 * The cluster network of one test file: a network namespace standing for the node (the servers, the
 * clients and the kubelet's probes live there) and one namespace per pod, joined to it by a veth pair,
 * with routes as a simple CNI would set them. Nothing listens in the host's namespace, so concurrent
 * test runs never collide on a port.
 *
 *   node namespace: lo 127.0.0.1, 10.240.0.1 (node), 10.96.0.x (servers), extra client addresses
 *   pod namespace:  lo 127.0.0.1, eth0 10.244.0.x/32, default route via 10.240.0.1
 */
import * as path from 'path';
import { Daemon, run, RunResult, runOk } from './processes';
import { waitForNewNamespace } from './namespaces';

export const NODE_ADDRESS = '10.240.0.1';
const POD_SUBNET = '10.244.0.';
const SERVICE_SUBNET = '10.96.0.';

export class NodeNetwork {
  private readonly holder: Daemon;
  private nextPod = 2;
  private nextService = 10;
  private nextLink = 0;

  private constructor(stateDir: string) {
    // The namespace lives as long as this process (and everything started inside it).
    this.holder = new Daemon(['unshare', '--net', '--', 'sleep', 'infinity'], path.join(stateDir, 'node-netns.log'));
  }

  static async create(stateDir: string): Promise<NodeNetwork> {
    const net = new NodeNetwork(stateDir);
    // Until unshare has run, /proc/<pid>/ns/net is still this process's namespace: never touch that one.
    await waitForNewNamespace(net.holder, 'net');
    await net.exec(['ip', 'link', 'set', 'lo', 'up']);
    await net.exec(['ip', 'addr', 'add', `${NODE_ADDRESS}/32`, 'dev', 'lo']);
    await net.exec(['sysctl', '-q', '-w', 'net.ipv4.ip_forward=1']);
    return net;
  }

  /** `nsenter` prefix that runs a command in the node namespace. */
  get enter(): string[] {
    return ['nsenter', `--net=/proc/${this.holder.pid}/ns/net`, '--'];
  }

  exec(argv: readonly string[], options: { input?: string; timeoutMs?: number } = {}): Promise<RunResult> {
    return run([...this.enter, ...argv], options);
  }

  execOk(argv: readonly string[]): Promise<string> {
    return runOk([...this.enter, ...argv]);
  }

  /** Adds an address on the node (a client, a proxy, a server); returns it. */
  async addAddress(address: string): Promise<string> {
    await this.execOk(['ip', 'addr', 'add', `${address}/32`, 'dev', 'lo']);
    return address;
  }

  /** A new server address in the service range. */
  async serviceAddress(): Promise<string> {
    return this.addAddress(`${SERVICE_SUBNET}${this.nextService++}`);
  }

  /** Wires a pod's network namespace (held by `pid`) to the node and returns the pod IP. */
  async attachPod(pid: number): Promise<string> {
    const ip = `${POD_SUBNET}${this.nextPod++}`;
    const link = `veth${this.nextLink++}`;
    await this.execOk(['ip', 'link', 'add', link, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', String(pid)]);
    await this.execOk(['ip', 'link', 'set', link, 'up']);
    await this.execOk(['ip', 'route', 'add', `${ip}/32`, 'dev', link, 'src', NODE_ADDRESS]);
    const inPod = ['nsenter', `--net=/proc/${pid}/ns/net`, '--'];
    for (const argv of [
      ['ip', 'link', 'set', 'lo', 'up'],
      ['ip', 'addr', 'add', `${ip}/32`, 'dev', 'eth0'],
      ['ip', 'link', 'set', 'eth0', 'up'],
      ['ip', 'route', 'add', 'default', 'via', NODE_ADDRESS, 'dev', 'eth0', 'onlink'],
    ]) {
      await runOk([...inPod, ...argv]);
    }
    return ip;
  }

  /** Can the node open a TCP connection to address:port? */
  async canConnect(address: string, port: number, from?: string): Promise<boolean> {
    const script = `import socket,sys
s=socket.socket()
s.settimeout(2)
${from ? `s.bind((${JSON.stringify(from)},0))\n` : ''}try:
  s.connect((${JSON.stringify(address)},${port}))
except OSError:
  sys.exit(1)`;
    const result = await this.exec(['/usr/bin/python3', '-c', script], { timeoutMs: 10000 });
    return result.code === 0;
  }

  async destroy(): Promise<void> {
    await this.holder.kill();
  }
}
