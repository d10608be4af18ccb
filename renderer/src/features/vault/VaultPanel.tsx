/**
 * Accounts and keys: the vault's state, its entries (masked keys only), which accounts use which
 * entry, and a key test per account.
 *
 * Secrets never enter React state: the forms are uncontrolled, read once on submit through FormData
 * and reset at once, so a password or key is in the DOM only while the trader types it and in memory
 * only until the command is sent. The window can write a key; nothing here can read one back.
 */
import { useEffect, useRef, useState, type ReactNode } from 'react';
import type { VaultStatus } from '../../../../shared/model.ts';
import type { VaultKeyInput } from '../../commands.ts';
import { formatTimestamp } from '../../format.ts';
import { useCommands, useStratdesk } from '../../store/hooks.ts';
import type { AccountTestUi, VaultAction } from '../../store/index.ts';
import {
  MIN_PASSWORD_LENGTH,
  accountRows,
  checkEntryName,
  checkNewPassword,
  displayKey,
  missingEntries,
  testVerdict,
  usersOfEntry,
  vaultState,
  type AccountRow,
  type TestVerdict,
} from './vaultModel.ts';
import { Modal } from '../../components/Modal.tsx';
import { ReconciliationSection } from '../accounts/ReconciliationView.tsx';
import { useVaultForm } from './useVaultForm.ts';
import { TableHead } from '../../components/TableHead.tsx';
import { Sheet, SheetToggle } from '../../components/Sheet.tsx';

/** While the panel is open: the vault locks itself when idle and sessions connect after an unlock. */
const REFRESH_MS = 5000;

export function VaultButton() {
  const isOpen = useStratdesk((state) => state.isVaultOpen);
  const commands = useCommands();
  return (
    <SheetToggle name="vault" isOpen={isOpen} onOpen={() => void commands.openVault()} onClose={commands.closeVault}>
      Accounts &amp; keys
    </SheetToggle>
  );
}

export function VaultPanel() {
  const isOpen = useStratdesk((state) => state.isVaultOpen);
  if (!isOpen) return null;
  return <OpenVaultPanel />;
}

function OpenVaultPanel() {
  const status = useStratdesk((state) => state.vaultStatus);
  const busy = useStratdesk((state) => state.vaultBusy);
  const commands = useCommands();
  useEffect(() => {
    const timer = setInterval(() => void commands.refreshVault({ quiet: true }), REFRESH_MS);
    return () => clearInterval(timer);
  }, [commands]);

  return (
    <Sheet
      name="vault"
      className="vault-panel"
      title="Accounts & keys"
      lede="Keys are kept encrypted in this machine's vault; the window can add or replace a key but never reads one back."
      actions={
        <VaultActionButton className="button button--ghost" onClick={() => void commands.refreshVault()}>
          Refresh
        </VaultActionButton>
      }
      onClose={commands.closeVault}
    >
      {status === null ? (
        <>
          <Feedback actions={VAULT_ACTIONS} />
          <p className="empty">{busy === 'load' ? 'Reading the vault…' : 'No vault status yet.'}</p>
        </>
      ) : (
        <VaultBody status={status} />
      )}
    </Sheet>
  );
}

function VaultBody({ status }: { status: VaultStatus }) {
  const state = vaultState(status);
  return (
    <>
      <section className="detail-section" aria-labelledby="vault-state-title">
        <h3 id="vault-state-title">Vault</h3>
        <VaultStateLine status={status} />
        {status.notice !== null && (
          <p className="notice notice--warn" data-testid="vault-notice">
            {status.notice}
          </p>
        )}
        <Feedback actions={VAULT_ACTIONS} />
        {state === 'none' && <CreateForm />}
        {state === 'locked' && <UnlockForm keychain={status.keychain} />}
        {state === 'unlocked' && <UnlockedActions keychain={status.keychain} />}
      </section>
      <section className="detail-section" aria-labelledby="vault-keys-title">
        <h3 id="vault-keys-title">
          Keys <span className="muted">names and masked keys only</span>
        </h3>
        <Feedback actions={KEY_ACTIONS} />
        {state === 'unlocked' ? (
          <>
            <EntriesTable status={status} />
            <PutKeyForm status={status} />
          </>
        ) : (
          <p className="empty" data-testid="vault-keys-hidden">
            {state === 'none' ? 'Create the vault to keep API keys in it.' : 'Unlock the vault to see and change its keys.'}
          </p>
        )}
      </section>
      <section className="detail-section" aria-labelledby="vault-accounts-title">
        <h3 id="vault-accounts-title">
          Accounts <span className="muted">from the workspace</span>
        </h3>
        <AccountsTable status={status} />
      </section>
      <ReconciliationSection accounts={accountRows(status)} />
    </>
  );
}

