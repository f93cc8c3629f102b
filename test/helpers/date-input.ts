// Filling a GOV.UK date input (id-day, id-month, id-year) in a browser test, from a YYYY-MM-DD date.
import type { Page } from 'playwright-core';

export async function fillDate(page: Page, id: string, isoDate: string): Promise<void> {
  const [year, month, day] = isoDate.split('-');
  await page.fill(`#${id}-day`, String(Number(day)));
  await page.fill(`#${id}-month`, String(Number(month)));
  await page.fill(`#${id}-year`, year!);
}
