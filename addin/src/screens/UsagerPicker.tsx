/**
 * Step 1 of a booking: find the usager by name (search as you type, debounced, at least 2 letters) or create
 * one, the form checked with the same zod schema as the service (shared/src/schemas), the service's own
 * refusals (a phone libphonenumber rejects) shown on their field.
 */
import { Button, Checkbox, Field, Input, makeStyles, Spinner, Text, tokens } from '@fluentui/react-components';
import { useEffect, useRef, useState, type FormEvent } from 'react';
import { usagerCreate } from '../../../shared/src/schemas';
import { ApiError } from '../api/errors';
import type { Usager } from '../api/types';
import { useI18n } from '../i18n';
import { usePane } from '../ui/context';
import { ErrorMessage } from '../ui/ErrorMessage';

export const SEARCH_DEBOUNCE_MS = 300;

const useStyles = makeStyles({
  results: { listStyleType: 'none', padding: 0, margin: `${tokens.spacingVerticalS} 0`, display: 'flex', flexDirection: 'column', gap: tokens.spacingVerticalXS },
  result: { width: '100%', justifyContent: 'flex-start', textAlign: 'start' },
  form: { display: 'flex', flexDirection: 'column', gap: tokens.spacingVerticalS, marginTop: tokens.spacingVerticalS },
});

export function UsagerPicker(props: { organisationId: number | null; onChoose(u: Usager): void }) {
  const { api, newKey } = usePane();
  const { t } = useI18n();
  const s = useStyles();
  const [q, setQ] = useState('');
  const [results, setResults] = useState<Usager[] | null>(null);
  const [searching, setSearching] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [creating, setCreating] = useState(false);
  const [form, setForm] = useState({ firstName: '', lastName: '', phone: '', email: '', notifyBySms: true, notifyByEmail: true });
  const [fieldErrors, setFieldErrors] = useState<Record<string, string>>({});
  const [saving, setSaving] = useState(false);
  const createKey = useRef<string | null>(null);

  useEffect(() => {
    const query = q.trim();
    if (query.length < 2) { setResults(null); return; }
    const ctrl = new AbortController();
    const timer = setTimeout(() => {
      setSearching(true); setError(null);
      api.searchUsagers(query, ctrl.signal)
        .then((r) => { setResults(r); setSearching(false); })
        .catch((err) => { if ((err as Error).name !== 'AbortError') { setError(err); setSearching(false); } });
    }, SEARCH_DEBOUNCE_MS);
    return () => { clearTimeout(timer); ctrl.abort(); };
  }, [api, q]);

  async function create(e: FormEvent) {
    e.preventDefault();
    const body = {
      organisationId: props.organisationId ?? 0, firstName: form.firstName, lastName: form.lastName,
      phone: form.phone.trim() || null, email: form.email.trim() || null, notifyBySms: form.notifyBySms, notifyByEmail: form.notifyByEmail,
    };
    const parsed = usagerCreate.safeParse(body);
    if (!parsed.success) {
      setFieldErrors(Object.fromEntries(parsed.error.issues.map((i) => [String(i.path[0]), i.message])));
      return;
    }
    setFieldErrors({}); setSaving(true); setError(null);
    createKey.current ??= newKey();
    try {
      const u = await api.createUsager(parsed.data, createKey.current);
      createKey.current = null;
      props.onChoose(u);
    } catch (err) {
      if (err instanceof ApiError && err.kind === 'invalid' && err.field) setFieldErrors({ [err.field]: err.message });
      else setError(err);
    } finally {
      setSaving(false);
    }
  }
  const set = (k: keyof typeof form) => (_: unknown, d: { value?: string; checked?: boolean | 'mixed' }) => {
    createKey.current = null; // another request: another key
    setForm((f) => ({ ...f, [k]: typeof f[k] === 'boolean' ? d.checked === true : d.value ?? '' }));
  };

  return (
    <div>
      <Field label={t('book.search')}>
        <Input type="search" value={q} onChange={(_, d) => setQ(d.value)} autoComplete="off" />
      </Field>
      <div role="status" aria-live="polite">
        {searching ? <Spinner size="tiny" label={t('book.searching')} />
          : results ? <Text>{results.length ? t('book.results', { n: results.length }) : t('book.noResult')}</Text> : null}
      </div>
      {error ? <ErrorMessage error={error} /> : null}
      {results && results.length > 0 && (
        <ul className={s.results}>
          {results.map((u) => (
            <li key={u.id}>
              <Button className={s.result} appearance="subtle" onClick={() => props.onChoose(u)}>
                {u.firstName} {u.lastName}{u.birthDate ? ` (${u.birthDate.split('-').reverse().join('/')})` : ''}
              </Button>
            </li>
          ))}
        </ul>
      )}
      {!creating ? <Button onClick={() => setCreating(true)}>{t('book.create')}</Button> : (
        <form className={s.form} onSubmit={create} noValidate aria-label={t('book.create')}>
          <Field label={t('book.firstName')} required validationMessage={fieldErrors.firstName}><Input value={form.firstName} onChange={set('firstName')} autoComplete="off" /></Field>
          <Field label={t('book.lastName')} required validationMessage={fieldErrors.lastName}><Input value={form.lastName} onChange={set('lastName')} autoComplete="off" /></Field>
          <Field label={t('book.phone')} validationMessage={fieldErrors.phone}><Input type="tel" value={form.phone} onChange={set('phone')} autoComplete="off" /></Field>
          <Field label={t('book.email')} validationMessage={fieldErrors.email}><Input type="email" value={form.email} onChange={set('email')} autoComplete="off" /></Field>
          <Checkbox checked={form.notifyBySms} onChange={set('notifyBySms')} label={t('book.notifySms')} />
          <Checkbox checked={form.notifyByEmail} onChange={set('notifyByEmail')} label={t('book.notifyEmail')} />
          <Button appearance="primary" type="submit" disabled={saving}>{t('book.createSubmit')}</Button>
        </form>
      )}
    </div>
  );
}
