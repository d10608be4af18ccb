/**
 * The vault file, byte by byte. All integers are big-endian.
 *
 * Container (the same for every format version, so an old app can always say "too new"):
 *
 *   offset  size  field
 *   0       8     magic "SDVAULT\0"
 *   8       2     format version (this code writes and reads 1)
 *   10      4     payload length L
 *   14      L     payload (per version, below)
 *   14+L    32    SHA-256 of bytes [0, 14+L)
 *
 * The checksum is not security (anyone can recompute it); it tells a damaged file (truncated, a
 * flipped bit) apart from a wrong password, so the vault can say which and fall back to its backup.
 * Authenticity comes from AES-GCM below.
 *
 * Payload, version 1:
 *
 *   size  field
 *   1     KDF id: 1 = scrypt
 *   1     log2(N)
 *   4     r
 *   4     p
 *   1     salt length S (16..64)
 *   S     salt
 *   12    wrap nonce
 *   32    wrapped data key  = AES-256-GCM(KEK, wrap nonce, data key, AAD = magic|version|KDF block)
 *   16    wrap tag
 *   12    body nonce (fresh for every write)
 *   B     body ciphertext   = AES-256-GCM(data key, body nonce, entries, AAD = header)
 *   16    body tag
 *
 * KEK = scrypt(password NFC UTF-8, salt, N, r, p, 32 bytes). The "KDF block" is the bytes from the
 * KDF id to the end of the salt. The "header" is every byte before the body nonce (magic, version,
 * payload length, KDF block, wrapped key), so changing any of it fails the body's authentication.
 * The wrap's AAD leaves out the payload length because that changes with every write while the
 * KEK is not kept in memory.
 *
 * Entries (the body plaintext):
 *
 *   4     entry count
 *   per entry: u16 name length + UTF-8 name, f64 updatedAt (ms since epoch), u8 flags (bit 0: has
 *   password), u32 length + apiKey bytes, u32 length + secret bytes, [u32 length + password bytes].
 *
 * Secrets stay Buffers from the decrypted bytes to the caller, so lock() can zero them.
 */
import { createHash } from 'node:crypto';

export const MAGIC = Buffer.from('SDVAULT\0', 'latin1');
export const FORMAT_VERSION = 1;
export const KDF_SCRYPT = 1;
const CONTAINER_HEAD = MAGIC.length + 2 + 4;
const CHECKSUM_LENGTH = 32;
export const NONCE_LENGTH = 12;
export const TAG_LENGTH = 16;
export const KEY_LENGTH = 32;
const MIN_SALT = 16;
const MAX_SALT = 64;

export type VaultErrorCode =
  | 'wrong_password'
  | 'locked'
  | 'no_vault'
  | 'exists'
  | 'not_found'
  | 'corrupt'
  | 'truncated'
  | 'tampered'
  | 'unsupported_version'
  | 'disk_full'
  | 'io'
  | 'rate_limited'
  | 'conflict'
  | 'invalid';

/** Every vault failure: a code for programs, a message for people. */
export class VaultError extends Error {
  readonly code: VaultErrorCode;
  /** For `rate_limited`: how long until the next attempt is accepted, ms. */
  readonly retryAfterMs: number | undefined;

  constructor(code: VaultErrorCode, message: string, options: { cause?: unknown; retryAfterMs?: number } = {}) {
    super(message, options.cause !== undefined ? { cause: options.cause } : undefined);
    this.name = 'VaultError';
    this.code = code;
    this.retryAfterMs = options.retryAfterMs;
  }
}

/** scrypt cost parameters; N = 2^log2N. Memory use is 128·N·r bytes. */
export interface KdfParams {
  log2N: number;
  r: number;
  p: number;
}

/** 2^17, r=8, p=1: about 128 MiB and a few hundred ms per unlock on a 2020s laptop. */
export const DEFAULT_KDF: Readonly<KdfParams> = { log2N: 17, r: 8, p: 1 };
/** Refuse anything that would take more memory than this (a damaged or hostile header). */
export const MAX_KDF_MEMORY = 1024 * 1024 * 1024;

export function kdfMemory(params: KdfParams): number {
  return 128 * 2 ** params.log2N * params.r;
}

/** Whether params are ones this code will run: bounded memory and time, not merely well-formed. */
export function isSaneKdf(params: KdfParams): boolean {
  return (
    Number.isInteger(params.log2N) &&
    params.log2N >= 1 &&
    params.log2N <= 24 &&
    Number.isInteger(params.r) &&
    params.r >= 1 &&
    params.r <= 32 &&
    Number.isInteger(params.p) &&
    params.p >= 1 &&
    params.p <= 16 &&
    kdfMemory(params) <= MAX_KDF_MEMORY
  );
}

export function isWeaker(a: KdfParams, b: KdfParams): boolean {
  return kdfMemory(a) * a.p < kdfMemory(b) * b.p;
}

/** The parsed file. `header` and `wrapAad` are the exact bytes authenticated by AES-GCM. */
export interface VaultFile {
  version: number;
  kdf: KdfParams;
  salt: Buffer;
  wrapNonce: Buffer;
  wrappedKey: Buffer;
  wrapTag: Buffer;
  bodyNonce: Buffer;
  body: Buffer;
  bodyTag: Buffer;
  header: Buffer;
  wrapAad: Buffer;
}

