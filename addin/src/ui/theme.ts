/** Dark or light: Office's theme when it gives one, else the system's `prefers-color-scheme`, followed live. */
import { useEffect, useState } from 'react';
import type { OfficeBoundary } from '../office/boundary';

export function useDarkMode(office: OfficeBoundary): boolean {
  const query = typeof window !== 'undefined' && window.matchMedia ? window.matchMedia('(prefers-color-scheme: dark)') : null;
  const [systemDark, setSystemDark] = useState(query?.matches ?? false);
  useEffect(() => {
    if (!query) return;
    const on = (e: MediaQueryListEvent) => setSystemDark(e.matches);
    query.addEventListener('change', on);
    return () => query.removeEventListener('change', on);
  }, [query]);
  return office.prefersDarkTheme() ?? systemDark;
}
