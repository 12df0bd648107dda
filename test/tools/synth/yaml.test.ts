import * as fc from 'fast-check';
import * as yaml from 'js-yaml';
import { DUMP_OPTIONS, toYaml, YamlWriter } from '../../../tools/synth/yaml';
import { shippedObjects, SHIPPED_ENVIRONMENTS } from '../../helpers';

const jsYaml = (document: unknown) => yaml.dump(document, DUMP_OPTIONS);

// Characters that change a scalar's style in YAML: indicators, quotes, spaces, line breaks, digits,
// non-printable and non-ASCII characters, plus whole words that read as other types.
const tricky = fc.constantFrom(...'aZ09 -_./:#@!&*|>\'"%`,?[]{}=~+\t\n\r\u0000\u0085\u00a0\u2028\ufeffé中\ud800\udfff\u2029\u0007\u001b'.split('').concat(['😀']));
const words = fc.constantFrom('', 'null', 'Null', 'NULL', '~', 'true', 'False', 'yes', 'No', 'on', 'OFF', 'y', 'n', '<<', '0', '-1', '0x1F', '1e3', '.inf', '-.Inf', '.nan', '1.4.2', '12:30:45', '2001-12-14', '1_000', '+5', 'latest', 'a: b', '- x', '#c', ' lead', 'trail ', 'a\n', 'a\n\n', '\n', ' \n x', 'x\n  y\n');
const string = fc.oneof(words, fc.string({ unit: tricky, maxLength: 12 }), fc.string({ unit: 'binary', maxLength: 12 }), fc.stringMatching(/^[a-z][a-z0-9.\/-]{0,20}$/));
const scalar = fc.oneof(string, fc.integer(), fc.double(), fc.boolean(), fc.constant(null), fc.constantFrom(-0, 2 ** 60, 1e21, 0.1, -2.5e-8));
const document = fc.letrec((tie) => ({
  value: fc.oneof({ depthSize: 'small' }, scalar, tie('array'), tie('object')),
  array: fc.array(tie('value'), { maxLength: 4 }),
  object: fc.dictionary(string, tie('value'), { maxKeys: 5 }),
})).value;

describe('YAML writer', () => {
  test('writes what js-yaml writes, for any JSON document (property, 2000 cases)', () => {
    fc.assert(fc.property(document, (doc) => toYaml(doc) === jsYaml(doc)), { numRuns: 2000 });
  });

  test('block scalars at every depth, in mappings and sequences, keep js-yaml indentation', () => {
    const text = 'line one\n  indented\n\nlast\n';
    let doc: unknown = { text, list: [text, { text }] };
    for (let depth = 0; depth < 6; depth++) {
      expect(toYaml(doc)).toBe(jsYaml(doc));
      doc = { nested: doc, items: [doc] };
    }
  });

  test('one writer reused across documents (its scalar cache) writes each as js-yaml does', () => {
    const writer = new YamlWriter();
    fc.assert(fc.property(fc.array(document, { maxLength: 5 }), (docs) => docs.every((d) => writer.write(d) === jsYaml(d))), { numRuns: 300 });
  });

  test('values outside JSON and explicit keys go through js-yaml unchanged', () => {
    const long = 'k'.repeat(1100);
    for (const doc of [{ when: new Date(0) }, { [long]: 1 }, { 'multi\nline key': 1 }, { list: [undefined, 1] }, { skip: undefined, keep: 1 }]) {
      expect(toYaml(doc)).toBe(jsYaml(doc));
    }
  });

  test.each(SHIPPED_ENVIRONMENTS)('every object of %s is written as js-yaml writes it', (env) => {
    for (const object of shippedObjects(env)) expect(toYaml(object)).toBe(jsYaml(object));
  });
});

describe('YAML writer, embedded files', () => {
  const lines = fc.array(fc.oneof(fc.constantFrom('', ' ', '  x', 'a: b', '- item', '#!/bin/sh', '"q"', "'", '|', 'tab\there'), fc.string({ unit: fc.constantFrom(...'ab :-#{}[]|>\'"'.split('')), maxLength: 8 })), { minLength: 1, maxLength: 6 });
  const text = fc.tuple(fc.constantFrom('', '\n', '\n\n', ' ', '\n '), lines, fc.constantFrom('', '\n', '\n\n', '\n\n\n')).map(([lead, body, end]) => lead + body.join('\n') + end);

  test('multi-line text is written as js-yaml writes it, at every depth (property, 1000 cases)', () => {
    fc.assert(
      fc.property(text, fc.nat(4), (value, depth) => {
        let doc: unknown = { value };
        for (let i = 0; i < depth; i++) doc = i % 2 ? { nested: doc } : [doc, value];
        return toYaml(doc) === jsYaml(doc);
      }),
      { numRuns: 1000 },
    );
  });
});
