// Stands in for the "yaml" package inside Redoc's bundle (vite.config.js
// aliases it here). Redoc's converter of Swagger 2.0 documents
// (swagger2openapi) requires it without Redoc declaring it, so it is not
// installed where the bundle can reach it. The 接口文档 page hands Redoc an
// OpenAPI 3.1 object, so no YAML is ever read or written: a call means a
// Swagger 2.0 or YAML document reached Redoc, which this console never does.
function unsupported() {
  throw new Error('YAML is not supported by the console\'s Redoc: give it an OpenAPI 3 object');
}
export const parse = unsupported;
export const stringify = unsupported;
export default { parse, stringify };
