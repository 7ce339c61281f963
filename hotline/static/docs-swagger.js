// Starts Swagger UI on /docs. A file of our own rather than the usual inline script, so the
// page keeps the same strict CSP as every other page (script-src 'self').
(function () {
  "use strict";
  var root = document.getElementById("swagger-ui");
  window.ui = SwaggerUIBundle({
    url: root.getAttribute("data-openapi-url"),
    dom_id: "#swagger-ui",
    layout: "BaseLayout",
    presets: [SwaggerUIBundle.presets.apis],
    deepLinking: true,
    showExtensions: true,
    showCommonExtensions: true,
    // Never send our schema to swagger.io's online validator (the default does).
    validatorUrl: null,
  });
})();
