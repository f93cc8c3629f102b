// Progressive enhancement hooks for every page (no inline script: the CSP forbids it).
document.body.classList.add('js-enabled', 'govuk-frontend-supported');
// Focus the error summary so a screen reader announces it, as the GOV.UK pattern asks.
const summary = document.querySelector('.govuk-error-summary');
if (summary) summary.focus();
