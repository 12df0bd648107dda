import * as yaml from 'js-yaml';
import type { SemanticProblem } from './semantics';
import type { EnvironmentConfig } from './types.generated';

/** What the config file itself says about the keys of earlier versions, read before defaults are filled. */
export interface LegacyKeys {
  /** `web.ingress` as written, if it is. */
  readonly webIngress?: Record<string, unknown>;
  /** Whether `web.edge` is written. */
  readonly webEdge: boolean;
}

/** Notes the legacy keys of a parsed document, before validation fills defaults into it. */
export function legacyKeysOf(document: any): LegacyKeys {
  const web = document?.web;
  const ingress = web && typeof web === 'object' ? web.ingress : undefined;
  return {
    webIngress: ingress && typeof ingress === 'object' && !Array.isArray(ingress) ? JSON.parse(JSON.stringify(ingress)) : undefined,
    webEdge: !!web && typeof web === 'object' && web.edge !== undefined,
  };
}

export interface LegacyResult {
  /** Keys still read, each with what to write instead. */
  readonly warnings: SemanticProblem[];
  /** Legacy keys that cannot be read (they conflict with their successors). */
  readonly problems: SemanticProblem[];
}

/**
 * Reads the keys of earlier versions into their successors and says what to write instead. `web.ingress`
 * (the ingress-nginx Ingress) becomes `web.edge` with kind ingress: the environment keeps exactly its
 * Ingress. Moving to Gateway API changes the cluster's edge, so it is never done behind the owner's back.
 */
export function migrateLegacyKeys(config: EnvironmentConfig, legacy: LegacyKeys): LegacyResult {
  const warnings: SemanticProblem[] = [];
  const problems: SemanticProblem[] = [];
  const old = config.web.ingress;
  if (!old || !legacy.webIngress) return { warnings, problems };
  if (legacy.webEdge) {
    problems.push({ path: 'web.ingress', message: 'is replaced by web.edge, which is also set; move its settings into web.edge and remove web.ingress' });
    return { warnings, problems };
  }
  const edge = config.web.edge;
  edge.kind = 'ingress';
  edge.ingress.controller = 'ingress-nginx';
  edge.ingress.className = old.className;
  edge.ingress.annotations = { ...old.annotations };
  edge.tls.clusterIssuer = old.clusterIssuer;
  edge.rateLimitRps = old.rateLimitRps;
  if (old.tlsSecretName) edge.hosts = [{ hostname: config.laravel.host, tlsSecretName: old.tlsSecretName }];
  delete config.web.ingress;

  const written = legacy.webIngress;
  const replacement: Record<string, unknown> = { kind: 'ingress' };
  if (written.rateLimitRps !== undefined) replacement.rateLimitRps = written.rateLimitRps;
  if (written.tlsSecretName !== undefined) replacement.hosts = [{ hostname: config.laravel.host, tlsSecretName: written.tlsSecretName }];
  if (written.clusterIssuer !== undefined) replacement.tls = { clusterIssuer: written.clusterIssuer };
  const ingress: Record<string, unknown> = {};
  if (written.className !== undefined) ingress.className = written.className;
  if (written.annotations !== undefined) ingress.annotations = written.annotations;
  if (Object.keys(ingress).length > 0) replacement.ingress = ingress;
  const flow = yaml.dump(replacement, { flowLevel: 0, lineWidth: -1 }).trim();
  warnings.push({
    path: 'web.ingress',
    message:
      `is deprecated and read as the same ingress-nginx Ingress as before; replace it with web.edge: ${flow}, ` +
      'or move to Gateway API with web.edge.kind: gateway (ingress-nginx is unmaintained since March 2026; docs/deployment-guide.md, "Moving from ingress-nginx")',
  });
  return { warnings, problems };
}
