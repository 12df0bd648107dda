import * as fs from 'fs';
import { parseArgs } from 'util';
import { loadManifests } from '../k8s/manifests';
import { ConnectivityModel, NamespaceInfo, Protocol } from './analyzer';
import { parseIp } from '../../lib/network/ip';
import { EgressTarget, renderReport } from './report';
import { ENVOY_GATEWAY_NAMESPACE } from '../../lib/edge/envoy-gateway';

const USAGE =
  'usage: npm run connectivity -- <manifest dir or file>... [--ingress-namespace NAME] [--gateway-namespace NAME] [--monitoring-namespace NAME] ' +
  '[--namespace NAME[:key=value,...]]... [--egress IP:PORT[/TCP|UDP|SCTP]]...';

/** A mistake in the command line: reported as one line with exit code 2. */
class UsageError extends Error {}

export interface Io {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
}

const processIo: Io = {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
};

/** Runs the CLI; returns the exit code (0 report printed, 1 unreadable manifests, 2 usage error). */
export function main(argv: readonly string[], io: Io = processIo): number {
  let args: ReturnType<typeof parseCommandLine>;
  try {
    args = parseCommandLine(argv);
  } catch (err) {
    io.stderr(`connectivity: ${oneLine(err)} (see --help)\n`);
    return 2;
  }
  if (args.help) {
    io.stdout(`${USAGE}\n`);
    return 0;
  }
  try {
    const objects = loadManifests(args.paths).map((m) => m.object);
    if (objects.length === 0) throw new UsageError(`no .yaml/.yml manifests found in ${args.paths.join(', ')}`);
    const model = new ConnectivityModel(objects, { extraNamespaces: args.namespaces });
    io.stdout(
      renderReport(model, args.paths.join(', '), {
        ingressNamespace: args.ingressNamespace,
        gatewayNamespace: args.gatewayNamespace,
        objects,
        monitoringNamespace: args.monitoringNamespace,
        egressTargets: args.egress,
      }),
    );
    return 0;
  } catch (err) {
    // Bad input is reported on one line; a stack trace would only hide the file name.
    io.stderr(`connectivity: ${oneLine(err)}\n`);
    return err instanceof UsageError ? 2 : 1;
  }
}

function parseCommandLine(argv: readonly string[]) {
  const { values, positionals } = parseArgs({
    args: [...argv],
    allowPositionals: true,
    strict: true,
    options: {
      'ingress-namespace': { type: 'string', default: 'ingress-nginx' },
      'gateway-namespace': { type: 'string', default: ENVOY_GATEWAY_NAMESPACE },
      'monitoring-namespace': { type: 'string', default: 'monitoring' },
      namespace: { type: 'string', multiple: true, default: [] },
      egress: { type: 'string', multiple: true, default: [] },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) return { help: true, paths: [], ingressNamespace: '', gatewayNamespace: '', monitoringNamespace: '', namespaces: [], egress: [] };
  if (positionals.length === 0) throw new UsageError('give the folder of synthesized manifests, e.g. dist/production');
  for (const p of positionals) {
    if (!fs.existsSync(p)) throw new UsageError(`no such file or directory: ${p}`);
  }
  const ingressNamespace = values['ingress-namespace'] as string;
  if (!isDnsLabel(ingressNamespace)) throw new UsageError(`--ingress-namespace "${ingressNamespace}" is not a namespace name`);
  const gatewayNamespace = values['gateway-namespace'] as string;
  if (!isDnsLabel(gatewayNamespace)) throw new UsageError(`--gateway-namespace "${gatewayNamespace}" is not a namespace name`);
  const monitoringNamespace = values['monitoring-namespace'] as string;
  if (!isDnsLabel(monitoringNamespace)) throw new UsageError(`--monitoring-namespace "${monitoringNamespace}" is not a namespace name`);
  return {
    help: false,
    paths: positionals,
    ingressNamespace,
    gatewayNamespace,
    monitoringNamespace,
    namespaces: (values.namespace as string[]).map(parseNamespace),
    egress: (values.egress as string[]).map(parseEgress),
  };
}

/** `name` or `name:key=value,key=value`. */
function parseNamespace(text: string): NamespaceInfo {
  const [name, labelText] = splitOnce(text, ':');
  if (!isDnsLabel(name)) throw new UsageError(`--namespace "${text}": "${name}" is not a namespace name`);
  const labels: Record<string, string> = {};
  for (const pair of labelText ? labelText.split(',') : []) {
    const [key, value] = splitOnce(pair, '=');
    if (!key || value === undefined) throw new UsageError(`--namespace "${text}": expected key=value, got "${pair}"`);
    labels[key] = value;
  }
  return { name, labels };
}

/** `IP:PORT[/PROTO]`; IPv6 addresses go in brackets: `[2001:db8::1]:443`. */
function parseEgress(text: string): EgressTarget {
  const m = /^(?:\[([^\]]+)\]|([^:/]+)):(\d{1,5})(?:\/(TCP|UDP|SCTP))?$/i.exec(text);
  const ip = m?.[1] ?? m?.[2];
  const port = Number(m?.[3]);
  if (!m || !ip || !parseIp(ip) || port < 1 || port > 65535) {
    throw new UsageError(`--egress "${text}": expected IP:PORT or IP:PORT/PROTOCOL, e.g. 1.1.1.1:443`);
  }
  return { ip, port, protocol: (m[4]?.toUpperCase() ?? 'TCP') as Protocol };
}

function splitOnce(text: string, sep: string): [string, string | undefined] {
  const i = text.indexOf(sep);
  return i < 0 ? [text, undefined] : [text.slice(0, i), text.slice(i + 1)];
}

function isDnsLabel(name: string): boolean {
  return /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/.test(name);
}

function oneLine(err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  return message.split('\n')[0];
}

if (require.main === module) {
  process.exitCode = main(process.argv.slice(2));
}
