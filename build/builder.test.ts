/**
 * The installer configuration, checked without building (building downloads Electron): valid for
 * electron-builder 26, every file it names exists, and the afterPack hook flips the release fuses.
 */
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { inflateSync } from 'node:zlib';
import { getCurrentFuseWire, FuseV1Options } from '@electron/fuses';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ICON_SIZE, PNG_SIGNATURE, renderIcon } from './makeIcon.ts';

const root = resolve(import.meta.dirname, '..');
const require = createRequire(import.meta.url);

type Config = Record<string, unknown> & {
  directories: { buildResources: string };
  files: Array<{ filter: string[] }>;
  afterPack: string;
  linux: { target: string[]; icon: string; category: string; executableName: string; desktop: { entry: Record<string, string> } };
  mac: { target: string[]; icon: string };
  win: { target: string[]; icon: string };
};

interface BuilderConfigApi {
  getConfig(projectDir: string, configPath: string | null, fromOptions: null): Promise<unknown>;
  validateConfiguration(config: unknown, debug: { isEnabled: boolean; add(key: string, value: unknown): void }): Promise<void>;
}

// electron-builder's own loader and validator (scheme.json through ajv), as `electron-builder --config build/electron-builder.yml` runs them.
const builder = require('app-builder-lib/out/util/config/config.js') as BuilderConfigApi;
const config = (await builder.getConfig(root, 'build/electron-builder.yml', null)) as Config;

interface AfterPackModule {
  (context: unknown): Promise<void>;
  FUSES: Record<number, boolean>;
  fuseConfig(context: { electronPlatformName: string; arch: number }): { resetAdHocDarwinSignature: boolean };
}

const hook = require(resolve(root, config.afterPack)) as AfterPackModule;

function validate(candidate: unknown): Promise<void> {
  return builder.validateConfiguration(candidate, { isEnabled: false, add: () => undefined });
}

describe('electron-builder config', () => {
  it('is for electron-builder 26 and passes its schema validation', async () => {
    const version = (require('electron-builder/package.json') as { version: string }).version;
    expect(version).toMatch(/^26\./);
    await expect(validate(config)).resolves.toBeUndefined();
    // The validator is not a no-op: misspelt options fail, at the top and inside a platform.
    await expect(validate({ ...config, prodcutName: 'Stratdesk' })).rejects.toThrow(/unknown property 'prodcutName'/);
    await expect(validate({ ...config, linux: { ...config.linux, categroy: 'Finance' } })).rejects.toThrow(/configuration\.linux/);
  });

  it('names the app and packs the built app into an asar', () => {
    expect(config['productName']).toBe('Stratdesk');
    expect(config['appId']).toMatch(/^[a-z0-9-]+(\.[a-z0-9-]+)+$/);
    expect(config.files).toEqual([{ filter: ['out/**', 'package.json'] }]);
    expect(config['asar']).toBe(true);
    const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { main: string; productName?: string };
    expect(pkg.main.startsWith('out/')).toBe(true);
    // `npm start` (Electron reads package.json) and the installed app name the data folder alike.
    expect(pkg.productName).toBe(config['productName']);
  });

  it('targets AppImage + deb (with a Finance desktop entry), dmg and nsis', () => {
    expect(config.linux.target).toEqual(['AppImage', 'deb']);
    expect(config.linux.category.split(';')).toContain('Finance');
    expect(config.linux.desktop.entry['Name']).toBe('Stratdesk');
    expect(config.mac.target).toEqual(['dmg']);
    expect(config.win.target).toEqual(['nsis']);
  });

  it('every file it names exists: icons (relative to build/) and the afterPack hook (relative to the project)', () => {
    for (const icon of [config.linux.icon, config.mac.icon, config.win.icon]) {
      expect(existsSync(join(root, config.directories.buildResources, icon)), icon).toBe(true);
    }
    expect(config.afterPack.startsWith('./')).toBe(true);
    expect(existsSync(join(root, config.afterPack))).toBe(true);
  });

  it('the icon is a valid 512×512 RGBA PNG, the one build/makeIcon.ts draws', () => {
    const png = readFileSync(join(root, 'build', config.linux.icon));
    expect(png.subarray(0, 8).equals(PNG_SIGNATURE)).toBe(true);
    const idat: Buffer[] = [];
    let at = 8;
    let width = 0;
    let height = 0;
    while (at < png.length) {
      const length = png.readUInt32BE(at);
      const type = png.toString('latin1', at + 4, at + 8);
      const data = png.subarray(at + 8, at + 8 + length);
      if (type === 'IHDR') {
        width = data.readUInt32BE(0);
        height = data.readUInt32BE(4);
        expect([data[8], data[9]]).toEqual([8, 6]);
      }
      if (type === 'IDAT') idat.push(data);
      at += 12 + length;
    }
    expect([width, height]).toEqual([ICON_SIZE, ICON_SIZE]);
    const raw = inflateSync(Buffer.concat(idat));
    const stride = 1 + width * 4;
    expect(raw.length).toBe(height * stride);
    const pixels = Buffer.alloc(width * height * 4);
    for (let y = 0; y < height; y++) {
      expect(raw[y * stride]).toBe(0);
      raw.copy(pixels, y * width * 4, y * stride + 1, (y + 1) * stride);
    }
    expect(pixels.equals(renderIcon())).toBe(true);
  });
});

