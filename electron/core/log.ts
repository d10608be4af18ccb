/** Structured log lines on stderr. Secrets registered with the logger are masked in every line. */
export interface Logger {
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
}

export interface LoggerOptions {
  /** Strings (API keys, secrets) that must never appear in a line. */
  secrets?: () => readonly string[];
  write?: (line: string) => void;
  isQuiet?: boolean;
}

export function createLogger(options: LoggerOptions = {}): Logger {
  const write = options.write ?? ((line: string) => process.stderr.write(line + '\n'));
  const emit = (level: string, message: string, fields?: Record<string, unknown>): void => {
    if (options.isQuiet === true && level === 'info') return;
    let line = JSON.stringify({ t: new Date().toISOString(), level, message, ...fields });
    for (const secret of options.secrets?.() ?? []) {
      if (secret.length >= 4) line = line.split(secret).join('***');
    }
    write(line);
  };
  return {
    info: (m, f) => emit('info', m, f),
    warn: (m, f) => emit('warn', m, f),
    error: (m, f) => emit('error', m, f),
  };
}

export const silentLogger: Logger = { info() {}, warn() {}, error() {} };
