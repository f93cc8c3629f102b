// Progressive enhancement hooks for every page (no inline script: the CSP forbids it).
document.body.classList.add('js-enabled', 'govuk-frontend-supported');
// Focus the error summary so a screen reader announces it, as the GOV.UK pattern asks.
const summary = document.querySelector('.govuk-error-summary');
if (summary) summary.focus();
// After a save, import, restore or publish, focus the banner that says what happened (unless an error needs it first).
const notice = document.querySelector('[data-notice]');
if (notice && !summary) notice.focus();
