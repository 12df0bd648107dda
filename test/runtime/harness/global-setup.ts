/** Creates the folder where skipped runtime suites leave notes (see preflight.ts). */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { SKIP_NOTES_VARIABLE } from './preflight';

export default function globalSetup(): void {
  process.env[SKIP_NOTES_VARIABLE] = fs.mkdtempSync(path.join(os.tmpdir(), 'pembayaran-runtime-skips-'));
}