export interface VaultFileParts {
  kdf: KdfParams;
  salt: Buffer;
  wrapNonce: Buffer;
  wrappedKey: Buffer;
  wrapTag: Buffer;
}

export function kdfBlock(kdf: KdfParams, salt: Buffer): Buffer {
  if (salt.length < MIN_SALT || salt.length > MAX_SALT) throw new RangeError('salt length out of range');
  const block = Buffer.alloc(1 + 1 + 4 + 4 + 1 + salt.length);
  block.writeUInt8(KDF_SCRYPT, 0);
  block.writeUInt8(kdf.log2N, 1);
  block.writeUInt32BE(kdf.r, 2);
  block.writeUInt32BE(kdf.p, 6);
  block.writeUInt8(salt.length, 10);
  salt.copy(block, 11);
  return block;
}

function versionBytes(): Buffer {
  const b = Buffer.alloc(2);
  b.writeUInt16BE(FORMAT_VERSION, 0);
  return b;
}

/** AAD for the data-key wrap: magic, version, KDF block. */
export function wrapAadFor(kdf: KdfParams, salt: Buffer): Buffer {
  return Buffer.concat([MAGIC, versionBytes(), kdfBlock(kdf, salt)]);
}

/** The header (AAD for the body) for a body of `bodyLength` ciphertext bytes. */
export function headerFor(parts: VaultFileParts, bodyLength: number): Buffer {
  const block = kdfBlock(parts.kdf, parts.salt);
  const payloadLength = block.length + NONCE_LENGTH + KEY_LENGTH + TAG_LENGTH + NONCE_LENGTH + bodyLength + TAG_LENGTH;
  const length = Buffer.alloc(4);
  length.writeUInt32BE(payloadLength, 0);
  return Buffer.concat([MAGIC, versionBytes(), length, block, parts.wrapNonce, parts.wrappedKey, parts.wrapTag]);
}

/** The whole file: header, body nonce, body, tag, checksum. */
export function serializeFile(header: Buffer, bodyNonce: Buffer, body: Buffer, bodyTag: Buffer): Buffer {
  const content = Buffer.concat([header, bodyNonce, body, bodyTag]);
  return Buffer.concat([content, sha256(content)]);
}

export function sha256(data: Buffer): Buffer {
  return createHash('sha256').update(data).digest();
}

/**
 * Parses and checks a file's structure (not its authenticity). Throws `truncated`, `corrupt` or
 * `unsupported_version` with a message that names `label` (e.g. "vault.bin").
 */
export function parseFile(bytes: Buffer, label: string): VaultFile {
  if (bytes.length === 0) throw new VaultError('truncated', `${label} is empty (a write was cut off?)`);
  const magicPart = bytes.subarray(0, Math.min(bytes.length, MAGIC.length));
  if (!magicPart.equals(MAGIC.subarray(0, magicPart.length))) {
    throw new VaultError('corrupt', `${label} is not a Stratdesk vault file (its first bytes are wrong)`);
  }
  if (bytes.length < CONTAINER_HEAD + CHECKSUM_LENGTH) {
    throw new VaultError('truncated', `${label} is truncated: ${bytes.length} bytes, too short to be a vault`);
  }
  const payloadLength = bytes.readUInt32BE(MAGIC.length + 2);
  const expected = CONTAINER_HEAD + payloadLength + CHECKSUM_LENGTH;
  if (bytes.length < expected) {
    throw new VaultError('truncated', `${label} is truncated: ${bytes.length} of ${expected} bytes`);
  }
  if (bytes.length > expected) {
    throw new VaultError('corrupt', `${label} is damaged: ${bytes.length - expected} unexpected bytes after its end`);
  }
  const content = bytes.subarray(0, expected - CHECKSUM_LENGTH);
  if (!sha256(content).equals(bytes.subarray(expected - CHECKSUM_LENGTH))) {
    throw new VaultError('corrupt', `${label} is damaged: its checksum does not match (a changed or flipped byte)`);
  }
  const version = bytes.readUInt16BE(MAGIC.length);
  if (version !== FORMAT_VERSION) {
    throw new VaultError(
      'unsupported_version',
      `${label} has format version ${version}; this Stratdesk reads version ${FORMAT_VERSION}${version > FORMAT_VERSION ? ' (it was written by a newer Stratdesk: update)' : ''}`,
    );
  }
  const reader = new Reader(content, CONTAINER_HEAD, label);
  const blockStart = reader.offset;
  const kdfId = reader.u8();
  if (kdfId !== KDF_SCRYPT) throw new VaultError('corrupt', `${label} is damaged: unknown key-derivation function ${kdfId}`);
  const kdf: KdfParams = { log2N: reader.u8(), r: reader.u32(), p: reader.u32() };
  if (!isSaneKdf(kdf)) throw new VaultError('corrupt', `${label} is damaged: implausible scrypt parameters`);
  const saltLength = reader.u8();
  if (saltLength < MIN_SALT || saltLength > MAX_SALT) throw new VaultError('corrupt', `${label} is damaged: bad salt length`);
  const salt = reader.take(saltLength);
  const blockEnd = reader.offset;
  const wrapNonce = reader.take(NONCE_LENGTH);
  const wrappedKey = reader.take(KEY_LENGTH);
  const wrapTag = reader.take(TAG_LENGTH);
  const headerEnd = reader.offset;
  const bodyNonce = reader.take(NONCE_LENGTH);
  const bodyLength = content.length - reader.offset - TAG_LENGTH;
  if (bodyLength < 4) throw new VaultError('corrupt', `${label} is damaged: no room for its entries`);
  const body = reader.take(bodyLength);
  const bodyTag = reader.take(TAG_LENGTH);
  return {
    version,
    kdf,
    salt: Buffer.from(salt),
    wrapNonce: Buffer.from(wrapNonce),
    wrappedKey: Buffer.from(wrappedKey),
    wrapTag: Buffer.from(wrapTag),
    bodyNonce: Buffer.from(bodyNonce),
    body: Buffer.from(body),
    bodyTag: Buffer.from(bodyTag),
    header: Buffer.from(content.subarray(0, headerEnd)),
    wrapAad: Buffer.concat([content.subarray(0, MAGIC.length + 2), content.subarray(blockStart, blockEnd)]),
  };
}

