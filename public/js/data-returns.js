// Data entry: as a numerator and denominator are typed, say what value they give (the server works it out the same way).
(function () {
  'use strict';
  function formatted(value, unit, decimals, rateBase) {
    var text = value.toLocaleString('en-GB', { minimumFractionDigits: decimals, maximumFractionDigits: decimals });
    if (unit === 'percentage') return text + '%';
    if (unit === 'rate' && rateBase) return text + ' per ' + Number(rateBase).toLocaleString('en-GB');
    return text;
  }
  function number(text) {
    var t = String(text || '').trim().replace(/^(\d{1,3}(,\d{3})+)(\.\d+)?$/, function (m) { return m.replace(/,/g, ''); });
    if (!/^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(t)) return null;
    return Number(t);
  }
  document.querySelectorAll('.ttc-return').forEach(function (fieldset) {
    var unit = fieldset.getAttribute('data-unit');
    var decimals = Number(fieldset.getAttribute('data-decimals') || 1);
    var rateBase = fieldset.getAttribute('data-rate-base');
    fieldset.querySelectorAll('.ttc-computed').forEach(function (hint) {
      var id = hint.getAttribute('data-for');
      var numerator = document.getElementById('numerator-' + id);
      var denominator = document.getElementById('denominator-' + id);
      if (!numerator || !denominator) return;
      var original = hint.textContent;
      function update() {
        var n = number(numerator.value);
        var d = number(denominator.value);
        if (n === null || d === null || d <= 0) { hint.textContent = original; return; }
        var ratio = n / d;
        var value = unit === 'percentage' ? ratio * 100 : unit === 'rate' ? ratio * (Number(rateBase) || 1) : ratio;
        hint.textContent = 'Worked out from ' + numerator.value.trim() + ' ÷ ' + denominator.value.trim() + ': ' + formatted(value, unit, decimals, rateBase) + '. Leave the value blank.';
      }
      numerator.addEventListener('input', update);
      denominator.addEventListener('input', update);
      update();
    });
  });
})();

// On a phone (below 640 px) the return shows one indicator at a time, with Previous / Next, where it is ("3 of 14") and
// the Save button in a bar kept at the foot of the screen. Every figure stays in the one form, so Save sends them all.
// Without script, or on a wider screen, the whole form shows as it is.
(function () {
  'use strict';
  var form = document.getElementById('figures');
  if (!form || !window.matchMedia) return;
  var steps = Array.prototype.slice.call(form.querySelectorAll('.ttc-return'));
  var buttons = form.querySelector('.govuk-button-group');
  if (steps.length < 2 || !buttons) return;
  var phone = window.matchMedia('(max-width: 639px)');

  var bar = document.createElement('div');
  bar.className = 'ttc-step-bar';
  var nav = document.createElement('div');
  nav.className = 'ttc-step-bar__nav';
  var position = document.createElement('p');
  position.className = 'govuk-body ttc-step-bar__position';
  position.setAttribute('aria-live', 'polite');
  position.setAttribute('data-testid', 'step-position');
  function button(text, action) {
    var b = document.createElement('button');
    b.type = 'button';
    b.className = 'govuk-button govuk-button--secondary';
    b.setAttribute('data-step', action);
    b.textContent = text;
    return b;
  }
  var previous = button('Previous', 'previous');
  var next = button('Next', 'next');
  nav.appendChild(position);
  nav.appendChild(previous);
  nav.appendChild(next);
  buttons.parentNode.insertBefore(bar, buttons);
  bar.appendChild(nav);
  bar.appendChild(buttons);

  // Start where the first error is, if the server sent any back.
  var current = 0;
  steps.some(function (step, i) {
    if (step.querySelector('.govuk-form-group--error, .govuk-error-message')) { current = i; return true; }
    return false;
  });

  function show(index, moveFocus) {
    current = Math.max(0, Math.min(steps.length - 1, index));
    var on = phone.matches;
    form.classList.toggle('ttc-stepper', on);
    nav.hidden = !on;
    steps.forEach(function (step, i) { step.hidden = on && i !== current; });
    position.textContent = (current + 1) + ' of ' + steps.length;
    previous.disabled = current === 0;
    next.disabled = current === steps.length - 1;
    if (on && moveFocus) {
      var step = steps[current];
      if (!step.hasAttribute('tabindex')) step.setAttribute('tabindex', '-1');
      step.focus();
      step.scrollIntoView({ block: 'start' });
    }
  }
  previous.addEventListener('click', function () { show(current - 1, true); });
  next.addEventListener('click', function () { show(current + 1, true); });
  if (phone.addEventListener) phone.addEventListener('change', function () { show(current, false); });
  else if (phone.addListener) phone.addListener(function () { show(current, false); });

  // A link to a field on another step (the error summary's) opens that step first.
  document.addEventListener('click', function (event) {
    var link = event.target && event.target.closest ? event.target.closest('a[href^="#"]') : null;
    if (!link || !phone.matches) return;
    var target = document.getElementById(decodeURIComponent(link.getAttribute('href').slice(1)));
    if (!target) return;
    steps.some(function (step, i) {
      if (step.contains(target)) { show(i, false); return true; }
      return false;
    });
  }, true);
  show(current, false);
})();