const KEYCHAIN_TEXT: Record<VaultStatus['keychain'], string> = {
  unavailable: 'no OS keychain here',
  available: 'OS keychain available, no password remembered',
  remembered: 'password remembered in the OS keychain',
};

function VaultStateLine({ status }: { status: VaultStatus }) {
  const state = vaultState(status);
  const label = state === 'none' ? 'not created' : state;
  return (
    <p className="vault-state" data-testid="vault-state" data-state={state}>
      <span className={`badge vault-badge vault-badge--${state}`}>{label}</span>
      {state === 'unlocked' && (
        <span>
          {status.entries.length} {status.entries.length === 1 ? 'key' : 'keys'}
        </span>
      )}
      <span className="muted" data-testid="vault-keychain" data-keychain={status.keychain}>
        · {KEYCHAIN_TEXT[status.keychain]}
      </span>
    </p>
  );
}

const ACTION_LABEL: Record<VaultAction, string> = {
  load: 'Reading the vault',
  create: 'Create',
  unlock: 'Unlock',
  lock: 'Lock',
  password: 'Change password',
  put: 'Save key',
  remove: 'Remove key',
};

const KEY_ACTIONS: readonly VaultAction[] = ['put', 'remove'];
const VAULT_ACTIONS: readonly VaultAction[] = ['load', 'create', 'unlock', 'lock', 'password'];

/**
 * The answer to the last action: the host's own message on a refusal (wrong password, too many
 * tries, …), shown in the section whose action it answers.
 */
function Feedback({ actions }: { actions: readonly VaultAction[] }) {
  const feedback = useStratdesk((state) => state.vaultFeedback);
  if (feedback === null || !actions.includes(feedback.action)) return null;
  if (!feedback.isError) {
    return (
      <p className="notice notice--ok" role="status" data-testid="vault-ok">
        {feedback.message}
      </p>
    );
  }
  return (
    <p className="notice notice--error" role="alert" data-testid="vault-error" data-code={feedback.code ?? ''}>
      <strong>{ACTION_LABEL[feedback.action]} failed</strong>
      {feedback.code !== null && <span className="muted"> ({feedback.code})</span>}: {feedback.message}
    </p>
  );
}

/** A vault button: held while any vault action runs, like the forms' submit buttons. */
function VaultActionButton({
  className = 'button',
  testId,
  onClick,
  children,
}: {
  className?: string;
  testId?: string;
  onClick: () => void;
  children: ReactNode;
}) {
  const isBusy = useStratdesk((state) => state.vaultBusy !== null);
  return (
    <button type="button" className={className} disabled={isBusy} data-testid={testId} onClick={onClick}>
      {children}
    </button>
  );
}

/**
 * Every vault form's frame: what it says first, its fields in a row, the problem `useVaultForm` found
 * (in place, before anything is sent), and its submit button, held while any vault action runs.
 */
function VaultForm({
  form,
  name,
  className = 'vault-form',
  autoComplete,
  intro,
  note,
  submit,
  children,
}: {
  form: ReturnType<typeof useVaultForm>;
  /** Names its test ids: `vault-<name>-form` and `vault-<name>-problem`. */
  name: 'create' | 'unlock' | 'password' | 'put';
  className?: string;
  autoComplete?: 'off';
  intro?: ReactNode;
  note?: ReactNode;
  submit: { label: string; testId: string; isPrimary: boolean };
  children: ReactNode;
}) {
  return (
    <form className={className} data-testid={`vault-${name}-form`} onSubmit={form.onSubmit} noValidate autoComplete={autoComplete}>
      {intro}
      <div className="form-row">{children}</div>
      {form.problem !== null && (
        <p className="notice notice--error" role="alert" data-testid={`vault-${name}-problem`}>
          {form.problem}
        </p>
      )}
      <div className="form-actions">
        {note}
        <button
          type="submit"
          className={submit.isPrimary ? 'button button--primary' : 'button'}
          disabled={form.isBusy}
          data-testid={submit.testId}
        >
          {submit.label}
        </button>
      </div>
    </form>
  );
}

