/**
 * `timeZoneProblem` answers from ICU's list of canonical zone names before it asks a formatter: the
 * answers must be exactly the formatter's, for every name ICU lists and for the ones it does not.
 */
import { timeZoneProblem, timeZoneProblemFromFormatter as formatterAnswer } from '../../../lib/config/kubernetes-values';

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
