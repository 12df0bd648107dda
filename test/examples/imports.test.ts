import * as fs from 'fs';
import * as path from 'path';
import { ROOT } from '../helpers';

const EXAMPLES = path.join(ROOT, 'examples');

test('examples import only the package root (and cdk8s, constructs, Node built-ins, each other), as a consumer would', () => {
  const allowed = new Set(['pembayaran-k8s', 'cdk8s', 'constructs', 'fs', 'os', 'path', 'js-yaml']);
  const imports = fs
    .readdirSync(EXAMPLES)
    .filter((f) => f.endsWith('.ts'))
    .flatMap((f) => [...fs.readFileSync(path.join(EXAMPLES, f), 'utf8').matchAll(/from '([^']+)'|require\('([^']+)'\)/g)].map((m) => ({ file: f, module: m[1] ?? m[2] })));
  expect(imports.length).toBeGreaterThan(5);
  // Another example (./x) is allowed: it imports only the root itself.
  expect(imports.filter((i) => !allowed.has(i.module) && !/^\.\/[\w-]+$/.test(i.module))).toEqual([]);
});
