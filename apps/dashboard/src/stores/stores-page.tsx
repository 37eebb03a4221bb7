import type {
  AgentView,
  createRegisterBody,
  currency,
  RegisterDetails,
  registerKind,
  RegisterView,
  StoreView,
  updateRegisterBody,
  Wire,
} from '@kassa-relay/admin-api';
import { type FormEvent, useState } from 'react';
import { api } from '../api/client';
import { useApi } from '../api/use-api';
import { useSession } from '../auth/session';
import { useI18n } from '../i18n/i18n';
import { Link } from '../router/router';
import { Badge } from '../ui/badges';
import { Dialog, FormActions } from '../ui/dialog';
import { FormError } from '../ui/form-error';
import { PageHeader, Section, viewerHint } from '../ui/page';
import { Empty, Loaded } from '../ui/state-views';
import { useMutation } from '../ui/use-mutation';

type Editing =
  | { mode: 'store' }
  | { mode: 'create'; store: StoreView }
  | { mode: 'edit'; store: StoreView; register: RegisterView };

/**
 * Stores and their registers as the office manages them: where each register is, how the store's
 * agent reaches it, which agent drives it. The running agent takes every change at once.
 */
export function StoresPage() {
  const { t } = useI18n();
  const session = useSession();
  const stores = useApi(api.stores.list());
  const registers = useApi(api.registers.list());
  const agents = useApi(api.agents.list());
  const [editing, setEditing] = useState<Editing | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const viewer = viewerHint(session.canChange, t('role.viewerCannot'));

  const saved = (text: string) => {
    setEditing(null);
    setNotice(text);
    stores.reload();
    registers.reload();
    agents.reload();
  };

  return (
    <>
      <PageHeader title={t('stores.title')}>
        <button
          type="button"
          className="btn btn-primary"
          onClick={() => setEditing({ mode: 'store' })}
          {...viewer}
        >
          {t('stores.create')}
        </button>
      </PageHeader>
      <p className="muted">{t('stores.hint')}</p>
      <div aria-live="polite">
        {notice && (
          <div className="alert alert-ok" role="status">
            <p>{notice}</p>
          </div>
        )}
      </div>
      <Loaded state={stores}>
        {(list) =>
          list.length === 0 ? (
            <Empty>{t('stores.none')}</Empty>
          ) : (
            list.map((store) => (
              <StoreSection
                key={store.id}
                store={store}
                registers={(registers.data ?? []).filter((r) => r.storeId === store.id)}
                agents={(agents.data ?? []).filter((a) => a.storeId === store.id)}
                viewer={viewer}
                onAdd={() => setEditing({ mode: 'create', store })}
                onEdit={(register) => setEditing({ mode: 'edit', store, register })}
              />
            ))
          )
        }
      </Loaded>
      {editing?.mode === 'store' && (
        <StoreForm
          onCancel={() => setEditing(null)}
          onSaved={(store) => saved(t('stores.created', { name: store.name }))}
        />
      )}
      {editing && editing.mode !== 'store' && (
        <RegisterForm
          store={editing.store}
          register={editing.mode === 'edit' ? editing.register : null}
          agents={(agents.data ?? []).filter((a) => a.storeId === editing.store.id && !a.disabled)}
          onCancel={() => setEditing(null)}
          onSaved={(register) =>
            saved(
              t(editing.mode === 'edit' ? 'stores.registerUpdated' : 'stores.registerCreated', {
                name: register.name,
              }),
            )
          }
        />
      )}
    </>
  );
}