/** A password or key field: masked, never spell-checked, read once on submit. */
function SecretInput({
  name,
  label,
  autoComplete,
  maxLength = 1024,
  isRequired = true,
  testId,
}: {
  name: string;
  label: ReactNode;
  autoComplete: string;
  maxLength?: number;
  isRequired?: boolean;
  testId: string;
}) {
  return (
    <label className="field field--stack">
      {label}
      <input
        type="password"
        className="input"
        name={name}
        autoComplete={autoComplete}
        spellCheck={false}
        maxLength={maxLength}
        data-testid={testId}
        required={isRequired}
      />
    </label>
  );
}

function CreateForm() {
  const commands = useCommands();
  const form = useVaultForm((read) => {
    const password = read('password');
    return checkNewPassword(password, read('repeat')) ?? (() => commands.createVault(password));
  });
  return (
    <VaultForm
      form={form}
      name="create"
      intro={
        <p className="muted small">
          There is no vault yet. Choose its password (at least {MIN_PASSWORD_LENGTH} characters). It cannot be recovered: without it, the
          keys must be entered again.
        </p>
      }
      submit={{ label: 'Create the vault', testId: 'vault-create', isPrimary: true }}
    >
      <SecretInput name="password" label="Password" autoComplete="new-password" testId="vault-new-password" />
      <SecretInput name="repeat" label="Repeat it" autoComplete="new-password" testId="vault-new-password-repeat" />
    </VaultForm>
  );
}

function UnlockForm({ keychain }: { keychain: VaultStatus['keychain'] }) {
  const commands = useCommands();
  const form = useVaultForm((read) => {
    const password = read('password');
    if (password === '') return 'Enter the vault password.';
    const remember = keychain !== 'unavailable' && read('remember') === 'on';
    return () => commands.unlockVault(password, remember);
  });
  return (
    <VaultForm form={form} name="unlock" submit={{ label: 'Unlock', testId: 'vault-unlock', isPrimary: true }}>
      <SecretInput name="password" label="Vault password" autoComplete="current-password" testId="vault-password" />
      {keychain !== 'unavailable' && (
        <label className="field">
          <input type="checkbox" name="remember" data-testid="vault-remember" />
          Remember it in the OS keychain
        </label>
      )}
    </VaultForm>
  );
}

function UnlockedActions({ keychain }: { keychain: VaultStatus['keychain'] }) {
  const commands = useCommands();
  return (
    <>
      <div className="form-actions form-actions--start">
        <VaultActionButton testId="vault-lock" onClick={() => void commands.lockVault(false)}>
          Lock
        </VaultActionButton>
        {keychain === 'remembered' && (
          <VaultActionButton testId="vault-lock-forget" onClick={() => void commands.lockVault(true)}>
            Lock and forget the remembered password
          </VaultActionButton>
        )}
        <span className="muted small">Locking keeps connected instances running with the keys they already hold.</span>
      </div>
      <details className="vault-details">
        <summary>Change the password</summary>
        <ChangePasswordForm />
      </details>
    </>
  );
}

function ChangePasswordForm() {
  const commands = useCommands();
  const form = useVaultForm((read) => {
    const oldPassword = read('old');
    const newPassword = read('new');
    if (oldPassword === '') return 'Enter the current password.';
    return checkNewPassword(newPassword, read('repeat')) ?? (() => commands.changeVaultPassword(oldPassword, newPassword));
  });
  return (
    <VaultForm form={form} name="password" submit={{ label: 'Change password', testId: 'vault-change-password', isPrimary: false }}>
      <SecretInput name="old" label="Current password" autoComplete="current-password" testId="vault-old-password" />
      <SecretInput name="new" label="New password" autoComplete="new-password" testId="vault-changed-password" />
      <SecretInput name="repeat" label="Repeat the new one" autoComplete="new-password" testId="vault-changed-password-repeat" />
    </VaultForm>
  );
}

