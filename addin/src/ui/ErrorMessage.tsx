/** Any failure, said in words with what to do next, and the buttons to do it. Never a blank pane. */
import { Button, MessageBar, MessageBarActions, MessageBarBody } from '@fluentui/react-components';
import { ApiError } from '../api/errors';
import { useI18n, type Translate } from '../i18n';
import { usePane } from './context';

export function describeError(err: unknown, t: Translate): string {
  if (err instanceof ApiError) {
    switch (err.kind) {
      case 'network': return t('error.network');
      case 'expired': return t('error.expired');
      case 'forbidden': return t('error.forbidden');
      case 'conflict': return err.code === 'rdv_conflict' || err.code === 'slot_unavailable' ? t('error.slotTaken') : t('error.invalid', { detail: err.message });
      case 'invalid': return t('error.invalid', { detail: err.message });
      case 'rate_limited': return t('error.rateLimited', { seconds: err.retryAfterSeconds ?? 60 });
      case 'busy': return t('error.busy');
      case 'unavailable': return t('error.unavailable');
      default: return t('error.unknown', { detail: err.message });
    }
  }
  return t('error.unknown', { detail: (err as Error)?.message ?? String(err) });
}

export function ErrorMessage(props: { error: unknown; onRetry?: () => void }) {
  const { t } = useI18n();
  const { signInAgain } = usePane();
  const expired = props.error instanceof ApiError && props.error.kind === 'expired';
  return (
    <MessageBar intent="error" role="alert">
      <MessageBarBody>{describeError(props.error, t)}</MessageBarBody>
      <MessageBarActions>
        {expired ? <Button onClick={signInAgain}>{t('action.signInAgain')}</Button>
          : props.onRetry ? <Button onClick={props.onRetry}>{t('action.retry')}</Button> : null}
      </MessageBarActions>
    </MessageBar>
  );
}
