import t from 'tap';
import {
  PERIOD_TYPES,
  PeriodError,
  formatPeriod,
  isPeriodType,
  parsePeriod,
  periodFromPosition,
  periodTypeLabel,
  periodsPerYear,
  previousPeriod,
  samePeriodLastYear,
  tryParsePeriod,
} from '../../server/analysis/periods.ts';
import type { PeriodType } from '../../server/analysis/periods.ts';

t.test('canonical labels, keys and positions', async (t) => {
  const cases: [PeriodType, string, number, string][] = [
    ['fy_quarter', '2024-25 Q3', 2024 * 4 + 2, '2024-25-Q3'],
    ['academic_year', '2024/25', 2024, '2024-25'],
    ['financial_year', '2024-25', 2024, '2024-25'],
    ['calendar_year', '2024', 2024, '2024'],
    ['month', '2024-11', 2024 * 12 + 10, '2024-11'],
  ];
  for (const [type, label, position, key] of cases) {
    const period = parsePeriod(type, label);
    t.same(period, { type, position, label, key }, `${type} ${label}`);
    t.equal(formatPeriod(period), label, `${type} prints back as ${label}`);
    t.same(periodFromPosition(type, position), period, `${type} from its position`);
    t.same(parsePeriod(type, key), period, `${type} parses its own key ${key}`);
  }
});

t.test('accepts common variants and prints them canonically', async (t) => {
  const variants: [PeriodType, string, string][] = [
    ['fy_quarter', '  2024-25 Q3  ', '2024-25 Q3'],
    ['fy_quarter', '2024-25 q3', '2024-25 Q3'],
    ['fy_quarter', 'Q3 2024-25', '2024-25 Q3'],
    ['fy_quarter', 'q1 2024/25', '2024-25 Q1'],
    ['fy_quarter', '2024-2025 Q4', '2024-25 Q4'],
    ['fy_quarter', '2024-25Q2', '2024-25 Q2'],
    ['academic_year', '2024/2025', '2024/25'],
    ['academic_year', '2024-2025', '2024/25'],
    ['academic_year', '2024-25', '2024/25'],
    ['academic_year', ' 2024 / 25 ', '2024/25'],
    ['academic_year', '2024–25', '2024/25'],
    ['financial_year', '2024/25', '2024-25'],
    ['financial_year', '2024-2025', '2024-25'],
    ['financial_year', '2024/2025', '2024-25'],
    ['calendar_year', ' 2024\n', '2024'],
    ['month', '2024-1', '2024-01'],
    ['month', '2024/11', '2024-11'],
    ['month', 'November 2024', '2024-11'],
    ['month', 'nov 2024', '2024-11'],
  ];
  for (const [type, text, label] of variants) {
    t.equal(parsePeriod(type, text).label, label, `${type} ${JSON.stringify(text)}`);
  }
});

t.test('century boundaries', async (t) => {
  t.equal(parsePeriod('academic_year', '1999/00').position, 1999);
  t.equal(parsePeriod('financial_year', '1999-2000').label, '1999-00');
  t.equal(periodFromPosition('fy_quarter', 2099 * 4 + 3).label, '2099-00 Q4');
  t.equal(parsePeriod('academic_year', '2009/10').label, '2009/10');
  t.equal(periodFromPosition('academic_year', 2008).label, '2008/09');
});

t.test('rejects malformed input with a message saying what was given and what was expected', async (t) => {
  const bad: [PeriodType, string, string][] = [
    ['academic_year', '2024/5', '"2024/5" is not an academic year: expected the form 2024/25'],
    ['academic_year', '2024/26', '"2024/26" is not an academic year: the two years must be consecutive (expected the form 2024/25)'],
    ['academic_year', '2024/2026', '"2024/2026" is not an academic year: the two years must be consecutive (expected the form 2024/25)'],
    ['financial_year', '2024-26', '"2024-26" is not a financial year: the two years must be consecutive (expected the form 2024-25)'],
    ['financial_year', '2024', '"2024" is not a financial year: expected the form 2024-25'],
    ['fy_quarter', '2024-25 Q5', '"2024-25 Q5" is not a financial year quarter: the quarter must be Q1 to Q4 (expected the form 2024-25 Q3)'],
    ['fy_quarter', '2024-25 Q0', '"2024-25 Q0" is not a financial year quarter: the quarter must be Q1 to Q4 (expected the form 2024-25 Q3)'],
    ['fy_quarter', '2024-25 Q12', '"2024-25 Q12" is not a financial year quarter: the quarter must be Q1 to Q4 (expected the form 2024-25 Q3)'],
    ['fy_quarter', '2024-25', '"2024-25" is not a financial year quarter: expected the form 2024-25 Q3'],
    ['fy_quarter', '2024-26 Q1', '"2024-26 Q1" is not a financial year quarter: the two years must be consecutive (expected the form 2024-25 Q3)'],
    ['month', '2024-13', '"2024-13" is not a month: the month must be 01 to 12 (expected the form 2024-11)'],
    ['month', '2024-00', '"2024-00" is not a month: the month must be 01 to 12 (expected the form 2024-11)'],
    ['month', 'Smarch 2024', '"Smarch 2024" is not a month: expected the form 2024-11'],
    ['calendar_year', 'abc', '"abc" is not a calendar year: expected the form 2024'],
    ['calendar_year', '24', '"24" is not a calendar year: expected the form 2024'],
    ['calendar_year', '0999', '"0999" is not a calendar year: the year must have four digits (expected the form 2024)'],
    ['calendar_year', '', '"" is not a calendar year: expected the form 2024'],
    ['academic_year', '   ', '"   " is not an academic year: expected the form 2024/25'],
    ['month', 'abc', '"abc" is not a month: expected the form 2024-11'],
  ];
  for (const [type, text, message] of bad) {
    t.throws(() => parsePeriod(type, text), new PeriodError(message), `${type} ${JSON.stringify(text)}`);
    t.same(tryParsePeriod(type, text), { ok: false, error: message }, `tryParsePeriod ${type} ${JSON.stringify(text)}`);
  }
  t.throws(() => parsePeriod('weekly' as PeriodType, '2024'), PeriodError, 'an unknown period type');
});

