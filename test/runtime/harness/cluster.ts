/**
 * A test cluster: one node network namespace, the synthesized objects it "applied" (ConfigMaps, the
 * Secrets External Secrets would write, claims), servers, and pods. One per test file (beforeAll), stopped
 * in afterAll; everything it started is stopped by PID and its state directory removed.
 */
import * as crypto from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { ImageRegistry } from './images';
import { NODE_ADDRESS, NodeNetwork } from './network';
import { Pod, PodOptions } from './pod';
import { Daemon, GiveUp, waitFor, within } from './processes';

export interface HttpRequest {
  readonly url: string;
  readonly method?: string;
  readonly headers?: Readonly<Record<string, string>>;
  /** Source address (one of the node's addresses). @default the node's address */
  readonly from?: string;
  readonly body?: string | Buffer;
  /** curl --limit-rate, e.g. `2k`: a slow client. */
  readonly limitRate?: string;
  /** @default 30 */
  readonly timeoutSeconds?: number;
  /** Ask for gzip and return the body as sent. @default false */
  readonly gzip?: boolean;
}

export interface HttpResponse {
  /** 0 when no HTTP response arrived (see `error`). */
  readonly status: number;
  /** Lower-case header names; repeated headers joined with ", ". */
  readonly headers: Readonly<Record<string, string>>;
  readonly body: Buffer;
  readonly text: string;
  /** curl's error when the request failed at the connection level. */
  readonly error?: string;
  readonly curlExit: number;
}

export interface Server {
  readonly name: string;
  readonly address: string;
  readonly port: number;
  readonly dir: string;
  log(): string;
  stop(): Promise<void>;
}

export interface ServerSpec {
  readonly name: string;
  readonly argv: readonly string[];
  readonly port: number;
  /** @default a new service address */
  readonly address?: string;
  /** Unprivileged user the server runs as. @default nobody */
  readonly user?: string;
  readonly env?: Readonly<Record<string, string>>;
  /** Signal that stops it gracefully. @default SIGTERM */
  readonly stopSignal?: NodeJS.Signals;
}

/**
 * The keys of the Secret an ExternalSecret makes: its `data` entries, and its template's keys (with the
 * default mergePolicy Replace, only those when `dataFrom` extracts a whole remote key).
 */
export function externalSecretKeys(externalSecret: any): string[] {
  const template = Object.keys(externalSecret.spec.target?.template?.data ?? {});
  const data = (externalSecret.spec.data ?? []).map((d: any) => d.secretKey);
  const replace = (externalSecret.spec.target?.template?.mergePolicy ?? 'Replace') === 'Replace';
  return [...new Set(template.length && replace ? template : [...data, ...template])].sort();
}

/** A valid Laravel key, random per cluster. */
const madeUpAppKey = () => `base64:${crypto.randomBytes(32).toString('base64')}`;

export class Cluster {
  readonly dir: string;
  readonly images: ImageRegistry;
  readonly namespace: string;
  private readonly configMaps = new Map<string, Record<string, string>>();
  private readonly secrets = new Map<string, Record<string, string>>();
  private readonly hosts = new Map<string, string>();
  private readonly servers: Array<{ server: Server; daemon: Daemon }> = [];
  private readonly pods = new Set<Pod>();
  private podCounter = 0;

  private constructor(
    readonly network: NodeNetwork,
    dir: string,
    namespace: string,
  ) {
    this.dir = dir;
    this.namespace = namespace;
    this.images = new ImageRegistry(path.join(dir, 'images'));
  }

  /** A new cluster with its node network. */
  static async start(options: { namespace?: string } = {}): Promise<Cluster> {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pembayaran-runtime-'));
    // Servers run as nobody and need to reach their directories below this one.
    fs.chmodSync(dir, 0o711);
    const network = await NodeNetwork.create(dir);
    return new Cluster(network, dir, options.namespace ?? 'default');
  }

  get nodeAddress(): string {
    return NODE_ADDRESS;
  }

