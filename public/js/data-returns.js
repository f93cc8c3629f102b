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
