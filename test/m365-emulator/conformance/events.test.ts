/** Users and events through the Graph SDK: CRUD, transactionId, If-Match, time zones, immutable ids, extended properties, paging. */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { ResponseType } from '@microsoft/microsoft-graph-client';
import { graphError, startWorld, type World } from './kit';

let w: World;
let events: string;
beforeAll(async () => {
  w = await startWorld();
  events = `/users/${w.agent.id}/events`;
});
afterAll(async () => {
  await w?.stop();
});

const RDV_LINK = 'String {66f5a359-4659-4830-9070-00047ec6ac6e} Name RdvLink';
const anRdv = (over: Record<string, unknown> = {}) => ({
  subject: 'RDV carte d’identité',
  body: { contentType: 'text', content: 'Guichet 2' },
  start: { dateTime: '2026-03-30T09:00:00', timeZone: 'Romance Standard Time' },
  end: { dateTime: '2026-03-30T09:30:00', timeZone: 'Romance Standard Time' },
  showAs: 'busy',
  sensitivity: 'normal',
  categories: ['RDV'],
  ...over,
});

describe('Users', () => {
  it('reads a user by id or by userPrincipalName', async () => {
    const byId = await w.graph.api(`/users/${w.agent.id}`).get();
    const byUpn = await w.graph.api(`/users/${w.agent.userPrincipalName}`).get();
    expect(byId).toMatchObject({ id: w.agent.id, userPrincipalName: 'claire.martin@testville.example', mail: 'claire.martin@testville.example', displayName: 'Claire Martin' });
    expect(byUpn.id).toBe(w.agent.id);
  });

  it('answers 404 ErrorInvalidUser for an unknown mailbox', async () => {
    const err = await graphError(w.graph.api('/users/nobody@testville.example/events').get());
    expect(err.statusCode).toBe(404);
    expect(err.code).toBe('ErrorInvalidUser');
  });
});

