import type { PosKeyCreated, PosKeyView, RegisterView } from '@kassa-relay/admin-api';
import { type FormEvent, useState } from 'react';
import { api } from '../api/client';
import { useApi } from '../api/use-api';
import { useSession } from '../auth/session';
import { useI18n } from '../i18n/i18n';
import { useSearchParams } from '../router/router';
import { Badge } from '../ui/badges';
import { CopyButton } from '../ui/copy-button';
import { ConfirmAction } from '../ui/confirm-action';
import { FormError } from '../ui/form-error';
import { PageHeader, Section, viewerHint } from '../ui/page';
import { Empty, Loaded } from '../ui/state-views';
import { useMutation } from '../ui/use-mutation';

/** Keys the shop's POS software uses for /sale, /ws and socket.io /pos: one register each. */
export function PosKeysPage() {
  const { t, fmt } = useI18n();
  const session = useSession();
  const [search, setSearch] = useSearchParams();
  const registerId = search.get('registerId') ?? '';
  const registers = useApi(api.registers.list());
  const keys = useApi(api.posKeys.list({ registerId }));
  const [revoking, setRevoking] = useState<PosKeyView | null>(null);
  const viewer = viewerHint(session.canChange, t('role.viewerCannot'));

  return (
    <>
      <PageHeader title={t('posKeys.title')}>
        <label className="field field-inline">
          <span>{t('filters.register')}</span>
          <select value={registerId} onChange={(e) => setSearch({ registerId: e.target.value })}>
            <option value="">{t('filters.allRegisters')}</option>
            {(registers.data ?? []).map((r) => (
              <option key={r.id} value={r.id}>
                {r.name} · {r.storeName}
              </option>
            ))}
          </select>
        </label>
      </PageHeader>
      <Section title={t('posKeys.create')} id="create-key">
        <CreateKeyForm
          registers={registers.data ?? []}
          initialRegister={registerId}
          onCreated={keys.reload}
        />
      </Section>
      <Section title={t('posKeys.list')} id="keys">
        <Loaded state={keys}>
          {(list) =>
            list.length === 0 ? (
              <Empty>{t('posKeys.none')}</Empty>
            ) : (
              <div className="table-wrap">
                <table className="table pos-keys-table">
                  <thead>
                    <tr>
                      <th scope="col">{t('posKeys.name')}</th>
                      <th scope="col">{t('posKeys.register')}</th>
                      <th scope="col">{t('posKeys.prefix')}</th>
                      <th scope="col">{t('posKeys.created')}</th>
                      <th scope="col">{t('posKeys.lastUsed')}</th>
                      <th scope="col">{t('posKeys.state')}</th>
                      <th scope="col">
                        <span className="visually-hidden">{t('operators.actions')}</span>
                      </th>
                    </tr>
                  </thead>
                  <tbody>
                    {list.map((key) => (
                      <tr key={key.id} data-key-id={key.id}>
                        <td data-label={t('posKeys.name')}>{key.name}</td>
                        <td data-label={t('posKeys.register')}>{key.registerName}</td>
                        <td data-label={t('posKeys.prefix')} className="mono">
                          {key.prefix}…
                        </td>
                        <td data-label={t('posKeys.created')}>{fmt.dateTime(key.createdAt)}</td>
                        <td data-label={t('posKeys.lastUsed')}>
                          {key.lastUsedAt ? fmt.dateTime(key.lastUsedAt) : t('posKeys.never')}
                        </td>
                        <td data-label={t('posKeys.state')}>
                          {key.revokedAt ? (
                            <Badge tone="muted">
                              {t('posKeys.revokedAt', { at: fmt.dateTime(key.revokedAt) })}
                            </Badge>
                          ) : (
                            <Badge tone="ok">{t('posKeys.active')}</Badge>
                          )}
                        </td>
                        <td className="row-actions">
                          {!key.revokedAt && (
                            <button
                              type="button"
                              className="btn btn-small btn-danger-outline"
                              onClick={() => setRevoking(key)}
                              {...viewer}
                            >
                              {t('posKeys.revoke')}
                            </button>
                          )}
                        </td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
            )
          }
        </Loaded>
      </Section>
      <ConfirmAction
        target={revoking}
        title={t('posKeys.revoke')}
        confirmLabel={t('posKeys.revoke')}
        message={(key) => t('posKeys.revokeConfirm', { name: key.name, register: key.registerName })}
        perform={(key) => api.posKeys.revoke(key.id)}
        onDone={() => {
          setRevoking(null);
          keys.reload();
        }}
        onClose={() => setRevoking(null)}
      />
    </>
  );
}

function CreateKeyForm({
  registers,
  initialRegister,
  onCreated,
}: {
  registers: RegisterView[];
  initialRegister: string;
  onCreated(): void;
}) {
  const { t } = useI18n();
  const session = useSession();
  const [registerId, setRegisterId] = useState(initialRegister);
  const [name, setName] = useState('');
  const [created, setCreated] = useState<PosKeyCreated | null>(null);
  const save = useMutation();
  const register = registerId || registers[0]?.id || '';

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const outcome = await save.run(() => api.posKeys.create({ registerId: register, name: name.trim() }));
    if (outcome.ok) {
      setCreated(outcome.value);
      setName('');
      onCreated();
    }
  };

  return (
    <>
      <form className="filters" onSubmit={(e) => void submit(e)}>
        <label className="field field-inline">
          <span>{t('posKeys.register')}</span>
          <select value={register} onChange={(e) => setRegisterId(e.target.value)} required>
            {registers.map((r) => (
              <option key={r.id} value={r.id}>
                {r.name} · {r.storeName}
              </option>
            ))}
          </select>
        </label>
        <label className="field field-inline">
          <span>{t('posKeys.name')}</span>
          <input
            name="keyName"
            value={name}
            required
            onChange={(e) => setName(e.target.value)}
            placeholder={t('posKeys.namePlaceholder')}
          />
        </label>
        <button
          type="submit"
          className="btn btn-primary"
          disabled={!session.canChange || save.busy || !register}
          title={session.canChange ? undefined : t('role.viewerCannot')}
        >
          {t('posKeys.createButton')}
        </button>
      </form>
      <FormError error={save.error} />
      {created && (
        <div className="alert alert-ok secret" role="status" aria-live="polite">
          <p>
            <strong>{t('posKeys.createdFor', { name: created.name, register: created.registerName })}</strong>
          </p>
          <div className="secret-row">
            <code id="new-pos-key" className="secret-value" data-secret="pos-key">
              {created.key}
            </code>
            <CopyButton text={created.key} targetId="new-pos-key" />
          </div>
          <p className="alert-warn-text small">{t('posKeys.shownOnce')}</p>
          <button type="button" className="btn btn-small" onClick={() => setCreated(null)}>
            {t('posKeys.hide')}
          </button>
        </div>
      )}
    </>
  );
}
