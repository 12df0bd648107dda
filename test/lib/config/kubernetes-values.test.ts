/**
 * `timeZoneProblem` answers from ICU's list of canonical zone names before it asks a formatter: the
 * answers must be exactly the formatter's, for every name ICU lists and for the ones it does not.
 */
import { timeZoneProblem } from '../../../lib/config/kubernetes-values';

/** The check as the formatter alone answers it (what timeZoneProblem did before the list). */
function formatterAnswer(zone: string): string | undefined {
  if (!/^[A-Za-z][A-Za-z0-9_+-]*(\/[A-Za-z0-9_+-]+)*$/.test(zone)) return 'is not an IANA time zone name (e.g. Asia/Jakarta, UTC)';
  let resolved: string;
  try {
    resolved = new Intl.DateTimeFormat('en-US', { timeZone: zone }).resolvedOptions().timeZone;
  } catch {
    return 'is not a known IANA time zone (e.g. Asia/Jakarta, UTC)';
  }
  if (resolved.toLowerCase() === zone.toLowerCase() && resolved !== zone) return `is spelled ${JSON.stringify(resolved)} in the time zone database`;
  return undefined;
}

describe('timeZoneProblem', () => {
  test('every canonical zone ICU lists is accepted, as the formatter accepts it', () => {
    const zones = Intl.supportedValuesOf('timeZone');
    expect(zones.length).toBeGreaterThan(300);
    expect(zones.filter((z) => timeZoneProblem(z) !== formatterAnswer(z))).toEqual([]);
    expect(zones.filter((z) => timeZoneProblem(z) !== undefined)).toEqual([]);
  });

  test.each(['UTC', 'Etc/UTC', 'GMT', 'US/Eastern', 'Asia/Calcutta', 'asia/jakarta', 'ASIA/JAKARTA', 'Asia/Jakart', 'Mars/Olympus', 'Asia/Jakarta ', '', 'Asia//Jakarta'])(
    '%j (an alias, a miscased, unknown or malformed name) gets the formatter\'s answer',
    (zone) => {
      expect(timeZoneProblem(zone)).toBe(formatterAnswer(zone));
    },
  );

  test('a miscased name is told its spelling', () => {
    expect(timeZoneProblem('asia/jakarta')).toBe('is spelled "Asia/Jakarta" in the time zone database');
  });
});
