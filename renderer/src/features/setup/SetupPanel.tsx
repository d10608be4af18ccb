/**
 * Set-up in the window (issue 14): accounts, instances and portfolio targets edited as one draft of
 * the workspace document, checked here before anything is sent, then applied whole with the revision
 * it was read at. The host applies it hot (only touched instances start, stop or restart), answers
 * what it did, and keeps the previous version for Undo. A refusal's `error.fields[]` lands next to
 * the fields it names; nothing is applied until every field is right.
 *
 * Keys never pass through here: an account names a vault entry; inline keys in a file come back
 * masked and are sent back as they came, which keeps them.
 */
import { useCallback, useEffect, useMemo, useState, type ChangeEvent, type ReactNode } from 'react';
import type { FieldError } from '../../../../shared/contract.ts';
import {
  INSTANCE_MODES,
  INSTANCE_TYPES,
  REBALANCE_POLICIES,
  type MarketList,
  type WorkspaceDocument,
  type WorkspaceState,
} from '../../../../shared/model.ts';
import { describeRange, paramSpecs } from '../../../../shared/strategyParams.ts';
import { formatTimestamp } from '../../format.ts';
import { useCommands, useStratdesk } from '../../store/hooks.ts';
import { TYPE_LABEL } from '../instances/tableModel.ts';
import { Sheet } from '../../components/Sheet.tsx';
import {
  appliedSummary,
  checkDraft,
  cloneInstance,
  equalShares,
  errorsAt,
  formatShare,
  joinStartTime,
  newInstance,
  removeInstance,
  renameInstance,
  setParam,
  setType,
  splitStartTime,
  targetSum,
  toDraft,
  TARGET_SUM_TOLERANCE,
  type DraftAccount,
  type DraftInstance,
} from './setupModel.ts';

/** Zones offered for a start time: UTC, the machine's own offset, and the trading hubs'. */
function zoneOptions(): string[] {
  const minutes = -new Date().getTimezoneOffset();
  const sign = minutes < 0 ? '-' : '+';
  const abs = Math.abs(minutes);
  const local = `${sign}${String(Math.floor(abs / 60)).padStart(2, '0')}:${String(abs % 60).padStart(2, '0')}`;
  return [...new Set(['Z', local, '-05:00', '+01:00', '+08:00', '+09:00'])];
}

function FieldErrors({ messages, testId }: { messages: readonly string[]; testId: string }) {
  if (messages.length === 0) return null;
  return (
    <span className="field-error" role="alert" data-testid={testId}>
      {messages.join('; ')}
    </span>
  );
}

/** A select of a fixed list of choices (the model's own constants), each shown by `label`. */
function ChoiceSelect<T extends string>({
  value,
  choices,
  label = (choice) => choice,
  testId,
  onChoose,
}: {
  value: T;
  choices: readonly T[];
  label?: (choice: T) => string;
  testId: string;
  onChoose: (choice: T) => void;
}) {
  return (
    <select className="input" value={value} data-testid={testId} onChange={(e) => onChoose(e.target.value as T)}>
      {choices.map((choice) => (
        <option key={choice} value={choice}>
          {label(choice)}
        </option>
      ))}
    </select>
  );
}

/** A text field whose value is what was typed without the spaces around it (ids, exchange names). */
function TrimmedInput({
  value,
  list,
  testId,
  onValue,
}: {
  value: string;
  list?: string;
  testId: string;
  onValue: (value: string) => void;
}) {
  return <input className="input" list={list} value={value} data-testid={testId} onChange={(e) => onValue(e.target.value.trim())} />;
}

function Field({
  label,
  children,
  errors,
  path,
  hint,
}: {
  label: ReactNode;
  children: ReactNode;
  errors: readonly FieldError[];
  path: string;
  hint?: string;
}) {
  const messages = errorsAt(errors, path);
  return (
    <label className={`field field--stack${messages.length > 0 ? ' field--invalid' : ''}`} title={hint}>
      <span>{label}</span>
      {children}
      <FieldErrors messages={messages} testId={`error-${path}`} />
    </label>
  );
}

