// Every explore-education-statistics time identifier (docs/method.md, Periods and markers): mapped to a period of
// ours where one covers exactly the same months, otherwise refused with a message that names it and lists what is read.
import t from 'tap';
import { EES_TIME_IDENTIFIERS, PeriodError, findEesTimeIdentifier, periodFromDfe, type PeriodType } from '../../server/analysis/periods.ts';

const SUPPORTED = /This tracker reads "Academic year", "Calendar year", "Calendar year Q1" to "Q4", "Financial year", "Financial year Q1" to "Q4", "Reporting year" and the months "January" to "December"/;

const MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];

// [time_period, time_identifier, our type, our label] for every identifier that maps.
const maps: [string, string, PeriodType, string][] = [
  ['202425', 'Academic year', 'academic_year', '2024/25'],
  ['2024', 'Calendar year', 'calendar_year', '2024'],
  // January to March 2025 is the last quarter of 2024-25; April to June the first of 2025-26.
  ['2025', 'Calendar year Q1', 'fy_quarter', '2024-25 Q4'],
  ['2025', 'Calendar year Q2', 'fy_quarter', '2025-26 Q1'],
  ['2025', 'Calendar year Q3', 'fy_quarter', '2025-26 Q2'],
  ['2025', 'Calendar year Q4', 'fy_quarter', '2025-26 Q3'],
  ['202425', 'Financial year', 'financial_year', '2024-25'],
  ['202425', 'Financial year Q1', 'fy_quarter', '2024-25 Q1'],
  ['202425', 'Financial year Q2', 'fy_quarter', '2024-25 Q2'],
  ['202425', 'Financial year Q3', 'fy_quarter', '2024-25 Q3'],
  ['202425', 'Financial year Q4', 'fy_quarter', '2024-25 Q4'],
  ['2024', 'Reporting year', 'calendar_year', '2024'],
  ...MONTHS.map((m, i): [string, string, PeriodType, string] => ['2024', m, 'month', `2024-${String(i + 1).padStart(2, '0')}`]),
];

// [time_period, time_identifier, why] for every identifier that is refused.
const refused: [string, string, RegExp][] = [
  ...[1, 2, 3, 4].map((q): [string, string, RegExp] => ['202425', `Academic year Q${q}`, /is an academic year quarter/]),
  ['202425', 'Autumn term', /"Autumn term" is a school term: this tracker has no term periods/],
  ['202425', 'Spring term', /"Spring term" is a school term: this tracker has no term periods/],
  ['202425', 'Summer term', /"Summer term" is a school term: this tracker has no term periods/],
  ['202425', 'Autumn and spring term', /"Autumn and spring term" is two school terms together/],
  ['202425', 'Part 1 (April to September)', /is half of a financial year/],
  ['202425', 'Part 2 (October to March)', /is half of a financial year/],
  ['202425', 'Tax year', /"Tax year" is a tax year, which runs from 6 April to 5 April/],
  ...[1, 2, 3, 4].map((q): [string, string, RegExp] => ['202425', `Tax year Q${q}`, /is a tax year quarter/]),
  ...Array.from({ length: 52 }, (_, i): [string, string, RegExp] => ['2024', `Week ${i + 1}`, /is a week: this tracker has no week periods/]),
];

t.test('every identifier EES uses is either mapped or refused here, and nothing else', async (t) => {
  const covered = [...maps.map((m) => m[1]), ...refused.map((r) => r[1])].sort();
  t.same(covered, EES_TIME_IDENTIFIERS.map((i) => i.label).sort(), 'the tables cover the EES list exactly');
  t.equal(EES_TIME_IDENTIFIERS.length, 5 + 5 + 2 + 5 + 5 + 1 + 4 + 52 + 12, 'EES has 91 time identifiers');
});

t.test('identifiers with a period of ours', async (t) => {
  for (const [code, identifier, type, label] of maps) {
    const period = periodFromDfe(code, identifier);
    t.match(period, { type, label }, `${code} ${identifier} is ${label}`);
    // The EES API's code (AY, CYQ1, M3…) and any case or spacing read the same.
    const apiCode = findEesTimeIdentifier(identifier)!.code;
    t.match(periodFromDfe(` ${code} `, apiCode), { type, label }, `${code} ${apiCode} is ${label}`);
    t.match(periodFromDfe(code, ` ${identifier.toUpperCase().replace(' ', '  ')} `), { type, label });
  }
});

t.test('identifiers without one are refused, naming them and what is read', async (t) => {
  for (const [code, identifier, why] of refused) {
    const message = (() => {
      try {
        periodFromDfe(code, identifier);
        return null;
      } catch (error) {
        t.type(error, PeriodError);
        return (error as Error).message;
      }
    })();
    if (message === null) {
      t.fail(`${code} ${identifier} should be refused`);
      continue;
    }
    t.match(message, `time_identifier "${identifier}" with time_period "${code}" cannot be read`, identifier);
    t.match(message, why, identifier);
    t.match(message, SUPPORTED, `${identifier}: the message lists what is read`);
  }
});

t.test('a time_period that does not fit its identifier, or an unknown identifier', async (t) => {
  const bad: [string, string, RegExp][] = [
    ['202426', 'Academic year', /the two years must be consecutive, e.g. 202425/],
    ['2024', 'Academic year', /expected a six-digit time_period such as 202425 for "Academic year"/],
    ['2024', 'Financial year Q1', /expected a six-digit time_period such as 202425 for "Financial year Q1"/],
    ['202425', 'Calendar year', /expected a four-digit time_period such as 2024 for "Calendar year"/],
    ['202425', 'Calendar year Q1', /expected a four-digit time_period/],
    ['202324', 'Reporting year', /expected a four-digit time_period such as 2024 for "Reporting year"/],
    ['202425', 'March', /expected a four-digit time_period such as 2024 for "March"/],
    ['202425', 'Financial year Q5', /time_identifier "Financial year Q5" with time_period "202425" cannot be read: it is not a time identifier explore education statistics uses\. This tracker reads/],
    ['202425', 'Full year', /"Full year" .* it is not a time identifier/],
    ['', '', /the time_identifier is empty/],
  ];
  for (const [code, identifier, why] of bad) {
    t.throws(() => periodFromDfe(code, identifier), { name: 'PeriodError', message: why }, `${JSON.stringify(code)} ${JSON.stringify(identifier)}`);
  }
});
