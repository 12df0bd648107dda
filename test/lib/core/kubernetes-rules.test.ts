import schema from '../../../lib/config/schema.json';
import {
  annotationMapProblems,
  DNS1035_LABEL_FMT,
  DNS1123_LABEL_FMT,
  DNS1123_SUBDOMAIN_FMT,
  hostNameProblems,
  INT32_MAX,
  isDns1035Label,
  isDns1123Label,
  isDns1123Subdomain,
  isEnvVarName,
  isQualifiedName,
  isValidLabelValue,
  isValidPortName,
  LABEL_VALUE_FMT,
  objectNameProblems,
  parseQuantity,
  QUALIFIED_NAME_FMT,
} from '../../../lib/core/kubernetes-rules';

// Cases from apimachinery's own validation_test.go (pkg/util/validation), so the port keeps its meaning.
describe('Kubernetes name rules (ported from apimachinery)', () => {
  test('DNS-1123 labels', () => {
    for (const good of ['a', 'ab', 'abc', 'a1', 'a-1', 'a--1--2--b', '0', '01', '012', '1a', '1-a', '1--a--b--2', 'a'.repeat(63)]) expect(isDns1123Label(good)).toEqual([]);
    for (const bad of ['', 'A', 'ABC', 'aBc', 'A1', 'A-1', '1-A', '-', 'a-', '-a', '1-', '-1', '_', 'a_', '_a', 'a_b', 'a.', '.a', 'a.b', '1.', '.1', '1.2', ' ', 'a ', ' a', 'a b', '1 ', ' 1', '1 2', 'a'.repeat(64)]) {
      expect(isDns1123Label(bad).length).toBeGreaterThan(0);
    }
    expect(isDns1123Label('a.b')).toEqual(['must not contain dots']);
  });

  test('DNS-1123 subdomains and DNS-1035 labels', () => {
    for (const good of ['a', 'a.b.c.d.e', 'aaa.bbb.ccc', 'a-1.b-2', '11.22.33.44.55', `${'a'.repeat(63)}.${'b'.repeat(63)}`]) expect(isDns1123Subdomain(good)).toEqual([]);
    for (const bad of ['', 'A', 'a..b', '.a', 'a.', 'a_b', 'a.-b', 'a'.repeat(254)]) expect(isDns1123Subdomain(bad).length).toBeGreaterThan(0);
    for (const good of ['a', 'ab', 'a-1', 'a--1--2--b', 'a'.repeat(63)]) expect(isDns1035Label(good)).toEqual([]);
    for (const bad of ['0', '01', '1a', '9pay', '-', 'a-', 'a.b', 'A', 'a'.repeat(64)]) expect(isDns1035Label(bad).length).toBeGreaterThan(0);
  });

  test('qualified names (label and annotation keys) and label values', () => {
    for (const good of ['simple', 'now-with-dashes', '1-starts-with-num', '1234', 'simple/simple', 'now-with-dashes/simple', 'now-with-dashes/now-with-dashes', 'now.with.dots/simple', 'now-with.dashes-and.dots/simple', '1-num.2-num/3-num', '1234/5678', '1.2.3.4/5678', 'Uppercase_Is_OK_123', 'example.com/Uppercase_Is_OK_123', 'requests.storage-foo', 'a'.repeat(63), `${'a'.repeat(253)}/${'b'.repeat(63)}`]) {
      expect(isQualifiedName(good)).toEqual([]);
    }
    for (const bad of ['nospecialchars%^=@', 'cantendwithadash-', '-cantstartwithadash-', 'only/one/slash', 'Example.com/abc', 'example_com/abc', 'example.com/', '/simple', 'a'.repeat(64), `${'a'.repeat(254)}/abc`, 'Bad Key']) {
      expect(isQualifiedName(bad).length).toBeGreaterThan(0);
    }
    for (const good of ['simple', 'now-with-dashes', '1-starts-with-num', 'end-with-num-1', '1234', '', 'a'.repeat(63), '1.0.0', 'v1.67.0']) expect(isValidLabelValue(good)).toEqual([]);
    for (const bad of ['nospecialchars%^=@', 'Tama-nui-te-rā.is.Māori.sun', '\\backslashes\\are\\bad', '-starts-with-dash', 'ends-with-dash-', '.starts.with.dot', 'ends.with.dot.', '_1.4.2', 'a'.repeat(64)]) {
      expect(isValidLabelValue(bad).length).toBeGreaterThan(0);
    }
  });

  test('port names (IANA service names), environment variable names', () => {
    for (const good of ['telnet', 're-mail-ck', 'pop3', 'a', 'a-1', '1-a', 'a-1-b-2-c', '1-a-2-b-3', 'metrics-php']) expect(isValidPortName(good)).toEqual([]);
    for (const bad of ['', 'abcdefghijklmnop', 'NAME', '-a', 'a-', 'a--b', '1234', 'a b']) expect(isValidPortName(bad).length).toBeGreaterThan(0);
    for (const good of ['A', 'ABC', 'AbC123', '_123', 'A_1', 'a.b', 'a-b', 'a:b'.replace(':', '_')]) expect(isEnvVarName(good)).toEqual([]);
    for (const bad of ['1A', '1_2', 'a b', 'a=b', '.', '..', '..a']) expect(isEnvVarName(bad).length).toBeGreaterThan(0);
  });

  test('object names follow their kind', () => {
    expect(objectNameProblems('Service', 'pembayaran-web')).toEqual([]);
    expect(objectNameProblems('Service', '9pay-web').join()).toMatch(/DNS-1035/);
    expect(objectNameProblems('Namespace', 'a.b')).toEqual(['must not contain dots']);
    expect(objectNameProblems('ConfigMap', 'a.b')).toEqual([]);
    expect(objectNameProblems('CronJob', 'c'.repeat(53))).toEqual(['must be no more than 52 characters']);
    expect(objectNameProblems('Job', 'j'.repeat(64)).join()).toMatch(/job-name label/);
  });

  test('host names: DNS labels of at most 63 characters each, not IP addresses', () => {
    expect(hostNameProblems('pembayaran.example.com')).toEqual([]);
    expect(hostNameProblems('10.0.0.1')).toEqual(['must be a DNS name, not an IP address']);
    expect(hostNameProblems(`${'h'.repeat(64)}.example.com`).join()).toMatch(/no more than 63 characters \(64 in/);
    expect(hostNameProblems('a..b').length).toBeGreaterThan(0);
  });

  test('annotations: keys checked lower-cased, at most 256 KiB in all', () => {
    expect(annotationMapProblems({ 'Example.com/Key': 'v', 'nginx.ingress.kubernetes.io/rewrite-target': '/' })).toEqual([]);
    expect(annotationMapProblems({ 'Bad Key': 'v' }).join()).toMatch(/annotation key "Bad Key"/);
    expect(annotationMapProblems({ a: 'x'.repeat(256 * 1024) }).join()).toMatch(/they may total at most 262144 bytes/);
  });

  test('quantities as resource.ParseQuantity reads them', () => {
    expect(parseQuantity('250m')).toBeCloseTo(0.25);
    expect(parseQuantity('1')).toBe(1);
    expect(parseQuantity('1.5')).toBe(1.5);
    expect(parseQuantity('256Mi')).toBe(256 * 2 ** 20);
    expect(parseQuantity('1G')).toBe(1e9);
    expect(parseQuantity('128k')).toBe(128e3);
    expect(parseQuantity('1e3')).toBe(1000);
    for (const bad of ['1K', '250 m', 'Mi', '', '1Mi1', 'one']) expect(parseQuantity(bad)).toBeUndefined();
  });
});

describe('the config schema uses the same rules', () => {
  const definitions = (schema as any).definitions;
  test('its name definitions are the ported formats with the Kubernetes lengths', () => {
    expect(definitions.dns1123Label).toMatchObject({ pattern: `^${DNS1123_LABEL_FMT}$`, maxLength: 63 });
    expect(definitions.dns1123Subdomain).toMatchObject({ pattern: `^${DNS1123_SUBDOMAIN_FMT}$`, maxLength: 253 });
    expect((schema as any).properties.appName.pattern).toBe(`^${DNS1035_LABEL_FMT}$`);
    expect(definitions.labelMap.additionalProperties).toMatchObject({ pattern: `^${LABEL_VALUE_FMT}$`, maxLength: 63 });
    expect(definitions.labelMap.propertyNames.pattern).toBe(`^(?=([^/]{1,253}/)?[^/]{1,63}$)(${DNS1123_SUBDOMAIN_FMT}/)?${QUALIFIED_NAME_FMT}$`);
  });

  test('the label key pattern accepts and refuses exactly what isQualifiedName does', () => {
    const pattern = new RegExp(definitions.labelMap.propertyNames.pattern, 'u');
    for (const key of ['app.kubernetes.io/name', 'k8s-app', 'release', 'Bad Key', 'a/b/c', '/x', 'x/', 'x'.repeat(64), `${'p'.repeat(254)}/x`, `${'p'.repeat(253)}/x`, 'Example.com/x', '-x']) {
      expect({ key, schema: pattern.test(key) }).toEqual({ key, schema: isQualifiedName(key).length === 0 });
    }
  });

  test('every key with a DNS-1123 label pattern also has its length limit (new keys included)', () => {
    const unlimited: string[] = [];
    const walk = (node: any, at: string) => {
      if (Array.isArray(node)) node.forEach((n, i) => walk(n, `${at}/${i}`));
      else if (node && typeof node === 'object') {
        if (node.pattern === `^${DNS1123_LABEL_FMT}$` && !(node.maxLength <= 63)) unlimited.push(at);
        for (const [k, v] of Object.entries(node)) walk(v, `${at}/${k}`);
      }
    };
    walk(schema, '#');
    expect(unlimited).toEqual([]);
  });

  test('every integer is bounded to int32 (replicas: 2147483648 and runAsUser: 1e308 were accepted)', () => {
    const unbounded: string[] = [];
    const walk = (node: any, at: string) => {
      if (Array.isArray(node)) node.forEach((n, i) => walk(n, `${at}/${i}`));
      else if (node && typeof node === 'object') {
        if (node.type === 'integer' && !(node.maximum <= INT32_MAX)) unbounded.push(at);
        for (const [k, v] of Object.entries(node)) walk(v, `${at}/${k}`);
      }
    };
    walk(schema, '#');
    expect(unbounded).toEqual([]);
  });
});
