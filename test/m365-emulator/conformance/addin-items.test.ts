/**
 * What the add-in's item link needs of Graph: an appointment saved in Outlook is read by the id the add-in has
 * (a REST id from convertToRestId) and answered with its immutable id under `Prefer: IdType="ImmutableId"`
 * (concepts/outlook-immutable-id.md); the add-in's custom properties are one named string property of
 * PS_PUBLIC_STRINGS, `cecp-<add-in id>`, holding JSON ([MS-OXCEXT] 2.2.5), read like any single-value extended
 * property (resources/extended-properties-overview.md), in calendarView too (microsoftgraph/msgraph-metadata PR 299
 * marks calendarView's singleValueExtendedProperties as expandable); an item of another mailbox is not found
 * through this one.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { addinCustomPropertiesId, DEFAULT_ADDIN_ID } from '../../../shared/src/sync/addin-item';
import { graphError, startWorld, type World } from './kit';

let w: World;
let events: string;
beforeAll(async () => {
  w = await startWorld();
  events = `/users/${w.agent.id}/events`;
});
afterAll(async () => { await w?.stop(); });

const RDV_LINK = 'String {66f5a359-4659-4830-9070-00047ec6ac6e} Name RdvLink';
const CECP = addinCustomPropertiesId(DEFAULT_ADDIN_ID);
const saved = (props: Array<{ id: string; value: string }>) => ({
  subject: 'RDV : Consultation PMI',
  start: { dateTime: '2026-03-30T09:00:00', timeZone: 'UTC' },
  end: { dateTime: '2026-03-30T09:30:00', timeZone: 'UTC' },
  singleValueExtendedProperties: props,
});

describe("Items saved from the add-in", () => {
  it('names the property as [MS-OXCEXT] says: lower case, no braces, no urn:uuid prefix', () => {
    expect(addinCustomPropertiesId('{7E15EE45-6A2F-4110-B807-62F99A2BB437}')).toBe('String {00020329-0000-0000-C000-000000000046} Name cecp-7e15ee45-6a2f-4110-b807-62f99a2bb437');
    expect(addinCustomPropertiesId('urn:uuid:7e15ee45-6a2f-4110-b807-62f99a2bb437')).toBe(CECP);
  });

  it('reads an item by its REST id under IdType="ImmutableId": immutable id, times, and the custom properties JSON', async () => {
    const json = JSON.stringify({ rdvLink: '12/34' });
    const item = await w.graph.api(events).post(saved([{ id: CECP, value: json }]));
    const read = await w.graph.api(`${events}/${item.id}`).header('Prefer', 'IdType="ImmutableId"')
      .expand(`singleValueExtendedProperties($filter=id eq '${RDV_LINK}' or id eq '${CECP}')`).get();
    expect(read.id).not.toBe(item.id);
    expect(read.start).toEqual({ dateTime: '2026-03-30T09:00:00.0000000', timeZone: 'UTC' });
    // Only the properties the item holds come back: the RdvLink it does not have is absent.
    expect(read.singleValueExtendedProperties).toEqual([{ id: CECP, value: json }]);
    const byImmutable = await w.graph.api(`${events}/${read.id}`).header('Prefer', 'IdType="ImmutableId"').get();
    expect(byImmutable.id).toBe(read.id);
  });

  it('keeps the custom properties when a PATCH adds the RdvLink property', async () => {
    const json = JSON.stringify({ rdvLink: '56/78' });
    const item = await w.graph.api(events).post(saved([{ id: CECP, value: json }]));
    await w.graph.api(`${events}/${item.id}`).patch({ subject: 'RDV : autre', singleValueExtendedProperties: [{ id: RDV_LINK, value: '56/78' }] });
    const read = await w.graph.api(`${events}/${item.id}`).expand(`singleValueExtendedProperties($filter=id eq '${RDV_LINK}' or id eq '${CECP}')`).get();
    expect(read.singleValueExtendedProperties).toEqual(expect.arrayContaining([{ id: CECP, value: json }, { id: RDV_LINK, value: '56/78' }]));
    expect(read.singleValueExtendedProperties).toHaveLength(2);
  });

  it('lists in calendarView the items at a time with the custom properties expanded, and only those asked for', async () => {
    const json = JSON.stringify({ rdvLink: '90/12' });
    const item = await w.graph.api(events).post({ ...saved([{ id: CECP, value: json }]), start: { dateTime: '2026-03-31T09:00:00', timeZone: 'UTC' }, end: { dateTime: '2026-03-31T09:30:00', timeZone: 'UTC' } });
    const other = await w.graph.api(events).post({ ...saved([]), start: { dateTime: '2026-03-31T09:15:00', timeZone: 'UTC' }, end: { dateTime: '2026-03-31T10:00:00', timeZone: 'UTC' } });
    const view = await w.graph.api(`/users/${w.agent.id}/calendarView`).query({ startDateTime: '2026-03-31T09:00:00.000Z', endDateTime: '2026-03-31T09:30:00.000Z' })
      .expand(`singleValueExtendedProperties($filter=id eq '${CECP}')`).get();
    const byId = new Map((view.value as Array<{ id: string; singleValueExtendedProperties?: unknown }>).map((e) => [e.id, e.singleValueExtendedProperties]));
    expect([...byId.keys()].sort()).toEqual([item.id, other.id].sort()); // every item overlapping the window
    expect(byId.get(item.id)).toEqual([{ id: CECP, value: json }]);
    expect(byId.get(other.id) ?? []).toEqual([]); // none of the properties asked for
  });

  it("does not find another mailbox's item through this mailbox (404 ErrorItemNotFound)", async () => {
    const theirs = await w.graph.api(`/users/${w.colleague.id}/events`).post(saved([]));
    const err = await graphError(w.graph.api(`${events}/${theirs.id}`).header('Prefer', 'IdType="ImmutableId"').get());
    expect(err.statusCode).toBe(404);
    expect(err.code).toBe('ErrorItemNotFound');
  });
});
