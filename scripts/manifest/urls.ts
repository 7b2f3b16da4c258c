/**
 * Where the service publishes what the manifests point to, relative to the deployment's base URL. The task pane
 * is served by the service under /addin/ (its HTML at /addin/index.html), the icons and the about page from
 * addin/assets/ under /addin/assets/.
 */
import type { BaseUrl } from './base-url';
import { iconFile } from './icons';

export function addinUrls(b: BaseUrl) {
  const asset = (file: string) => `${b.base}/addin/assets/${file}`;
  return {
    // ?host=outlook: the pane loads Office.js only when told it runs in Outlook (desktop does not frame it).
    taskPane: `${b.base}/addin/index.html?host=outlook`,
    icon: (size: number) => asset(iconFile(size)),
    /** Support, privacy and terms in one bilingual page (anchors #support, #confidentialite, #conditions). */
    about: asset('about.html'),
    privacy: `${asset('about.html')}#confidentialite`,
    terms: `${asset('about.html')}#conditions`,
  };
}
