/**
 * The HTTP surface: the JSON API (later the web app, OAuth callback and gateway).
 * Only this area imports Hono. It calls the hub and nothing below it.
 *
 * May import: src/core, src/hub, src/app (composition root types).
 */
export { type ApiAppOptions, createApiApp } from './api-app.ts';
export { type RunningServer, startServer } from './serve.ts';
export { createGateway, type Gateway, type GatewayOptions } from './gateway/gateway-routes.ts';
export { type InProcessStdioOptions, relayGatewayToHub, serveGatewayInProcess, type StdioGateway } from './gateway/gateway-stdio.ts';
