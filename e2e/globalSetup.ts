import { execFileSync } from 'node:child_process';
import { join } from 'node:path';

export default function globalSetup(): void {
  execFileSync(process.execPath, [join(import.meta.dirname, '..', 'scripts', 'ensureWebBuild.ts')], { stdio: 'inherit' });
}
