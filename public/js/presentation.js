// Presentation mode for a data day. The keyboard drives it, as a presentation clicker does:
//   → ↓ Page Down Space: next slide      ← ↑ Page Up: previous slide      Home / End: first / last slide
//   I: the slide index (↑ ↓ to move, Enter to go, Escape to close)         a number then Enter: go to that slide
//   F: full screen      B or .: blank the screen      N: note what the room says (managers)      Escape: close
// Where the room is (the slide on screen) is kept in the address (#slide-n) and, for the room notes page open in
// another window, in this browser's local storage.
(function () {
  'use strict';
  var deck = document.querySelector('[data-deck]');
  if (!deck) return;
  var root = document.documentElement;
  root.classList.add('ttc-deck-js');
  deck.setAttribute('tabindex', '-1');

  var slides = Array.prototype.slice.call(deck.querySelectorAll('.ttc-slide'));
  var total = slides.length;
  var storeKey = deck.getAttribute('data-store-key');
  var live = document.querySelector('[data-slide-live]');
  var counter = document.querySelector('[data-slide-counter]');
  var index = document.getElementById('slide-index');
  var indexLinks = index ? Array.prototype.slice.call(index.querySelectorAll('a[data-goto]')) : [];
  var note = document.querySelector('[data-note-form]');
  var blank = document.querySelector('[data-blank]');
  var current = -1;
  var typed = '';
  var typedTimer = null;

  function chartsIn(element) {
    return Array.prototype.map.call(element.querySelectorAll('canvas[data-chart]'), function (c) { return c.ttcChart; }).filter(Boolean);
  }

  // Lines and points a room can see: thicker than on a page.
  chartsIn(deck).forEach(function (chart) {
    chart.data.datasets.forEach(function (d) {
      if (typeof d.borderWidth === 'number' && d.borderWidth > 0) d.borderWidth = d.borderWidth * 1.6;
      if (typeof d.pointRadius === 'number' && d.pointRadius > 0) d.pointRadius = d.pointRadius * 1.5;
    });
    chart.update('none');
  });

  function slideFromHash() {
    var match = /^#slide-(\d+)$/.exec(window.location.hash);
    return match ? parseInt(match[1], 10) - 1 : 0;
  }

  function show(n) {
    n = Math.max(0, Math.min(total - 1, n));
    if (n === current) return;
    current = n;
    slides.forEach(function (slide, i) {
      slide.hidden = i !== n;
    });
    var slide = slides[n];
    // A chart that was hidden has no size yet: measure it now it is on screen.
    chartsIn(slide).forEach(function (chart) { chart.resize(); });
    if (counter) counter.textContent = (n + 1) + ' / ' + total;
    if (live) live.textContent = slide.getAttribute('aria-label');
    indexLinks.forEach(function (link, i) {
      if (i === n) link.setAttribute('aria-current', 'step');
      else link.removeAttribute('aria-current');
    });
    if (window.location.hash !== '#slide-' + (n + 1) && window.history.replaceState) {
      window.history.replaceState(null, '', '#slide-' + (n + 1));
    }
    try {
      window.localStorage.setItem(storeKey, JSON.stringify({ n: n + 1, subject: slide.getAttribute('data-subject'), label: slide.getAttribute('data-label'), at: Date.now() }));
    } catch (e) { /* storage may be off: the room notes page then asks which slide */ }
    if (note && !note.hidden) fillNote();
  }

  // ---- The slide index ----
  function openIndex() {
    if (!index) return;
    closeNote();
    index.hidden = false;
    (indexLinks[current] || indexLinks[0]).focus();
  }
  function closeIndex() {
    if (!index || index.hidden) return false;
    index.hidden = true;
    deck.focus();
    return true;
  }
  function indexKey(event) {
    var at = indexLinks.indexOf(document.activeElement);
    var to = null;
    if (event.key === 'ArrowDown' || event.key === 'PageDown') to = Math.min(indexLinks.length - 1, at + 1);
    else if (event.key === 'ArrowUp' || event.key === 'PageUp') to = Math.max(0, at - 1);
    else if (event.key === 'Home') to = 0;
    else if (event.key === 'End') to = indexLinks.length - 1;
    else if (event.key === 'i' || event.key === 'I') { closeIndex(); event.preventDefault(); return; }
    if (to !== null) {
      event.preventDefault();
      indexLinks[to].focus();
    }
  }
  indexLinks.forEach(function (link) {
    link.addEventListener('click', function (event) {
      event.preventDefault();
      index.hidden = true;
      show(parseInt(link.getAttribute('data-goto'), 10) - 1);
      deck.focus();
    });
  });

  // ---- Room notes (managers) ----
  var noteStatus = note && note.querySelector('[data-note-status]');
  function fillNote() {
    var slide = slides[current];
    note.querySelector('[data-note-subject]').value = slide.getAttribute('data-subject') || '';
    note.querySelector('[data-note-label]').value = slide.getAttribute('data-label') || '';
    note.querySelector('[data-note-slide]').value = String(current + 1);
    note.querySelector('[data-note-about]').textContent = slide.getAttribute('data-label');
  }
  function openNote() {
    if (!note) return;
    closeIndex();
    fillNote();
    noteStatus.textContent = '';
    note.hidden = false;
    note.querySelector('textarea').focus();
  }
  function closeNote() {
    if (!note || note.hidden) return false;
    note.hidden = true;
    deck.focus();
    return true;
  }
  if (note) {
    note.addEventListener('submit', function (event) {
      event.preventDefault();
      var body = new URLSearchParams(new FormData(note));
      noteStatus.classList.remove('ttc-deck__status--error');
      noteStatus.textContent = 'Saving…';
      fetch(note.action, { method: 'POST', body: body, credentials: 'same-origin', headers: { accept: 'application/json' } })
        .then(function (response) {
          // A reply that is not JSON is the sign-in page: the session ended while the room was talking.
          if (!/json/.test(response.headers.get('content-type') || '')) throw new Error('The note was not saved: you have been signed out. Sign in again in another tab, then save it.');
          return response.json().then(function (json) { return { ok: response.ok, json: json }; });
        })
        .then(function (result) {
          if (!result.ok) throw new Error(result.json.message || 'The note was not saved');
          noteStatus.textContent = result.json.message;
          note.querySelector('textarea').value = '';
          note.querySelector('[name=who]').value = '';
          note.querySelector('textarea').focus();
        })
        .catch(function (error) {
          noteStatus.classList.add('ttc-deck__status--error');
          noteStatus.textContent = error && error.message && error.message !== 'Failed to fetch' ? error.message : 'The note was not saved: check the connection and try again.';
        });
    });
    note.querySelector('[data-close-panel]').addEventListener('click', closeNote);
  }

  // ---- Full screen, blank screen ----
  function toggleFullscreen() {
    if (document.fullscreenElement) document.exitFullscreen().catch(function () {});
    else if (root.requestFullscreen) root.requestFullscreen().catch(function () {});
  }
  function toggleBlank() {
    if (blank) blank.hidden = !blank.hidden;
  }

  // ---- Buttons for a mouse, shown once a mouse moves ----
  function wire(selector, action) {
    var button = document.querySelector(selector);
    if (!button) return;
    button.hidden = false;
    button.addEventListener('click', action);
  }
  wire('[data-open-index]', openIndex);
  wire('[data-open-note]', openNote);
  wire('[data-fullscreen]', toggleFullscreen);
  var pointerTimer = null;
  document.addEventListener('mousemove', function () {
    document.body.classList.add('ttc-deck--pointer');
    clearTimeout(pointerTimer);
    pointerTimer = setTimeout(function () { document.body.classList.remove('ttc-deck--pointer'); }, 2500);
  });

  // ---- The keyboard ----
  document.addEventListener('keydown', function (event) {
    if (event.altKey || event.ctrlKey || event.metaKey) return;
    var target = event.target;
    var tag = target && target.tagName;
    var inField = tag === 'INPUT' || tag === 'TEXTAREA' || tag === 'SELECT' || (target && target.isContentEditable);
    if (event.key === 'Escape') {
      if (closeIndex() || closeNote()) event.preventDefault();
      else if (blank && !blank.hidden) {
        blank.hidden = true;
        event.preventDefault();
      }
      return;
    }
    if (inField) return;
    if (index && !index.hidden) { indexKey(event); return; }
    if (note && !note.hidden) return;
    // Space and Enter keep their meaning on a focused button or link.
    var onControl = tag === 'BUTTON' || tag === 'A';
    switch (event.key) {
      case 'ArrowRight':
      case 'ArrowDown':
      case 'PageDown':
        show(current + 1);
        break;
      case ' ':
        if (onControl) return;
        show(event.shiftKey ? current - 1 : current + 1);
        break;
      case 'ArrowLeft':
      case 'ArrowUp':
      case 'PageUp':
        show(current - 1);
        break;
      case 'Home':
        show(0);
        break;
      case 'End':
        show(total - 1);
        break;
      case 'i':
      case 'I':
        openIndex();
        break;
      case 'f':
      case 'F':
        toggleFullscreen();
        break;
      case 'b':
      case 'B':
      case '.':
        toggleBlank();
        break;
      case 'n':
      case 'N':
        if (!note) return;
        openNote();
        break;
      case 'Enter':
        if (onControl || !typed) return;
        show(parseInt(typed, 10) - 1);
        typed = '';
        break;
      default:
        if (/^[0-9]$/.test(event.key)) {
          typed = (typed + event.key).slice(-4);
          clearTimeout(typedTimer);
          typedTimer = setTimeout(function () { typed = ''; }, 2000);
          break;
        }
        return;
    }
    event.preventDefault();
  });

  window.addEventListener('hashchange', function () { show(slideFromHash()); });
  show(slideFromHash());
  deck.focus();
})();