/** Rendered by SetupPanelLazy once the trader opens it. */
export function SetupPanel() {
  return <OpenSetupPanel />;
}

type Outcome = { kind: 'ok' | 'error'; text: string } | null;

function OpenSetupPanel() {
  const commands = useCommands();
  const vaultEntries = useStratdesk((state) => state.vaultStatus?.entries);
  const [base, setBase] = useState<WorkspaceState | null>(null);
  const [draft, setDraft] = useState<WorkspaceDocument | null>(null);
  const [serverErrors, setServerErrors] = useState<FieldError[]>([]);
  const [outcome, setOutcome] = useState<Outcome>(null);
  const [busy, setBusy] = useState<'load' | 'apply' | 'undo' | 'import' | null>('load');
  const [exchanges, setExchanges] = useState<string[]>([]);
  const [notes, setNotes] = useState<string[]>([]);
  // Bumped whenever the draft is replaced from outside (read, imported): inputs that keep their own
  // text while typing start again from the new document.
  const [generation, setGeneration] = useState(0);

  const load = useCallback(async (): Promise<void> => {
    setBusy('load');
    const result = await commands.getWorkspace();
    setBusy(null);
    if (!result.ok) {
      setOutcome({ kind: 'error', text: `Could not read the workspace (${result.error.code}): ${result.error.message}` });
      return;
    }
    setBase(result.value);
    setDraft(toDraft(result.value.workspace));
    setGeneration((g) => g + 1);
    setServerErrors([]);
  }, [commands]);

  useEffect(() => {
    void load();
    void commands.refreshVault({ quiet: true });
    void commands.listExchanges().then((r) => {
      if (r.ok) setExchanges(r.value.exchanges);
    });
  }, [commands, load]);

  const checks = useMemo(() => (draft === null ? [] : checkDraft(draft)), [draft]);
  const errors = useMemo(() => [...checks, ...serverErrors], [checks, serverErrors]);
  const isDirty = base !== null && draft !== null && JSON.stringify(toDraft(base.workspace)) !== JSON.stringify(draft);

  const edit = (next: WorkspaceDocument): void => {
    setDraft(next);
    // The host's refusals were about the document it saw; once edited, this one's own checks speak.
    setServerErrors([]);
  };

  const apply = async (): Promise<void> => {
    if (draft === null || base === null) return;
    setOutcome(null);
    if (checks.length > 0) {
      setOutcome({
        kind: 'error',
        text: `Fix the ${checks.length} marked ${checks.length === 1 ? 'field' : 'fields'}: nothing was applied.`,
      });
      return;
    }
    setBusy('apply');
    const result = await commands.putWorkspace(draft, base.revision);
    setBusy(null);
    if (result.ok) {
      setOutcome({ kind: 'ok', text: `Applied (revision ${result.value.revision}): ${appliedSummary(result.value.applied)}.` });
      setNotes([]);
      await load();
      return;
    }
    setServerErrors(result.error.fields ?? []);
    const why =
      result.error.code === 'conflict'
        ? 'the workspace changed since it was read (another window, the API or an undo). Reload it, then apply again'
        : result.error.message;
    setOutcome({ kind: 'error', text: `Nothing was applied: ${why}` });
  };

  const undo = async (): Promise<void> => {
    setOutcome(null);
    setBusy('undo');
    const result = await commands.undoWorkspace();
    setBusy(null);
    if (result.ok) {
      setOutcome({ kind: 'ok', text: `Undone (revision ${result.value.revision}): ${appliedSummary(result.value.applied)}.` });
      await load();
    } else setOutcome({ kind: 'error', text: `Undo refused (${result.error.code}): ${result.error.message}` });
  };

  const importFile = async (event: ChangeEvent<HTMLInputElement>): Promise<void> => {
    const file = event.currentTarget.files?.[0];
    event.currentTarget.value = '';
    if (file === undefined) return;
    let legacy: unknown;
    try {
      legacy = JSON.parse(await file.text());
    } catch {
      setOutcome({ kind: 'error', text: `${file.name} is not JSON.` });
      return;
    }
    setBusy('import');
    const result = await commands.importWorkspace(legacy);
    setBusy(null);
    if (!result.ok) {
      setServerErrors(result.error.fields ?? []);
      setOutcome({ kind: 'error', text: `Could not import ${file.name}: ${result.error.message}` });
      return;
    }
    // Review first: the migrated document replaces the draft; nothing runs until Apply.
    edit(toDraft(result.value.workspace as WorkspaceDocument));
    setGeneration((g) => g + 1);
    setNotes(result.value.notes);
    setOutcome({ kind: 'ok', text: `Imported ${file.name} for review: check it below, then Apply.` });
  };

  const actions = (
    <div className="setup-actions">
      <button
        type="button"
        className="button button--primary"
        data-testid="setup-apply"
        disabled={busy !== null || draft === null || !isDirty}
        onClick={() => void apply()}
      >
        {busy === 'apply' ? 'Applying…' : 'Apply'}
      </button>
      <button type="button" className="button" data-testid="setup-revert" disabled={busy !== null || !isDirty} onClick={() => void load()}>
        Discard edits
      </button>
      <button
        type="button"
        className="button"
        data-testid="setup-undo"
        disabled={busy !== null || base?.canUndo !== true || isDirty}
        onClick={() => void undo()}
      >
        Undo last change
      </button>
      <label className="button setup-import">
        Import a legacy file…
        <input
          type="file"
          accept=".json,application/json"
          className="visually-hidden"
          data-testid="setup-import"
          onChange={(e) => void importFile(e)}
        />
      </label>
      <span className="muted small" data-testid="setup-check-count">
        {checks.length === 0 ? (isDirty ? 'Ready to apply.' : 'No changes.') : `${checks.length} to fix before applying.`}
      </span>
    </div>
  );

  return (
    <Sheet
      name="setup"
      className="vault-panel setup-panel"
      title="Set up"
      lede={
        <>
          Accounts, instances and targets. Changes are checked here, then applied together: only the instances they touch start, stop or
          restart, and the last change can be undone.
          {base !== null && <span data-testid="setup-revision"> Revision {base.revision}.</span>}
        </>
      }
      onClose={commands.closeSetup}
      // Escape never throws away edits that were not applied: Close (a deliberate click) does.
      canEscape={() => !isDirty}
      footer={actions}
    >
      {outcome !== null && (
        <p
          className={`notice ${outcome.kind === 'ok' ? 'notice--ok' : 'notice--error'}`}
          role={outcome.kind === 'ok' ? 'status' : 'alert'}
          data-testid="setup-outcome"
          data-kind={outcome.kind}
        >
          {outcome.text}
        </p>
      )}
      {notes.length > 0 && (
        <ul className="notice notice--warn setup-notes" data-testid="setup-import-notes">
          {notes.map((n) => (
            <li key={n}>{n}</li>
          ))}
        </ul>
      )}
      {draft === null ? (
        <p className="empty" aria-busy={busy === 'load'}>
          {busy === 'load' ? 'Reading the workspace…' : 'No workspace.'}
        </p>
      ) : (
        <>
          <AccountsEditor
            doc={draft}
            base={base?.workspace ?? null}
            onChange={edit}
            errors={errors}
            exchanges={exchanges}
            vaultEntries={vaultEntries?.map((e) => e.name) ?? []}
          />
          <InstancesEditor doc={draft} base={base?.workspace ?? null} onChange={edit} errors={errors} />
          <TargetsEditor key={generation} doc={draft} onChange={edit} errors={errors} />
        </>
      )}
      <FieldErrors
        messages={errors.filter((e) => !isShownInPlace(e.path, draft)).map((e) => `${e.path}: ${e.message}`)}
        testId="setup-other-errors"
      />
    </Sheet>
  );
}

