import { ApiObject, App, Chart, JsonPatch, Lazy, ResolutionContext } from 'cdk8s';
import * as fc from 'fast-check';
import { PembayaranChart } from '../../../charts/pembayaran-chart';
import { IntOrString, KubeConfigMap, KubeDeployment, Quantity } from '../../../imports/k8s';
import { withOneWalkRendering } from '../../../tools/synth/object-json';
import { shippedConfig, SHIPPED_ENVIRONMENTS } from '../../helpers';

/** cdk8s's own rendering and the one-walk rendering of the same chart, as JSON text (key order counts) or the error. */
function bothRenderings(chart: Chart): [string, string] {
  const render = (fn: () => unknown) => {
    try {
      return JSON.stringify(fn());
    } catch (err) {
      return `threw: ${(err as Error).message}`;
    }
  };
  return [render(() => chart.toJson()), render(() => withOneWalkRendering(App.of(chart), () => chart.toJson()))];
}

/** Runs `render` with cdk8s's own ApiObject.toJson counted: how often the one-walk rendering fell back to it. */
function countingFallbacks<T>(render: () => T): [T, number] {
  const original = ApiObject.prototype.toJson;
  let fallbacks = 0;
  ApiObject.prototype.toJson = function (this: ApiObject) {
    fallbacks++;
    return original.call(this);
  };
  try {
    return [render(), fallbacks];
  } finally {
    ApiObject.prototype.toJson = original;
  }
}

class NotPlain {
  constructor(public readonly x: number) {}
}

// Every kind of value cdk8s's resolve and sanitize treat differently: primitives, null and undefined,
// empty and nested arrays and objects, Lazy (also producing Lazy), implicit tokens (plain objects and
// functions with a resolve method), number/string unions, objects that are not plain, keys that are
// property names of Object.prototype.
const key = fc.constantFrom('a', 'b', 'z', 'name', 'value', 'resolve', 'constructor', 'toString', '__proto__x', '0', '10', '2');
const value: fc.Arbitrary<unknown> = fc.letrec((tie) => ({
  any: fc.oneof(
    { depthSize: 'small' },
    fc.string({ maxLength: 4 }),
    fc.integer(),
    fc.boolean(),
    fc.constantFrom(null, undefined, 0, '', -0),
    tie('array'),
    tie('object'),
    tie('lazy'),
    tie('token'),
    fc.constantFrom(IntOrString.fromNumber(8080), IntOrString.fromString('http'), Quantity.fromString('1Gi')),
    fc.constant(new NotPlain(1)),
  ),
  array: fc.array(tie('any'), { maxLength: 3 }),
  object: fc.dictionary(key, tie('any'), { maxKeys: 4 }),
  lazy: tie('any').map((v) => Lazy.any({ produce: () => v })),
  token: tie('any').map((v) => ({ resolve: () => v })),
}) as const).any;

describe('one-walk ApiObject rendering', () => {
  test.each(SHIPPED_ENVIRONMENTS)('renders every object of %s exactly as cdk8s does, all of them in one walk', (env) => {
    const chart = new PembayaranChart(new App(), shippedConfig(env));
    const [cdk8s, oneWalk] = bothRenderings(chart);
    expect(cdk8s.startsWith('threw')).toBe(false);
    expect(oneWalk).toBe(cdk8s);
    // None of them falls back to cdk8s's own toJson (the speed-up would be gone without a difference in output).
    const [, fallbacks] = countingFallbacks(() => withOneWalkRendering(App.of(chart), () => chart.toJson()));
    expect(fallbacks).toBe(0);
  });

  test('renders any value as cdk8s does, or fails with the same message (property, 1500 cases)', () => {
    fc.assert(
      fc.property(fc.dictionary(key, value, { maxKeys: 5 }), value, (data, label) => {
        const chart = new Chart(new App(), 'c');
        new ApiObject(chart, 'o', { apiVersion: 'v1', kind: 'Thing', metadata: { labels: { l: 'x' }, annotations: { a: label as string } }, ...data });
        const [cdk8s, oneWalk] = bothRenderings(chart);
        expect(oneWalk).toBe(cdk8s);
      }),
      { numRuns: 1500 },
    );
  });

  test('generated L1 classes, JSON patches and unsorted keys render as cdk8s renders them', () => {
    const chart = new Chart(new App(), 'c');
    const deployment = new KubeDeployment(chart, 'd', {
      spec: {
        selector: { matchLabels: { app: 'x' } },
        template: { metadata: { labels: { app: 'x' } }, spec: { containers: [{ name: 'x', image: 'x', ports: [{ containerPort: 80 }], resources: { limits: { memory: Quantity.fromString('1Gi') } } }] } },
        strategy: { rollingUpdate: { maxSurge: IntOrString.fromString('25%') } },
      },
    });
    deployment.addJsonPatch(JsonPatch.add('/spec/replicas', 3), JsonPatch.remove('/spec/strategy'));
    new KubeConfigMap(chart, 'm', { data: { z: '1', a: Lazy.any({ produce: () => 'late' }) as unknown as string } });
    let [cdk8s, oneWalk] = bothRenderings(chart);
    expect(oneWalk).toBe(cdk8s);
    expect(JSON.parse(oneWalk)[0].spec.replicas).toBe(3);
    process.env.CDK8S_DISABLE_SORT = '1';
    try {
      [cdk8s, oneWalk] = bothRenderings(chart);
      expect(oneWalk).toBe(cdk8s);
    } finally {
      delete process.env.CDK8S_DISABLE_SORT;
    }
  });

  test('an app with resolvers of its own renders through cdk8s itself, and the prototype is restored', () => {
    const seen: string[] = [];
    const app = new App({ resolvers: [{ resolve: (context: ResolutionContext) => seen.push(context.key.join('.')) }] });
    const chart = new Chart(app, 'c');
    new ApiObject(chart, 'o', { apiVersion: 'v1', kind: 'Thing', spec: { a: 'b' } });
    const original = ApiObject.prototype.toJson;
    const [cdk8s, oneWalk] = bothRenderings(chart);
    expect(oneWalk).toBe(cdk8s);
    expect(seen).toContain('spec.a');
    expect(ApiObject.prototype.toJson).toBe(original);
    expect(() => withOneWalkRendering(new App(), () => { throw new Error('boom'); })).toThrow('boom');
    expect(ApiObject.prototype.toJson).toBe(original);
  });

  test('an object without the private state the walk reads (another cdk8s version) is rendered by cdk8s itself', () => {
    const chart = new Chart(new App(), 'c');
    const object = new ApiObject(chart, 'o', { apiVersion: 'v1', kind: 'Thing', metadata: { labels: { a: 'b' } }, spec: { a: 'b' } });
    // As if a later cdk8s kept the metadata's extra attributes elsewhere: the walk must not guess.
    (object.metadata as unknown as Record<string, unknown>)._additionalAttributes = undefined;
    const expected = JSON.stringify(chart.toJson());
    const [rendered, calls] = countingFallbacks(() => withOneWalkRendering(App.of(chart), () => chart.toJson()));
    expect(JSON.stringify(rendered)).toBe(expected);
    expect(calls).toBe(1);
  });
});
