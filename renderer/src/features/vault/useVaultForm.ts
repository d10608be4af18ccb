/**
 * The one shape of every vault form: uncontrolled inputs read once on submit, the form cleared before
 * anything is awaited (a password or key stays in the DOM only while it is typed), a problem found
 * before sending shown in place, and the submit button held while any vault action runs.
 */
import { useState, type FormEvent } from 'react';
import { useStratdesk } from '../../store/hooks.ts';

/** Reads one field of the submitted form as a string ('' when absent; a ticked checkbox reads 'on'). */
export type FieldReader = (name: string) => string;

/**
 * `handle` reads the fields and answers either the problem to show (never what was typed) or, when
 * they are fine, the command to send, which runs at once.
 */
export function useVaultForm(handle: (read: FieldReader) => string | (() => Promise<unknown>)): {
  problem: string | null;
  isBusy: boolean;
  onSubmit: (event: FormEvent<HTMLFormElement>) => void;
} {
  const isBusy = useStratdesk((state) => state.vaultBusy !== null);
  const [problem, setProblem] = useState<string | null>(null);
  const onSubmit = (event: FormEvent<HTMLFormElement>): void => {
    event.preventDefault();
    const form = event.currentTarget;
    const data = new FormData(form);
    form.reset();
    const answer = handle((name) => {
      const value = data.get(name);
      return typeof value === 'string' ? value : '';
    });
    if (typeof answer === 'string') {
      setProblem(answer);
    } else {
      setProblem(null);
      void answer();
    }
  };
  return { problem, isBusy, onSubmit };
}