t.test('tryParsePeriod returns the period on success', async (t) => {
  t.same(tryParsePeriod('academic_year', '2023/24'), { ok: true, period: parsePeriod('academic_year', '2023/24') });
});

t.test('keys sort in period order as text', async (t) => {
  for (const type of PERIOD_TYPES) {
    // Span more than one year boundary and more than one decade so that padding matters.
    const start = periodFromPosition(type, 2008 * periodsPerYear(type) + 1).position;
    const periods = Array.from({ length: 40 }, (_, i) => periodFromPosition(type, start + i));
    const byKey = periods.map((p) => p.key).reverse().sort();
    t.same(byKey, periods.map((p) => p.key), `${type} keys sort in order`);
  }
});

t.test('positions are consecutive across year boundaries', async (t) => {
  const q4 = parsePeriod('fy_quarter', '2024-25 Q4');
  const q1 = parsePeriod('fy_quarter', '2025-26 Q1');
  t.equal(q1.position - q4.position, 1, '2024-25 Q4 → 2025-26 Q1');
  t.equal(previousPeriod(q1).label, '2024-25 Q4');

  const dec = parsePeriod('month', '2024-12');
  const jan = parsePeriod('month', '2025-01');
  t.equal(jan.position - dec.position, 1, '2024-12 → 2025-01');
  t.equal(previousPeriod(jan).label, '2024-12');

  t.equal(parsePeriod('academic_year', '2025/26').position - parsePeriod('academic_year', '2024/25').position, 1);
  t.equal(parsePeriod('financial_year', '2025-26').position - parsePeriod('financial_year', '2024-25').position, 1);
  t.equal(parsePeriod('calendar_year', '2025').position - parsePeriod('calendar_year', '2024').position, 1);
  t.equal(previousPeriod(parsePeriod('academic_year', '2000/01')).label, '1999/00');
});

t.test('same period last year', async (t) => {
  t.equal(samePeriodLastYear(parsePeriod('fy_quarter', '2024-25 Q3')).label, '2023-24 Q3');
  t.equal(samePeriodLastYear(parsePeriod('month', '2025-01')).label, '2024-01');
  t.equal(samePeriodLastYear(parsePeriod('academic_year', '2024/25')).label, '2023/24');
  t.equal(samePeriodLastYear(parsePeriod('calendar_year', '2024')).label, '2023');
});

t.test('periods per year and type labels', async (t) => {
  t.same(PERIOD_TYPES.map(periodsPerYear), [4, 1, 1, 1, 12]);
  t.same(PERIOD_TYPES.map(periodTypeLabel), [
    'Financial year quarter',
    'Academic year',
    'Financial year',
    'Calendar year',
    'Month',
  ]);
  t.ok(isPeriodType('month'));
  t.notOk(isPeriodType('week'));
});

t.test('periodFromPosition refuses fractions and out-of-range years', async (t) => {
  t.throws(() => periodFromPosition('calendar_year', 2024.5), PeriodError);
  t.throws(() => periodFromPosition('calendar_year', 999), PeriodError);
  t.throws(() => periodFromPosition('month', 999 * 12 + 11), PeriodError);
  t.equal(periodFromPosition('calendar_year', 9999).label, '9999');
  t.throws(() => periodFromPosition('academic_year', 9999), PeriodError, '9999/00 would not sort');
});

// The explore-education-statistics time identifiers are tested in test/analysis/ees-time.test.ts.
