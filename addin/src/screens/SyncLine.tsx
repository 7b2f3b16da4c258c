/** One line about the agent's Outlook sync; "not available" when the service offers no sync route (404). */
import { Caption1 } from '@fluentui/react-components';
import { useEffect, useState } from 'react';
import type { MailboxSync } from '../api/types';
import { useI18n } from '../i18n';
import { usePane } from '../ui/context';

export function SyncLine() {
  const { api, me } = usePane();
  const { t, dateTimeLong } = useI18n();
  const [state, setState] = useState<MailboxSync | null | 'loading' | 'error'>('loading');
  useEffect(() => {
    if (!me) { setState(null); return; }
    let live = true;
    api.mailboxSync(me.id).then((s) => live && setState(s), () => live && setState('error'));
    return () => { live = false; };
  }, [api, me]);
  let text: string;
  if (state === 'loading') text = t('sync.loading');
  else if (state === null || state === 'error') text = t('sync.unavailable');
  else {
    const parts = [t(`sync.${state.state}`)];
    if (state.lastSuccessAt) parts.push(t('sync.lastAt', { at: dateTimeLong(state.lastSuccessAt) }));
    text = t('sync.state', { state: parts.join(', ') });
    if (state.lastError) text += ` ${state.lastError}`;
  }
  return <Caption1 as="p" role="status">{text}</Caption1>;
}
