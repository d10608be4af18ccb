// @ts-check
/* eslint-disable @typescript-eslint/no-require-imports -- a CommonJS hook: electron-builder require()s it */
/**
 * electron-builder `afterPack` hook: flips Electron's fuses in the packaged binary, before
 * electron-builder signs it. Fuses are bits compiled into the Electron binary; turning these off
 * closes ways to run arbitrary code with the app's identity (and its keychain / vault access):
 * `ELECTRON_RUN_AS_NODE`, `NODE_OPTIONS`, `--inspect`, and loading app code from outside the asar.
 * See https://www.electronjs.org/docs/latest/tutorial/fuses.
 */
const path = require('node:path');
const { flipFuses, FuseVersion, FuseV1Options } = require('@electron/fuses');

/** The release fuses. Indexes are @electron/fuses' FuseV1Options. */
const FUSES = {
  [FuseV1Options.RunAsNode]: false,
  [FuseV1Options.EnableCookieEncryption]: true,
  [FuseV1Options.EnableNodeOptionsEnvironmentVariable]: false,
  [FuseV1Options.EnableNodeCliInspectArguments]: false,
  // Checked on macOS and Windows (electron-builder writes the asar hash); Linux has no check yet.
  [FuseV1Options.EnableEmbeddedAsarIntegrityValidation]: true,
  [FuseV1Options.OnlyLoadAppFromAsar]: true,
  // Pages load from app://, never file://: file: pages need no privileges beyond a browser's.
  [FuseV1Options.GrantFileProtocolExtraPrivileges]: false,
};

// electron-builder's Arch enum (builder-util): arm64 = 3, universal = 4.
const ARCH_ARM64 = 3;
const ARCH_UNIVERSAL = 4;

/**
 * The Electron executable inside the packed app, named as electron-builder names it.
 * @param {{ appOutDir: string, electronPlatformName: string, packager: { executableName?: string, appInfo: { productFilename: string } } }} context
 */
function electronBinaryPath(context) {
  const { appOutDir, electronPlatformName, packager } = context;
  if (electronPlatformName === 'darwin' || electronPlatformName === 'mas')
    return path.join(appOutDir, `${packager.appInfo.productFilename}.app`);
  if (electronPlatformName === 'win32') return path.join(appOutDir, `${packager.appInfo.productFilename}.exe`);
  if (!packager.executableName) throw new Error('afterPack: the Linux packager has no executableName');
  return path.join(appOutDir, packager.executableName);
}

/** @param {{ electronPlatformName: string, arch: number }} context */
function fuseConfig(context) {
  return {
    version: FuseVersion.V1,
    // Flipping bits breaks the ad-hoc signature Apple silicon requires; re-sign ad hoc (the real signing comes after).
    resetAdHocDarwinSignature:
      context.electronPlatformName === 'darwin' && (context.arch === ARCH_ARM64 || context.arch === ARCH_UNIVERSAL),
    ...FUSES,
  };
}

/** @param {Parameters<typeof electronBinaryPath>[0] & { arch: number }} context */
async function afterPack(context) {
  const binary = electronBinaryPath(context);
  const sentinels = await flipFuses(binary, fuseConfig(context));
  console.log(`  • fuses flipped in ${path.basename(binary)} (${sentinels} fuse wire${sentinels === 1 ? '' : 's'})`);
}

module.exports = afterPack;
module.exports.default = afterPack;
module.exports.afterPack = afterPack;
module.exports.FUSES = FUSES;
module.exports.fuseConfig = fuseConfig;
module.exports.electronBinaryPath = electronBinaryPath;
