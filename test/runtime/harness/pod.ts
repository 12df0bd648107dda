/**
 * The generic pod runner: takes the pod template of any workload (Deployment, Job, CronJob, ...) exactly as
 * synthesized and runs it as the kubelet would: a sandbox holding the pod's network, then the init
 * containers in order, each to completion, then the containers. Environment, volumes, users, probes,
 * preStop hooks, stop signals and the grace period follow Kubernetes' rules; there is no per-workload code.
 */
import * as fs from 'fs';
import * as path from 'path';
import { podTemplateOf } from '../../../tools/k8s/workloads';
import { ContainerProcess, Identity, MountRequest } from './container';
import type { Cluster } from './cluster';
import { ImageConfig } from './images';
import { waitForNewNamespace } from './namespaces';
import { Daemon, Exit, GiveUp, run, RunResult, sleep, waitFor, within } from './processes';

export type ProbeKind = 'startup' | 'readiness' | 'liveness';

export interface ProbeResult {
  readonly ok: boolean;
  readonly detail: string;
}

export interface PodOptions {
  /** Pod name (hostname). @default `<workload>-<n>` */
  readonly name?: string;
  /** Containers (not init containers) left out, e.g. exporters without a stand-in. @default none */
  readonly skipContainers?: readonly string[];
  /**
   * Variables set after everything the manifests define, per container name ('*' for all): a value that
   * changed since the init container ran, a test-only switch of the fixture. @default none
   */
  readonly env?: Readonly<Record<string, Readonly<Record<string, string>>>>;
  /** Wait for every startup probe (containers without one: running). @default true */
  readonly waitForStartup?: boolean;
}

export interface ContainerTermination {
  readonly preStop?: { readonly exit: RunResult; readonly startedAt: number; readonly endedAt: number };
  /** When the stop signal was sent to PID 1 (after the preStop hook). */
  readonly signalledAt?: number;
  readonly exitedAt: number;
  readonly exit: Exit;
  /** SIGKILL at the end of the grace period. */
  readonly killed: boolean;
}

export interface TerminationReport {
  readonly startedAt: number;
  readonly gracePeriodSeconds: number;
  readonly containers: Readonly<Record<string, ContainerTermination>>;
}

const PROBE_DEFAULTS = { timeoutSeconds: 1, periodSeconds: 10, failureThreshold: 3 };

export class Pod {
  readonly name: string;
  readonly ip: string;
  readonly spec: any;
  readonly labels: Record<string, string>;
  readonly dir: string;
  private readonly containers = new Map<string, ContainerProcess>();
  private readonly initLogs = new Map<string, string>();

  private constructor(
    private readonly cluster: Cluster,
    private readonly sandbox: Daemon,
    fields: { name: string; ip: string; spec: any; labels: Record<string, string>; dir: string },
  ) {
    this.name = fields.name;
    this.ip = fields.ip;
    this.spec = fields.spec;
    this.labels = fields.labels;
    this.dir = fields.dir;
  }

  /** Starts a pod from a workload object (or a Pod). */
  static async start(cluster: Cluster, workload: any, options: PodOptions = {}): Promise<Pod> {
    const template = podTemplateOf(workload);
    if (!template) throw new Error(`${workload?.kind}/${workload?.metadata?.name} has no pod template`);
    const spec = template.spec;
    // A Pod keeps its own name; a controller's pods get <workload>-<n>.
    const name = options.name ?? (workload.kind === 'Pod' ? workload.metadata.name : cluster.podName(workload.metadata.name));
    // A name may be used again once its pod is gone; each pod keeps a state directory of its own.
    let dir = path.join(cluster.dir, 'pods', name);
    for (let n = 2; fs.existsSync(dir); n++) dir = path.join(cluster.dir, 'pods', `${name}.${n}`);
    fs.mkdirSync(dir, { recursive: true });

    const sandbox = new Daemon(['unshare', '--net', '--uts', '--ipc', '--', 'sleep', 'infinity'], path.join(dir, 'sandbox.log'));
    for (const kind of ['net', 'uts', 'ipc'] as const) await waitForNewNamespace(sandbox, kind);
    await run(['nsenter', `--uts=/proc/${sandbox.pid}/ns/uts`, '--', 'hostname', name]);
    const ip = await cluster.network.attachPod(sandbox.pid);
    const pod = new Pod(cluster, sandbox, { name, ip, spec, labels: template.metadata.labels ?? {}, dir });
    cluster.registerPod(pod);

    const hostsFile = path.join(dir, 'hosts');
    fs.writeFileSync(hostsFile, cluster.hostsFileFor(name, ip), { mode: 0o644 });
    fs.writeFileSync(path.join(dir, 'hostname'), `${name}\n`, { mode: 0o644 });
    fs.writeFileSync(path.join(dir, 'resolv.conf'), '# no DNS in the test cluster: names resolve through /etc/hosts\n', { mode: 0o644 });
    const volumes = pod.prepareVolumes();

    try {
      for (const c of spec.initContainers ?? []) {
        const proc = pod.launch(c, volumes, options, 'init');
        const exit = await proc.daemon.exited;
        pod.initLogs.set(c.name, proc.log());
        if (exit.code !== 0) throw new Error(`init container ${c.name} of ${name} failed (${exit.code ?? exit.signal}):\n${proc.log()}`);
      }
      for (const c of spec.containers) {
        if (options.skipContainers?.includes(c.name)) continue;
        pod.containers.set(c.name, pod.launch(c, volumes, options, 'main'));
      }
      for (const proc of pod.containers.values()) await proc.hostPid();
      if (options.waitForStartup ?? true) await pod.waitStarted();
    } catch (err) {
      await pod.kill();
      throw err;
    }
    return pod;
  }