/** Paths the editors show next to their field; anything else is listed at the bottom. */
function isShownInPlace(path: string, doc: WorkspaceDocument | null): boolean {
  if (doc === null) return false;
  return /^(accounts\[\d+\]\.(id|exchange|apiBaseUrl|credentials)|instances\[\d+\]\.(id|account|mode|type|symbols|startTime|params(\..+)?)|portfolio\.targets(\..+)?|accounts)$/.test(
    path,
  );
}

function AccountsEditor({
  doc,
  base,
  onChange,
  errors,
  exchanges,
  vaultEntries,
}: {
  doc: WorkspaceDocument;
  base: WorkspaceDocument | null;
  onChange: (doc: WorkspaceDocument) => void;
  errors: readonly FieldError[];
  exchanges: readonly string[];
  vaultEntries: readonly string[];
}) {
  const commands = useCommands();
  const tests = useStratdesk((state) => state.accountTests);
  const setAccount = (i: number, account: DraftAccount): void =>
    onChange({ ...doc, accounts: doc.accounts.map((a, j) => (j === i ? account : a)) });
  const add = (): void =>
    onChange({
      ...doc,
      accounts: [
        ...doc.accounts,
        { id: newAccountId(doc), exchange: '', ...(vaultEntries[0] !== undefined ? { credentials: { vault: vaultEntries[0] } } : {}) },
      ],
    });
  return (
    <section className="detail-section setup-section" aria-labelledby="setup-accounts-h" data-testid="setup-accounts">
      <h3 id="setup-accounts-h">Accounts</h3>
      <datalist id="setup-exchanges">
        {exchanges.map((x) => (
          <option key={x} value={x} />
        ))}
      </datalist>
      <FieldErrors messages={errorsAt(errors, 'accounts')} testId="error-accounts" />
      {doc.accounts.map((a, i) => {
        const at = `accounts[${i}]`;
        const isApplied = base?.accounts.some((b) => b.id === a.id && JSON.stringify(b) === JSON.stringify(a)) === true;
        const keyValue = a.credentials === undefined ? '' : 'vault' in a.credentials ? `vault:${a.credentials.vault}` : 'inline';
        const test = tests[a.id];
        return (
          <fieldset key={i} className="setup-card" data-testid={`setup-account-${i}`}>
            <div className="form-row">
              <Field label="Id" errors={errors} path={`${at}.id`}>
                <TrimmedInput value={a.id} testId="account-id" onValue={(id) => setAccount(i, { ...a, id })} />
              </Field>
              <Field label="Exchange" errors={errors} path={`${at}.exchange`} hint="One of the exchanges ccxt supports">
                <TrimmedInput
                  value={a.exchange}
                  list="setup-exchanges"
                  testId="account-exchange"
                  onValue={(exchange) => setAccount(i, { ...a, exchange })}
                />
              </Field>
              <Field label="Key" errors={errors} path={`${at}.credentials`} hint="An entry of the vault (Accounts & keys adds one)">
                <select
                  className="input"
                  value={keyValue}
                  data-testid="account-key"
                  onChange={(e) => {
                    const v = e.target.value;
                    const { credentials: _old, ...rest } = a;
                    if (v === '') setAccount(i, rest);
                    else if (v.startsWith('vault:')) setAccount(i, { ...rest, credentials: { vault: v.slice(6) } });
                  }}
                >
                  <option value="">none (public data only)</option>
                  {keyValue === 'inline' && <option value="inline">keys in the file (masked)</option>}
                  {[
                    ...new Set([
                      ...vaultEntries,
                      ...(a.credentials !== undefined && 'vault' in a.credentials ? [a.credentials.vault] : []),
                    ]),
                  ].map((n) => (
                    <option key={n} value={`vault:${n}`}>
                      vault: {n}
                      {vaultEntries.includes(n) ? '' : ' (not in the vault)'}
                    </option>
                  ))}
                </select>
              </Field>
              <Field
                label="API address (simulator, testnet)"
                errors={errors}
                path={`${at}.apiBaseUrl`}
                hint="Leave empty for the exchange's own"
              >
                <input
                  className="input"
                  value={a.apiBaseUrl ?? ''}
                  placeholder="the exchange's own"
                  data-testid="account-api-url"
                  onChange={(e) => {
                    const { apiBaseUrl: _old, ...rest } = a;
                    const v = e.target.value.trim();
                    setAccount(i, v === '' ? rest : { ...rest, apiBaseUrl: v });
                  }}
                />
              </Field>
              <label className="field">
                <input
                  type="checkbox"
                  checked={a.sandbox === true}
                  data-testid="account-sandbox"
                  onChange={(e) => {
                    const { sandbox: _old, ...rest } = a;
                    setAccount(i, e.target.checked ? { ...rest, sandbox: true } : rest);
                  }}
                />
                Sandbox
              </label>
            </div>
            <div className="form-actions form-actions--start">
              <button
                type="button"
                className="button button--small"
                disabled={!isApplied || test?.phase === 'running'}
                title={isApplied ? 'One authenticated call with this key' : 'Apply first: the key test runs against the applied account'}
                data-testid="account-test"
                onClick={() => void commands.testAccount(a.id)}
              >
                {test?.phase === 'running' ? 'Testing…' : 'Test the key'}
              </button>
              {test !== undefined && test.phase !== 'running' && (
                <span className="small" data-testid={`setup-account-test-${a.id}`} data-ok={test.phase === 'done' && test.result.ok}>
                  {test.phase === 'failed'
                    ? `Test failed (${test.error.code}): ${test.error.message}`
                    : `${test.result.ok ? 'Key works' : 'Key refused'}: ${test.result.message}${test.result.warnings.length > 0 ? ` — ${test.result.warnings.join('; ')}` : ''} (${formatTimestamp(new Date(test.at).toISOString())})`}
                </span>
              )}
              <button
                type="button"
                className="button button--danger button--small"
                data-testid="account-remove"
                disabled={doc.instances.some((inst) => inst.account === a.id)}
                title="An account with instances cannot be removed: move or remove them first"
                onClick={() => onChange({ ...doc, accounts: doc.accounts.filter((_, j) => j !== i) })}
              >
                Remove
              </button>
            </div>
          </fieldset>
        );
      })}
      <button type="button" className="button" data-testid="setup-add-account" onClick={add}>
        Add an account
      </button>
    </section>
  );
}