/** One stored credential set. Buffers so they can be zeroed; see `wipeEntry`. */
export interface EntrySecrets {
  apiKey: Buffer;
  secret: Buffer;
  password: Buffer | null;
  /** Last written, ms since epoch. */
  updatedAt: number;
}

export function encodeEntries(entries: ReadonlyMap<string, EntrySecrets>): Buffer {
  let size = 4;
  const names = [...entries.keys()].sort();
  const nameBytes = names.map((n) => Buffer.from(n, 'utf8'));
  for (const [i, name] of names.entries()) {
    const e = entries.get(name) as EntrySecrets;
    size +=
      2 + (nameBytes[i] as Buffer).length + 8 + 1 + 4 + e.apiKey.length + 4 + e.secret.length + (e.password ? 4 + e.password.length : 0);
  }
  const out = Buffer.alloc(size);
  let at = out.writeUInt32BE(names.length, 0);
  for (const [i, name] of names.entries()) {
    const e = entries.get(name) as EntrySecrets;
    const nb = nameBytes[i] as Buffer;
    at = out.writeUInt16BE(nb.length, at);
    at += nb.copy(out, at);
    at = out.writeDoubleBE(e.updatedAt, at);
    at = out.writeUInt8(e.password ? 1 : 0, at);
    for (const field of e.password ? [e.apiKey, e.secret, e.password] : [e.apiKey, e.secret]) {
      at = out.writeUInt32BE(field.length, at);
      at += field.copy(out, at);
    }
  }
  return out;
}

/** Decodes entries into fresh Buffers (the caller wipes `plain` afterwards). */
export function decodeEntries(plain: Buffer, label: string): Map<string, EntrySecrets> {
  const reader = new Reader(plain, 0, label);
  const count = reader.u32();
  const entries = new Map<string, EntrySecrets>();
  for (let i = 0; i < count; i++) {
    const name = reader.take(reader.u16()).toString('utf8');
    const updatedAt = reader.f64();
    const flags = reader.u8();
    const apiKey = Buffer.from(reader.take(reader.u32()));
    const secret = Buffer.from(reader.take(reader.u32()));
    const password = (flags & 1) === 1 ? Buffer.from(reader.take(reader.u32())) : null;
    entries.set(name, { apiKey, secret, password, updatedAt });
  }
  if (reader.offset !== plain.length) throw new VaultError('corrupt', `${label} is damaged: unexpected bytes after its entries`);
  return entries;
}

export function wipeEntry(entry: EntrySecrets): void {
  entry.apiKey.fill(0);
  entry.secret.fill(0);
  entry.password?.fill(0);
}

class Reader {
  readonly #buf: Buffer;
  readonly #label: string;
  offset: number;

  constructor(buf: Buffer, offset: number, label: string) {
    this.#buf = buf;
    this.offset = offset;
    this.#label = label;
  }

  #need(n: number): void {
    if (this.offset + n > this.#buf.length) throw new VaultError('corrupt', `${this.#label} is damaged: a field runs past the end`);
  }

  u8(): number {
    this.#need(1);
    return this.#buf.readUInt8(this.offset++);
  }

  u16(): number {
    this.#need(2);
    const v = this.#buf.readUInt16BE(this.offset);
    this.offset += 2;
    return v;
  }

  u32(): number {
    this.#need(4);
    const v = this.#buf.readUInt32BE(this.offset);
    this.offset += 4;
    return v;
  }

  f64(): number {
    this.#need(8);
    const v = this.#buf.readDoubleBE(this.offset);
    this.offset += 8;
    return v;
  }

  take(n: number): Buffer {
    this.#need(n);
    const v = this.#buf.subarray(this.offset, this.offset + n);
    this.offset += n;
    return v;
  }
}