  /**
   * Applies synthesized objects: ConfigMaps as they are, and for every ExternalSecret the Secret the
   * operator would write, with made-up values (set real ones with `setSecretValues`).
   */
  apply(objects: readonly any[]): void {
    for (const o of objects) {
      if (o.kind === 'ConfigMap') this.configMaps.set(o.metadata.name, { ...(o.data ?? {}) });
      if (o.kind === 'ExternalSecret') {
        const name = o.spec.target?.name ?? o.metadata.name;
        const values: Record<string, string> = { ...this.secrets.get(name) };
        for (const key of externalSecretKeys(o)) {
          values[key] ??= key === 'APP_KEY' ? madeUpAppKey() : `made-up-${key.toLowerCase().replace(/_/g, '-')}`;
        }
        this.secrets.set(name, values);
      }
    }
  }

  /** Sets values of a Secret (only keys its ExternalSecret declares, unless `declare`). */
  setSecretValues(name: string, values: Readonly<Record<string, string>>, options: { declare?: boolean } = {}): void {
    const current = this.secrets.get(name);
    if (!current && !options.declare) throw new Error(`no ExternalSecret writes a Secret ${name}`);
    for (const key of Object.keys(values)) {
      if (current && !(key in current) && !options.declare) throw new Error(`the ExternalSecret of ${name} declares no key ${key}`);
    }
    this.secrets.set(name, { ...current, ...values });
  }

  configMap(name: string, optional = false): Record<string, string> {
    const found = this.configMaps.get(name);
    if (!found && !optional) throw new Error(`no ConfigMap ${name} (CreateContainerConfigError)`);
    return found ?? {};
  }

  secret(name: string, optional = false): Record<string, string> {
    const found = this.secrets.get(name);
    if (!found && !optional) throw new Error(`no Secret ${name}: no ExternalSecret writes it (CreateContainerConfigError)`);
    return found ?? {};
  }

  /** Host directory of a claim: the same for every pod that mounts it, kept across pod restarts. */
  claimDir(claimName: string): string {
    const dir = path.join(this.dir, 'claims', claimName);
    fs.mkdirSync(dir, { recursive: true });
    return dir;
  }

  /** Resolves a name (a database host of the config, a Service name) to an address in every pod started after. */
  mapHost(hostname: string, address: string): void {
    this.hosts.set(hostname, address);
  }

  hostsFileFor(podName: string, podIp: string): string {
    const lines = ['127.0.0.1\tlocalhost', '::1\tlocalhost ip6-localhost ip6-loopback', `${podIp}\t${podName}`];
    for (const [name, address] of this.hosts) lines.push(`${address}\t${name}`);
    return lines.join('\n') + '\n';
  }

  podName(workloadName: string): string {
    return `${workloadName}-${++this.podCounter}`;
  }

  registerPod(pod: Pod): void {
    this.pods.add(pod);
  }

  unregisterPod(pod: Pod): void {
    this.pods.delete(pod);
  }

  /** Runs a workload's pod (see Pod). */
  runPod(workload: any, options: PodOptions = {}): Promise<Pod> {
    return Pod.start(this, workload, options);
  }

