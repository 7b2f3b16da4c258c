/**
 * What every screen receives from the root: the API, the Office boundary, the session, the clock (the service's
 * business time, so that "today" is the service's today) and the agent signed in. Passed through context so that a
 * test renders a screen with fakes.
 */
import { createContext, useContext, type ReactNode } from 'react';
import type { Api } from '../api/client';
import type { Agent } from '../api/types';
import type { OfficeBoundary } from '../office/boundary';

export interface PaneDeps {
  api: Api;
  office: OfficeBoundary;
  now: () => Date;
  /** The agent signed in, when the store knows their account; null otherwise. */
  me: Agent | null;
  /** Where a new id for an Idempotency-Key comes from (random UUIDs; fixed in tests). */
  newKey: () => string;
  /** Sends the agent back to the sign-in (an expired session). */
  signInAgain: () => void;
}

const Ctx = createContext<PaneDeps | null>(null);

export function PaneProvider(props: { value: PaneDeps; children: ReactNode }) {
  return <Ctx.Provider value={props.value}>{props.children}</Ctx.Provider>;
}

export function usePane(): PaneDeps {
  const v = useContext(Ctx);
  if (!v) throw new Error('usePane outside PaneProvider');
  return v;
}