function newAccountId(doc: WorkspaceDocument): string {
  const taken = new Set(doc.accounts.map((a) => a.id));
  for (let n = 1; ; n += 1) if (!taken.has(`account-${n}`)) return `account-${n}`;
}

function InstancesEditor({
  doc,
  base,
  onChange,
  errors,
}: {
  doc: WorkspaceDocument;
  base: WorkspaceDocument | null;
  onChange: (doc: WorkspaceDocument) => void;
  errors: readonly FieldError[];
}) {
  const setInstance = (i: number, inst: DraftInstance): void =>
    onChange({ ...doc, instances: doc.instances.map((x, j) => (j === i ? inst : x)) });
  return (
    <section className="detail-section setup-section" aria-labelledby="setup-instances-h" data-testid="setup-instances">
      <h3 id="setup-instances-h">Instances</h3>
      {doc.instances.length === 0 && <p className="empty">No instances yet.</p>}
      {doc.instances.map((inst, i) => (
        <InstanceCard
          key={i}
          index={i}
          inst={inst}
          doc={doc}
          isApplied={base?.accounts.some((a) => a.id === inst.account) === true}
          errors={errors}
          onChange={(next) => setInstance(i, next)}
          onRename={(id) => onChange(renameInstance(doc, i, id))}
          onClone={() => onChange({ ...doc, instances: [...doc.instances, cloneInstance(doc, inst)] })}
          onRemove={() => onChange(removeInstance(doc, i))}
        />
      ))}
      <div className="form-actions form-actions--start">
        <button
          type="button"
          className="button"
          data-testid="setup-add-instance"
          onClick={() => onChange({ ...doc, instances: [...doc.instances, newInstance(doc)] })}
        >
          Add an instance
        </button>
      </div>
    </section>
  );
}