function StoreSection({
  store,
  registers,
  agents,
  viewer,
  onAdd,
  onEdit,
}: {
  store: StoreView;
  registers: RegisterView[];
  agents: AgentView[];
  viewer: { disabled?: boolean; title?: string };
  onAdd(): void;
  onEdit(register: RegisterView): void;
}) {
  const { t, tx } = useI18n();
  const agentName = (id: string) => agents.find((a) => a.id === id)?.name ?? id;
  const headingId = `store-${store.id}`;
  return (
    <Section id={headingId} title={store.name}>
      <p className="muted small">
        {[store.address, store.timezone].filter(Boolean).join(' · ')}
        {store.address || store.timezone ? ' · ' : ''}
        {t('stores.agentCount', { count: String(agents.filter((a) => !a.disabled).length) })}
      </p>
      {registers.length === 0 ? (
        <p className="muted">{t('stores.noRegisters')}</p>
      ) : (
        <div className="table-wrap">
          <table className="table" aria-labelledby={headingId}>
            <thead>
              <tr>
                <th scope="col">{t('stores.registerName')}</th>
                <th scope="col">{t('stores.kind')}</th>
                <th scope="col">{t('stores.agent')}</th>
                <th scope="col">
                  <span className="visually-hidden">{t('operators.actions')}</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {registers.map((register) => (
                <tr key={register.id} data-register={register.name}>
                  <td data-label={t('stores.registerName')}>
                    <Link href={`/registers/${encodeURIComponent(register.id)}`}>{register.name}</Link>
                  </td>
                  <td data-label={t('stores.kind')}>{tx(`registerKind.${register.kind}`, register.kind)}</td>
                  <td data-label={t('stores.agent')}>
                    {register.agentId ? (
                      <>
                        {agentName(register.agentId)}{' '}
                        <Badge tone={register.agentOnline ? 'ok' : 'muted'}>
                          {t(register.agentOnline ? 'agent.online' : 'agent.offline')}
                        </Badge>
                      </>
                    ) : (
                      <Badge tone="warn">{t('stores.noAgent')}</Badge>
                    )}
                  </td>
                  <td className="row-actions">
                    <button
                      type="button"
                      className="btn btn-small"
                      aria-label={t('stores.editRegister', { name: register.name })}
                      onClick={() => onEdit(register)}
                      {...viewer}
                    >
                      {t('action.edit')}
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <button type="button" className="btn" onClick={onAdd} {...viewer}>
        {t('stores.addRegister', { store: store.name })}
      </button>
    </Section>
  );
}

function StoreForm({ onCancel, onSaved }: { onCancel(): void; onSaved(store: StoreView): void }) {
  const { t } = useI18n();
  const [name, setName] = useState('');
  const [address, setAddress] = useState('');
  const [timezone, setTimezone] = useState('');
  const save = useMutation();
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (!name.trim()) return;
    const body = {
      name: name.trim(),
      ...(address.trim() ? { address: address.trim() } : {}),
      ...(timezone.trim() ? { timezone: timezone.trim() } : {}),
    };
    const answer = await save.run(() => api.stores.create(body));
    if (answer.ok) onSaved(answer.value);
  };
  return (
    <Dialog open title={t('stores.create')} onClose={onCancel}>
      <form onSubmit={(e) => void submit(e)}>
        <label className="field">
          <span>{t('stores.name')}</span>
          <input name="name" required data-autofocus value={name} onChange={(e) => setName(e.target.value)} />
        </label>
        <label className="field">
          <span>{t('stores.address')}</span>
          <input name="address" value={address} onChange={(e) => setAddress(e.target.value)} />
        </label>
        <label className="field">
          <span>{t('stores.timezone')}</span>
          <input
            name="timezone"
            placeholder="Asia/Almaty"
            value={timezone}
            onChange={(e) => setTimezone(e.target.value)}
          />
        </label>
        <FormError error={save.error} />
        <FormActions busy={save.busy} onCancel={onCancel} />
      </form>
    </Dialog>
  );
}

/** "12, 0" ⇄ the tax table's percents; a name or register code already stored stays with its percent. */
function parseRates(text: string, stored: RegisterDetails['taxTable']): RegisterDetails['taxTable'] | null {
  const parts = text
    .split(/[;,\s]+/)
    .map((part) => part.trim().replace(/%$/, ''))
    .filter(Boolean);
  const rates = parts.map(Number);
  if (rates.some((rate) => !Number.isFinite(rate) || rate < 0 || rate > 100)) return null;
  return rates.map((percent) => stored.find((entry) => entry.percent === percent) ?? { percent });
}

function RegisterForm({
  store,
  register,
  agents,
  onCancel,
  onSaved,
}: {
  store: StoreView;
  register: RegisterView | null;
  agents: AgentView[];
  onCancel(): void;
  onSaved(register: RegisterView): void;
}) {
  // The device settings (never the secret) come with the register's details.
  const details = useApi(register ? api.registers.get(register.id) : null);
  const device = details.data?.device;
  const loading = register !== null && !details.data && !details.error;
  if (loading) return null;
  return (
    <RegisterFormFields
      key={details.data?.id ?? 'new'}
      store={store}
      register={register}
      agents={agents}
      initial={{
        name: register?.name ?? '',
        kind: register?.kind ?? 'cash-core',
        currency: register?.currency ?? 'KZT',
        url: device?.url ?? '',
        kkmOfdId: device?.kind === 'cash-core' ? String(device.kkmOfdId) : '',
        inn: (device?.kind === 'ikkm' && device.inn) || '',
        // A new register left empty gets its country's default table from the cloud (12 %, without VAT in Kazakhstan).
        rates: (details.data?.taxTable ?? []).map((entry) => String(entry.percent)).join(', '),
        agentId: register ? (register.agentId ?? '') : (agents[0]?.id ?? ''),
      }}
      storedTaxTable={details.data?.taxTable ?? []}
      onCancel={onCancel}
      onSaved={onSaved}
    />
  );
}

interface RegisterFormInitial {
  name: string;
  kind: Wire<typeof registerKind>;
  currency: Wire<typeof currency>;
  url: string;
  kkmOfdId: string;
  inn: string;
  rates: string;
  agentId: string;
}

function RegisterFormFields({
  store,
  register,
  agents,
  initial,
  storedTaxTable,
  onCancel,
  onSaved,
}: {
  store: StoreView;
  register: RegisterView | null;
  agents: AgentView[];
  initial: RegisterFormInitial;
  storedTaxTable: RegisterDetails['taxTable'];
  onCancel(): void;
  onSaved(register: RegisterView): void;
}) {
  const { t, tx } = useI18n();
  const [form, setForm] = useState(initial);
  const [secret, setSecret] = useState('');
  const save = useMutation();
  const set = (field: keyof RegisterFormInitial) => (value: string) =>
    setForm((f) => ({ ...f, [field]: value }));
  const taxTable = parseRates(form.rates, storedTaxTable);
  const secretLabel = form.kind === 'ikkm' ? t('stores.initialKey') : t('stores.accessCode');

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (!taxTable) return;
    const deviceChanged =
      !register ||
      secret !== '' ||
      form.url !== initial.url ||
      form.kkmOfdId !== initial.kkmOfdId ||
      form.inn !== initial.inn;
    const url = form.url.trim();
    const inn = form.inn.trim();
    const kkmOfdId = Number(form.kkmOfdId);
    const answer = await save.run(() => {
      if (!register) {
        // The form requires the secret of a new register.
        const device: Wire<typeof createRegisterBody>['device'] =
          form.kind === 'ikkm'
            ? { kind: 'ikkm', url, initialKey: secret, ...(inn ? { inn } : {}) }
            : { kind: 'cash-core', url, accessCode: secret, kkmOfdId };
        return api.registers.create({
          storeId: store.id,
          name: form.name.trim(),
          currency: form.currency,
          device,
          taxTable,
          ...(form.agentId ? { agentId: form.agentId } : {}),
        });
      }
      // Left empty, the secret stays as stored.
      const device: Wire<typeof updateRegisterBody>['device'] =
        form.kind === 'ikkm'
          ? { kind: 'ikkm', url, ...(secret ? { initialKey: secret } : {}), ...(inn ? { inn } : {}) }
          : { kind: 'cash-core', url, ...(secret ? { accessCode: secret } : {}), kkmOfdId };
      const body = {
        ...(form.name.trim() !== initial.name ? { name: form.name.trim() } : {}),
        ...(form.currency !== initial.currency ? { currency: form.currency } : {}),
        ...(form.agentId !== initial.agentId ? { agentId: form.agentId || null } : {}),
        ...(deviceChanged ? { device } : {}),
        ...(form.rates !== initial.rates ? { taxTable } : {}),
      };
      if (Object.keys(body).length === 0) return Promise.resolve(register);
      return api.registers.update(register.id, body);
    });
    if (answer.ok) onSaved(answer.value);
  };

  return (
    <Dialog
      open
      title={
        register
          ? t('stores.editRegister', { name: register.name })
          : t('stores.addRegister', { store: store.name })
      }
      onClose={onCancel}
    >
      <form onSubmit={(e) => void submit(e)}>
        <label className="field">
          <span>{t('stores.registerName')}</span>
          <input
            name="name"
            required
            data-autofocus
            value={form.name}
            onChange={(e) => set('name')(e.target.value)}
          />
        </label>
        <label className="field">
          <span>{t('stores.kind')}</span>
          <select
            name="kind"
            value={form.kind}
            disabled={register !== null}
            onChange={(e) => set('kind')(e.target.value)}
          >
            {(['cash-core', 'ikkm'] as const).map((kind) => (
              <option key={kind} value={kind}>
                {tx(`registerKind.${kind}`, kind)}
              </option>
            ))}
          </select>
        </label>
        <label className="field">
          <span>{t('stores.url')}</span>
          <input
            name="url"
            type="url"
            required
            placeholder="http://192.168.1.20:8080"
            value={form.url}
            onChange={(e) => set('url')(e.target.value)}
          />
        </label>
        <label className="field">
          <span>{register ? t('stores.secretKeep', { what: secretLabel }) : secretLabel}</span>
          <input
            name="secret"
            autoComplete="off"
            required={!register}
            inputMode={form.kind === 'ikkm' ? 'numeric' : undefined}
            value={secret}
            onChange={(e) => setSecret(e.target.value.trim())}
          />
        </label>
        {form.kind === 'cash-core' ? (
          <label className="field">
            <span>{t('stores.kkmOfdId')}</span>
            <input
              name="kkmOfdId"
              inputMode="numeric"
              required
              pattern="[1-9][0-9]*"
              value={form.kkmOfdId}
              onChange={(e) => set('kkmOfdId')(e.target.value.trim())}
            />
          </label>
        ) : (
          <label className="field">
            <span>{t('stores.inn')}</span>
            <input
              name="inn"
              inputMode="numeric"
              pattern="[0-9]{12}"
              value={form.inn}
              onChange={(e) => set('inn')(e.target.value.trim())}
            />
          </label>
        )}
        <label className="field">
          <span>{t('register.currency')}</span>
          <select name="currency" value={form.currency} onChange={(e) => set('currency')(e.target.value)}>
            <option value="KZT">KZT ₸</option>
            <option value="RUB">RUB ₽</option>
          </select>
        </label>
        <label className="field">
          <span>{t('stores.rates')}</span>
          <input
            name="rates"
            value={form.rates}
            placeholder={register ? undefined : t('stores.ratesDefault')}
            aria-invalid={taxTable === null}
            onChange={(e) => set('rates')(e.target.value)}
          />
          {taxTable === null && <span className="field-error">{t('stores.ratesRule')}</span>}
        </label>
        <label className="field">
          <span>{t('stores.agent')}</span>
          <select name="agentId" value={form.agentId} onChange={(e) => set('agentId')(e.target.value)}>
            <option value="">{t('stores.noAgent')}</option>
            {agents.map((agent) => (
              <option key={agent.id} value={agent.id}>
                {agent.name}
              </option>
            ))}
          </select>
        </label>
        <p className="muted small">{t('stores.agentHint')}</p>
        <FormError error={save.error} />
        <FormActions busy={save.busy} onCancel={onCancel} />
      </form>
    </Dialog>
  );
}
