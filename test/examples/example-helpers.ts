import { App, Chart } from 'cdk8s';
import { K8sObject } from '../helpers';

/** Every object of the environment's chart. */
export function chartObjects(app: App, env: string): K8sObject[] {
  return (app.node.findChild(env) as Chart).toJson() as K8sObject[];
}

