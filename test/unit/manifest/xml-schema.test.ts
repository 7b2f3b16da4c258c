/**
 * The XML manifest's VersionOverrides against Microsoft's public XSDs (../shared/schemas/office-addin-manifest),
 * with libxml2 compiled to WebAssembly (xmllint-wasm), offline.
 *
 * The public 1.1 XSD predates pinning: its ShowTaskpane holds only SourceLocation. The normative [MS-OWEMXML]
 * specification (section "ShowTaskpane", mailappversionoverrides/1.1) adds SupportsPinning, SupportsNoItemContext
 * and SupportsMultiSelect after it; the test applies exactly that amendment in memory, and proves that the
 * unamended schema refuses only SupportsPinning. (The public 1.0 XSD imports the 1.1 one, so the whole
 * VersionOverrides tree is validated at once.)
 */
import { describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { validateXML } from 'xmllint-wasm';
import { manifestsUnderTest, XSD_DIR } from './helpers';

const V1_0 = 'http://schemas.microsoft.com/office/mailappversionoverrides';
const V1_1 = `${V1_0}/1.1`;
const PREFIXES = 'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns:bt="http://schemas.microsoft.com/office/officeappbasictypes/1.0"';

const xsd = (file: string) => readFileSync(path.join(XSD_DIR, file), 'utf8');
const basicTypes = { fileName: 'OfficeAppBasicTypesV1_0.xsd', contents: xsd('OfficeAppBasicTypesV1_0.xsd') };
const schema1_0 = { fileName: 'MailAppVersionOverridesV1_0.xsd', contents: xsd('MailAppVersionOverridesV1_0.xsd') };
const public1_1 = xsd('MailAppVersionOverridesV1_1.xsd');
const PINNING_AMENDMENT = [
  '<xs:element name="SourceLocation" type="bt:URLResourceReference" minOccurs="1" maxOccurs="1" />',
  '          <xs:element name="SupportsPinning" type="xs:boolean" minOccurs="0" maxOccurs="1" />',
  '          <xs:element name="SupportsNoItemContext" type="xs:boolean" minOccurs="0" maxOccurs="1" />',
  '          <xs:element name="SupportsMultiSelect" type="xs:boolean" minOccurs="0" maxOccurs="1" />',
].join('\n');
const showTaskpaneSource = /(<xs:complexType name="ShowTaskpane">[\s\S]*?)<xs:element name="SourceLocation" type="bt:URLResourceReference" minOccurs="1" maxOccurs="1" \/>/;
const amended1_1 = public1_1.replace(showTaskpaneSource, `$1${PINNING_AMENDMENT}`);

/** The outer <VersionOverrides> 1.0 element with its nested 1.1, as its own document with the prefixes it uses. */
function versionOverrides(xml: string): string {
  const open = `<VersionOverrides xmlns="${V1_0}"`;
  expect(xml.split(open)).toHaveLength(2);
  const start = xml.indexOf(open);
  const end = xml.lastIndexOf('</VersionOverrides>') + '</VersionOverrides>'.length;
  return xml.slice(start, end).replace(open, `${open} ${PREFIXES}`);
}

/** The nested 1.1 element alone. */
const nested1_1 = (doc: string) => doc.slice(doc.indexOf(`<VersionOverrides xmlns="${V1_1}"`));

/** The 1.0 schema imports the 1.1 schema (MailAppVersionOverridesV1_1.xsd), so one validation covers both levels. */
const validate = (doc: string, v1_1: string) => validateXML({
  xml: { fileName: 'VersionOverrides.xml', contents: doc },
  schema: schema1_0,
  preload: [basicTypes, { fileName: 'MailAppVersionOverridesV1_1.xsd', contents: v1_1 }],
});

describe.each(manifestsUnderTest())('$label', ({ xml }) => {
  it('should have a VersionOverrides 1.0, with its nested 1.1, that Microsoft\'s schemas accept', async () => {
    const result = await validate(versionOverrides(xml), amended1_1);
    expect(result.errors.map((e) => e.rawMessage)).toEqual([]);
    expect(result.valid).toBe(true);
  });

  it('should make the task pane pinnable in VersionOverrides 1.1 only, on each of its three buttons', () => {
    const doc = versionOverrides(xml);
    const inner = nested1_1(doc);
    expect(inner.match(/<SupportsPinning>true<\/SupportsPinning>/g)).toHaveLength(3);
    expect(doc.slice(0, doc.length - inner.length)).not.toContain('SupportsPinning');
  });
});

describe('the schema check itself', () => {
  const [committed] = manifestsUnderTest();

  it('should amend the public 1.1 schema at ShowTaskpane only', () => {
    expect(amended1_1).not.toBe(public1_1);
    expect(amended1_1.length - public1_1.length).toBe(PINNING_AMENDMENT.length - PINNING_AMENDMENT.split('\n')[0].length);
  });

  it('should see that the unamended public 1.1 schema refuses nothing but SupportsPinning', async () => {
    const result = await validate(versionOverrides(committed.xml), public1_1);
    expect(result.valid).toBe(false);
    expect(result.errors.length).toBeGreaterThan(0);
    for (const e of result.errors) expect(e.message).toMatch(/SupportsPinning/);
  });

  it('should refuse a misspelt element, naming what was expected there', async () => {
    const broken = versionOverrides(committed.xml).replace('<SourceLocation resid=', '<SourceLocaton resid=');
    const result = await validate(broken, amended1_1);
    expect(result.valid).toBe(false);
    expect(result.errors[0].message).toMatch(/SourceLocaton.*Expected is.*SourceLocation/s);
  });

  it('should refuse a resource id longer than the 32 characters Outlook allows', async () => {
    const broken = versionOverrides(committed.xml).replaceAll('Rdv.TaskPaneUrl', 'Rdv.TaskPaneUrlOfTheCitizenAppointments');
    const result = await validate(broken, amended1_1);
    expect(result.valid).toBe(false);
    expect(result.errors[0].message).toMatch(/length/);
  });
});
