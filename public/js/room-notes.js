// The room notes page: when the presentation runs in another window of this browser, the note is about the slide on
// screen unless the manager chooses otherwise. The presentation keeps where it is in local storage.
(function () {
  'use strict';
  var select = document.querySelector('[data-follow-slide]');
  if (!select) return;
  var key = select.getAttribute('data-follow-slide');
  var onScreen = document.querySelector('[data-on-screen]');
  var chosenByHand = false;
  select.addEventListener('change', function () {
    chosenByHand = true;
    // The slide's own name no longer applies: the note is about what was chosen.
    var label = document.querySelector('[data-note-label]');
    if (label) label.value = '';
    if (onScreen) onScreen.hidden = true;
  });
  function follow(raw) {
    if (chosenByHand || !raw) return;
    var state;
    try { state = JSON.parse(raw); } catch (e) { return; }
    // Only a presentation running today: yesterday's position says nothing about this room.
    if (!state || Date.now() - state.at > 12 * 60 * 60 * 1000) return;
    var option = Array.prototype.find.call(select.options, function (o) { return o.value === (state.subject || ''); });
    if (!option) return;
    select.value = option.value;
    var label = document.querySelector('[data-note-label]');
    if (label) label.value = state.label || '';
    if (onScreen) {
      onScreen.hidden = false;
      onScreen.querySelector('strong').textContent = 'slide ' + state.n + ': ' + state.label;
    }
  }
  try { follow(window.localStorage.getItem(key)); } catch (e) { /* storage off */ }
  window.addEventListener('storage', function (event) { if (event.key === key) follow(event.newValue); });
})();
