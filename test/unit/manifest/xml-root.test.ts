/**
 * @jest-environment jsdom
 *
 * The root part of manifest.xml (OfficeApp and what it holds), which no public schema covers: checked here from
 * Microsoft's manifest reference (learn.microsoft.com/office/dev/add-ins/develop/manifest-element-ordering, the
 * OfficeApp and MailApp pages, and [MS-OWEMXML] §2.2.32 MailApp), plus what no schema checks at all — URLs on the
 * deployment's origin, icon files of the declared sizes, resource references, English overrides. Runs on the
 * committed manifest (demo origin) and on one built for another deployment. The jsdom environment gives DOMParser.
 */
import { describe, expect, it } from '@jest/globals';
import { existsSync, readFileSync } from 'node:fs';
import { MANIFEST_STRINGS } from '../../../scripts/manifest/strings';
import { assetFileOf, manifestsUnderTest, readPngHeader, underBase, urlsIn } from './helpers';

const OFFICE_APP_NS = 'http://schemas.microsoft.com/office/appforoffice/1.1';
const XSI_NS = 'http://www.w3.org/2001/XMLSchema-instance';
const BT_NS = 'http://schemas.microsoft.com/office/officeappbasictypes/1.0';
const VO_1_0 = 'http://schemas.microsoft.com/office/mailappversionoverrides';
const VO_1_1 = `${VO_1_0}/1.1`;

/** OfficeApp's children for a mail add-in, in the only order Outlook accepts (manifest-element-ordering). */
const MAIL_APP_ORDER = [
  'Id', 'AlternateId', 'Version', 'ProviderName', 'DefaultLocale', 'DisplayName', 'Description', 'IconUrl',
  'HighResolutionIconUrl', 'SupportUrl', 'AppDomains', 'Hosts', 'Requirements', 'FormSettings', 'Permissions', 'Rule',
  'DisableEntityHighlighting', 'VersionOverrides',
];
const MAIL_APP_REQUIRED = ['Id', 'Version', 'ProviderName', 'DefaultLocale', 'DisplayName', 'Description', 'Requirements', 'FormSettings', 'Permissions', 'Rule'];
const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

const children = (e: Element) => [...e.children];
const child = (e: Element, name: string) => {
  const found = children(e).filter((c) => c.localName === name);
  expect(found).toHaveLength(1);
  return found[0];
};
const xsiType = (e: Element) => e.getAttributeNS(XSI_NS, 'type');
const versionCompare = (a: string, b: string) => {
  const [x, y] = [a, b].map((v) => v.split('.').map(Number));
  return x[0] - y[0] || (x[1] ?? 0) - (y[1] ?? 0);
};

