// The accessibility statement (issue 17): public, in the GOV.UK model form, honest about what fails, naming the
// operator's contact, and linked from the footer of every page.
import t from 'tap';
import { buildTestApp, signIn } from '../helpers/app.ts';

const text = (html: string) => html.replace(/<[^>]+>/g, ' ').replace(/\s+/g, ' ');

t.test('anyone can read it, without signing in', async (t) => {
  const { app } = await buildTestApp(t, 'empty');
  const response = await app.inject({ method: 'GET', url: '/accessibility' });
  t.equal(response.statusCode, 200);
  const body = text(response.body);
  t.match(response.body, /<h1[^>]*>Accessibility statement for Turning the Curve<\/h1>/);
  for (const heading of [
    'How accessible this service is',
    'Feedback and contact information',
    'Reporting accessibility problems with this service',
    'Enforcement procedure',
    'Technical information about this service’s accessibility',
    'Compliance status',
    'Non-accessible content',
    'What we’re doing to improve accessibility',
    'Preparation of this accessibility statement',
  ]) t.match(response.body, new RegExp(`<h[23][^>]*>${heading}</h[23]>`), `the model's section: ${heading}`);
  t.match(body, /partially compliant with the Web Content Accessibility Guidelines version 2\.2 AA standard/);
  t.match(body, /Equality and Human Rights Commission \(EHRC\)/);
  t.match(body, /Equality Commission for Northern Ireland \(ECNI\)/);
  t.match(body, /1\.4\.10 \(Reflow\)/, 'the projector-only presentation is owned up to');
  t.match(body, /2\.1\.4 \(Character Key Shortcuts\)/);
  t.match(body, /2\.2\.1 \(Timing Adjustable\)/);
  t.match(body, /table beside it with the same figures/, 'charts and their tables');
  t.match(body, /each of the four roles.*1,280 pixels wide.*390 pixels wide.*axe-core.*WCAG 2\.2 A and AA rules/, 'what was tested and how');
  t.match(body, /by keyboard alone/);
  t.match(body, /This statement was prepared on \d{1,2} [A-Z][a-z]+ \d{4}\. It was last reviewed on \d{1,2} [A-Z][a-z]+ \d{4}\./);
  t.match(text(response.body.split('data-testid="contact">')[1]!.split('</span>')[0]!), /the partnership’s administrator/, 'the default contact');
});

t.test('the contact is the one the operator configured', async (t) => {
  await t.test('an email address becomes a link', async (t) => {
    const { app } = await buildTestApp(t, 'empty', { ACCESSIBILITY_CONTACT: 'data.team@coventry.gov.uk' });
    const response = await app.inject({ method: 'GET', url: '/accessibility' });
    t.match(response.body, /data-testid="contact"><a class="govuk-link" href="mailto:data\.team@coventry\.gov\.uk">data\.team@coventry\.gov\.uk<\/a>/);
    t.notMatch(response.body, /the partnership’s administrator/);
  });
  await t.test('words are shown as written, escaped', async (t) => {
    const { app } = await buildTestApp(t, 'empty', { ACCESSIBILITY_CONTACT: 'the data team <Coventry> on 024 7683 1234' });
    const response = await app.inject({ method: 'GET', url: '/accessibility' });
    t.match(response.body, /data-testid="contact">the data team &lt;Coventry&gt; on 024 7683 1234<\/span>/);
    t.notMatch(response.body, /mailto:/);
  });
});

t.test('every page links to it from its footer', async (t) => {
  const { app } = await buildTestApp(t, 'demo');
  const footerLink = /<footer[\s\S]*<a class="govuk-footer__link" href="\/accessibility">Accessibility statement<\/a>[\s\S]*<\/footer>/;
  const signInPage = await app.inject({ method: 'GET', url: '/sign-in' });
  t.match(signInPage.body, footerLink, 'the sign-in page');
  const { cookie } = await signIn(app, 'viewer@demo.example');
  for (const url of ['/', '/p/coventry/scorecard', '/library', '/accessibility']) {
    const page = await app.inject({ method: 'GET', url, headers: { cookie } });
    t.equal(page.statusCode, 200, url);
    t.match(page.body, footerLink, `${url} links to the statement`);
  }
  const signedIn = await app.inject({ method: 'GET', url: '/accessibility', headers: { cookie } });
  t.match(signedIn.body, /Sign out/, 'a signed-in reader keeps their header');
});
