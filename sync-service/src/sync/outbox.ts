/**
 * placeholder: replaced by the outbound/inbound branch.
 * Registers the in-transaction RDV listener that writes outbox rows; returns the unregister function.
 */
export function registerOutboxListener(): () => void {
  return () => {};
}