describe('afterPack fuses', () => {
  const SENTINEL = 'dL7pKGdnNz796PbbjQWNKmHXBZaB9tsX';
  const ON = 0x31;
  const OFF = 0x30;
  // Electron's shipped defaults: RunAsNode, NodeOptions, inspect and file:// privileges on; the rest off.
  const SHIPPED = [ON, OFF, ON, ON, OFF, OFF, OFF, ON];
  let dir: string;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'stratdesk-fuses-'));
  });

  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  /** A stand-in Electron binary: some bytes, the fuse sentinel, wire version 1, length, states. */
  async function fakeElectron(path: string): Promise<void> {
    await mkdir(join(path, '..'), { recursive: true });
    await writeFile(
      path,
      Buffer.concat([
        Buffer.alloc(4096, 0xab),
        Buffer.from(SENTINEL, 'latin1'),
        Buffer.from([1, SHIPPED.length, ...SHIPPED]),
        Buffer.alloc(4096, 0xcd),
      ]),
    );
  }

  const packager = { executableName: 'stratdesk', appInfo: { productFilename: 'Stratdesk' } };
  // The release's fuses, stated once here: the hook's table must equal it, and the binary must carry it.
  const RELEASE: Record<number, boolean> = {
    [FuseV1Options.RunAsNode]: false,
    [FuseV1Options.EnableCookieEncryption]: true,
    [FuseV1Options.EnableNodeOptionsEnvironmentVariable]: false,
    [FuseV1Options.EnableNodeCliInspectArguments]: false,
    [FuseV1Options.EnableEmbeddedAsarIntegrityValidation]: true,
    [FuseV1Options.OnlyLoadAppFromAsar]: true,
    [FuseV1Options.GrantFileProtocolExtraPrivileges]: false,
  };
  const expected: Record<number, number> = {
    ...Object.fromEntries(Object.entries(RELEASE).map(([fuse, on]) => [fuse, on ? ON : OFF])),
    [FuseV1Options.LoadBrowserProcessSpecificV8Snapshot]: OFF, // left as shipped
  };

  for (const [platform, binary] of [
    ['linux', 'stratdesk'],
    ['win32', 'Stratdesk.exe'],
    ['darwin', 'Stratdesk.app/Contents/Frameworks/Electron Framework.framework/Electron Framework'],
  ] as const) {
    it(`flips the release fuses in the ${platform} binary`, async () => {
      const file = join(dir, binary);
      await fakeElectron(file);
      const before = await readFile(file);
      await hook({ appOutDir: dir, electronPlatformName: platform, arch: 1, packager });
      const wire = (await getCurrentFuseWire(platform === 'darwin' ? join(dir, 'Stratdesk.app') : file)) as unknown as Record<
        number,
        number
      >;
      for (const [fuse, state] of Object.entries(expected)) {
        expect(wire[Number(fuse)], FuseV1Options[Number(fuse)]).toBe(state);
      }
      // Only the wire changed.
      const after = await readFile(file);
      expect(after.length).toBe(before.length);
      const wireStart = before.indexOf(SENTINEL) + SENTINEL.length + 2;
      expect(after.subarray(0, wireStart).equals(before.subarray(0, wireStart))).toBe(true);
      expect(after.subarray(wireStart + SHIPPED.length).equals(before.subarray(wireStart + SHIPPED.length))).toBe(true);
    });
  }

  it('configures exactly the fuses the release needs, and re-signs ad hoc only for Apple silicon', () => {
    expect(hook.FUSES).toEqual(RELEASE);
    expect(hook.fuseConfig({ electronPlatformName: 'darwin', arch: 3 }).resetAdHocDarwinSignature).toBe(true);
    expect(hook.fuseConfig({ electronPlatformName: 'darwin', arch: 1 }).resetAdHocDarwinSignature).toBe(false);
    expect(hook.fuseConfig({ electronPlatformName: 'linux', arch: 3 }).resetAdHocDarwinSignature).toBe(false);
  });

  it('fails the build when the binary has no fuse wire', async () => {
    await writeFile(join(dir, 'stratdesk'), Buffer.alloc(1024));
    await expect(hook({ appOutDir: dir, electronPlatformName: 'linux', arch: 1, packager })).rejects.toThrow(/Could not find sentinel/);
  });
});
