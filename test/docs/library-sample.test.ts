import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as yaml from 'js-yaml';
import { useAsLibrary } from '../../examples/use-as-library';
import { ROOT } from '../helpers';

test('the README\'s "Use as a library" sample is examples/use-as-library.ts, which type-checks (tsc) and runs', () => {
  const readme = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8');
  const section = readme.slice(readme.indexOf('## Use as a library'));
  const sample = section.slice(section.indexOf('```ts\n') + 6, section.indexOf('```', section.indexOf('```ts\n') + 6));
  const example = fs.readFileSync(path.join(ROOT, 'examples/use-as-library.ts'), 'utf8');
  const body = example.slice(example.indexOf('// README: begin\n') + '// README: begin\n'.length, example.indexOf('  // README: end'));
  const imports = example.split('\n').filter((l) => l.startsWith('import ')).join('\n');
  expect(sample).toBe(`${imports}\n\n${body.split('\n').map((l) => l.replace(/^ {2}/, '')).join('\n')}`);

  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'library-sample-'));
  try {
    const { stack } = useAsLibrary(outdir);
    const objects = yaml.loadAll(fs.readFileSync(path.join(outdir, 'prod.k8s.yaml'), 'utf8')) as any[];
    const web = objects.find((o) => o.kind === 'Deployment' && o.metadata.name === 'pembayaran-web');
    expect(web.spec.progressDeadlineSeconds).toBe(900);
    expect(web.spec.template.spec.priorityClassName).toBe('payments-critical');
    expect(web.spec.template.spec.imagePullSecrets).toEqual([{ name: 'registry' }]);
    expect(objects.some((o) => o.metadata.name === 'pembayaran-worker-reports')).toBe(true);
    expect(stack.config.web.replicas).toBe(2);
  } finally {
    fs.rmSync(outdir, { recursive: true, force: true });
  }
});