  /** Host directories of the pod's volumes. */
  private prepareVolumes(): Map<string, { dir: string; readOnly: boolean }> {
    const fsGroup: number | undefined = this.spec.securityContext?.fsGroup;
    const volumes = new Map<string, { dir: string; readOnly: boolean }>();
    const own = (dir: string, mode: number) => {
      // fsGroup: the volume belongs to the group, setgid so new files do too.
      if (fsGroup !== undefined) {
        fs.chownSync(dir, 0, fsGroup);
        fs.chmodSync(dir, mode | 0o2000);
      } else fs.chmodSync(dir, mode);
    };
    for (const v of this.spec.volumes ?? []) {
      const dir = path.join(this.dir, 'volumes', v.name);
      if (v.emptyDir) {
        fs.mkdirSync(dir, { recursive: true });
        own(dir, 0o777);
        volumes.set(v.name, { dir, readOnly: false });
      } else if (v.configMap || v.secret) {
        const source = v.configMap ? this.cluster.configMap(v.configMap.name) : this.cluster.secret(v.secret.secretName);
        const items: Array<{ key: string; path: string; mode?: number }> =
          (v.configMap ?? v.secret).items ?? Object.keys(source).map((key) => ({ key, path: key }));
        const defaultMode = (v.configMap ?? v.secret).defaultMode ?? 0o644;
        fs.mkdirSync(dir, { recursive: true, mode: 0o755 });
        for (const item of items) {
          if (!(item.key in source)) throw new Error(`volume ${v.name}: no key ${item.key}`);
          const file = path.join(dir, item.path);
          fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o755 });
          fs.writeFileSync(file, source[item.key]);
          fs.chmodSync(file, item.mode ?? defaultMode);
          if (fsGroup !== undefined) fs.chownSync(file, 0, fsGroup);
        }
        // configMap and secret volumes are always read-only.
        volumes.set(v.name, { dir, readOnly: true });
      } else if (v.persistentVolumeClaim) {
        const claimDir = this.cluster.claimDir(v.persistentVolumeClaim.claimName);
        own(claimDir, 0o775);
        volumes.set(v.name, { dir: claimDir, readOnly: v.persistentVolumeClaim.readOnly ?? false });
      } else {
        throw new Error(`volume ${v.name}: type not supported by the runtime harness (${Object.keys(v).join(', ')})`);
      }
    }
    return volumes;
  }

  private identityOf(c: any): Identity {
    const pod = this.spec.securityContext ?? {};
    const own = c.securityContext ?? {};
    const runAsUser = own.runAsUser ?? pod.runAsUser;
    if (runAsUser === undefined) throw new Error(`container ${c.name}: no runAsUser; the harness runs no container as root`);
    const groups = [...(pod.fsGroup !== undefined ? [pod.fsGroup] : []), ...(pod.supplementalGroups ?? [])];
    return {
      runAsUser,
      runAsGroup: own.runAsGroup ?? pod.runAsGroup ?? runAsUser,
      supplementalGroups: groups,
      noNewPrivileges: own.allowPrivilegeEscalation === false,
      dropAllCapabilities: (own.capabilities?.drop ?? []).includes('ALL'),
    };
  }

  /** The container's environment, in Kubernetes' order: image, envFrom, env, then the test's overrides. */
  private environmentOf(c: any, image: ImageConfig, options: PodOptions): Record<string, string> {
    const env: Record<string, string> = { ...image.env };
    for (const source of c.envFrom ?? []) {
      const prefix = source.prefix ?? '';
      let data: Record<string, string> | undefined;
      if (source.configMapRef) data = this.cluster.configMap(source.configMapRef.name, source.configMapRef.optional);
      if (source.secretRef) data = this.cluster.secret(source.secretRef.name, source.secretRef.optional);
      for (const [k, v] of Object.entries(data ?? {})) env[prefix + k] = v;
    }
    for (const e of c.env ?? []) {
      if (e.value !== undefined) env[e.name] = expand(e.value, env);
      else if (e.valueFrom?.configMapKeyRef) env[e.name] = this.keyOf(this.cluster.configMap(e.valueFrom.configMapKeyRef.name), e.valueFrom.configMapKeyRef.key, e.name);
      else if (e.valueFrom?.secretKeyRef) env[e.name] = this.keyOf(this.cluster.secret(e.valueFrom.secretKeyRef.name), e.valueFrom.secretKeyRef.key, e.name);
      else if (e.valueFrom?.fieldRef) env[e.name] = this.field(e.valueFrom.fieldRef.fieldPath);
      else if (e.value === undefined && !e.valueFrom) env[e.name] = '';
      else throw new Error(`env ${e.name}: source not supported (${JSON.stringify(e.valueFrom)})`);
    }
    env.HOSTNAME = this.name;
    // The runtime sets HOME from the image's passwd entry; these numeric users have none.
    if (env.HOME === undefined) env.HOME = '/';
    Object.assign(env, options.env?.['*'], options.env?.[c.name]);
    return env;
  }

  private keyOf(data: Record<string, string>, key: string, variable: string): string {
    if (!(key in data)) throw new Error(`env ${variable}: key ${key} missing (CreateContainerConfigError)`);
    return data[key];
  }

  private field(fieldPath: string): string {
    const fields: Record<string, string> = { 'metadata.name': this.name, 'status.podIP': this.ip, 'metadata.namespace': this.cluster.namespace };
    if (!(fieldPath in fields)) throw new Error(`fieldRef ${fieldPath} not supported`);
    return fields[fieldPath];
  }

  private launch(c: any, volumes: Map<string, { dir: string; readOnly: boolean }>, options: PodOptions, kind: 'init' | 'main'): ContainerProcess {
    const image = this.cluster.images.resolve(c.image);
    const env = this.environmentOf(c, image, options);
    const command: string[] = c.command ?? [...image.entrypoint];
    const args: string[] = c.args ?? (c.command ? [] : [...image.cmd]);
    const argv = [...command, ...args].map((a) => expand(a, env));
    if (argv.length === 0) throw new Error(`container ${c.name}: no command`);
    const mounts: MountRequest[] = [
      ...Object.entries(image.layers).map(([target, source]) => ({ target, source, readOnly: true, volume: false })),
      ...(c.volumeMounts ?? []).map((m: any) => {
        const volume = volumes.get(m.name);
        if (!volume) throw new Error(`container ${c.name}: volumeMount ${m.name} has no volume`);
        const source = m.subPath ? path.join(volume.dir, m.subPath) : volume.dir;
        if (!fs.existsSync(source)) fs.mkdirSync(source, { recursive: true });
        return { target: m.mountPath, source, readOnly: volume.readOnly || m.readOnly === true, volume: true };
      }),
      ...['hosts', 'hostname', 'resolv.conf'].map((f) => ({ target: `/etc/${f}`, source: path.join(this.dir, f), readOnly: true, volume: false })),
    ];
    const dir = path.join(this.dir, `${kind}-${c.name}`);
    fs.mkdirSync(dir, { recursive: true });
    return new ContainerProcess({
      name: c.name,
      dir,
      sandboxPid: this.sandbox.pid,
      mounts,
      identity: this.identityOf(c),
      env,
      workingDir: c.workingDir ?? image.workingDir,
      argv,
      readOnlyRoot: c.securityContext?.readOnlyRootFilesystem === true,
      stopSignal: image.stopSignal,
    });
  }

  /** The spec of a container (init containers included). */
  containerSpec(name: string): any {
    const found = [...(this.spec.initContainers ?? []), ...this.spec.containers].find((c: any) => c.name === name);
    if (!found) throw new Error(`${this.name} has no container ${name}`);
    return found;
  }

  container(name: string): ContainerProcess {
    const found = this.containers.get(name);
    if (!found) throw new Error(`${this.name} runs no container ${name} (running: ${[...this.containers.keys()].join(', ')})`);
    return found;
  }

  get containerNames(): string[] {
    return [...this.containers.keys()];
  }

  /** `kubectl exec` into a running container. */
  exec(container: string, argv: readonly string[], options: { env?: Record<string, string>; timeoutMs?: number; input?: string } = {}): Promise<RunResult> {
    return this.container(container).exec(argv, options);
  }

  /** A command in the pod's network namespace as root, with the host's tools (an ephemeral debug container). */
  debug(argv: readonly string[], options: { timeoutMs?: number } = {}): Promise<RunResult> {
    return run(['nsenter', `--net=/proc/${this.sandbox.pid}/ns/net`, '--', ...argv], options);
  }

  /** The log of a container (stdout and stderr, as `kubectl logs`). */
  logs(container: string): string {
    return this.initLogs.get(container) ?? this.container(container).log();
  }

  private portOf(c: any, port: number | string): number {
    if (typeof port === 'number') return port;
    if (/^\d+$/.test(port)) return Number(port);
    const found = (c.ports ?? []).find((p: any) => p.name === port);
    if (!found) throw new Error(`container ${c.name} has no port named ${port}`);
    return found.containerPort;
  }

  /** Runs one of a container's probes once, as the kubelet does. */
  async probe(container: string, kind: ProbeKind): Promise<ProbeResult> {
    const c = this.containerSpec(container);
    const probe = c[`${kind}Probe`];
    if (!probe) throw new Error(`container ${container} has no ${kind} probe`);
    return this.runProbe(c, probe);
  }

  /** Runs a probe definition (a container's, or one under test) against a container. */
  async runProbe(c: any, probe: any): Promise<ProbeResult> {
    const timeout = (probe.timeoutSeconds ?? PROBE_DEFAULTS.timeoutSeconds) * 1000;
    if (probe.exec) {
      const result = await this.container(c.name).exec(probe.exec.command, { timeoutMs: timeout });
      return { ok: result.code === 0, detail: `exit ${result.code ?? result.signal}: ${(result.stdout + result.stderr).trim().slice(0, 500)}` };
    }
    if (probe.httpGet) {
      const port = this.portOf(c, probe.httpGet.port);
      const headers: Record<string, string> = { 'User-Agent': 'kube-probe/1.28' };
      for (const h of probe.httpGet.httpHeaders ?? []) headers[h.name] = h.value;
      const response = await this.cluster.http({ url: `${(probe.httpGet.scheme ?? 'HTTP').toLowerCase()}://${this.ip}:${port}${probe.httpGet.path ?? '/'}`, headers, timeoutSeconds: timeout / 1000 });
      return { ok: response.status >= 200 && response.status < 400, detail: response.error ?? `HTTP ${response.status}` };
    }
    if (probe.tcpSocket) {
      const port = this.portOf(c, probe.tcpSocket.port);
      const ok = await this.cluster.network.canConnect(this.ip, port);
      return { ok, detail: ok ? 'connected' : `connection to ${this.ip}:${port} failed` };
    }
    throw new Error(`probe of ${c.name}: handler not supported (${Object.keys(probe).join(', ')})`);
  }

  /** Waits until every running container's startup probe succeeds, within its failureThreshold. */
  async waitStarted(): Promise<void> {
    await Promise.all(
      [...this.containers.keys()].map(async (name) => {
        const probe = this.containerSpec(name).startupProbe;
        if (!probe) return;
        const budget = (probe.periodSeconds ?? PROBE_DEFAULTS.periodSeconds) * (probe.failureThreshold ?? PROBE_DEFAULTS.failureThreshold) * 1000;
        let last: ProbeResult | undefined;
        await waitFor(
          `the startup probe of ${this.name}/${name}`,
          async () => {
            if (!this.container(name).running) throw new GiveUp(`${this.name}/${name} exited: ${JSON.stringify(this.container(name).daemon.exitStatus)}\n${this.logs(name)}`);
            last = await this.probe(name, 'startup');
            return last.ok;
          },
          { timeoutMs: budget, intervalMs: 250 },
        ).catch((err) => {
          throw new Error(`${err.message} (last: ${last?.detail})\n${this.logs(name)}`);
        });
      }),
    );
  }

  /** Every running container's readiness probe, once. */
  async readiness(): Promise<Record<string, ProbeResult>> {
    const results: Record<string, ProbeResult> = {};
    for (const name of this.containers.keys()) {
      if (this.containerSpec(name).readinessProbe) results[name] = await this.probe(name, 'readiness');
    }
    return results;
  }

  async isReady(): Promise<boolean> {
    return Object.values(await this.readiness()).every((r) => r.ok);
  }

  /** Waits until every container has exited (a Job's pod) and returns the exits. */
  async waitForCompletion(timeoutMs = 120000): Promise<Record<string, Exit>> {
    const exits: Record<string, Exit> = {};
    const deadline = Date.now() + timeoutMs;
    for (const [name, proc] of this.containers) {
      const exit = await within(proc.daemon.exited, Math.max(0, deadline - Date.now()));
      if (!exit) throw new Error(`${this.name}/${name} still running after ${timeoutMs} ms:\n${proc.log()}`);
      exits[name] = exit;
    }
    return exits;
  }

  /**
   * Deletes the pod as the kubelet does: for every container at once, the preStop hook, then the image's
   * stop signal to PID 1, and SIGKILL when the grace period (counted from the start) runs out.
   */
  async terminate(options: { gracePeriodSeconds?: number } = {}): Promise<TerminationReport> {
    const gracePeriodSeconds = options.gracePeriodSeconds ?? this.spec.terminationGracePeriodSeconds ?? 30;
    const startedAt = Date.now();
    const deadline = startedAt + gracePeriodSeconds * 1000;
    const containers: Record<string, ContainerTermination> = {};
    await Promise.all(
      [...this.containers.entries()].map(async ([name, proc]) => {
        const c = this.containerSpec(name);
        let preStop: ContainerTermination['preStop'];
        let signalledAt: number | undefined;
        if (proc.running && c.lifecycle?.preStop) {
          const hookStart = Date.now();
          const exit = await this.runHook(c, c.lifecycle.preStop, deadline - hookStart);
          preStop = { exit, startedAt: hookStart, endedAt: Date.now() };
        }
        if (proc.running) {
          signalledAt = Date.now();
          await proc.signal(proc.launch.stopSignal);
        }
        const remaining = Math.max(0, deadline - Date.now());
        const exited = await within(proc.daemon.exited, remaining);
        let killed = false;
        if (!exited) {
          killed = true;
          await proc.signal('SIGKILL');
        }
        const exit = await proc.daemon.exited;
        // As the kubelet reports it: a container killed at the end of the grace period exited 137.
        containers[name] = { preStop, signalledAt, exitedAt: Date.now(), exit: killed ? { code: 137, signal: 'SIGKILL' } : exit, killed };
      }),
    );
    await this.sandbox.kill();
    this.cluster.unregisterPod(this);
    return { startedAt, gracePeriodSeconds, containers };
  }

  private async runHook(c: any, hook: any, budgetMs: number): Promise<RunResult> {
    if (hook.exec) return this.container(c.name).exec(hook.exec.command, { timeoutMs: Math.max(1, budgetMs) });
    if (hook.sleep) {
      await sleep(hook.sleep.seconds * 1000);
      return { code: 0, signal: null, stdout: '', stderr: '' };
    }
    if (hook.httpGet) {
      const response = await this.cluster.http({ url: `http://${this.ip}:${this.portOf(c, hook.httpGet.port)}${hook.httpGet.path ?? '/'}`, timeoutSeconds: budgetMs / 1000 });
      return { code: response.status >= 200 && response.status < 400 ? 0 : 1, signal: null, stdout: String(response.status), stderr: response.error ?? '' };
    }
    throw new Error(`lifecycle hook of ${c.name}: handler not supported`);
  }

  /** SIGKILL everything at once (the pod is gone, no grace). */
  async kill(): Promise<void> {
    // PID 1 itself: the runtime's parent-death signal does not reach it once setpriv has changed its user
    // (the kernel clears it on a credential change), so killing only the runtime would leave it running.
    // The runtime exits once it has reaped PID 1, so waiting for it means PID 1 is gone.
    await Promise.all([...this.containers.values()].map(async (p) => {
      await p.signal('SIGKILL');
      if (!(await within(p.daemon.exited, 5000))) await p.daemon.kill();
    }));
    await this.sandbox.kill();
    this.cluster.unregisterPod(this);
  }
}

/** Kubernetes' `$(VAR)` expansion in env values, commands and args (`$$` escapes). */
export function expand(value: string, env: Readonly<Record<string, string>>): string {
  return value.replace(/\$\$|\$\(([A-Za-z_][A-Za-z0-9_]*)\)/g, (match, name) => {
    if (match === '$$') return '$';
    return name in env ? env[name] : match;
  });
}