/** The markets of an exchange, read once per exchange (and account, for a simulator's address). */
function useMarkets(exchange: string, account: string | null): { symbols: MarketList['symbols']; error: string | null } {
  const commands = useCommands();
  const [state, setState] = useState<{ key: string; symbols: MarketList['symbols']; error: string | null }>({
    key: '',
    symbols: [],
    error: null,
  });
  const key = `${exchange}|${account ?? ''}`;
  useEffect(() => {
    if (exchange === '') return;
    let isCurrent = true;
    void commands.listMarkets(exchange, account).then((r) => {
      if (!isCurrent) return;
      setState(r.ok ? { key, symbols: r.value.symbols, error: null } : { key, symbols: [], error: r.error.message });
    });
    return () => {
      isCurrent = false;
    };
  }, [commands, exchange, account, key]);
  return state.key === key ? state : { symbols: [], error: null };
}

function InstanceCard({
  index,
  inst,
  doc,
  isApplied,
  errors,
  onChange,
  onRename,
  onClone,
  onRemove,
}: {
  index: number;
  inst: DraftInstance;
  doc: WorkspaceDocument;
  isApplied: boolean;
  errors: readonly FieldError[];
  onChange: (inst: DraftInstance) => void;
  onRename: (id: string) => void;
  onClone: () => void;
  onRemove: () => void;
}) {
  const at = `instances[${index}]`;
  const account = doc.accounts.find((a) => a.id === inst.account);
  const markets = useMarkets(account?.exchange ?? '', isApplied ? inst.account : null);
  const [symbolText, setSymbolText] = useState('');
  const { local, zone } = splitStartTime(inst.startTime);
  const zones = zoneOptions();
  const addSymbol = (): void => {
    const s = symbolText.trim();
    if (s === '' || inst.symbols.includes(s)) return;
    onChange({ ...inst, symbols: [...inst.symbols, s] });
    setSymbolText('');
  };
  const listId = `setup-markets-${index}`;
  return (
    <fieldset className="setup-card" data-testid={`setup-instance-${index}`} data-instance={inst.id}>
      <div className="form-row">
        <Field label="Id" errors={errors} path={`${at}.id`}>
          <TrimmedInput value={inst.id} testId="instance-id" onValue={onRename} />
        </Field>
        <Field label="Strategy" errors={errors} path={`${at}.type`}>
          <ChoiceSelect
            value={inst.type}
            choices={INSTANCE_TYPES}
            label={(t) => TYPE_LABEL[t]}
            testId="instance-type"
            onChoose={(type) => onChange(setType(inst, type))}
          />
        </Field>
        <Field label="Account" errors={errors} path={`${at}.account`}>
          <select
            className="input"
            value={inst.account}
            data-testid="instance-account"
            onChange={(e) => onChange({ ...inst, account: e.target.value })}
          >
            {!doc.accounts.some((a) => a.id === inst.account) && <option value={inst.account}>{inst.account || 'choose…'}</option>}
            {doc.accounts.map((a) => (
              <option key={a.id} value={a.id}>
                {a.id} ({a.exchange || 'no exchange'})
              </option>
            ))}
          </select>
        </Field>
        <Field
          label="Mode"
          errors={errors}
          path={`${at}.mode`}
          hint="live trades real money; paper simulates fills on live data; observe never trades"
        >
          <ChoiceSelect
            value={inst.mode}
            choices={INSTANCE_MODES}
            testId="instance-mode"
            onChoose={(mode) => onChange({ ...inst, mode })}
          />
        </Field>
        <Field label="Start time" errors={errors} path={`${at}.startTime`} hint="The instance owns its symbols' fills from this time on">
          <span className="setup-time">
            <input
              type="datetime-local"
              step={1}
              className="input"
              value={local}
              data-testid="instance-start"
              onChange={(e) => onChange({ ...inst, startTime: joinStartTime(e.target.value, zone) })}
            />
            <select
              className="input"
              value={zone}
              aria-label="Zone"
              data-testid="instance-zone"
              onChange={(e) => onChange({ ...inst, startTime: joinStartTime(local, e.target.value) })}
            >
              {(zones.includes(zone) ? zones : [zone, ...zones]).map((z) => (
                <option key={z} value={z}>
                  {z === 'Z' ? 'UTC' : `UTC${z}`}
                </option>
              ))}
            </select>
          </span>
        </Field>
      </div>
      <div className="form-row">
        <div className={`field field--stack setup-symbols${errorsAt(errors, `${at}.symbols`).length > 0 ? ' field--invalid' : ''}`}>
          <span>Symbols</span>
          <span className="setup-chips" data-testid="instance-symbols">
            {inst.symbols.map((s) => (
              <span key={s} className="perm-chip">
                {s}{' '}
                <button
                  type="button"
                  className="chip-remove"
                  aria-label={`Remove ${s}`}
                  onClick={() => onChange({ ...inst, symbols: inst.symbols.filter((x) => x !== s) })}
                >
                  ×
                </button>
              </span>
            ))}
            <input
              className="input"
              list={listId}
              value={symbolText}
              placeholder={markets.symbols.length > 0 ? `one of ${markets.symbols.length} markets` : 'e.g. BTC/USDT'}
              data-testid="instance-symbol-input"
              onChange={(e) => setSymbolText(e.target.value)}
              onKeyDown={(e) => {
                if (e.key === 'Enter') {
                  e.preventDefault();
                  addSymbol();
                }
              }}
            />
            <button type="button" className="button button--small" data-testid="instance-symbol-add" onClick={addSymbol}>
              Add
            </button>
          </span>
          <datalist id={listId}>
            {markets.symbols.map((m) => (
              <option key={m.symbol} value={m.symbol}>
                {m.type}
              </option>
            ))}
          </datalist>
          {markets.error !== null && <span className="muted small">Markets not read ({markets.error}); type the symbol.</span>}
          <FieldErrors messages={errorsAt(errors, `${at}.symbols`)} testId={`error-${at}.symbols`} />
        </div>
      </div>
      <ParamsForm inst={inst} path={`${at}.params`} errors={errors} onChange={onChange} />
      <div className="form-actions form-actions--start">
        <button type="button" className="button button--small" data-testid="instance-clone" onClick={onClone}>
          Clone
        </button>
        <button type="button" className="button button--danger button--small" data-testid="instance-remove" onClick={onRemove}>
          Remove
        </button>
      </div>
    </fieldset>
  );
}

