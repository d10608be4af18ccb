/** Reads a line from the terminal without echoing it (for passwords and API secrets). */
import type { ReadStream } from 'node:tty';

export class PromptCancelled extends Error {
  override name = 'PromptCancelled';
}

export function promptHidden(
  question: string,
  input: NodeJS.ReadStream = process.stdin,
  output: NodeJS.WritableStream = process.stderr,
): Promise<string> {
  if (!input.isTTY) return Promise.reject(new Error('no terminal to ask on'));
  const tty = input as unknown as ReadStream;
  output.write(question);
  return new Promise((resolve, reject) => {
    let value = '';
    const wasRaw = tty.isRaw;
    const finish = (error: Error | null): void => {
      input.removeListener('data', onData);
      tty.setRawMode(wasRaw);
      input.pause();
      output.write('\n');
      if (error) reject(error);
      else resolve(value);
    };
    const onData = (chunk: Buffer | string): void => {
      for (const ch of chunk.toString('utf8')) {
        if (ch === '\r' || ch === '\n') return finish(null);
        if (ch === '\u0003' || (ch === '\u0004' && value === '')) return finish(new PromptCancelled('cancelled'));
        if (ch === '\u007f' || ch === '\b') value = [...value].slice(0, -1).join('');
        else if (ch >= ' ') value += ch;
      }
    };
    tty.setRawMode(true);
    input.resume();
    input.on('data', onData);
  });
}
