import { describe, expect, it } from '@jest/globals';
import * as s from '../../../shared/src/schemas';

const NASTY: unknown[] = [true, [1], '1', 1e12, -1, 0, 1.5, null, {}, '', 'x\u0000y', 'a\u202Eb', '0000-01-01', '2026-13-45', '2026-12-01', '9999-12-31T00:00:00Z'];
const schemas = Object.entries(s).filter(([, v]) => v instanceof s.z.ZodType) as Array<[string, s.z.ZodType]>;

/** The fields of an object schema (refined objects are still ZodObjects in zod 4). */
function shapeOf(schema: s.z.ZodType): Record<string, unknown> | null {
  return schema instanceof s.z.ZodObject ? schema.shape : null;
}

describe('the shared API schemas', () => {
  it('should be many enough for this test to mean something', () => {
    expect(schemas.length).toBeGreaterThan(20);
  });

  it.each(schemas)('%s should answer a validation result, never throw, whatever a client sends', (_name, schema) => {
    const shape = shapeOf(schema);
    const keys = shape ? Object.keys(shape) : [];
    // Each field alone, then every field at once (object-level rules then see fields that failed to parse).
    const inputs: unknown[] = [...NASTY, ...keys.flatMap((k) => NASTY.map((v) => ({ [k]: v }))), ...NASTY.map((v) => Object.fromEntries(keys.map((k) => [k, v])))];
    for (const input of inputs) expect(() => schema.safeParse(input)).not.toThrow();
  });

  it('should refuse date-only bounds of an RDV list, naming the field, without running the period rules on them', () => {
    const r = s.rdvList.safeParse({ from: '2026-12-01', to: '2026-12-05' });
    expect(r.success).toBe(false);
    expect(r.error!.issues.map((i) => i.path.join('.'))).toEqual(['from', 'to']);
  });

  it.each([[true], [[1]], ['1'], [1.5], [0], [-3]])('should refuse %j as a body id', (v) => {
    expect(s.id.safeParse(v).success).toBe(false);
  });

  it.each(['1', '42', '123456789012345'])('should read the path or query id %j as a number', (v) => {
    expect(s.idText.parse(v)).toBe(Number(v));
  });

  it.each(['0', '01', '1e3', '0x10', '+1', '-1', ' 1', '1 ', '1.0', 'true', '1234567890123456'])('should refuse %j as a path or query id', (v) => {
    expect(s.idText.safeParse(v).success).toBe(false);
  });

  it('should bound calendar days to 2000–2100 and birth dates to 1900–2100', () => {
    expect(s.localDate.safeParse('2000-01-01').success).toBe(true);
    expect(s.localDate.safeParse('2100-12-31').success).toBe(true);
    expect(s.localDate.safeParse('1999-12-31').success).toBe(false);
    expect(s.localDate.safeParse('2101-01-01').success).toBe(false);
    expect(s.localDate.safeParse('2026-02-29').success).toBe(false);
    expect(s.birthDate.safeParse('1900-01-01').success).toBe(true);
    expect(s.birthDate.safeParse('1899-12-31').success).toBe(false);
    expect(s.instant.safeParse('2101-01-01T00:00:00Z').success).toBe(false);
  });

  it('should keep tabs and line breaks in multi-line text only', () => {
    expect(s.multiLine(100).safeParse('1 rue des Lilas\r\n\t86000 Poitiers').success).toBe(true);
    expect(s.singleLine(100).safeParse('Anne\tMarie').success).toBe(false);
    expect(s.multiLine(100).safeParse('a\u0007b').success).toBe(false);
    expect(s.multiLine(100).safeParse('a\u2067b').success).toBe(false);
  });
});
