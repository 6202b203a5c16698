/**
 * Completes package-lock.json with the other platforms' optional packages (rollup's, esbuild's,
 * msgpackr-extract's native builds) that npm left out, so `npm ci` accepts the lock.
 *
 * Why: the registry this project is built against serves only some of those packages; npm install then
 * writes a lock without them, and npm ci refuses it as "not in sync" (Missing: @rollup/rollup-…@).
 * Each added entry is optional and carries its os/cpu, so npm ci skips it on other platforms and
 * fetches it by version where it applies. Run after any `npm install`:
 *   npx tsx scripts/lockfile-platforms.ts
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';

interface LockEntry {
  version?: string;
  dev?: boolean;
  optional?: boolean;
  os?: string[];
  cpu?: string[];
  optionalDependencies?: Record<string, string>;
}

const OSES = ['darwin', 'linux', 'win32', 'android', 'freebsd', 'openbsd', 'netbsd', 'sunos', 'aix', 'openharmony'];
const CPUS = ['arm64', 'x64', 'ia32', 'arm', 'loong64', 'ppc64', 'riscv64', 's390x', 'mips64el'];

function missingPackages(): string[] {
  try {
    execFileSync('npm', ['ci', '--dry-run', '--ignore-scripts', '--no-audit', '--no-fund'], { stdio: 'pipe' });
    return [];
  } catch (error) {
    const text = String((error as { stderr?: Buffer }).stderr ?? '');
    return [...new Set([...text.matchAll(/Missing: (\S+?)@\S* from lock file/g)].map((m) => m[1]!))];
  }
}

const lockPath = new URL('../package-lock.json', import.meta.url);
const lock = JSON.parse(readFileSync(lockPath, 'utf8')) as { packages: Record<string, LockEntry> };
const missing = missingPackages();
for (const name of missing) {
  const parent = Object.values(lock.packages).find((p) => p.optionalDependencies?.[name]);
  if (!parent) throw new Error(`${name} is missing from the lock but no package lists it as optional`);
  const base = name.split('/').pop()!;
  const os = OSES.find((o) => new RegExp(`(^|-)${o}(-|$)`).test(base));
  const cpu = CPUS.find((c) => new RegExp(`-${c}(-|$)`).test(base));
  lock.packages[`node_modules/${name}`] = {
    version: parent.optionalDependencies![name]!,
    ...(parent.dev ? { dev: true } : {}),
    optional: true,
    ...(os ? { os: [os] } : {}),
    ...(cpu ? { cpu: [cpu] } : {}),
  };
}
lock.packages = Object.fromEntries(Object.entries(lock.packages).sort(([a], [b]) => (a === '' ? -1 : b === '' ? 1 : a < b ? -1 : 1)));
writeFileSync(lockPath, JSON.stringify(lock, null, 2) + '\n');
process.stdout.write(missing.length ? `added ${missing.length} platform packages to package-lock.json\n` : 'package-lock.json is complete\n');
