// Quick exit: leave for a neutral site without leaving this page in the back history.
// Works from the button everywhere, and from pressing Shift three times within a second and a
// half - but never while the focus is in a place that takes typing (a text box, a list to
// choose from, an editable area): a child writing "MR J" presses Shift three times and must
// not lose their words.
//
// No draft is kept. Saving the words (localStorage, sessionStorage, cookies) would survive a
// quick exit: on a shared phone or computer the person the child is hiding from could open
// the form and find them. What is typed lives only in this page until it is sent.
(function () {
  "use strict";
  var link = document.getElementById("quick-exit");
  if (!link) { return; }
  var target = link.getAttribute("data-exit-url") || "https://www.wikipedia.org/";
  // Inputs that do not take typing: Shift there is not part of a word.
  var NOT_TYPING = {
    button: true, checkbox: true, radio: true, submit: true, reset: true,
    image: true, file: true, color: true, range: true, hidden: true
  };
  function takesTyping(element) {
    if (!element || element.nodeType !== 1) { return false; }
    if (element.isContentEditable) { return true; }
    var tag = element.tagName;
    if (tag === "TEXTAREA" || tag === "SELECT") { return true; }
    if (tag === "INPUT") {
      return !NOT_TYPING[(element.getAttribute("type") || "text").toLowerCase()];
    }
    return false;
  }
  function leave(event) {
    if (event) { event.preventDefault(); }
    document.body.innerHTML = "";
    document.title = "";
    window.location.replace(target);
  }
  link.addEventListener("click", leave);
  var presses = [];
  document.addEventListener("keydown", function (event) {
    if (takesTyping(event.target) || takesTyping(document.activeElement)) {
      presses = [];  // presses before and after typing do not add up
      return;
    }
    if (event.key !== "Shift" || event.repeat) { return; }
    var now = Date.now();
    presses = presses.filter(function (t) { return now - t < 1500; });
    presses.push(now);
    if (presses.length >= 3) { leave(); }
  });
}());
