/**
 * `node scripts/electronegativity.ts` — Electronegativity (Doyensec's Electron security linter) over
 * the Electron sources (electron/), the renderer (renderer/index.html, renderer/src) and the built
 * bundles (out/, when present), as one app: its global checks (CSP, navigation limits, permission
 * handler) look across main and renderer together, so scanning the folders one by one would
 * report a renderer as "missing" what main does.
 *
 * Prints every finding and exits 1 if any is left. A finding is accepted only in the code, next to
 * the reason, with Electronegativity's own comment on the flagged line (or the file's first line,
 * for the whole file): `// eng-disable CHECK_ID` in JS/TS, `<!-- eng-disable CHECK_ID -->` in HTML.
 * Exit 2 means the scan itself failed (a file it could not parse is not scanned: that fails too).
 *
 * Runs offline: AvailableSecurityFixesGlobalCheck (which asks the network for Electron releases)
 * is skipped, and the translation download Electronegativity starts on every run is answered
 * locally — over the network it crashes Node 24 after the scan (ENVIRONMENT.md).
 */
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { extname, join, relative, sep } from 'node:path';

const root = join(import.meta.dirname, '..');
const require = createRequire(join(root, 'package.json'));

/** What to scan, relative to the repo. */
const SOURCES = ['electron', 'renderer/index.html', 'renderer/src', 'out'];
/** Extensions Electronegativity reads as they are. */
const SCANNED = new Set(['.ts', '.tsx', '.html', '.htm']);
/**
 * JavaScript is staged as TypeScript: the scanner's JS path (esprima, then Babel's estree output)
 * stops at class private fields (`#x`, in every bundle of our code), its TS path (Babel) does not.
 * It also skips .cjs/.mjs (the preload bundle is index.cjs).
 */
const AS_TS = new Set(['.js', '.jsx', '.cjs', '.mjs', '.cts', '.mts']);
const SKIPPED_CHECKS = ['AvailableSecurityFixesGlobalCheck'];
/**
 * Staged with the app and expected back as a finding: proof the scan ran and reads our files (a
 * broken scan would otherwise look like a clean one). DANGEROUS_FUNCTIONS_JS_CHECK feeds no
 * global check, so the canary changes nothing else.
 */
const CANARY_FILE = '__electronegativity_canary__.ts';
const CANARY_CHECK = 'DANGEROUS_FUNCTIONS_JS_CHECK';

interface Level {
  value: number;
  name: string;
}

interface Issue {
  id: string;
  file: string;
  location: { line: number; column: number };
  description: string;
  sample?: string;
  severity: Level;
  confidence: Level;
  manualReview: boolean;
  shortenedURL?: string;
  constructorName?: string;
}

interface ScanResult {
  globalChecks: number;
  atomicChecks: number;
  errors: Array<{ file: string; message: string; tolerable: boolean }>;
  issues: Issue[];
}

type Run = (options: Record<string, unknown>) => Promise<ScanResult>;

/** Copies what is scanned into one folder; returns staged path → repo path for renamed files. */
function stage(into: string): Map<string, string> {
  const renamed = new Map<string, string>();
  const visit = (rel: string): void => {
    const from = join(root, rel);
    if (statSync(from).isDirectory()) {
      for (const name of readdirSync(from)) if (name !== 'node_modules') visit(join(rel, name));
      return;
    }
    const ext = extname(rel);
    if (!SCANNED.has(ext) && !AS_TS.has(ext)) return;
    const target = AS_TS.has(ext) ? `${rel}${ext === '.jsx' ? '.tsx' : '.ts'}` : rel;
    if (target !== rel) renamed.set(target, rel);
    cpSync(from, join(into, target));
  };
  for (const rel of SOURCES) if (existsSync(join(root, rel))) visit(rel);
  writeFileSync(join(into, CANARY_FILE), "export function canary(code: string): unknown {\n  return eval('0 + ' + code);\n}\n");
  return renamed;
}

/** `eng-disable` as Electronegativity reads it (util/exceptions.js): the IDs after it on one line. */
function acceptedChecks(line: string): string[] {
  const match = /(?:\/\*|\/\/)[ \t]*eng-disable[ \t]+([\w \t,]+)/i.exec(line);
  return match?.[1]
    ? match[1]
        .trim()
        .split(/[\s,]+/)
        .map((c) => c.toUpperCase())
    : [];
}

function isAccepted(issue: Issue, line: string, firstLine: string): boolean {
  const names = [issue.id.toUpperCase(), (issue.constructorName ?? '').toUpperCase()];
  return [...acceptedChecks(line), ...acceptedChecks(firstLine)].some((c) => names.includes(c));
}

