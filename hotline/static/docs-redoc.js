// Starts ReDoc on /redoc, from a file of our own so the page keeps the strict CSP.
(function () {
  "use strict";
  // ReDoc always shows Redocly's logo from their CDN: this page loads nothing from elsewhere,
  // so such an image stays empty and hidden (React sets the property, others the attribute).
  function elsewhere(url) {
    return new URL(String(url), document.baseURI).origin !== window.location.origin;
  }
  var img = HTMLImageElement.prototype;
  var src = Object.getOwnPropertyDescriptor(img, "src");
  Object.defineProperty(img, "src", {
    configurable: true,
    enumerable: src.enumerable,
    get: src.get,
    set: function (url) {
      if (elsewhere(url)) { this.hidden = true; } else { src.set.call(this, url); }
    },
  });
  var setAttribute = Element.prototype.setAttribute;
  img.setAttribute = function (name, value) {
    if (String(name).toLowerCase() === "src") { this.src = value; } else { setAttribute.call(this, name, value); }
  };
  var root = document.getElementById("redoc");
  Redoc.init(root.getAttribute("data-openapi-url"), { nativeScrollbars: true }, root);
})();
