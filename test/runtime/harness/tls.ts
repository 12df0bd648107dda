/**
 * A test certificate authority, made with openssl at test time (nothing is committed): the CA, a server
 * certificate for the given host names signed by it, and a second, unrelated CA that must be refused.
 */
import * as fs from 'fs';
import * as path from 'path';
import { runOk } from './processes';

export interface TestPki {
  /** PEM of the CA that signed the server certificate. */
  readonly caPem: string;
  /** PEM of a CA that signed nothing here: a client trusting only it must refuse the server. */
  readonly wrongCaPem: string;
  /** Files readable by the servers (they run as nobody). */
  readonly caFile: string;
  readonly serverCertFile: string;
  readonly serverKeyFile: string;
}

/** Creates the CA, the server certificate (SANs: `hostNames`) and the unrelated CA under `dir`. */
export async function makeTestPki(dir: string, hostNames: readonly string[]): Promise<TestPki> {
  fs.mkdirSync(dir, { recursive: true });
  const file = (name: string) => path.join(dir, name);
  const openssl = (...args: string[]) => runOk(['openssl', ...args], { cwd: dir });
  await openssl('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', file('ca.key'), '-out', file('ca.crt'), '-days', '2', '-subj', '/CN=pembayaran test CA');
  await openssl('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', file('wrong-ca.key'), '-out', file('wrong-ca.crt'), '-days', '2', '-subj', '/CN=unrelated test CA');
  await openssl('req', '-newkey', 'rsa:2048', '-nodes', '-keyout', file('server.key'), '-out', file('server.csr'), '-subj', `/CN=${hostNames[0]}`);
  fs.writeFileSync(file('server.ext'), `subjectAltName=${hostNames.map((h) => `DNS:${h}`).join(',')}\nextendedKeyUsage=serverAuth\n`);
  await openssl('x509', '-req', '-in', file('server.csr'), '-CA', file('ca.crt'), '-CAkey', file('ca.key'), '-CAcreateserial', '-out', file('server.crt'), '-days', '2', '-extfile', file('server.ext'));
  fs.chmodSync(dir, 0o755);
  for (const name of ['ca.crt', 'server.crt', 'server.key']) fs.chmodSync(file(name), 0o644);
  return {
    caPem: fs.readFileSync(file('ca.crt'), 'utf8'),
    wrongCaPem: fs.readFileSync(file('wrong-ca.crt'), 'utf8'),
    caFile: file('ca.crt'),
    serverCertFile: file('server.crt'),
    serverKeyFile: file('server.key'),
  };
}