/** Code as it compares across source and bundle: no eng-disable comment, one quote style, no spaces. */
function codeKey(line: string): string {
  return line
    .replace(/\/\*\s*eng-disable[^*]*\*\//gi, '')
    .replace(/\/\/\s*eng-disable.*$/i, '')
    .replace(/['`]/g, '"')
    .replace(/\s+/g, '')
    .replace(/[;,]+$/, '');
}

/**
 * A finding in a bundle of ours (out/main, out/preload): the bundler drops line comments, so an
 * eng-disable in the source does not reach it. Rolldown marks each module with a `// path` line;
 * find that module's source line with the same code and whether it accepts the check.
 */
function bundleOrigin(issue: Issue, staged: string): { file: string; line: number; isAccepted: boolean } | null {
  const rel = issue.file.startsWith(staged) ? relative(staged, issue.file) : issue.file;
  if (!rel.startsWith(`out${sep}`)) return null;
  const lines = readFileSync(join(staged, rel), 'utf8').split('\n');
  const flagged = lines[issue.location.line - 1];
  if (flagged === undefined) return null;
  for (let i = issue.location.line - 1; i >= 0; i--) {
    const marker = /^\/\/ ([\w./-]+\.(?:ts|tsx|js|mjs|cjs))$/.exec(lines[i] ?? '');
    if (!marker?.[1]) continue;
    const source = join(root, marker[1]);
    if (!existsSync(source)) return null;
    const sourceLines = readFileSync(source, 'utf8').split('\n');
    const at = sourceLines.findIndex((l) => codeKey(l) === codeKey(flagged));
    if (at < 0) return null;
    return { file: marker[1], line: at + 1, isAccepted: isAccepted(issue, sourceLines[at] ?? '', sourceLines[0] ?? '') };
  }
  return null;
}

function loadScanner(): Run {
  const entry = require.resolve('@doyensec/electronegativity');
  const fromScanner = createRequire(entry);
  // The translation fetch: fail it at once, offline (the scanner then uses its bundled English).
  const got = fromScanner.resolve('got');
  const offline = (): Promise<never> => Promise.reject(new Error('offline'));
  require.cache[got] = { id: got, filename: got, loaded: true, exports: offline } as unknown as NodeJS.Module;
  return fromScanner(entry) as Run;
}

async function main(): Promise<number> {
  const electronVersion = (JSON.parse(readFileSync(require.resolve('electron/package.json'), 'utf8')) as { version: string }).version;
  const staged = mkdtempSync(join(tmpdir(), 'stratdesk-eng-'));
  try {
    const renamed = stage(staged);
    const run = loadScanner();
    const log = console.log;
    // Its one line of chatter about the skipped translation download.
    console.log = (...args: unknown[]) => {
      if (!(typeof args[0] === 'string' && args[0].startsWith('Could not retrieve updated translations'))) log(...args);
    };
    let result: ScanResult;
    try {
      result = await run({ input: staged, excludeFromScan: SKIPPED_CHECKS, electronVersionOverride: electronVersion, isRelative: true });
    } finally {
      console.log = log;
    }
    const repoPath = (file: string): string => {
      const rel = file.startsWith(staged) ? relative(staged, file) : file;
      return (renamed.get(rel) ?? rel).split(sep).join('/');
    };
    const scanned = SOURCES.filter((s) => existsSync(join(root, s)));
    console.log(
      `electronegativity: ${result.atomicChecks} atomic + ${result.globalChecks} global checks over ${scanned.join(', ')} (Electron ${electronVersion}; skipped: ${SKIPPED_CHECKS.join(', ')})`,
    );

    const unparsed = result.errors.filter((e) => !e.tolerable);
    for (const e of result.errors)
      console.log(`${e.tolerable ? 'warning' : 'error'}: could not fully parse ${repoPath(e.file)}: ${e.message}`);

    const isCanary = (i: Issue): boolean => repoPath(i.file) === CANARY_FILE;
    if (!result.issues.some((i) => isCanary(i) && i.id === CANARY_CHECK)) {
      console.log(`electronegativity: the scan did not flag its canary (${CANARY_CHECK}); it is not working, so its silence means nothing`);
      return 2;
    }
    result.issues = result.issues.filter((i) => !isCanary(i));
    const sourceIssues = new Set(
      result.issues.filter((i) => !repoPath(i.file).startsWith('out/')).map((i) => `${i.id} ${repoPath(i.file)}:${i.location.line}`),
    );
    let acceptedInSource = 0;
    const issues = result.issues
      .filter((issue) => {
        const origin = bundleOrigin(issue, staged);
        if (!origin) return true;
        // The same line in the source: accepted there, or already reported there.
        if (origin.isAccepted) acceptedInSource++;
        return !origin.isAccepted && !sourceIssues.has(`${issue.id} ${origin.file}:${origin.line}`);
      })
      .sort((a, b) => repoPath(a.file).localeCompare(repoPath(b.file)) || a.location.line - b.location.line);
    if (acceptedInSource > 0) console.log(`${acceptedInSource} finding(s) in out/ are the same code as a source line that accepts them`);
    for (const issue of issues) {
      const where = issue.file === 'N/A' ? '(whole app)' : `${repoPath(issue.file)}:${issue.location.line}:${issue.location.column}`;
      console.log(`\n${issue.id}  ${issue.severity.name}/${issue.confidence.name}${issue.manualReview ? ' (review)' : ''}  ${where}`);
      console.log(`  ${issue.description}${issue.shortenedURL ? `  ${issue.shortenedURL}` : ''}`);
      if (issue.sample) console.log(`  > ${issue.sample.trim().slice(0, 160)}`);
    }
    if (unparsed.length > 0) {
      console.log(`\nelectronegativity: ${unparsed.length} file(s) could not be parsed, so were not checked`);
      return 2;
    }
    console.log(
      issues.length === 0
        ? '\nelectronegativity: no findings'
        : `\nelectronegativity: ${issues.length} finding(s); fix them, or accept one in the code with an eng-disable comment and the reason`,
    );
    return issues.length === 0 ? 0 : 1;
  } finally {
    rmSync(staged, { recursive: true, force: true });
  }
}

// The scanner may leave timers behind: exit as soon as the verdict is known.
main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(`electronegativity: the scan failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    process.exit(2);
  },
);
