/**
 * Optional unlock through the OS keychain. The core sees only this interface; the Electron shell
 * implements it with `safeStorage` (async API) and refuses Linux's `basic_text` backend, which is
 * no protection at all. Serve mode and the CLI have no keychain.
 */
export interface PasswordKeychain {
  /** True only where the OS really protects the stored secret. */
  isAvailable(): Promise<boolean>;
  save(password: string): Promise<void>;
  /** The remembered password, or null. */
  load(): Promise<string | null>;
  forget(): Promise<void>;
}

/** A keychain held in memory: the testing implementation, and a stand-in where there is none. */
export class MemoryKeychain implements PasswordKeychain {
  #password: string | null = null;
  readonly #isAvailable: boolean;
  constructor(isAvailable = true) {
    this.#isAvailable = isAvailable;
  }
  async isAvailable(): Promise<boolean> {
    return this.#isAvailable;
  }
  async save(password: string): Promise<void> {
    if (!this.#isAvailable) throw new Error('no keychain on this system');
    this.#password = password;
  }
  async load(): Promise<string | null> {
    return this.#password;
  }
  async forget(): Promise<void> {
    this.#password = null;
  }
}
