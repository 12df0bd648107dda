import { App, Chart } from 'cdk8s';
import { validateManifests } from '../../tools/validate';
import { K8sObject } from '../helpers';

/** Every object of the environment's chart. */
export function chartObjects(app: App, env: string): K8sObject[] {
  return (app.node.findChild(env) as Chart).toJson() as K8sObject[];
}

/** Quality-gate findings for in-memory objects of one environment. */
export function gate(env: string, objects: readonly K8sObject[]) {
  return validateManifests(objects.map((object) => ({ file: `${env}/${object.kind.toLowerCase()}-${object.metadata.name}.yaml`, object })));
}
