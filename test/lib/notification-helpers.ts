// Shared by the FastAPI and WA gateway tests.
import { ConfigError, parseEnvironment } from '../../lib/config/load';
import { K8sObject } from '../helpers';

/** The problems of a rejected config text. */
export function problemsOf(file: string, text: string): ReadonlyArray<{ path: string; message: string }> {
  try {
    parseEnvironment(file, text);
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
  throw new Error('expected the config to be rejected');
}

/** Every Ingress backend Service name, including the default backend. */
export function ingressBackends(objects: readonly K8sObject[]): string[] {
  return objects
    .filter((o) => o.kind === 'Ingress')
    .flatMap((ing) => [
      ...(ing.spec.defaultBackend?.service ? [ing.spec.defaultBackend.service.name] : []),
      ...(ing.spec.rules ?? []).flatMap((r: any) => (r.http?.paths ?? []).map((p: any) => p.backend?.service?.name)),
    ]);
}