  /**
   * Starts a server in the node's network namespace, in its own PID namespace (so stopping it stops all
   * its processes), as an unprivileged user, and waits until it accepts connections.
   */
  async startServer(spec: ServerSpec): Promise<Server> {
    const address = spec.address ?? (await this.network.serviceAddress());
    const dir = path.join(this.dir, 'servers', spec.name);
    fs.mkdirSync(dir, { recursive: true });
    const user = spec.user ?? 'nobody';
    const env = Object.entries(spec.env ?? {}).map(([k, v]) => `${k}=${v}`);
    const daemon = new Daemon(
      [
        ...this.network.enter,
        'unshare', '--pid', '--fork', '--kill-child=SIGKILL', '--mount-proc', '--',
        'setpriv', `--reuid=${user}`, `--regid=${user === 'nobody' ? 'nogroup' : user}`, '--clear-groups', '--',
        'env', ...env, ...spec.argv,
      ],
      path.join(dir, 'server.log'),
      { cwd: dir },
    );
    const stopSignal = spec.stopSignal ?? 'SIGTERM';
    const server: Server = {
      name: spec.name,
      address,
      port: spec.port,
      dir,
      log: () => daemon.log(),
      stop: async () => {
        const kids = fs.existsSync(`/proc/${daemon.pid}/task/${daemon.pid}/children`) ? fs.readFileSync(`/proc/${daemon.pid}/task/${daemon.pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean) : [];
        for (const kid of kids) {
          try {
            process.kill(Number(kid), stopSignal);
          } catch {
            // gone
          }
        }
        if (await within(daemon.exited, 10000)) return;
        // The server is PID 1 of its namespace: SIGKILL to it ends them all (killing unshare alone would not:
        // setpriv's user change clears the parent-death signal).
        for (const kid of kids) {
          try {
            process.kill(Number(kid), 'SIGKILL');
          } catch {
            // gone
          }
        }
        await within(daemon.exited, 10000);
        await daemon.kill();
      },
    };
    this.servers.push({ server, daemon });
    await waitFor(
      `${spec.name} on ${address}:${spec.port}`,
      async () => {
        if (!daemon.running) throw new GiveUp(`${spec.name} exited ${JSON.stringify(daemon.exitStatus)}: ${daemon.log()}`);
        return this.network.canConnect(address, spec.port);
      },
      { timeoutMs: 60000, intervalMs: 200 },
    );
    return server;
  }

  /** An HTTP request from the node (or one of its addresses), with curl. */
  async http(request: HttpRequest): Promise<HttpResponse> {
    const dir = fs.mkdtempSync(path.join(this.dir, 'http-'));
    const bodyFile = path.join(dir, 'body');
    const headerFile = path.join(dir, 'headers');
    const argv = ['curl', '-sS', '-o', bodyFile, '-D', headerFile, '-w', '%{http_code}', '--max-time', String(request.timeoutSeconds ?? 30), '-X', request.method ?? (request.body !== undefined ? 'POST' : 'GET')];
    argv.push('--interface', request.from ?? NODE_ADDRESS);
    for (const [k, v] of Object.entries(request.headers ?? {})) argv.push('-H', `${k}: ${v}`);
    if (request.gzip) argv.push('-H', 'Accept-Encoding: gzip');
    if (request.limitRate) argv.push('--limit-rate', request.limitRate);
    if (request.body !== undefined) {
      const file = path.join(dir, 'request-body');
      fs.writeFileSync(file, request.body);
      argv.push('--data-binary', `@${file}`, '-H', 'Expect:');
    }
    argv.push('--path-as-is', request.url);
    const result = await this.network.exec(argv, { timeoutMs: ((request.timeoutSeconds ?? 30) + 10) * 1000 });
    const body = fs.existsSync(bodyFile) ? fs.readFileSync(bodyFile) : Buffer.alloc(0);
    const rawHeaders = fs.existsSync(headerFile) ? fs.readFileSync(headerFile, 'utf8') : '';
    fs.rmSync(dir, { recursive: true, force: true });
    // With several responses (100 Continue, redirects), the last block is the final one.
    const blocks = rawHeaders.split(/\r?\n\r?\n/).filter((b) => b.trim());
    const headers: Record<string, string> = {};
    for (const line of (blocks[blocks.length - 1] ?? '').split(/\r?\n/).slice(1)) {
      const i = line.indexOf(':');
      if (i <= 0) continue;
      const name = line.slice(0, i).trim().toLowerCase();
      const value = line.slice(i + 1).trim();
      headers[name] = headers[name] ? `${headers[name]}, ${value}` : value;
    }
    const status = Number(result.stdout.trim()) || 0;
    return { status, headers, body, text: body.toString(), curlExit: result.code ?? -1, ...(result.code !== 0 ? { error: result.stderr.trim() || `curl exit ${result.code}` } : {}) };
  }

  /** Stops every pod and server this cluster started, then removes its state. */
  async stop(): Promise<void> {
    await Promise.all([...this.pods].map((p) => p.kill()));
    for (const { server } of this.servers.reverse()) await server.stop();
    await this.network.destroy();
    if (!process.env.KEEP_RUNTIME_STATE) fs.rmSync(this.dir, { recursive: true, force: true });
  }
}
