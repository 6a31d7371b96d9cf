// Starts Swagger UI on /docs. A file, not an inline script: the CSP allows scripts from this origin only.
// The settings are FastAPI's defaults for its own /docs page, without the online spec validator.
const script = document.currentScript;

window.ui = SwaggerUIBundle({
  url: script.dataset.openapiUrl,
  dom_id: "#swagger-ui",
  layout: "BaseLayout",
  deepLinking: true,
  showExtensions: true,
  showCommonExtensions: true,
  validatorUrl: null,
  presets: [SwaggerUIBundle.presets.apis, SwaggerUIBundle.SwaggerUIStandalonePreset],
});