function EntriesTable({ status }: { status: VaultStatus }) {
  const commands = useCommands();
  const [removing, setRemoving] = useState<string | null>(null);
  if (status.entries.length === 0) {
    return (
      <p className="empty" data-testid="vault-no-keys">
        No keys yet. Add one below under the name an account refers to.
      </p>
    );
  }
  return (
    <>
      <div className="table-scroll">
        <table className="grid grid--compact vault-entries" data-testid="vault-entries">
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">API key</th>
              <th scope="col">Passphrase</th>
              <th scope="col">Updated</th>
              <th scope="col">Used by</th>
              <th scope="col">
                <span className="visually-hidden">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {status.entries.map((entry) => {
              const users = usersOfEntry(status, entry.name);
              return (
                <tr key={entry.name} data-testid={`vault-entry-${entry.name}`}>
                  <td className="cell-id">{entry.name}</td>
                  <td className="mono" data-testid="masked-key">
                    {displayKey(entry.apiKey)}
                  </td>
                  <td>{entry.hasPassword ? 'yes' : 'no'}</td>
                  <td className="muted">{formatTimestamp(entry.updatedAt)}</td>
                  <td>{users.length === 0 ? <span className="muted">no account</span> : users.join(', ')}</td>
                  <td className="cell-actions">
                    <VaultActionButton
                      className="button button--danger button--small"
                      testId="vault-remove"
                      onClick={() => setRemoving(entry.name)}
                    >
                      Remove
                    </VaultActionButton>
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      </div>
      {removing !== null && (
        <RemoveConfirm
          name={removing}
          users={usersOfEntry(status, removing)}
          onCancel={() => setRemoving(null)}
          onConfirm={() => {
            setRemoving(null);
            void commands.removeVaultKey(removing);
          }}
        />
      )}
    </>
  );
}

function RemoveConfirm({
  name,
  users,
  onCancel,
  onConfirm,
}: {
  name: string;
  users: string[];
  onCancel: () => void;
  onConfirm: () => void;
}) {
  const noRef = useRef<HTMLButtonElement>(null);
  return (
    <Modal titleId="vault-remove-title" testId="vault-remove-dialog" onCancel={onCancel} initialFocus={noRef}>
      <h2 id="vault-remove-title" className="modal-title">
        Remove the key &quot;{name}&quot;?
      </h2>
      <p>
        It is deleted from the vault for good.{' '}
        {users.length === 0
          ? 'No account uses it.'
          : `Used by ${users.join(', ')}: their instances keep the key they hold until they reconnect, then cannot authenticate.`}
      </p>
      <div className="panel-actions">
        <button ref={noRef} type="button" className="button" data-testid="vault-remove-no" onClick={onCancel}>
          Cancel
        </button>
        <button type="button" className="button button--danger-solid" data-testid="vault-remove-yes" onClick={onConfirm}>
          Remove {name}
        </button>
      </div>
    </Modal>
  );
}

function PutKeyForm({ status }: { status: VaultStatus }) {
  const commands = useCommands();
  const missing = missingEntries(status);
  const names = [...new Set([...missing, ...status.entries.map((e) => e.name)])];
  const form = useVaultForm((read) => {
    const entry: VaultKeyInput = {
      name: read('name').trim(),
      apiKey: read('apiKey').trim(),
      secret: read('secret').trim(),
      passphrase: read('passphrase'),
    };
    const problem =
      checkEntryName(entry.name) ?? (entry.apiKey === '' ? 'Enter the API key.' : entry.secret === '' ? 'Enter the secret.' : null);
    return problem ?? (() => commands.putVaultKey(entry));
  });
  return (
    <VaultForm
      form={form}
      name="put"
      className="vault-form vault-form--key"
      autoComplete="off"
      intro={
        <>
          <h4 className="form-title">Add or replace a key</h4>
          {missing.length > 0 && (
            <p className="notice notice--warn small" data-testid="vault-missing">
              Accounts refer to {missing.length === 1 ? 'a key' : 'keys'} the vault does not have: {missing.join(', ')}.
            </p>
          )}
        </>
      }
      note={
        <span className="muted small">Saving under an existing name replaces that key. Accounts using it reconnect with the new one.</span>
      }
      submit={{ label: 'Save key', testId: 'vault-key-save', isPrimary: true }}
    >
      <label className="field field--stack">
        Name
        <input
          type="text"
          className="input"
          name="name"
          list="vault-entry-names"
          maxLength={64}
          spellCheck={false}
          autoComplete="off"
          placeholder={missing[0] ?? 'e.g. binance-main'}
          data-testid="vault-key-name"
          required
        />
        <datalist id="vault-entry-names">
          {names.map((n) => (
            <option key={n} value={n} />
          ))}
        </datalist>
      </label>
      <SecretInput name="apiKey" label="API key" autoComplete="off" maxLength={4096} testId="vault-key-api" />
      <SecretInput name="secret" label="Secret" autoComplete="off" maxLength={16384} testId="vault-key-secret" />
      <SecretInput
        name="passphrase"
        label={
          <span>
            Passphrase <span className="muted">(optional)</span>
          </span>
        }
        autoComplete="off"
        isRequired={false}
        testId="vault-key-passphrase"
      />
    </VaultForm>
  );
}

const KEY_SOURCE_TEXT: Record<AccountRow['keySource'], string> = {
  workspace: 'in the workspace file',
  locked: 'vault locked',
  missing: 'not in the vault',
  ready: 'in the vault',
};

function AccountsTable({ status }: { status: VaultStatus }) {
  const rows = accountRows(status);
  if (rows.length === 0) return <p className="empty">The workspace has no accounts.</p>;
  return (
    <div className="table-scroll">
      <table className="grid grid--compact vault-accounts" data-testid="vault-accounts">
        <TableHead columns={['Account', 'Exchange', 'Key', 'Connected', { label: 'Test', hidden: true }]} />
        <tbody>
          {rows.map((row) => (
            <AccountRows key={row.id} row={row} />
          ))}
        </tbody>
      </table>
    </div>
  );
}

function AccountRows({ row }: { row: AccountRow }) {
  const test = useStratdesk((state) => state.accountTests[row.id]);
  const commands = useCommands();
  const isRunning = test?.phase === 'running';
  return (
    <>
      <tr data-testid={`vault-account-${row.id}`} data-connected={row.isConnected} data-key-source={row.keySource}>
        <td className="cell-id">{row.id}</td>
        <td>{row.exchange}</td>
        <td>
          {row.vaultEntry !== null && <span className="mono">{row.vaultEntry}</span>}{' '}
          <span className={`key-source key-source--${row.keySource}`}>{KEY_SOURCE_TEXT[row.keySource]}</span>
        </td>
        <td>
          <span className={`account-conn${row.isConnected ? ' account-conn--yes' : ''}`} data-testid="account-connected">
            <span className="account-conn-dot" aria-hidden="true" />
            {row.isConnected ? 'connected' : 'not connected'}
          </span>
        </td>
        <td className="cell-actions">
          <button
            type="button"
            className="button button--small"
            disabled={isRunning}
            aria-busy={isRunning}
            data-testid="account-test"
            onClick={() => void commands.testAccount(row.id)}
          >
            {isRunning ? 'Testing…' : 'Test'}
          </button>
        </td>
      </tr>
      {test !== undefined && test.phase !== 'running' && (
        <tr className="test-row">
          <td colSpan={5}>
            <TestResult test={test} accountId={row.id} />
          </td>
        </tr>
      )}
    </>
  );
}

const VERDICT_LABEL: Record<TestVerdict, string> = {
  ok: 'Test passed',
  warn: 'Test passed, with warnings',
  fail: 'Test failed',
};

function TestResult({ test, accountId }: { test: Exclude<AccountTestUi, { phase: 'running' }>; accountId: string }) {
  if (test.phase === 'failed') {
    return (
      <div className="test-result test-result--fail" data-testid={`account-test-result-${accountId}`} data-verdict="fail">
        <strong>Test failed</strong> ({test.error.code}): {test.error.message}
      </div>
    );
  }
  const { result } = test;
  const verdict = testVerdict(result);
  return (
    <div className={`test-result test-result--${verdict}`} data-testid={`account-test-result-${accountId}`} data-verdict={verdict}>
      <div>
        <strong>{VERDICT_LABEL[verdict]}</strong>: {result.message}{' '}
        <span className="muted small">({formatTimestamp(new Date(test.at).toISOString())})</span>
      </div>
      {result.warnings.length > 0 && (
        <ul className="test-warnings" data-testid="account-test-warnings" aria-label="Warnings">
          {result.warnings.map((w) => (
            <li key={w}>
              <span aria-hidden="true">⚠ </span>
              {w}
            </li>
          ))}
        </ul>
      )}
      {result.permissions.length > 0 && (
        <Chips label="Permissions" testId="account-test-permissions">
          {result.permissions.map((p) => (
            <span key={p} className="perm-chip">
              {p}
            </span>
          ))}
        </Chips>
      )}
    </div>
  );
}

function Chips({ label, testId, children }: { label: string; testId: string; children: ReactNode }) {
  return (
    <div className="perm-chips" data-testid={testId}>
      <span className="muted small">{label}:</span> {children}
    </div>
  );
}
