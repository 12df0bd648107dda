/**
 * Example: open one more network flow. Every pod starts from default deny; `stack.networkPolicies` adds
 * small named allow policies. Here Laravel pods (web, workers, scheduler, migration) may reach a
 * company SMTP relay on 587, and nothing else gains access.
 */
import { App } from 'cdk8s';
import { EnvironmentConfig, PembayaranChart, PembayaranStack } from 'pembayaran-k8s';

export const SMTP_RELAY = { cidr: '10.30.0.25/32', port: 587 };

export function withSmtpEgress(app: App, config: EnvironmentConfig): PembayaranStack {
  const stack = new PembayaranChart(app, config).stack;
  const policies = stack.networkPolicies;
  policies.allowEgress('laravel-to-smtp', {
    pods: policies.laravelSelector,
    to: policies.peersOf([{ cidr: SMTP_RELAY.cidr }]),
    ports: [{ port: SMTP_RELAY.port }],
  });
  return stack;
}