/** The strategy's params, generated from its schema in shared/strategyParams.ts: one input per param. */
function ParamsForm({
  inst,
  path,
  errors,
  onChange,
}: {
  inst: DraftInstance;
  path: string;
  errors: readonly FieldError[];
  onChange: (inst: DraftInstance) => void;
}) {
  const specs = paramSpecs(inst.type);
  const known = new Set(specs.map(([k]) => k));
  // Params the form has no input for (an imported file's typo): their errors, and a way to drop them.
  const unknown = Object.keys(inst.params).filter((k) => !known.has(k));
  const other = [...errorsAt(errors, path), ...unknown.flatMap((k) => errorsAt(errors, `${path}.${k}`).map((m) => `${k}: ${m}`))];
  return (
    <div className="setup-params" data-testid="instance-params">
      {specs.map(([key, spec]) => {
        const value = inst.params[key];
        return (
          <Field
            key={key}
            errors={errors}
            path={`${path}.${key}`}
            hint={`${spec.description}. ${describeRange(spec)}.`}
            label={
              <>
                {key} <span className="muted">{spec.unit}</span>
              </>
            }
          >
            <input
              className="input mono"
              inputMode="decimal"
              value={value === undefined ? '' : String(value)}
              placeholder={spec.default === null ? 'set by the host' : `default ${spec.default}`}
              data-testid={`param-${key}`}
              onChange={(e) => onChange(setParam(inst, key, e.target.value))}
            />
          </Field>
        );
      })}
      <FieldErrors messages={other} testId={`error-${path}`} />
      {unknown.length > 0 && (
        <button
          type="button"
          className="button button--small"
          data-testid="params-drop-unknown"
          onClick={() => onChange({ ...inst, params: Object.fromEntries(Object.entries(inst.params).filter(([k]) => known.has(k))) })}
        >
          Drop {unknown.join(', ')}
        </button>
      )}
    </div>
  );
}

