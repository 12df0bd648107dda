/**
 * The quality gate over a cdk8s App, for a platform team's own synth: `assertValidApp(app)` before
 * `app.synth()` refuses what `npm run synth` refuses, with the same table.
 */
import { App, Chart } from 'cdk8s';
import { KubeObject, Manifest, manifestPath } from '../k8s/manifests';
import { Finding, validateManifests } from './index';
import { formatTable } from './report';

/** Every object of every chart of the app, filed as `npm run synth` files it (`<chart id>/<kind>-<name>.yaml`). */
export function appManifests(app: App): Manifest[] {
  return app.node.children
    .filter((c): c is Chart => Chart.isChart(c))
    .flatMap((chart) => (chart.toJson() as KubeObject[]).map((object) => ({ file: manifestPath(chart.node.id, object), object })));
}

/** The gate's findings for every chart of the app (none: the app may be synthesized). */
export function validateApp(app: App): Finding[] {
  return validateManifests(appManifests(app));
}

/** The gate refused an app: `findings` lists why; the message is the gate's table. */
export class QualityGateError extends Error {
  constructor(public readonly findings: readonly Finding[]) {
    super(`${formatTable(findings).trimEnd()}\nquality gate refused the app: ${findings.length} finding(s)`);
    this.name = 'QualityGateError';
  }
}

/** Throws QualityGateError when the gate finds anything; call it before `app.synth()`. */
export function assertValidApp(app: App): void {
  const findings = validateApp(app);
  if (findings.length > 0) throw new QualityGateError(findings);
}