describe.each(manifestsUnderTest())('$label', ({ base, xml }) => {
  const doc = new DOMParser().parseFromString(xml, 'application/xml');
  const root = doc.documentElement;
  const rootChild = (name: string) => child(root, name);
  const outer = () => rootChild('VersionOverrides');
  const inner = () => child(outer(), 'VersionOverrides');

  it('should parse as XML, with OfficeApp 1.1 of type MailApp at the root', () => {
    expect(doc.getElementsByTagName('parsererror')).toHaveLength(0);
    expect(root.localName).toBe('OfficeApp');
    expect(root.namespaceURI).toBe(OFFICE_APP_NS);
    expect(xsiType(root)).toBe('MailApp');
  });

  it('should list OfficeApp\'s children once each, in the order of Microsoft\'s reference, the required ones all there', () => {
    const names = children(root).map((c) => c.localName);
    expect(new Set(names).size).toBe(names.length);
    const positions = names.map((n) => MAIL_APP_ORDER.indexOf(n));
    expect(positions).not.toContain(-1);
    expect([...positions].sort((a, b) => a - b)).toEqual(positions);
    for (const required of MAIL_APP_REQUIRED) expect(names).toContain(required);
  });

  it('should carry a GUID id and a version of one to four numbers of at most five digits', () => {
    expect(rootChild('Id').textContent).toMatch(GUID);
    expect(rootChild('Version').textContent).toMatch(/^\d{1,5}(\.\d{1,5}){0,3}$/);
    expect(rootChild('ProviderName').textContent!.length).toBeLessThanOrEqual(125);
  });

  it('should be French by default, with an English override of the name and the description', () => {
    expect(rootChild('DefaultLocale').textContent).toBe('fr-FR');
    for (const [name, key, max] of [['DisplayName', 'displayName', 125], ['Description', 'description', 250]] as const) {
      const e = rootChild(name);
      expect(e.getAttribute('DefaultValue')).toBe(MANIFEST_STRINGS.fr[key]);
      expect(e.getAttribute('DefaultValue')!.length).toBeLessThanOrEqual(max);
      const override = child(e, 'Override');
      expect(override.getAttribute('Locale')).toBe('en-US');
      expect(override.getAttribute('Value')).toBe(MANIFEST_STRINGS.en[key]);
      expect(override.getAttribute('Value')!.length).toBeLessThanOrEqual(max);
    }
  });

  it('should point IconUrl at a 64 px and HighResolutionIconUrl at a 128 px file of addin/assets', () => {
    for (const [name, size] of [['IconUrl', 64], ['HighResolutionIconUrl', 128]] as const) {
      const png = readPngHeader(readFileSync(assetFileOf(rootChild(name).getAttribute('DefaultValue')!, base)));
      expect([png.width, png.height]).toEqual([size, size]);
    }
  });

  it('should run in Outlook (Mailbox host) from Mailbox 1.3, with read/write access to the open item', () => {
    expect(children(rootChild('Hosts')).map((h) => h.getAttribute('Name'))).toEqual(['Mailbox']);
    const set = child(child(rootChild('Requirements'), 'Sets'), 'Set');
    expect(set.getAttribute('Name')).toBe('Mailbox');
    expect(versionCompare(set.getAttribute('MinVersion')!, '1.3')).toBeGreaterThanOrEqual(0);
    expect(rootChild('Permissions').textContent).toBe('ReadWriteItem');
  });

  it('should give older clients a read form showing the task pane, and activate on messages read and on appointments', () => {
    const form = child(rootChild('FormSettings'), 'Form');
    expect(xsiType(form)).toBe('ItemRead');
    const desktop = child(form, 'DesktopSettings');
    expect(children(desktop).map((c) => c.localName)).toEqual(['SourceLocation', 'RequestedHeight']);
    expect(child(desktop, 'SourceLocation').getAttribute('DefaultValue')).toBe(`${base}/addin/index.html?host=outlook`);
    const height = Number(child(desktop, 'RequestedHeight').textContent);
    expect(height).toBeGreaterThanOrEqual(32);
    expect(height).toBeLessThanOrEqual(450);
    const rule = rootChild('Rule');
    expect(xsiType(rule)).toBe('RuleCollection');
    expect(rule.getAttribute('Mode')).toBe('Or');
    const rules = children(rule).map((r) => `${xsiType(r)} ${r.getAttribute('ItemType')} ${r.getAttribute('FormType')}`);
    expect(rules).toEqual(['ItemIs Message Read', 'ItemIs Appointment ReadOrEdit']);
  });

  it('should use HTTPS URLs under the deployment\'s base URL only, and name no other origin anywhere', () => {
    const values = [...doc.getElementsByTagName('*')].flatMap((e) => [...e.attributes]
      .filter((a) => a.prefix !== 'xmlns' && a.name !== 'xmlns')
      .map((a) => a.value))
      .filter((v) => /^[a-z][a-z0-9+.-]*:/i.test(v));
    expect(values.length).toBeGreaterThanOrEqual(10);
    for (const url of values) expect(url.startsWith(`${base}/`) ? 'under base' : url).toBe('under base');
    const inText = urlsIn(xml);
    expect(inText.length).toBeGreaterThanOrEqual(values.length);
    for (const url of inText) expect(underBase(url, base)).toBe('under base');
  });

  describe.each([['VersionOverrides 1.0', VO_1_0, '1.3', false], ['VersionOverrides 1.1', VO_1_1, '1.5', true]] as const)(
    '%s', (_label, ns, mailbox, pinnable) => {
      const level = () => (ns === VO_1_0 ? outer() : inner());
      /** Elements of this level only (the 1.0 level without its nested 1.1). */
      const own = (name: string) => [...level().getElementsByTagName('*')]
        .filter((e) => e.localName === name && (ns === VO_1_1 || !inner().contains(e)));

      it(`should have the namespace ${ns} and require Mailbox ${mailbox}`, () => {
        expect(level().namespaceURI).toBe(ns);
        expect(xsiType(level())).toBe(ns === VO_1_0 ? 'VersionOverridesV1_0' : 'VersionOverridesV1_1');
        const sets = own('Sets').filter((s) => s.namespaceURI === BT_NS);
        expect(sets).toHaveLength(1);
        expect(sets[0].getAttribute('DefaultMinVersion')).toBe(mailbox);
      });

      it(`should put a task-pane button${pinnable ? ' that can be pinned' : ''} on messages read and on appointments, organizer and attendee`, () => {
        const points = own('ExtensionPoint').map((e) => xsiType(e));
        expect(points).toEqual(['MessageReadCommandSurface', 'AppointmentOrganizerCommandSurface', 'AppointmentAttendeeCommandSurface']);
        const actions = own('Action');
        expect(actions).toHaveLength(3);
        for (const action of actions) {
          expect(xsiType(action)).toBe('ShowTaskpane');
          expect(children(action).map((c) => c.localName)).toEqual(pinnable ? ['SourceLocation', 'SupportsPinning'] : ['SourceLocation']);
          if (pinnable) expect(child(action, 'SupportsPinning').textContent).toBe('true');
        }
      });

      it('should resolve every resid to a resource of the same level, the task pane to <base>/addin/index.html', () => {
        const resources = new Map([...own('Resources')[0].querySelectorAll('*')]
          .filter((e) => e.hasAttribute('id') && e.hasAttribute('DefaultValue'))
          .map((e) => [e.getAttribute('id')!, e.getAttribute('DefaultValue')!] as const));
        const refs = [...level().querySelectorAll('[resid]')].filter((e) => ns === VO_1_1 || !inner().contains(e));
        expect(refs.length).toBeGreaterThan(10);
        for (const ref of refs) expect(resources.has(ref.getAttribute('resid')!)).toBe(true);
        for (const action of own('Action')) expect(resources.get(child(action, 'SourceLocation').getAttribute('resid')!)).toBe(`${base}/addin/index.html?host=outlook`);
      });

      it('should give unique ids to its groups and buttons', () => {
        const ids = [...own('Group'), ...own('Control')].map((e) => e.getAttribute('id'));
        expect(ids).toHaveLength(6);
        expect(new Set(ids).size).toBe(6);
      });

      it('should show button icons at 16, 32 and 80 px, each an addin/assets file of that size', () => {
        const images = new Map([...own('Images')[0].querySelectorAll('*')]
          .map((e) => [e.getAttribute('id')!, e.getAttribute('DefaultValue')!] as const));
        const used = own('Image').filter((e) => e.hasAttribute('size'));
        expect(used).toHaveLength(9);
        for (const image of used) {
          const size = Number(image.getAttribute('size'));
          expect([16, 32, 80]).toContain(size);
          const file = assetFileOf(images.get(image.getAttribute('resid')!)!, base);
          expect(existsSync(file)).toBe(true);
          const png = readPngHeader(readFileSync(file));
          expect([png.width, png.height]).toEqual([size, size]);
        }
      });

      it('should have a French text and an English override for every label and tooltip', () => {
        const strings = [...own('ShortStrings'), ...own('LongStrings')].flatMap((list) => children(list));
        expect(strings).toHaveLength(3);
        for (const s of strings) {
          expect(s.getAttribute('DefaultValue')).toMatch(/\S/);
          const override = child(s, 'Override');
          expect(override.getAttribute('Locale')).toBe('en-US');
          expect(override.getAttribute('Value')).toMatch(/\S/);
          expect(override.getAttribute('Value')).not.toBe(s.getAttribute('DefaultValue'));
        }
      });
    });
});