function TargetsEditor({
  doc,
  onChange,
  errors,
}: {
  doc: WorkspaceDocument;
  onChange: (doc: WorkspaceDocument) => void;
  errors: readonly FieldError[];
}) {
  const targets = doc.portfolio.targets;
  const sum = targetSum(targets);
  const hasTargets = Object.keys(targets).length > 0;
  const isWhole = !hasTargets || Math.abs(sum - 1) <= TARGET_SUM_TOLERANCE;
  const [generation, setGeneration] = useState(0);
  const setTargets = (next: Record<string, number>): void => onChange({ ...doc, portfolio: { ...doc.portfolio, targets: next } });
  const setAll = (next: Record<string, number>): void => {
    setGeneration((g) => g + 1);
    setTargets(next);
  };
  return (
    <section className="detail-section setup-section" aria-labelledby="setup-targets-h" data-testid="setup-targets">
      <h3 id="setup-targets-h">Portfolio targets</h3>
      <div className="form-row">
        <label className="field field--stack">
          Policy
          <ChoiceSelect
            value={doc.portfolio.policy}
            choices={REBALANCE_POLICIES}
            label={(p) => p.replace('_', ' ')}
            testId="targets-policy"
            onChoose={(policy) => onChange({ ...doc, portfolio: { ...doc.portfolio, policy } })}
          />
        </label>
        {doc.instances.map((inst) => {
          const w = targets[inst.id];
          return (
            <Field key={inst.id} label={`${inst.id} %`} errors={errors} path={`portfolio.targets.${inst.id}`}>
              <TargetInput
                key={`${inst.id}-${generation}`}
                weight={w}
                testId={`target-${inst.id}`}
                onChange={(next) => {
                  const copy = { ...targets };
                  if (next === undefined) delete copy[inst.id];
                  else copy[inst.id] = next;
                  setTargets(copy);
                }}
              />
            </Field>
          );
        })}
      </div>
      <p className={`setup-sum${isWhole ? '' : ' setup-sum--off'}`} data-testid="targets-sum" data-sum={sum}>
        Sum: <strong>{hasTargets ? formatShare(sum) : 'no targets'}</strong>
        {hasTargets && !isWhole && ' — must be 100 %'}
        <button
          type="button"
          className="button button--small"
          data-testid="targets-equal"
          disabled={doc.instances.length === 0}
          onClick={() => setAll(equalShares(doc.instances.map((i) => i.id)))}
        >
          Equal shares
        </button>
        <button
          type="button"
          className="button button--ghost button--small"
          data-testid="targets-clear"
          disabled={!hasTargets}
          onClick={() => setAll({})}
        >
          No targets
        </button>
      </p>
      <FieldErrors messages={errorsAt(errors, 'portfolio.targets')} testId="error-portfolio.targets" />
    </section>
  );
}

/**
 * A share typed as a percentage; the text is kept while typing so "12." stays on screen. Buttons that
 * set every share remount the inputs (their key changes), so each starts from the new value.
 */
function TargetInput({
  weight,
  testId,
  onChange,
}: {
  weight: number | undefined;
  testId: string;
  onChange: (weight: number | undefined) => void;
}) {
  const [text, setText] = useState(weight === undefined ? '' : String(Number((weight * 100).toFixed(4))));
  return (
    <input
      className="input mono"
      inputMode="decimal"
      value={text}
      placeholder="none"
      data-testid={testId}
      onChange={(e) => {
        const t = e.target.value;
        setText(t);
        const n = Number(t);
        onChange(t.trim() === '' ? undefined : Number.isFinite(n) ? n / 100 : Number.NaN);
      }}
    />
  );
}
