import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { CHANGE_ACTIONS } from './actions';
import { envelopeOf, EventFormatError, parseEvent } from './envelope';
import { EVENT_TYPES } from './event-catalog';
import { renderEventsDoc } from './events-doc';

const row = {
  publisher_id: '6f1f3c1e-7c1a-4e3b-9a55-0c2f5f0e9b10',
  id: '0b5c7a52-3c1e-4f0a-8a43-5d9e0b7c2f11',
  seq: '42',
  aggregate_type: 'Work',
  aggregate_id: '1d2c3b4a-0000-4000-8000-000000000001',
  event_type: 'work.created',
  payload: {
    id: '1d2c3b4a-0000-4000-8000-000000000001',
    title: 'Søng',
    alternateTitles: ['Song'],
    iswc: null,
    language: 'da',
    versionType: 'ORIGINAL',
    originalWorkId: null,
    writers: [{ songwriterId: '3f4e5d6c-0000-4000-8000-000000000003', share: '100.00', role: 'CA', controlled: true }],
  },
  created_at: new Date('2026-11-29T12:00:00.000Z'),
  actor_type: 'USER',
  actor_user_id: '2e3d4c5b-0000-4000-8000-000000000002',
  actor_partner_client_id: null,
};

describe('the event catalogue', () => {
  it('has a payload for every change the platform records, and the database’s security alert', () => {
    expect([...EVENT_TYPES].sort()).toEqual([...CHANGE_ACTIONS, 'security.alert_raised'].sort());
  });

  it('reads back the envelope the relay writes', () => {
    const event = parseEvent(JSON.stringify(envelopeOf(row)));
    expect(event).toMatchObject({ type: 'work.created', version: 2, sequence: 42, occurredAt: '2026-11-29T12:00:00.000Z' });
    expect(event.payload).toEqual(row.payload);
  });

  it('refuses a body that is not an event of the catalogue, saying what is wrong', () => {
    expect(() => parseEvent('not json')).toThrow(EventFormatError);
    expect(() => parseEvent(JSON.stringify({ ...envelopeOf(row), type: 'work.exploded' }))).toThrow(/type/);
    // An undocumented field is refused: the catalogue and the code cannot drift apart unseen.
    expect(() => parseEvent(JSON.stringify(envelopeOf({ ...row, payload: { ...row.payload, passwordHash: 'x' } })))).toThrow(
      /passwordHash/,
    );
    expect(() => parseEvent(JSON.stringify(envelopeOf({ ...row, payload: { id: row.aggregate_id } })))).toThrow(/title/);
  });

  it('is what docs/events.md says (pnpm docs:events)', () => {
    expect(readFileSync(new URL('../../../docs/events.md', import.meta.url), 'utf8')).toBe(renderEventsDoc());
  });
});