describe('Events', () => {
  it('creates an event (201) and returns the full event in UTC, shaped like the documented example', async () => {
    const created = await w.graph.api(events).post(anRdv());
    expect(created['@odata.context']).toMatch(/\$metadata#users\('.+'\)\/events\/\$entity$/);
    expect(created['@odata.etag']).toBe(`W/"${created.changeKey}"`);
    for (const key of ['id', 'createdDateTime', 'lastModifiedDateTime', 'changeKey', 'categories', 'originalStartTimeZone', 'originalEndTimeZone', 'iCalUId', 'reminderMinutesBeforeStart', 'isReminderOn', 'hasAttachments', 'subject', 'bodyPreview', 'importance', 'sensitivity', 'isAllDay', 'isCancelled', 'isOrganizer', 'responseRequested', 'seriesMasterId', 'showAs', 'type', 'webLink', 'responseStatus', 'body', 'start', 'end', 'location', 'locations', 'recurrence', 'attendees', 'organizer']) {
      expect(created).toHaveProperty([key]);
    }
    expect(created.type).toBe('singleInstance');
    expect(created.start).toEqual({ dateTime: '2026-03-30T07:00:00.0000000', timeZone: 'UTC' });
    expect(created.end).toEqual({ dateTime: '2026-03-30T07:30:00.0000000', timeZone: 'UTC' });
    expect(created.originalStartTimeZone).toBe('Romance Standard Time');
    expect(created.createdDateTime).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{7}Z$/);
    expect(created).not.toHaveProperty('transactionId');
    expect(created.bodyPreview).toBe('Guichet 2');
    expect(created.body.contentType).toBe('html');
    expect(created.body.content).toMatch(/<body>[\s\S]*Guichet 2[\s\S]*<\/body>/);
    const asText = await w.graph.api(`${events}/${created.id}`).header('Prefer', 'outlook.body-content-type="text"').get();
    expect(asText.body).toEqual({ contentType: 'text', content: 'Guichet 2' });
    expect(created.organizer).toEqual({ emailAddress: { name: 'Claire Martin', address: 'claire.martin@testville.example' } });
  });

  it('does not create a second event when a create is retried with the same transactionId', async () => {
    const txId = 'b7d3c0b2-6c1f-4a43-9d3e-rdv-1234';
    const first = await w.graph.api(events).post(anRdv({ transactionId: txId }));
    const again = await w.graph.api(events).post(anRdv({ transactionId: txId, subject: 'retry' }));
    expect(again.id).toBe(first.id);
    expect(first.transactionId).toBe(txId);
    const list = await w.graph.api(events).filter(`transactionId eq '${txId}'`).get();
    expect(list.value).toHaveLength(1);
  });

  it('changes changeKey and @odata.etag on every edit and answers 412 ErrorIrresolvableConflict on a stale If-Match', async () => {
    const created = await w.graph.api(events).post(anRdv());
    const updated = await w.graph.api(`${events}/${created.id}`).header('If-Match', created['@odata.etag']).patch({ subject: 'RDV déplacé' });
    expect(updated.subject).toBe('RDV déplacé');
    expect(updated.changeKey).not.toBe(created.changeKey);
    expect(updated['@odata.etag']).not.toBe(created['@odata.etag']);
    const stale = await graphError(w.graph.api(`${events}/${created.id}`).header('If-Match', created['@odata.etag']).patch({ subject: 'trop tard' }));
    expect(stale.statusCode).toBe(412);
    expect(stale.code).toBe('ErrorIrresolvableConflict');
    const staleDelete = await graphError(w.graph.api(`${events}/${created.id}`).header('If-Match', created['@odata.etag']).delete());
    expect(staleDelete.statusCode).toBe(412);
    const again = await w.graph.api(`${events}/${created.id}`).get();
    expect(again.subject).toBe('RDV déplacé');
  });

  it('deletes with 204 and then answers 404 ErrorItemNotFound', async () => {
    const created = await w.graph.api(events).post(anRdv());
    const res = await w.graph.api(`${events}/${created.id}`).responseType('raw' as never).delete();
    expect((res as Response).status).toBe(204);
    const err = await graphError(w.graph.api(`${events}/${created.id}`).get());
    expect(err.statusCode).toBe(404);
    expect(err.code).toBe('ErrorItemNotFound');
  });

  it('answers in the time zone asked with Prefer: outlook.timezone (Windows or IANA names)', async () => {
    const created = await w.graph.api(events).post(anRdv());
    const paris = await w.graph.api(`${events}/${created.id}`).header('Prefer', 'outlook.timezone="Romance Standard Time"').get();
    expect(paris.start).toEqual({ dateTime: '2026-03-30T09:00:00.0000000', timeZone: 'Romance Standard Time' });
    const reunion = await w.graph.api(`${events}/${created.id}`).header('Prefer', 'outlook.timezone="Indian/Reunion"').get();
    expect(reunion.start).toEqual({ dateTime: '2026-03-30T11:00:00.0000000', timeZone: 'Indian/Reunion' });
  });

  it('answers with immutable ids under Prefer: IdType="ImmutableId", and accepts both forms', async () => {
    const created = await w.graph.api(events).header('Prefer', 'IdType="ImmutableId"').post(anRdv());
    const plain = await w.graph.api(`${events}/${created.id}`).get();
    expect(plain.id).not.toBe(created.id);
    const immutable = await w.graph.api(`${events}/${plain.id}`).header('Prefer', 'IdType="ImmutableId"').get();
    expect(immutable.id).toBe(created.id);
  });

  it('stores single-value extended properties, returns them with $expand and finds events with $filter … Any()', async () => {
    const created = await w.graph.api(events).post(anRdv({ singleValueExtendedProperties: [{ id: RDV_LINK, value: 'rdv-77' }] }));
    expect(created).not.toHaveProperty('singleValueExtendedProperties');
    const expanded = await w.graph.api(`${events}/${created.id}`).expand(`singleValueExtendedProperties($filter=id eq '${RDV_LINK}')`).get();
    expect(expanded.singleValueExtendedProperties).toEqual([{ id: RDV_LINK, value: 'rdv-77' }]);
    const found = await w.graph.api(events).filter(`singleValueExtendedProperties/Any(ep: ep/id eq '${RDV_LINK}' and ep/value eq 'rdv-77')`).get();
    expect(found.value.map((e: { id: string }) => e.id)).toEqual([created.id]);
    const none = await w.graph.api(events).filter(`singleValueExtendedProperties/Any(ep: ep/id eq '${RDV_LINK}' and ep/value eq 'rdv-78')`).get();
    expect(none.value).toEqual([]);
  });

  it('keeps an Office.js custom-properties bridge property next to others on update', async () => {
    const cecp = 'String {00020329-0000-0000-C000-000000000046} Name cecp-2b1a8f1e-aaaa-bbbb-cccc-123456789abc';
    const created = await w.graph.api(events).post(anRdv({ singleValueExtendedProperties: [{ id: RDV_LINK, value: 'rdv-80' }] }));
    await w.graph.api(`${events}/${created.id}`).patch({ singleValueExtendedProperties: [{ id: cecp, value: '{"rdvId":"rdv-80"}' }] });
    const expanded = await w.graph.api(`${events}/${created.id}`).expand('singleValueExtendedProperties').get();
    expect(expanded.singleValueExtendedProperties).toEqual([{ id: RDV_LINK, value: 'rdv-80' }, { id: cecp, value: '{"rdvId":"rdv-80"}' }]);
  });

  it('honours $select, $top and pages with @odata.nextLink', async () => {
    const u = w.emulator.control.createUser({ tenantId: w.tenantId, userPrincipalName: 'pager@testville.example', displayName: 'Pager' });
    for (let i = 0; i < 7; i++) await w.graph.api(`/users/${u.id}/events`).post(anRdv({ subject: `n${i}` }));
    const first = await w.graph.api(`/users/${u.id}/events`).select('subject,start').top(3).get();
    expect(first.value).toHaveLength(3);
    expect(Object.keys(first.value[0]).sort()).toEqual(['@odata.etag', 'id', 'start', 'subject']);
    const seen = [...first.value];
    let next: string | undefined = first['@odata.nextLink'];
    while (next) {
      const page = await w.graph.api(next).get();
      seen.push(...page.value);
      next = page['@odata.nextLink'];
    }
    expect(seen.map((e) => e.subject).sort()).toEqual(['n0', 'n1', 'n2', 'n3', 'n4', 'n5', 'n6']);
  });

  it('refuses invalid payloads with Graph error codes', async () => {
    const badEnum = await graphError(w.graph.api(events).post(anRdv({ showAs: 'maybe' })));
    expect(badEnum.statusCode).toBe(400);
    const badZone = await graphError(w.graph.api(events).post(anRdv({ start: { dateTime: '2026-03-30T09:00:00', timeZone: 'Mars Standard Time' } })));
    expect(badZone.code).toBe('TimeZoneNotSupportedException');
    const unknownProp = await graphError(w.graph.api(events).post(anRdv({ colour: 'blue' })));
    expect(unknownProp.code).toBe('RequestBodyRead');
  });

  it('answers a create with 201 and a Location header', async () => {
    const raw = (await w.graph.api(events).responseType(ResponseType.RAW).post(anRdv())) as Response;
    expect(raw.status).toBe(201);
    const body = (await raw.json()) as { id: string };
    expect(raw.headers.get('location')).toContain(body.id);
  });

  it('can reproduce the race where concurrent creates with one transactionId both succeed', async () => {
    const u = w.emulator.control.createUser({ tenantId: w.tenantId, userPrincipalName: 'race@testville.example', displayName: 'Race' });
    w.emulator.control.settings({ transactionIdRaceMs: 50 });
    try {
      const [a, b] = await Promise.all([0, 1].map(() => w.graph.api(`/users/${u.id}/events`).post(anRdv({ transactionId: 'same-key' }))));
      expect(a.id).not.toBe(b.id);
    } finally {
      w.emulator.control.settings({ transactionIdRaceMs: 0 });
    }
    const retried = await w.graph.api(`/users/${u.id}/events`).post(anRdv({ transactionId: 'same-key' }));
    expect((await w.graph.api(`/users/${u.id}/events`).get()).value).toHaveLength(2);
    expect(retried.transactionId).toBe('same-key');
  });

  it('keeps all-day events at midnight in any time zone', async () => {
    const created = await w.graph.api(events).post(anRdv({ isAllDay: true, start: { dateTime: '2026-04-03T00:00:00', timeZone: 'Romance Standard Time' }, end: { dateTime: '2026-04-04T00:00:00', timeZone: 'Romance Standard Time' } }));
    expect(created.start).toEqual({ dateTime: '2026-04-03T00:00:00.0000000', timeZone: 'UTC' });
    const paris = await w.graph.api(`${events}/${created.id}`).header('Prefer', 'outlook.timezone="Romance Standard Time"').get();
    expect(paris.end).toEqual({ dateTime: '2026-04-04T00:00:00.0000000', timeZone: 'Romance Standard Time' });
    const notMidnight = await graphError(w.graph.api(events).post(anRdv({ isAllDay: true })));
    expect(notMidnight.statusCode).toBe(400);
  });

  it('sees changes made by the user in Outlook', async () => {
    const outlook = w.emulator.control.userEvent(w.agent.id);
    const made = await outlook.create(anRdv({ subject: 'Réunion de service', showAs: 'oof' }));
    const read = await w.graph.api(`${events}/${made.id}`).get();
    expect(read.subject).toBe('Réunion de service');
    await outlook.update(String(made.id), { isCancelled: true });
    expect((await w.graph.api(`${events}/${made.id}`).get()).isCancelled).toBe(true);
  });
});
